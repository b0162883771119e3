package runtime

import "unsafe"

// rowsKind names a kernel path's axpyRows8 kernel in assembly (fc_amd64.s),
// called directly through callRows8: through a function value its
// arguments would escape and allocate.
type rowsKind uint8

const (
	rowsNone rowsKind = iota // 8 calls of axpy instead
	rowsY                    // AVX2, 8 lanes
	rowsZ                    // AVX-512, 16 lanes
)

// rowsArgs is what the axpyRows8 kernels read (fc_amd64.s knows its layout):
// 8 rows x, the values y they add to, the bytes of y they cover (a
// positive multiple of the vector width) and the 8 factors.
type rowsArgs struct {
	x     [8]unsafe.Pointer
	y     unsafe.Pointer
	n     uintptr
	alpha [8]float32
}

// axpyRows8 adds alpha[r]·x[r] to y for r = 0 to 7 in turn, each value by one
// fused multiply-add a row, exactly as Axpy row after row would: y is
// loaded and stored once for the 8 rows instead of 8 times. Every x[r]
// must be at least as long as y.
func axpyRows8(y []float32, x *[8][]float32, alpha *[8]float32) {
	lanes, nv := 16, 0
	if kernels.rows8 == rowsY {
		lanes = 8
	}
	if kernels.rows8 != rowsNone {
		nv = len(y) / lanes * lanes
	}
	if nv > 0 {
		a := rowsArgs{y: unsafe.Pointer(&y[0]), n: uintptr(nv) * 4, alpha: *alpha}
		for r, xr := range x {
			a.x[r] = unsafe.Pointer(&xr[:len(y)][0])
		}
		callRows8(kernels.rows8, &a)
	}
	if nv < len(y) {
		for r, xr := range x {
			Axpy(alpha[r], xr[nv:len(y)], y[nv:])
		}
	}
}
