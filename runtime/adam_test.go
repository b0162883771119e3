package runtime

import (
	"math"
	"math/big"
	"slices"
	"testing"
)

// optimFixtures reads testdata/optim.npz (make_optim_fixtures.py) by name.
func optimFixtures(t *testing.T) map[string]*Array {
	t.Helper()
	arrays, err := ReadArrays("testdata/optim.npz")
	if err != nil {
		t.Fatal(err)
	}
	byName := make(map[string]*Array, len(arrays))
	for _, a := range arrays {
		byName[a.Name] = a
	}
	return byName
}

// ulps returns how many float32 values lie between a and b (0 when equal).
func ulps(a, b float32) int64 {
	key := func(x float32) int64 {
		i := int64(int32(math.Float32bits(x)))
		if i < 0 {
			i = math.MinInt32 - i
		}
		return i
	}
	d := key(a) - key(b)
	if d < 0 {
		d = -d
	}
	return d
}

// adamULPs is the tolerance of AdamStep against PyTorch, in units in the
// last place: none. AdamStep does what PyTorch's AVX2 kernels do, fused
// multiply-adds included, and make_optim_fixtures.py ran them (on a CPU
// without FMA PyTorch rounds those twice, and its fixtures would differ).
const adamULPs = 0

// TestAdamFixtures runs PyTorch's Adam and AdamW cases (default and other
// hyperparameters, a learning rate changed every step, zero gradients, a
// length that leaves a tail to the vector loops) step by step and compares
// every parameter after every step, and the final moments, with
// torch.optim's within adamULPs, on every kernel path.
func TestAdamFixtures(t *testing.T) {
	fx := optimFixtures(t)
	eachKernelSet(t, func(t *testing.T) {
		for _, name := range []string{"adam", "adam_wd", "adamw", "adamw_wd"} {
			t.Run(name, func(t *testing.T) {
				h := fx[name+".hyper"].F64
				a := Optimizer{Method: AdamMethod, Beta1: h[0], Beta2: h[1], Eps: h[2], WeightDecay: h[3]}
				if h[4] == 1 {
					a.Method = AdamWMethod
				}
				w := append([]float32(nil), fx[name+".w0"].F32...)
				n := len(w)
				g, want, lrs := fx[name+".g"].F32, fx[name+".w"].F32, fx[name+".lr"].F64
				m, v := make([]float32, n), make([]float32, n)
				var worst, exact int64
				check := func(what string, step int, got, want []float32) {
					t.Helper()
					for i := range got {
						d := ulps(got[i], want[i])
						if d > adamULPs {
							t.Fatalf("step %d: %s[%d] = %v, PyTorch %v (%d ulps)", step, what, i, got[i], want[i], d)
						}
						worst = max(worst, d)
						if d == 0 {
							exact++
						}
					}
				}
				for s, lr := range lrs {
					a.LR = lr
					c := a.AdamCoeffs(int64(s + 1))
					AdamStep(w, g[s*n:(s+1)*n], m, v, &c)
					check("w", s+1, w, want[s*n:(s+1)*n])
				}
				check("exp_avg", len(lrs), m, fx[name+".m"].F32)
				check("exp_avg_sq", len(lrs), v, fx[name+".v"].F32)
				total := int64((len(lrs) + 2) * n)
				t.Logf("%s: worst %d ulps, %d of %d values exact", a.Name(), worst, exact, total)
			})
		}
	})
}

