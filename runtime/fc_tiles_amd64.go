//go:build !purego

package runtime

import "unsafe"

// fcArgs is what an fc tile reads and writes (fc_amd64.s knows its
// layout): the rows of weights and the samples' inputs it multiplies, as
// pointers (a tile narrower than its registers repeats its last row or
// sample: those lines come from L1), the bytes of each it covers, a
// multiple of its vector width, and its accumulators, [row·S+sample][lanes].
type fcArgs struct {
	w   [8]unsafe.Pointer
	x   [8]unsafe.Pointer
	n   uintptr
	acc [24 * 16]float32
}

// fcTile is one register tile of the fc forward pass: r rows × s samples
// of lanes-wide running sums, each a chain of fused multiply-adds over the
// vectors of the row in order, from zero. run calls it (directly: through
// a function value, a's pointer would escape and allocate).
type fcTile struct {
	r, s, lanes int
	run         fcKind
}

type fcKind uint8

const (
	fcKind8x1Y fcKind = iota
	fcKind1x8Y
	fcKind8x1Z
	fcKind3x8Z
)

func (k fcKind) call(a *fcArgs) {
	switch k {
	case fcKind8x1Y:
		fc8x1Y(a)
	case fcKind1x8Y:
		fc1x8Y(a)
	case fcKind8x1Z:
		fc8x1Z(a)
	case fcKind3x8Z:
		fc3x8Z(a)
	}
}

// fcForwardTiles computes outputs [o0, o1) of m samples (inputs n values
// apart, outputs k apart) with the tile one for a single sample and many
// for several. Each output is the same sum whichever tile computed it and
// however the outputs and samples were split: the lanes of its one running
// sum added in order, then the values past the last whole vector in order,
// then the bias.
func fcForwardTiles(out, in, w, b []float32, n, k, m, o0, o1 int, one, many *fcTile) {
	if o0 >= o1 || m == 0 {
		return
	}
	t := many
	if m == 1 {
		t = one
	}
	_, _ = w[o1*n-1], in[(m-1)*n+n-1] // every row and input the tiles read
	_, _ = out[(m-1)*k+o1-1], b[o1-1]
	nv := n / t.lanes * t.lanes
	var a fcArgs
	a.n = uintptr(nv) * 4
	for s0 := 0; s0 < m; s0 += t.s {
		ns := min(t.s, m-s0)
		for j := range t.s {
			a.x[j] = unsafe.Pointer(&in[(s0+min(j, ns-1))*n])
		}
		for o := o0; o < o1; o += t.r {
			nr := min(t.r, o1-o)
			for r := range t.r {
				a.w[r] = unsafe.Pointer(&w[(o+min(r, nr-1))*n])
			}
			if nv > 0 {
				t.run.call(&a)
			}
			for r := range nr {
				row := w[(o+r)*n:][:n]
				for j := range ns {
					x := in[(s0+j)*n:][:n]
					var sum float32
					if nv > 0 {
						for _, v := range a.acc[(r*t.s+j)*t.lanes:][:t.lanes] {
							sum += v
						}
					}
					for i := nv; i < n; i++ {
						sum += row[i] * x[i]
					}
					out[(s0+j)*k+o+r] = b[o+r] + sum
				}
			}
		}
	}
}
