package interp

import "github.com/cnnc/cnnc/ir"

// convForward computes nn.Conv2d for a batch: for every sample s, filter k
// and output position (oy, ox),
//
//	y[s][k][oy][ox] = b[k] + Σ_c ( Σ_i Σ_j w[k][c][i][j] · x[s][c][oy·SH+i-PH][ox·SW+j-PW] )
//
// where c runs over the input channels, i < Fh, j < Fw, and positions
// outside the input are the zero padding (they add nothing). Without a bias
// (nobias, b nil) b[k] is 0. The loops add
// one input channel at a time to every output of a filter, so that the
// inner loops read a single channel of x.
func convForward(l *ir.Conv, in, out ir.Shape, x, w, b []float64, batch int) []float64 {
	y := make([]float64, batch*out.Size())
	for s := range batch {
		for k := range out.C {
			for oy := range out.H {
				for ox := range out.W {
					y[at(out, s, k, oy, ox)] = bias(b, k)
				}
			}
			for c := range in.C {
				for oy := range out.H {
					for ox := range out.W {
						sum := 0.0
						for i := range l.FH {
							for j := range l.FW {
								iy, ix := oy*l.SH+i-l.PH, ox*l.SW+j-l.PW
								if inside(in, iy, ix) {
									sum += w[weightAt(l, in, k, c, i, j)] * x[at(in, s, c, iy, ix)]
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
// Each product of the forward sum, w[k][c][i][j] · x[s][c][iy][ix] with
// iy = oy·SH+i-PH and ix = ox·SW+j-PW, passes dy[s][k][oy][ox] back to both
// factors, and the bias receives every dy of its filter:
//
//	db[k]            += Σ_oy Σ_ox dy[s][k][oy][ox]
//	dw[k][c][i][j]   += Σ_oy Σ_ox x[s][c][iy][ix] · dy[s][k][oy][ox]
//	dx[s][c][iy][ix] += w[k][c][i][j] · dy[s][k][oy][ox]   for every oy, ox, i, j
//
// summed over every sample s and filter k, with padding positions skipped
// (their gradient is dropped). Each line has its own loops, in this order.
// db is returned even for a conv without bias; the caller drops it.
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
			for c := range in.C {
				for i := range l.FH {
					for j := range l.FW {
						sum := 0.0
						for oy := range out.H {
							for ox := range out.W {
								iy, ix := oy*l.SH+i-l.PH, ox*l.SW+j-l.PW
								if inside(in, iy, ix) {
									sum += x[at(in, s, c, iy, ix)] * dy[at(out, s, k, oy, ox)]
								}
							}
						}
						dw[weightAt(l, in, k, c, i, j)] += sum
					}
				}
				for oy := range out.H {
					for ox := range out.W {
						g := dy[at(out, s, k, oy, ox)]
						for i := range l.FH {
							for j := range l.FW {
								iy, ix := oy*l.SH+i-l.PH, ox*l.SW+j-l.PW
								if inside(in, iy, ix) {
									dx[at(in, s, c, iy, ix)] += w[weightAt(l, in, k, c, i, j)] * g
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

// bias returns b[k], or 0 for a layer without bias (b nil).
func bias(b []float64, k int) float64 {
	if b == nil {
		return 0
	}
	return b[k]
}
