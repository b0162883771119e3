package interp

import (
	"math"

	"github.com/cnnc/cnnc/ir"
)

// Global pooling reduces each channel of a map shaped like in to one value,
// giving 1x1xC: nn.AdaptiveMaxPool2d(1) and nn.AdaptiveAvgPool2d(1). For a
// batch of n samples the output [n, C, 1, 1] holds, for sample s and
// channel c, the maximum or the mean of x[s][c][h][w] over all h < H, w < W.

// globalMaxPoolForward computes
//
//	y[s][c] = max over h, w of x[s][c][h][w]
//
// and argmax, for each output, the index in x of the value it took. The map
// is scanned in row-major order and a value replaces the maximum when it is
// greater or NaN, as in PyTorch's adaptive_max_pool2d CPU kernel: a tie
// goes to the first maximum, and a NaN wins (the last NaN, when there are
// several). This is the rule of maxPoolForward too.
func globalMaxPoolForward(in ir.Shape, x []float64, n int) (y []float64, argmax []int) {
	y = make([]float64, n*in.C)
	argmax = make([]int, len(y))
	for s := range n {
		for c := range in.C {
			best, where := math.Inf(-1), at(in, s, c, 0, 0)
			for h := range in.H {
				for w := range in.W {
					if v := x[at(in, s, c, h, w)]; v > best || math.IsNaN(v) {
						best, where = v, at(in, s, c, h, w)
					}
				}
			}
			y[s*in.C+c], argmax[s*in.C+c] = best, where
		}
	}
	return y, argmax
}

// globalMaxPoolBackward sends each output's gradient to the input its
// maximum came from; every other input gets 0:
//
//	dx[argmax[s][c]] = dy[s][c]
func globalMaxPoolBackward(in ir.Shape, argmax []int, dy []float64, n int) []float64 {
	dx := make([]float64, n*in.Size())
	for o, g := range dy {
		dx[argmax[o]] += g
	}
	return dx
}

// globalAvgPoolForward computes
//
//	y[s][c] = (1/(H·W)) · Σ_h Σ_w x[s][c][h][w]
func globalAvgPoolForward(in ir.Shape, x []float64, n int) []float64 {
	area := float64(in.H * in.W)
	y := make([]float64, n*in.C)
	for s := range n {
		for c := range in.C {
			sum := 0.0
			for h := range in.H {
				for w := range in.W {
					sum += x[at(in, s, c, h, w)]
				}
			}
			y[s*in.C+c] = sum / area
		}
	}
	return y
}

// globalAvgPoolBackward spreads each output's gradient evenly over its
// channel:
//
//	dx[s][c][h][w] = dy[s][c] / (H·W)
func globalAvgPoolBackward(in ir.Shape, dy []float64, n int) []float64 {
	area := float64(in.H * in.W)
	dx := make([]float64, n*in.Size())
	for s := range n {
		for c := range in.C {
			for h := range in.H {
				for w := range in.W {
					dx[at(in, s, c, h, w)] = dy[s*in.C+c] / area
				}
			}
		}
	}
	return dx
}
