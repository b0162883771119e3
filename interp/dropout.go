package interp

import (
	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/runtime"
)

// dropoutMask returns the training mask of dropout l on input in, the
// index-th node of the graph, for a batch: value i (in C, H, W order) of sample s is
// kept when the i-th Float64 of runtime.DropoutRand(seed, s, index) is at
// least p = l.P, and a kept value is scaled by 1/(1-p):
//
//	mask[s][i] = 1/(1-p) if u[s][i] >= p, else 0
//
// With p = 0 every value is kept with scale 1.
func dropoutMask(l *ir.Dropout, in ir.Shape, index int, seed uint64, batch int) []float64 {
	p, size := l.P, in.Size()
	scale := 1 / (1 - p)
	mask := make([]float64, batch*size)
	for s := range batch {
		r := runtime.DropoutRand(seed, s, index)
		for i := range size {
			if r.Float64() >= p {
				mask[s*size+i] = scale
			}
		}
	}
	return mask
}

// dropoutForward returns y[i] = mask[i] · x[i], or a copy of x when mask is
// nil (inference, where dropout is the identity).
func dropoutForward(x, mask []float64) []float64 {
	return applyMask(x, mask)
}

// dropoutBackward returns dx[i] = mask[i] · dy[i], the same mask and scale
// as forward, or a copy of dy when mask is nil.
func dropoutBackward(dy, mask []float64) []float64 {
	return applyMask(dy, mask)
}

// applyMask returns v multiplied value by value by mask, or a copy of v when
// mask is nil.
func applyMask(v, mask []float64) []float64 {
	out := append([]float64(nil), v...)
	if mask == nil {
		return out
	}
	for i := range out {
		out[i] *= mask[i]
	}
	return out
}
