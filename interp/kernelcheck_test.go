package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// fdVar is one input of a kernel under a finite-difference check: its
// values, which the check moves in place and restores, and the gradient
// the kernel's backward gave for it.
type fdVar struct {
	name         string
	values, grad []float64
}

// checkKernelGradients compares the gradients of vars with central
// differences of f, which must recompute sum(y·dy) from the current values
// of vars. As in checkGradients, each value is moved alone by ±fdStep; then
// a few random unit directions u move every value of every variable at
// once, where
//
//	(f(θ + h·u) − f(θ − h·u)) / 2h   must match   Σ grad·u
//
// which also catches a gradient that is right value by value only because
// the kernel's parts do not interact. Both use fdTol (see gradcheck_test.go).
// The caller keeps the point away from kinks.
func checkKernelGradients(t *testing.T, r *rand.Rand, f func() float64, vars ...fdVar) {
	t.Helper()
	worst := 0.0
	compare := func(what string, analytic, numeric float64) {
		t.Helper()
		worst = math.Max(worst, math.Abs(analytic-numeric)/math.Max(1, math.Max(math.Abs(analytic), math.Abs(numeric))))
		if !near(analytic, numeric, fdTol) {
			t.Errorf("%s: backward %.12g, central difference %.12g (off by %.3g)", what, analytic, numeric, math.Abs(analytic-numeric))
		}
	}
	for _, v := range vars {
		if len(v.grad) != len(v.values) {
			t.Fatalf("gradient of %s has %d values, want %d", v.name, len(v.grad), len(v.values))
		}
		for i, x := range v.values {
			v.values[i] = x + fdStep
			plus := f()
			v.values[i] = x - fdStep
			minus := f()
			v.values[i] = x
			compare(fmt.Sprintf("d f/d %s[%d]", v.name, i), v.grad[i], (plus-minus)/(2*fdStep))
		}
	}
	for d := range 3 {
		u := make([][]float64, len(vars))
		norm, analytic := 0.0, 0.0
		for k, v := range vars {
			u[k] = normals(r, len(v.values))
			norm += dot(u[k], u[k])
		}
		move := func(h float64) {
			for k, v := range vars {
				for i := range v.values {
					v.values[i] += h * u[k][i] / math.Sqrt(norm)
				}
			}
		}
		for k, v := range vars {
			analytic += dot(v.grad, u[k]) / math.Sqrt(norm)
		}
		saved := make([][]float64, len(vars))
		for k, v := range vars {
			saved[k] = slices.Clone(v.values)
		}
		move(fdStep)
		plus := f()
		move(-2 * fdStep)
		minus := f()
		for k, v := range vars {
			copy(v.values, saved[k])
		}
		compare(fmt.Sprintf("direction %d", d), analytic, (plus-minus)/(2*fdStep))
	}
	t.Logf("worst relative error %.2g", worst)
}
