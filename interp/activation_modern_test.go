package interp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// modernActivations are the functions of activation_modern.go with their
// derivatives and kinks (points where the derivative jumps).
var modernActivations = []struct {
	name     string
	f, slope func(float64) float64
	kinks    []float64
}{
	{"relu6", relu6, relu6Slope, []float64{0, 6}},
	{"hardswish", hardswish, hardswishSlope, []float64{-3, 3}},
	{"silu", silu, siluSlope, nil},
	{"gelu", gelu, geluSlope, nil},
}

// Values at the kinks, the infinities and NaN, as PyTorch 1.13 gives them
// for float64 tensors of several values (its vectorised path); the rest
// worked by hand: hardswish(1) = 1·4/6 with slope 1/3 + 1/2,
// silu(ln 3) = ln 3 · 3/4 with slope (3/4)(1 + ln 3/4), and gelu(3), its
// slope from PyTorch (Φ(3) = 0.99865…).
func TestModernActivationsByHand(t *testing.T) {
	inf, nan, ln3 := math.Inf(1), math.NaN(), math.Log(3)
	for _, c := range []struct {
		name     string
		f, slope func(float64) float64
		x        []float64
		y, dydx  []float64
	}{
		{"relu6", relu6, relu6Slope,
			[]float64{-1, 0, 3, 6, 7, inf, -inf, nan},
			[]float64{0, 0, 3, 6, 6, 6, 0, nan},
			[]float64{0, 0, 1, 0, 0, 0, 0, 0}},
		{"hardswish", hardswish, hardswishSlope,
			[]float64{-4, -3, 0, 1, 3, 6, inf, -inf, nan},
			[]float64{0, 0, 0, 2.0 / 3, 3, 6, inf, nan, nan},
			[]float64{0, -0.5, 0.5, 5.0 / 6, 1, 1, 1, 0, nan}},
		{"silu", silu, siluSlope,
			[]float64{0, ln3, inf, -inf, nan},
			[]float64{0, 0.75 * ln3, inf, nan, nan},
			[]float64{0.5, 0.75 * (1 + ln3/4), nan, nan, nan}},
		{"gelu", gelu, geluSlope,
			[]float64{0, 3, inf, -inf, nan},
			[]float64{0, 2.99595030590511, inf, nan, nan},
			[]float64{0.5, 1.011945647204184, nan, nan, nan}},
	} {
		var y, dydx []float64
		for _, v := range c.x {
			y, dydx = append(y, c.f(v)), append(dydx, c.slope(v))
		}
		expectClose(t, c.name+" y", y, c.y)
		expectClose(t, c.name+" slope", dydx, c.dydx)
	}
}

// silu and gelu are x times a distribution function F with F(−x) = 1 − F(x)
// (the logistic and the normal), so f(x) − f(−x) = x exactly in
// arithmetic; hardswish is too (its F is relu6(x+3)/6), and relu6 is not.
func TestModernActivationsSymmetry(t *testing.T) {
	for _, a := range modernActivations[1:] {
		for _, x := range []float64{0.1, 0.5, 1, 2.5, 4, 7} {
			if got := a.f(x) - a.f(-x); !near(got, x, 1e-14) {
				t.Errorf("%s(%v) - %s(%v) = %v, want %v", a.name, x, a.name, -x, got, x)
			}
		}
	}
}

// The slope against central differences, on values spread over [−8, 8]
// and kept kinkMargin away from every kink.
func TestModernActivationGradients(t *testing.T) {
	for i, a := range modernActivations {
		t.Run(a.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 15))
			x := make([]float64, 64)
			for k := range x {
				for x[k] = 16*r.Float64() - 8; nearAny(x[k], a.kinks, kinkMargin); {
					x[k] = 16*r.Float64() - 8
				}
			}
			dy := normals(r, len(x))
			dx := make([]float64, len(x))
			for k := range x {
				dx[k] = a.slope(x[k]) * dy[k]
			}
			f := func() float64 {
				sum := 0.0
				for k, v := range x {
					sum += a.f(v) * dy[k]
				}
				return sum
			}
			checkKernelGradients(t, r, f, fdVar{"x", x, dx})
		})
	}
}

// nearAny reports whether x is within margin of one of points.
func nearAny(x float64, points []float64, margin float64) bool {
	for _, p := range points {
		if math.Abs(x-p) < margin {
			return true
		}
	}
	return false
}
