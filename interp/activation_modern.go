package interp

import "math"

// The activations of modern mobile and transformer-era networks, each as
// PyTorch 1.13 defines it on the CPU: the function, then its derivative
// f'(x), with which backward computes dx = f'(x)·dy. Where f has a kink,
// f' takes the side PyTorch's backward kernel takes, and a NaN input gets
// the slope PyTorch's vectorised kernel gives it (every tensor of more than
// one value takes that path; a one-value tensor takes a scalar path whose
// NaN slope can differ, so no value is canonical there).

// relu6 is nn.ReLU6, hardtanh with the bounds 0 and 6:
//
//	relu6(x) = min(max(0, x), 6)      (a NaN stays NaN)
func relu6(x float64) float64 { return math.Min(math.Max(0, x), 6) }

// relu6Slope is 1 strictly between the bounds and 0 elsewhere, at both
// kinks x = 0 and x = 6 included (hardtanh_backward), and 0 for NaN:
//
//	relu6'(x) = 1 if 0 < x < 6, else 0
func relu6Slope(x float64) float64 {
	if x > 0 && x < 6 {
		return 1
	}
	return 0
}

// hardswish is nn.Hardswish (MobileNetV3):
//
//	hardswish(x) = x · relu6(x + 3) / 6
//
// computed in that order, so −∞ gives −∞·0 = NaN, as in PyTorch.
func hardswish(x float64) float64 { return x * relu6(x+3) / 6 }

// hardswishSlope is the derivative of each piece: 0 left of −3, the
// parabola's x/3 + 1/2 on [−3, 3) and 1 from 3 on. At the kinks PyTorch's
// hardswish_backward takes the right-hand piece: −1/2 at x = −3 (where the
// left piece would give 0) and 1 at x = 3 (where the parabola would give
// 3/2). A NaN gives NaN.
//
//	hardswish'(x) = 0 if x < −3;  1 if x ≥ 3;  x/3 + 1/2 otherwise
func hardswishSlope(x float64) float64 {
	switch {
	case x < -3:
		return 0
	case x >= 3:
		return 1
	}
	return x/3 + 0.5
}

// silu is nn.SiLU (swish), x·σ(x), written as PyTorch's kernel writes it:
//
//	silu(x) = x / (1 + e^−x)
func silu(x float64) float64 { return x / (1 + math.Exp(-x)) }

// siluSlope is, with σ = 1/(1 + e^−x),
//
//	silu'(x) = σ · (1 + x·(1 − σ))
func siluSlope(x float64) float64 {
	sigma := 1 / (1 + math.Exp(-x))
	return sigma * (1 + x*(1-sigma))
}

// gelu is nn.GELU() in its exact form (approximate="none"), x·Φ(x) with Φ
// the standard normal distribution function:
//
//	gelu(x) = x · (1 + erf(x/√2)) / 2
func gelu(x float64) float64 { return x * 0.5 * (1 + math.Erf(x/math.Sqrt2)) }

// geluSlope is Φ(x) + x·φ(x), with φ the standard normal density:
//
//	gelu'(x) = (1 + erf(x/√2))/2 + x · e^(−x²/2)/√(2π)
func geluSlope(x float64) float64 {
	cdf := 0.5 * (1 + math.Erf(x/math.Sqrt2))
	pdf := math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi)
	return cdf + x*pdf
}
