package interp

import (
	"math"

	"github.com/cnnc/cnnc/ir"
)

// activationForward applies layer l's activation f to every value,
// y[i] = f(x[i]), with f one of
//
//	relu     max(0, v)                  (a NaN stays NaN, as in torch.relu)
//	leaky    v if v > 0, else Alpha·v   (nn.LeakyReLU(negative_slope=Alpha))
//	sigmoid  1 / (1 + e^-v)
//	tanh     tanh(v)
func activationForward(l *ir.Activation, x []float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		switch l.Func {
		case ir.ReLU:
			y[i] = math.Max(0, v)
		case ir.Leaky:
			if v > 0 {
				y[i] = v
			} else {
				y[i] = l.Alpha * v
			}
		case ir.Sigmoid:
			y[i] = 1 / (1 + math.Exp(-v))
		case ir.Tanh:
			y[i] = math.Tanh(v)
		default:
			panic("interp: activationForward: unsupported activation " + l.Func.String())
		}
	}
	return y
}

// activationBackward returns dx[i] = f'(x[i]) · dy[i] for layer l's
// activation, reading the derivative from the input x or the output y as
// PyTorch does:
//
//	relu     1 if x > 0, else 0         (0 at the kink x = 0)
//	leaky    1 if x > 0, else Alpha     (Alpha at the kink x = 0)
//	sigmoid  y·(1 - y)
//	tanh     1 - y²
func activationBackward(l *ir.Activation, x, y, dy []float64) []float64 {
	dx := make([]float64, len(dy))
	for i, g := range dy {
		switch l.Func {
		case ir.ReLU:
			if x[i] > 0 {
				dx[i] = g
			}
		case ir.Leaky:
			if x[i] > 0 {
				dx[i] = g
			} else {
				dx[i] = l.Alpha * g
			}
		case ir.Sigmoid:
			dx[i] = y[i] * (1 - y[i]) * g
		case ir.Tanh:
			dx[i] = (1 - y[i]*y[i]) * g
		default:
			panic("interp: activationBackward: unsupported activation " + l.Func.String())
		}
	}
	return dx
}
