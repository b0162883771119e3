package interp

import "github.com/cnnc/cnnc/ir"

// fcForward computes flatten followed by nn.Linear for a batch: with the
// input of sample s flattened in C, H, W order to x[s][0..in),
//
//	y[s][o] = b[o] + Σ_i w[o][i] · x[s][i]
//
// for every output o < K, w being [K, in] row-major.
func fcForward(l *ir.FC, inShape ir.Shape, x, w, b []float64, batch int) []float64 {
	in, out := inShape.Size(), l.K
	y := make([]float64, batch*out)
	for s := range batch {
		for o := range out {
			sum := bias(b, o)
			for i := range in {
				sum += w[o*in+i] * x[s*in+i]
			}
			y[s*out+o] = sum
		}
	}
	return y
}

// fcBackward returns the gradients of sum(y·dy) for the fc layer:
//
//	dx[s][i] = Σ_o w[o][i] · dy[s][o]
//	dw[o][i] = Σ_s x[s][i] · dy[s][o]
//	db[o]    = Σ_s dy[s][o]
//
// dx comes back in the layer's input shape, C, H, W order.
func fcBackward(l *ir.FC, inShape ir.Shape, x, w, dy []float64, batch int) (dx, dw, db []float64) {
	in, out := inShape.Size(), l.K
	dx = make([]float64, batch*in)
	dw = make([]float64, out*in)
	db = make([]float64, out)
	for s := range batch {
		for o := range out {
			g := dy[s*out+o]
			db[o] += g
			for i := range in {
				dx[s*in+i] += w[o*in+i] * g
				dw[o*in+i] += x[s*in+i] * g
			}
		}
	}
	return dx, dw, db
}
