package interp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cnnc/cnnc/compiler"
)

// mustNet checks src, failing the test on any error (warnings are fine).
func mustNet(t *testing.T, src string) *compiler.Net {
	t.Helper()
	net, ds := compiler.Source("t.cnn", []byte(src))
	if ds.HasErrors() || net == nil {
		t.Fatalf("compiling %q: %v", src, ds)
	}
	return net
}

// mustModel returns a model of src with zero parameters.
func mustModel(t *testing.T, src string) *Model {
	t.Helper()
	m, err := New(mustNet(t, src).Graph)
	if err != nil {
		t.Fatalf("New(%q): %v", src, err)
	}
	return m
}

// mustForward runs m forward, failing the test on error.
func mustForward(t *testing.T, m *Model, x []float64, n int, opt Options) *Pass {
	t.Helper()
	p, err := m.Forward(x, n, opt)
	if err != nil {
		t.Fatalf("Forward: %v", err)
	}
	return p
}

// mustBackward runs p backward, failing the test on error.
func mustBackward(t *testing.T, p *Pass, dy []float64) ([]float64, [][]float64) {
	t.Helper()
	dx, grads, err := p.Backward(dy)
	if err != nil {
		t.Fatalf("Backward: %v", err)
	}
	return dx, grads
}

// normals returns n standard normal values from r.
func normals(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return v
}

// ones returns n ones.
func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// seq returns 1, 2, ..., n.
func seq(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i + 1)
	}
	return v
}

// expectClose fails unless got and want have the same length and agree
// value by value within 1e-12 (see near): the hand-computed cases are exact
// up to float64 rounding. A NaN is expected only where want has one.
func expectClose(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d\ngot  %v\nwant %v", what, len(got), len(want), got, want)
	}
	for i := range want {
		if !near(got[i], want[i], 1e-12) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			t.Errorf("%s: value %d is %v, want %v\ngot  %v\nwant %v", what, i, got[i], want[i], got, want)
			return
		}
	}
}

// near reports whether |a-b| <= tol·max(1, |a|, |b|), or a == b (equal
// infinities). It is false when either is NaN: every comparison here is
// written so that a NaN fails it.
func near(a, b, tol float64) bool {
	return a == b || math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
