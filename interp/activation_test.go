package interp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Values worked by hand: sigmoid(ln 3) = 1/(1 + 1/3) = 0.75, whose
// derivative is 0.75·0.25 = 0.1875; tanh(ln 2) = (2 - 1/2)/(2 + 1/2) = 0.6,
// whose derivative is 1 - 0.36 = 0.64. Relu and leaky take the slope of the
// left side at 0, as PyTorch does (0 for relu, the slope for leaky).
func TestActivationsByHand(t *testing.T) {
	ln2, ln3 := math.Log(2), math.Log(3)
	for _, c := range []struct {
		src       string
		x, y, dxd []float64 // dxd: dx for dy = 1
	}{
		{"relu", []float64{-2, 0, 1.5, 3}, []float64{0, 0, 1.5, 3}, []float64{0, 0, 1, 1}},
		{"leaky", []float64{-2, 0, 1.5, 3}, []float64{-0.02, 0, 1.5, 3}, []float64{0.01, 0.01, 1, 1}},
		{"leaky 0.2", []float64{-2, 0, 1.5, -0.5}, []float64{-0.4, 0, 1.5, -0.1}, []float64{0.2, 0.2, 1, 0.2}},
		{"sigmoid", []float64{0, ln3, -ln3, 0}, []float64{0.5, 0.75, 0.25, 0.5}, []float64{0.25, 0.1875, 0.1875, 0.25}},
		{"tanh", []float64{0, ln2, -ln2, 0}, []float64{0, 0.6, -0.6, 0}, []float64{1, 0.64, 0.64, 1}},
	} {
		m := mustModel(t, "input 2x2x1\n"+c.src+"\n")
		p := mustForward(t, m, c.x, 1, Options{})
		expectClose(t, c.src+" y", p.Output(), c.y)
		dx, _ := mustBackward(t, p, ones(4))
		expectClose(t, c.src+" dx", dx, c.dxd)
	}
}

// relu keeps a NaN, as torch.relu does; so do the others, by arithmetic.
func TestActivationsKeepNaN(t *testing.T) {
	for _, kind := range []string{"relu", "leaky", "sigmoid", "tanh"} {
		p := mustForward(t, mustModel(t, "input 1x1x1\n"+kind+"\n"), []float64{math.NaN()}, 1, Options{})
		if y := p.Output()[0]; !math.IsNaN(y) {
			t.Errorf("%s(NaN) = %v, want NaN", kind, y)
		}
	}
}

// modernActivations are relu6, hardswish, silu and gelu with their
// backward and kinks (points where the derivative jumps).
var modernActivations = []struct {
	name  string
	f     func(x float64) float64
	back  func(x, dy float64) float64
	kinks []float64
}{
	{"relu6", relu6, relu6Backward, []float64{0, 6}},
	{"hardswish", hardswish, hardswishBackward, []float64{-3, 3}},
	{"silu", silu, siluBackward, nil},
	{"gelu", gelu, geluBackward, nil},
}

// Values at the kinks, the infinities and NaN, as PyTorch 1.13 gives them
// for float64 tensors of several values (its vectorised path); the rest
// worked by hand: hardswish(1) = 1·4/6 with slope 1/3 + 1/2,
// silu(ln 3) = ln 3 · 3/4 with slope (3/4)(1 + ln 3/4), and gelu(3), its
// slope from PyTorch (Φ(3) = 0.99865…).
func TestModernActivationsByHand(t *testing.T) {
	inf, nan, ln3 := math.Inf(1), math.NaN(), math.Log(3)
	for i, c := range []struct {
		x       []float64
		y, dydx []float64
	}{
		{
			[]float64{-1, 0, 3, 6, 7, inf, -inf, nan},
			[]float64{0, 0, 3, 6, 6, 6, 0, nan},
			[]float64{0, 0, 1, 0, 0, 0, 0, 0}},
		{
			[]float64{-4, -3, 0, 1, 3, 6, inf, -inf, nan},
			[]float64{0, 0, 0, 2.0 / 3, 3, 6, inf, nan, nan},
			[]float64{0, -0.5, 0.5, 5.0 / 6, 1, 1, 1, 0, nan}},
		{
			[]float64{0, ln3, inf, -inf, nan},
			[]float64{0, 0.75 * ln3, inf, nan, nan},
			[]float64{0.5, 0.75 * (1 + ln3/4), nan, nan, nan}},
		{
			[]float64{0, 3, inf, -inf, nan},
			[]float64{0, 2.99595030590511, inf, nan, nan},
			[]float64{0.5, 1.011945647204184, nan, nan, nan}},
	} {
		a := modernActivations[i]
		var y, dydx []float64
		for _, v := range c.x {
			y, dydx = append(y, a.f(v)), append(dydx, a.back(v, 1))
		}
		expectClose(t, a.name+" y", y, c.y)
		expectClose(t, a.name+" slope", dydx, c.dydx)
	}
	// A zero slope passes 0 even for an infinite dy, as PyTorch's kernels
	// select 0 rather than multiply.
	if dx := relu6Backward(7, inf) + hardswishBackward(-4, inf); dx != 0 {
		t.Errorf("relu6Backward(7, +Inf) + hardswishBackward(-4, +Inf) = %v, want 0", dx)
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
				dx[k] = a.back(x[k], dy[k])
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
