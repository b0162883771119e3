package interp

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// dropoutNet has its dropout at layer index 1 (counting from 0).
const dropoutNet = "input 16x16x4\nrelu\ndropout 0.3\n"

// positive returns n values in [1, 2), so that relu passes them unchanged.
func positive(n int) []float64 {
	r := rand.New(rand.NewPCG(5, 6))
	v := make([]float64, n)
	for i := range v {
		v[i] = 1 + r.Float64()
	}
	return v
}

func TestDropoutZeroIsIdentity(t *testing.T) {
	m := mustModel(t, "input 4x4x3\ndropout 0\n")
	x := positive(2 * 48)
	p := mustForward(t, m, x, 2, Options{Train: true, DropoutSeed: 9})
	expectClose(t, "y", p.Output(), x)
	dy := positive(2 * 48)
	dx, _ := mustBackward(t, p, dy)
	expectClose(t, "dx", dx, dy)
}

func TestDropoutInferenceIsIdentity(t *testing.T) {
	m := mustModel(t, dropoutNet)
	x := positive(2 * 1024)
	p := mustForward(t, m, x, 2, Options{Train: false, DropoutSeed: 9})
	expectClose(t, "y", p.Output(), x)
	dx, _ := mustBackward(t, p, x)
	expectClose(t, "dx", dx, x)
}

// In training every value is either dropped (0) or scaled by 1/(1-p), about
// 1-p of them are kept, backward uses the same mask and scale, and the mask
// is value for value the one runtime.DropoutRand(seed, sample, layer) draws.
func TestDropoutTraining(t *testing.T) {
	const p, batch, size, layer, seed = 0.3, 4, 1024, 1, 77
	m := mustModel(t, dropoutNet)
	x := positive(batch * size)
	pass := mustForward(t, m, x, batch, Options{Train: true, DropoutSeed: seed})
	y := pass.Output()
	dx, _ := mustBackward(t, pass, x) // dy = x: dx must equal y
	kept := 0
	for s := range batch {
		r := runtime.DropoutRand(seed, s, layer)
		for i := range size {
			k := s*size + i
			want := 0.0
			if r.Float64() >= p {
				want = x[k] / (1 - p)
				kept++
			}
			if !near(y[k], want, 1e-15) || !near(dx[k], want, 1e-15) {
				t.Fatalf("sample %d value %d: y %v, dx %v, want %v for both", s, i, y[k], dx[k], want)
			}
		}
	}
	// The kept fraction has standard deviation sqrt(p(1-p)/n) ≈ 0.0072 for
	// n = 4096; allow 5 of them.
	frac := float64(kept) / (batch * size)
	if !(math.Abs(frac-(1-p)) <= 5*math.Sqrt(p*(1-p)/(batch*size))) {
		t.Errorf("kept %.4f of the values, want about %.2f", frac, 1-p)
	}
}

func TestDropoutMaskRepeatsWithSeed(t *testing.T) {
	m := mustModel(t, dropoutNet)
	x := positive(2 * 1024)
	run := func(seed uint64) []float64 {
		return mustForward(t, m, x, 2, Options{Train: true, DropoutSeed: seed}).Output()
	}
	a := run(1)
	expectClose(t, "same seed", run(1), a)
	if b := run(2); slices.Equal(a, b) {
		t.Error("seeds 1 and 2 gave the same mask")
	}
	// The two samples have the same input but their own masks.
	if slices.Equal(a[:1024], a[1024:]) {
		t.Error("samples 0 and 1 got the same mask")
	}
}
