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
//
// or one of relu6, hardswish, silu and gelu, defined below.
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
		case ir.ReLU6:
			y[i] = relu6(v)
		case ir.Hardswish:
			y[i] = hardswish(v)
		case ir.SiLU:
			y[i] = silu(v)
		case ir.GELU:
			y[i] = gelu(v)
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
//
// and relu6, hardswish, silu and gelu as defined below.
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
		case ir.ReLU6:
			dx[i] = relu6Backward(x[i], g)
		case ir.Hardswish:
			dx[i] = hardswishBackward(x[i], g)
		case ir.SiLU:
			dx[i] = siluBackward(x[i], g)
		case ir.GELU:
			dx[i] = geluBackward(x[i], g)
		default:
			panic("interp: activationBackward: unsupported activation " + l.Func.String())
		}
	}
	return dx
}

// The activations of mobile and transformer-era networks, each as PyTorch
// 1.13 defines it on the CPU: the function, then its backward, dx = f'(x)·dy.
// Where f has a kink, f' takes the side PyTorch's backward kernel takes; a
// 0 slope gives 0 whatever dy is, and a NaN input gets what PyTorch's
// vectorised kernel gives it (every tensor of more than one value takes
// that path; a one-value tensor takes a scalar path whose NaN slope can
// differ, so no value is canonical there).

// relu6 is nn.ReLU6, hardtanh with the bounds 0 and 6:
//
//	relu6(x) = min(max(0, x), 6)      (a NaN stays NaN)
func relu6(x float64) float64 { return math.Min(math.Max(0, x), 6) }

// relu6Backward passes dy strictly between the bounds and 0 elsewhere, at
// both kinks x = 0 and x = 6 included (hardtanh_backward), and for NaN:
//
//	dx = dy if 0 < x < 6, else 0
func relu6Backward(x, dy float64) float64 {
	if x > 0 && x < 6 {
		return dy
	}
	return 0
}

// hardswish is nn.Hardswish (MobileNetV3):
//
//	hardswish(x) = x · relu6(x + 3) / 6
//
// computed in that order, so −∞ gives −∞·0 = NaN, as in PyTorch.
func hardswish(x float64) float64 { return x * relu6(x+3) / 6 }

// hardswishBackward uses the derivative of each piece: 0 left of −3, the
// parabola's x/3 + 1/2 on [−3, 3) and 1 from 3 on. At the kinks PyTorch's
// hardswish_backward takes the right-hand piece: −1/2 at x = −3 (where the
// left piece would give 0) and 1 at x = 3 (where the parabola would give
// 3/2). A NaN gives NaN.
//
//	dx = 0 if x < −3;  dy if x ≥ 3;  dy·(x/3 + 1/2) otherwise
func hardswishBackward(x, dy float64) float64 {
	switch {
	case x < -3:
		return 0
	case x >= 3:
		return dy
	}
	return dy * (x/3 + 0.5)
}

// silu is nn.SiLU (swish), x·σ(x), written as PyTorch's kernel writes it:
//
//	silu(x) = x / (1 + e^−x)
func silu(x float64) float64 { return x / (1 + math.Exp(-x)) }

// siluBackward multiplies dy by silu'(x), with σ = 1/(1 + e^−x):
//
//	dx = dy · σ · (1 + x·(1 − σ))
func siluBackward(x, dy float64) float64 {
	sigma := 1 / (1 + math.Exp(-x))
	return dy * sigma * (1 + x*(1-sigma))
}

// gelu is nn.GELU() in its exact form (approximate="none"), x·Φ(x) with Φ
// the standard normal distribution function:
//
//	gelu(x) = x · (1 + erf(x/√2)) / 2
func gelu(x float64) float64 { return x * 0.5 * (1 + math.Erf(x/math.Sqrt2)) }

// geluBackward multiplies dy by gelu'(x) = Φ(x) + x·φ(x), with φ the
// standard normal density:
//
//	dx = dy · ((1 + erf(x/√2))/2 + x · e^(−x²/2)/√(2π))
func geluBackward(x, dy float64) float64 {
	cdf := 0.5 * (1 + math.Erf(x/math.Sqrt2))
	pdf := math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi)
	return dy * (cdf + x*pdf)
}
