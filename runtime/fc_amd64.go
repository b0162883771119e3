//go:build !purego

package runtime

// The fc tiles in assembly (fc_amd64.s). fc8x1 streams 8 rows of weights
// against one sample's inputs (a matrix-vector product, bound by the
// memory's read bandwidth: 8 independent sums keep the loads in flight);
// the batch tiles read each weight vector once for all the samples of a
// group, 3 rows × 8 samples in 24 Z registers, 1 row × 8 samples in 8 Y
// registers.

//go:noescape
func fc8x1Y(a *fcArgs)

//go:noescape
func fc1x8Y(a *fcArgs)

//go:noescape
func fc8x1Z(a *fcArgs)

//go:noescape
func fc3x8Z(a *fcArgs)

var (
	fcOneY  = fcTile{r: 8, s: 1, lanes: 8, run: fcKind8x1Y}
	fcManyY = fcTile{r: 1, s: 8, lanes: 8, run: fcKind1x8Y}
	fcOneZ  = fcTile{r: 8, s: 1, lanes: 16, run: fcKind8x1Z}
	fcManyZ = fcTile{r: 3, s: 8, lanes: 16, run: fcKind3x8Z}
)

func fcForwardAsm(out, in, w, b []float32, n, k, m, o0, o1 int) {
	fcForwardTiles(out, in, w, b, n, k, m, o0, o1, &fcOneY, &fcManyY)
}

func fcForwardZ(out, in, w, b []float32, n, k, m, o0, o1 int) {
	fcForwardTiles(out, in, w, b, n, k, m, o0, o1, &fcOneZ, &fcManyZ)
}

//go:noescape
func axpyRows8Y(a *rowsArgs)

//go:noescape
func axpyRows8Z(a *rowsArgs)

func callRows8(k rowsKind, a *rowsArgs) {
	if k == rowsZ {
		axpyRows8Z(a)
	} else {
		axpyRows8Y(a)
	}
}
