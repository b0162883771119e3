package runtime

import (
	"math"
	"strconv"
)

// Act is an activation function, applied value by value; each is defined
// as PyTorch defines it on the CPU (and as the interpreter, interp's
// activation.go, does in float64):
//
//	ActNone       x
//	ActReLU       max(0, x)                          a NaN stays NaN
//	ActLeaky      x if x > 0, else Alpha·x           nn.LeakyReLU(Alpha)
//	ActSigmoid    1 / (1 + e^−x)
//	ActTanh       tanh(x)
//	ActReLU6      min(max(0, x), 6)
//	ActHardswish  x · relu6(x + 3) / 6               −∞ gives NaN
//	ActSiLU       x / (1 + e^−x)
//	ActGELU       x · (1 + erf(x/√2)) / 2            the exact form
//
// Their derivatives, as PyTorch's backward kernels take them at the kinks:
//
//	ActReLU       0 if y ≤ 0, else 1 (a NaN passes dy: threshold_backward)
//	ActLeaky      1 if x > 0, else Alpha
//	ActSigmoid    y·(1 − y)
//	ActTanh       1 − y²
//	ActReLU6      1 if 0 < y < 6, else 0
//	ActHardswish  0 if x < −3; 1 if x ≥ 3; x/3 + 1/2 otherwise
//	ActSiLU       σ·(1 + x·(1 − σ)), σ = 1/(1 + e^−x)
//	ActGELU       Φ(x) + x·φ(x)
//
// with x the input and y the output (FromOutput tells which one a
// derivative reads). Sigmoid and tanh are vecmath.go's float32 forms
// (within a few ulp), silu and gelu computed in float64 and rounded, the
// others exact in float32.
type Act uint8

const (
	ActNone Act = iota
	ActReLU
	ActLeaky
	ActSigmoid
	ActTanh
	ActReLU6
	ActHardswish
	ActSiLU
	ActGELU
)

// FromOutput reports whether the derivative of a is read from the output
// (relu, relu6, sigmoid, tanh), so that a step need not keep the input;
// otherwise from the input (leaky, whose output does not tell the input's
// sign when Alpha < 0, hardswish, silu, gelu).
func (a Act) FromOutput() bool {
	return a == ActReLU || a == ActReLU6 || a == ActSigmoid || a == ActTanh || a == ActNone
}

var actNames = [...]string{"none", "relu", "leaky", "sigmoid", "tanh", "relu6", "hardswish", "silu", "gelu"}

func (a Act) String() string {
	if int(a) < len(actNames) {
		return actNames[a]
	}
	return "Act(" + strconv.Itoa(int(a)) + ")"
}

// actValues sets o[i] = a(v[i]).
func actValues(a Act, alpha float32, o, v []float32) {
	o = o[:len(v)]
	switch a {
	case ActNone:
		copy(o, v)
	case ActReLU:
		for i, x := range v {
			o[i] = max(x, 0)
		}
	case ActLeaky:
		for i, x := range v {
			if x > 0 {
				o[i] = x
			} else {
				o[i] = alpha * x
			}
		}
	case ActSigmoid:
		kernels.math.sigmoid(o, v)
	case ActTanh:
		kernels.math.tanh(o, v)
	case ActReLU6:
		for i, x := range v {
			o[i] = relu6f(x)
		}
	case ActHardswish:
		for i, x := range v {
			o[i] = x * relu6f(x+3) / 6
		}
	case ActSiLU:
		for i, x := range v {
			o[i] = float32(float64(x) / (1 + math.Exp(-float64(x))))
		}
	case ActGELU:
		for i, x := range v {
			f := float64(x)
			o[i] = float32(f * 0.5 * (1 + math.Erf(f/math.Sqrt2)))
		}
	default:
		panic("runtime: unknown activation " + a.String())
	}
}

// relu6f is min(max(0, x), 6), a NaN kept.
func relu6f(x float32) float32 { return min(max(0, x), 6) }

// actGrads sets (or, with acc, adds to) dx[i] the gradient a'·dy[i], the
// derivative read from from[i]: the output or the input as a.FromOutput
// says. Relu's (ResNet's merges), the sigmoid's, tanh's and none's run
// on the vector loops when they set dx.
func actGrads(a Act, alpha float32, dx, dy, from []float32, acc bool) {
	dy, from = dy[:len(dx)], from[:len(dx)]
	switch {
	case a == ActNone && acc:
		kernels.addRows(dx, dy, 0, 1)
		return
	case !acc && (a == ActNone || a == ActReLU || a == ActSigmoid || a == ActTanh):
		copy(dx, dy)
		switch a {
		case ActReLU:
			kernels.reluGrad(dx, from)
		case ActSigmoid:
			kernels.math.sigmoidGrad(dx, from)
		case ActTanh:
			kernels.math.tanhGrad(dx, from)
		}
		return
	}
	for i, g := range dy {
		d := actGrad(a, alpha, g, from[i])
		if acc {
			dx[i] += d
		} else {
			dx[i] = d
		}
	}
}

// actGrad is a'·g, the derivative read from v.
func actGrad(a Act, alpha, g, v float32) float32 {
	switch a {
	case ActNone:
		return g
	case ActReLU:
		if v <= 0 {
			return 0
		}
		return g
	case ActLeaky:
		if v > 0 {
			return g
		}
		return alpha * g
	case ActSigmoid:
		return v * (1 - v) * g
	case ActTanh:
		return (1 - v*v) * g
	case ActReLU6:
		if v > 0 && v < 6 {
			return g
		}
		return 0
	case ActHardswish:
		switch {
		case v < -3:
			return 0
		case v >= 3:
			return g
		}
		return g * (v/3 + 0.5)
	case ActSiLU:
		x := float64(v)
		s := 1 / (1 + math.Exp(-x))
		return float32(float64(g) * s * (1 + x*(1-s)))
	case ActGELU:
		x := float64(v)
		cdf := 0.5 * (1 + math.Erf(x/math.Sqrt2))
		pdf := math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi)
		return float32(float64(g) * (cdf + x*pdf))
	}
	panic("runtime: unknown activation " + a.String())
}