// TestAdamDefinition compares AdamStep with the update written plainly in
// float64 from Adam's paper (Kingma and Ba, 2015, algorithm 1, with
// PyTorch's placement of eps and its weight decays) over a few steps of
// hyperparameters that change between them.
func TestAdamDefinition(t *testing.T) {
	r := NewRand(7)
	const n = 37
	w, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	w64, m64, v64 := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range w {
		w[i] = float32(r.Normal())
		w64[i] = float64(w[i])
	}
	for _, a := range []Optimizer{NewAdam(0.01), NewAdamW(0.02), {Method: AdamMethod, LR: 0.1, Beta1: 0.5, Beta2: 0.75, Eps: 1e-3, WeightDecay: 0.5}} {
		for step := int64(1); step <= 5; step++ {
			for i := range g {
				g[i] = float32(r.Normal())
			}
			c := a.AdamCoeffs(step)
			AdamStep(w, g, m, v, &c)
			for i := range w64 {
				d := float64(g[i])
				if a.Method == AdamWMethod {
					w64[i] *= 1 - a.LR*a.WeightDecay
				} else {
					d += a.WeightDecay * w64[i]
				}
				m64[i] = a.Beta1*m64[i] + (1-a.Beta1)*d
				v64[i] = a.Beta2*v64[i] + (1-a.Beta2)*d*d
				mHat := m64[i] / (1 - math.Pow(a.Beta1, float64(step)))
				vHat := math.Sqrt(v64[i]) / math.Sqrt(1-math.Pow(a.Beta2, float64(step)))
				w64[i] -= a.LR * mHat / (vHat + a.Eps)
				if e := math.Abs(float64(w[i]) - w64[i]); e > 1e-5*math.Max(1, math.Abs(w64[i])) {
					t.Fatalf("%s step %d: w[%d] = %v, float64 definition %v", a.Name(), step, i, w[i], w64[i])
				}
			}
		}
		// Start the next optimiser afresh from the weights reached.
		clear(m)
		clear(v)
		clear(m64)
		clear(v64)
	}
}

// TestPowInt: β^t as big.Float computes it exactly and rounds it once,
// for Adam's usual betas and others, over the first 20000 steps and some
// far later ones, down to 2^-960 (below which 1 − β^t is 1 anyway, and
// the double-double's low half loses bits).
func TestPowInt(t *testing.T) {
	exact := func(b float64, n int64) float64 {
		r, x := new(big.Float).SetPrec(2000).SetFloat64(1), new(big.Float).SetPrec(2000).SetFloat64(b)
		for ; n > 0; n >>= 1 {
			if n&1 == 1 {
				r.Mul(r, x)
			}
			x.Mul(x, x)
		}
		f, _ := r.Float64()
		return f
	}
	for _, b := range []float64{0.9, 0.999, 0.99, 0.95, 0.5, 0.9999, 0.8, 0.123456789} {
		for n := int64(1); n <= 20000; n += 1 + n/1000 {
			if got, want := powInt(b, n), exact(b, n); got != want && want >= 0x1p-960 {
				t.Fatalf("%v^%d = %v, want %v", b, n, got, want)
			}
		}
		for _, n := range []int64{1 << 20, 1e7 + 3, 1 << 40} {
			if got, want := powInt(b, n), exact(b, n); got != want && want >= 0x1p-960 {
				t.Fatalf("%v^%d = %v, want %v", b, n, got, want)
			}
		}
	}
}

func TestAdamCoeffs(t *testing.T) {
	// Python: 1 - 0.9 ** 3 = 0.2709999999999999, 0.999 ** 1000 = 0.36769542477096373.
	if got := 1 - powInt(0.9, 3); got != 0.2709999999999999 {
		t.Errorf("1 - 0.9^3 = %v, want Python's 0.2709999999999999", got)
	}
	if got := powInt(0.999, 1000); got != 0.36769542477096373 {
		t.Errorf("0.999^1000 = %v, want Python's 0.36769542477096373", got)
	}
	aw := NewAdamW(0.5)
	c := aw.AdamCoeffs(1)
	if c.Shrink != float32(1-0.5*0.01) || c.Decay != 0 || c.NegStep != float32(-0.5/(1-0.9)) {
		t.Errorf("AdamW coefficients %+v", c)
	}
	for _, c := range []struct {
		o    Optimizer
		want string
	}{
		{Optimizer{Method: AdamMethod, LR: -1, Beta1: 0.9, Beta2: 0.9}, "Adam: learning rate -1 is not a finite value of 0 or more"},
		{Optimizer{Method: AdamWMethod, LR: 1, Beta1: 1, Beta2: 0.9}, "AdamW: beta1 1 is not in [0, 1)"},
		{Optimizer{Method: AdamMethod, LR: 1, Beta1: 0.9, Beta2: math.NaN()}, "Adam: beta2 NaN is not in [0, 1)"},
		{Optimizer{Method: AdamMethod, LR: 1, Eps: math.Inf(1)}, "Adam: eps +Inf is not a finite value of 0 or more"},
		{NewSGD(0.1, -0.5, 0), "SGD: momentum -0.5 is not a finite value of 0 or more"},
		{Optimizer{Method: 9}, "unknown optimiser Method(9)"},
	} {
		if err := c.o.Check(); err == nil || err.Error() != c.want {
			t.Errorf("%+v: error %v, want %s", c.o, err, c.want)
		}
	}
	for _, o := range []Optimizer{NewAdamW(1e-3), NewAdam(0), NewSGD(0.1, 0.9, 1e-4)} {
		if err := o.Check(); err != nil {
			t.Error(err)
		}
	}
}

