package interp

import (
	"math"

	"github.com/cnnc/cnnc/ir"
)

// softmaxForward normalises the F = In.Size() features of each sample s,
// flattened in C, H, W order:
//
//	y[s][i] = e^(x[s][i] - m) / Σ_j e^(x[s][j] - m),   m = max_j x[s][j]
//
// Subtracting the maximum changes nothing mathematically and keeps every
// exponent at most 0, so nothing overflows.
func softmaxForward(in ir.Shape, x []float64, batch int) []float64 {
	f := in.Size()
	y := make([]float64, len(x))
	for s := range batch {
		m := math.Inf(-1)
		for i := range f {
			m = math.Max(m, x[s*f+i])
		}
		sum := 0.0
		for i := range f {
			y[s*f+i] = math.Exp(x[s*f+i] - m)
			sum += y[s*f+i]
		}
		for i := range f {
			y[s*f+i] /= sum
		}
	}
	return y
}

// softmaxBackward returns the gradient of sum(y·dy) for softmax, from its
// output y. Since ∂y[i]/∂x[j] = y[i]·(δij - y[j]),
//
//	dx[s][j] = y[s][j] · (dy[s][j] - Σ_i y[s][i]·dy[s][i])
func softmaxBackward(in ir.Shape, y, dy []float64, batch int) []float64 {
	f := in.Size()
	dx := make([]float64, len(dy))
	for s := range batch {
		dot := 0.0
		for i := range f {
			dot += y[s*f+i] * dy[s*f+i]
		}
		for j := range f {
			dx[s*f+j] = y[s*f+j] * (dy[s*f+j] - dot)
		}
	}
	return dx
}
