package interp

import "github.com/cnnc/cnnc/ir"

// A conv is nn.Conv2d(C, K, (Fh, Fw), stride, padding, dilation, groups,
// bias). Its C input channels and K filters are split in order into G
// groups: filter k belongs to group g = ⌊k / (K/G)⌋ and reads only that
// group's C/G channels, channel c = g·C/G + c' of x for c' < C/G, the
// second index of its weight [K, C/G, Fh, Fw]. G = 1 is the plain conv; G =
// C is depthwise (each filter reads one channel). Dilation D spreads the
// taps of the filter D apart: tap i of output row oy reads input row
// oy·SH + i·DH − PH (D = 1: adjacent rows). The output size follows from
// these (ir.Conv.Infer); when it was floored, the unread tail is never
// touched.

// convForward computes the conv for a batch: for every sample s, filter k
// (in group g) and output position (oy, ox),
//
//	y[s][k][oy][ox] = b[k] + Σ_c' Σ_i Σ_j w[k][c'][i][j] · x[s][g·C/G + c'][iy][ix]
//	    with iy = oy·SH + i·DH − PH,  ix = ox·SW + j·DW − PW
//
// where c' < C/G, i < Fh, j < Fw, and positions outside the input are the
// zero padding (they add nothing). Without a bias (nobias, b nil) b[k] is
// 0. The loops add one input channel at a time to every output of a
// filter, so that the inner loops read a single channel of x.
func convForward(l *ir.Conv, in, out ir.Shape, x, w, b []float64, batch int) []float64 {
	y := make([]float64, batch*out.Size())
	for s := range batch {
		for k := range out.C {
			for oy := range out.H {
				for ox := range out.W {
					y[at(out, s, k, oy, ox)] = bias(b, k)
				}
			}
			first := groupStart(l, in, out, k)
			for cl := range in.C / l.Groups {
				c := first + cl
				for oy := range out.H {
					for ox := range out.W {
						sum := 0.0
						for i := range l.FH {
							for j := range l.FW {
								iy, ix := tap(l, oy, ox, i, j)
								if inside(in, iy, ix) {
									sum += w[weightAt(l, in, k, cl, i, j)] * x[at(in, s, c, iy, ix)]
								}
							}
						}
						y[at(out, s, k, oy, ox)] += sum
					}
				}
			}
		}
	}
	return y
}

// convBackward returns the gradients of sum(y·dy) for the conv of x by w.
// Each product of the forward sum, w[k][c'][i][j] · x[s][c][iy][ix] with
// c = g·C/G + c', iy = oy·SH + i·DH − PH and ix = ox·SW + j·DW − PW, passes
// dy[s][k][oy][ox] back to both factors, and the bias receives every dy of
// its filter:
//
//	db[k]            += Σ_oy Σ_ox dy[s][k][oy][ox]
//	dw[k][c'][i][j]  += Σ_oy Σ_ox x[s][c][iy][ix] · dy[s][k][oy][ox]
//	dx[s][c][iy][ix] += w[k][c'][i][j] · dy[s][k][oy][ox]   for every oy, ox, i, j
//
// summed over every sample s and filter k, with padding positions skipped
// (their gradient is dropped): an input channel receives gradient only from
// the filters of its group. Each line has its own loops, in this order. db
// is returned even for a conv without bias; the caller drops it.
func convBackward(l *ir.Conv, in, out ir.Shape, x, w, dy []float64, batch int) (dx, dw, db []float64) {
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	db = make([]float64, out.C)
	for s := range batch {
		for k := range out.C {
			for oy := range out.H {
				for ox := range out.W {
					db[k] += dy[at(out, s, k, oy, ox)]
				}
			}
			first := groupStart(l, in, out, k)
			for cl := range in.C / l.Groups {
				c := first + cl
				for i := range l.FH {
					for j := range l.FW {
						sum := 0.0
						for oy := range out.H {
							for ox := range out.W {
								iy, ix := tap(l, oy, ox, i, j)
								if inside(in, iy, ix) {
									sum += x[at(in, s, c, iy, ix)] * dy[at(out, s, k, oy, ox)]
								}
							}
						}
						dw[weightAt(l, in, k, cl, i, j)] += sum
					}
				}
				for oy := range out.H {
					for ox := range out.W {
						g := dy[at(out, s, k, oy, ox)]
						for i := range l.FH {
							for j := range l.FW {
								iy, ix := tap(l, oy, ox, i, j)
								if inside(in, iy, ix) {
									dx[at(in, s, c, iy, ix)] += w[weightAt(l, in, k, cl, i, j)] * g
								}
							}
						}
					}
				}
			}
		}
	}
	return dx, dw, db
}

// groupStart returns g·C/G, the first input channel of the group of filter
// k, g = ⌊k / (K/G)⌋. For example, 4 groups of 8 channels and 8 filters
// put filter 5 in group 2, which reads channels 4 and 5.
func groupStart(l *ir.Conv, in, out ir.Shape, k int) int {
	return k / (out.C / l.Groups) * (in.C / l.Groups)
}

// tap returns the input row and column that tap (i, j) of the filter reads
// for output (oy, ox): oy·SH + i·DH − PH and ox·SW + j·DW − PW.
func tap(l *ir.Conv, oy, ox, i, j int) (iy, ix int) {
	return oy*l.SH + i*l.DH - l.PH, ox*l.SW + j*l.DW - l.PW
}

// bias returns b[k], or 0 for a layer without bias (b nil).
func bias(b []float64, k int) float64 {
	if b == nil {
		return 0
	}
	return b[k]
}