// TestFMA32 compares fma32 with a·b + c computed exactly and rounded once to
// float32 (math/big), on random values of every magnitude (subnormal
// results included) and on the cases that double rounding gets wrong: a
// product exactly halfway between two float32 values plus a c too small to
// survive the float64 sum.
func TestFMA32(t *testing.T) {
	r := NewRand(3)
	exact := func(a, b, c float32) float32 {
		x := new(big.Float).SetPrec(1000).SetFloat64(float64(a))
		x.Mul(x, new(big.Float).SetFloat64(float64(b)))
		x.Add(x, new(big.Float).SetFloat64(float64(c)))
		f, _ := x.Float32()
		if f == 0 && math.Signbit(float64(c)) && math.Signbit(float64(a)*float64(b)) {
			return float32(math.Copysign(0, -1))
		}
		return f
	}
	rnd := func(lo, hi int) float32 {
		return float32(r.Normal() * math.Ldexp(1, lo+int(r.Uint64()%uint64(hi-lo))))
	}
	odd := func(bits uint) float64 { return float64(r.Uint64()%(1<<(bits-1))<<1 | 1 | 1<<(bits-1)) }
	halfway := 0
	for i := range 200000 {
		var a, b, c float32
		switch i % 3 {
		case 0:
			a, b, c = rnd(-60, 60), rnd(-60, 60), rnd(-120, 120)
		case 1: // results near and below float32's smallest normal
			a, b, c = rnd(-75, -50), rnd(-75, -50), rnd(-150, -120)
		default: // a product of 25 significant bits, a midpoint, and a tiny c
			a = float32(math.Ldexp(odd(12), int(r.Uint64()%20)-30))
			b = float32(math.Ldexp(odd(13), int(r.Uint64()%20)-30))
			c = float32(math.Copysign(math.Ldexp(float64(a)*float64(b), -60-int(r.Uint64()%40)), r.Normal()))
			if p := float64(a) * float64(b); float64(float32(p)) != p {
				halfway++
			}
		}
		if got, want := fma32(a, b, c), exact(a, b, c); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%g, %g, %g) = %g, want %g", a, b, c, got, want)
		}
	}
	if halfway < 10000 {
		t.Errorf("only %d products halfway between float32 values", halfway)
	}
}

// TestAdamPaths runs every kernel path's AdamStep on lengths that leave
// every kind of tail, from values with zeros, tiny and huge gradients, for
// Adam with and without decay and for AdamW, and requires exactly what the
// scalar loop computes.
func TestAdamPaths(t *testing.T) {
	r := NewRand(11)
	for _, n := range []int{1, 7, 8, 15, 16, 17, 100, 1003} {
		w0, m0, v0, g := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range w0 {
			w0[i] = float32(r.Normal() * math.Ldexp(1, int(r.Uint64()%40)-20))
			g[i] = float32(r.Normal() * math.Ldexp(1, int(r.Uint64()%80)-60))
			m0[i] = float32(r.Normal() * 1e-3)
			v0[i] = float32(math.Abs(r.Normal()) * 1e-6)
			if i%5 == 0 {
				g[i] = 0
			}
		}
		for _, a := range []Optimizer{NewAdam(1e-3), {Method: AdamMethod, LR: 0.3, Beta1: 0.5, Beta2: 0.6, Eps: 1e-3, WeightDecay: 0.25}, NewAdamW(2e-2)} {
			c := a.AdamCoeffs(3)
			want := [4][]float32{slices.Clone(w0), g, slices.Clone(m0), slices.Clone(v0)}
			adamPortable(want[0], want[1], want[2], want[3], &c)
			eachKernelSet(t, func(t *testing.T) {
				w, m, v := slices.Clone(w0), slices.Clone(m0), slices.Clone(v0)
				AdamStep(w, g, m, v, &c)
				for k, got := range [][]float32{w, m, v} {
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[[]int{0, 2, 3}[k]][i]) {
							t.Fatalf("%s, n %d: %s[%d] = %v, scalar loop %v", a.Name(), n, []string{"w", "exp_avg", "exp_avg_sq"}[k], i, got[i], want[[]int{0, 2, 3}[k]][i])
						}
					}
				}
			})
		}
	}
}
