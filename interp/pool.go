package interp

import (
	"iter"
	"math"

	"github.com/cnnc/cnnc/ir"
)

// maxPoolForward computes nn.MaxPool2d for a batch: for every sample s,
// channel c and output position (oy, ox),
//
//	y[s][c][oy][ox] = max over i < Fh, j < Fw of x[s][c][oy·SH+i-PH][ox·SW+j-PW]
//
// where the padding counts as -∞, so it never wins. It also returns argmax:
// for each output value, the index in x of the input it was taken from.
//
// The window is scanned in row-major order and a value replaces the maximum
// only when it is greater, so a tie goes to the first maximum; a NaN replaces
// it too, so a NaN in the window is the result. This is PyTorch's CPU kernel
// (ATen's cpu_max_pool), which also points argmax at the window's first
// input when every input is -∞. Every window holds at least one input, as a
// checked net's padding is at most half the window.
func maxPoolForward(l *ir.Pool, in, out ir.Shape, x []float64, batch int) (y []float64, argmax []int) {
	y = make([]float64, batch*out.Size())
	argmax = make([]int, len(y))
	for s := range batch {
		for c := range out.C {
			for oy := range out.H {
				for ox := range out.W {
					best, where := math.Inf(-1), -1
					for pos := range window(l, in, s, c, oy, ox) {
						if where < 0 {
							where = pos
						}
						if v := x[pos]; v > best || math.IsNaN(v) {
							best, where = v, pos
						}
					}
					y[at(out, s, c, oy, ox)] = best
					argmax[at(out, s, c, oy, ox)] = where
				}
			}
		}
	}
	return y, argmax
}

// maxPoolBackward returns the gradient of sum(y·dy) for max pooling: each
// output's gradient goes to the input its maximum was taken from, and adds
// up where overlapping windows took the same input:
//
//	dx[argmax[o]] += dy[o]   for every output value o
func maxPoolBackward(in ir.Shape, argmax []int, dy []float64, batch int) []float64 {
	dx := make([]float64, batch*in.Size())
	for o, g := range dy {
		dx[argmax[o]] += g
	}
	return dx
}

// meanPoolForward computes nn.AvgPool2d(count_include_pad=True) for a
// batch: for every sample s, channel c and output position (oy, ox),
//
//	y[s][c][oy][ox] = (1/(Fh·Fw)) · Σ_i Σ_j x[s][c][oy·SH+i-PH][ox·SW+j-PW]
//
// where the padding is zero but still counts in the divisor Fh·Fw. (PyTorch
// divides by the part of the window inside input plus padding; a checked
// net's windows never reach past the padding, so that is always Fh·Fw.)
func meanPoolForward(l *ir.Pool, in, out ir.Shape, x []float64, batch int) []float64 {
	area := float64(l.FH * l.FW)
	y := make([]float64, batch*out.Size())
	for s := range batch {
		for c := range out.C {
			for oy := range out.H {
				for ox := range out.W {
					sum := 0.0
					for pos := range window(l, in, s, c, oy, ox) {
						sum += x[pos]
					}
					y[at(out, s, c, oy, ox)] = sum / area
				}
			}
		}
	}
	return y
}

// meanPoolBackward returns the gradient of sum(y·dy) for mean pooling: each
// output's gradient is spread evenly over its window,
//
//	dx[s][c][oy·SH+i-PH][ox·SW+j-PW] += dy[s][c][oy][ox] / (Fh·Fw)
//
// and the shares that fall on padding are dropped.
func meanPoolBackward(l *ir.Pool, in, out ir.Shape, dy []float64, batch int) []float64 {
	area := float64(l.FH * l.FW)
	dx := make([]float64, batch*in.Size())
	for s := range batch {
		for c := range out.C {
			for oy := range out.H {
				for ox := range out.W {
					share := dy[at(out, s, c, oy, ox)] / area
					for pos := range window(l, in, s, c, oy, ox) {
						dx[pos] += share
					}
				}
			}
		}
	}
	return dx
}

// window yields, in row-major window order, the index in the batch's input
// of every value in the window of output (s, c, oy, ox) of pooling layer l:
// x[s][c][oy·SH+i-PH][ox·SW+j-PW] for i < Fh, j < Fw, padding left out.
func window(l *ir.Pool, in ir.Shape, s, c, oy, ox int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range l.FH {
			for j := range l.FW {
				iy, ix := oy*l.SH+i-l.PH, ox*l.SW+j-l.PW
				if inside(in, iy, ix) && !yield(at(in, s, c, iy, ix)) {
					return
				}
			}
		}
	}
}
