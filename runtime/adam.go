package runtime

import (
	"fmt"
	"math"
	"math/big"
)

// Adam holds the hyperparameters of torch.optim.Adam (Decoupled false) and
// torch.optim.AdamW (Decoupled true), PyTorch 1.13's, without amsgrad or
// maximize. They are float64, as PyTorch keeps them in Python floats: the
// per-step scalars are computed in float64 and rounded to float32 where
// PyTorch's tensor arithmetic rounds them (see AdamStep).
type Adam struct {
	LR           float64
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64
	Decoupled    bool // AdamW: decay the weights, not the gradient
}

// Adam's defaults, PyTorch's.
const (
	AdamBeta1 = 0.9
	AdamBeta2 = 0.999
	AdamEps   = 1e-8
	// AdamWDecay is torch.optim.AdamW's default weight decay; Adam's is 0.
	AdamWDecay = 1e-2
)

// NewAdam returns torch.optim.Adam(lr) with PyTorch's defaults: betas
// (0.9, 0.999), eps 1e-8, no weight decay.
func NewAdam(lr float64) Adam {
	return Adam{LR: lr, Beta1: AdamBeta1, Beta2: AdamBeta2, Eps: AdamEps}
}

// NewAdamW returns torch.optim.AdamW(lr) with PyTorch's defaults: betas
// (0.9, 0.999), eps 1e-8, weight decay 1e-2.
func NewAdamW(lr float64) Adam {
	a := NewAdam(lr)
	a.WeightDecay, a.Decoupled = AdamWDecay, true
	return a
}

// Name is "Adam" or "AdamW", as PyTorch's classes.
func (a Adam) Name() string {
	if a.Decoupled {
		return "AdamW"
	}
	return "Adam"
}

// Check returns an error unless the hyperparameters are ones torch.optim.Adam
// accepts: a finite learning rate, eps and weight decay of 0 or more, and
// betas in [0, 1).
func (a Adam) Check() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"learning rate", a.LR}, {"eps", a.Eps}, {"weight decay", a.WeightDecay}} {
		if !(p.v >= 0) || math.IsInf(p.v, 0) {
			return fmt.Errorf("%s: %s %v is not a finite value of 0 or more", a.Name(), p.name, p.v)
		}
	}
	for i, b := range []float64{a.Beta1, a.Beta2} {
		if !(b >= 0 && b < 1) {
			return fmt.Errorf("%s: beta%d %v is not in [0, 1)", a.Name(), i+1, b)
		}
	}
	return nil
}

// AdamCoeffs are the float32 scalars of one Adam step, as PyTorch rounds
// them (see AdamStep): computed once per step, used for every tensor. The
// assembly loop reads the fields at their offsets: keep their order.
type AdamCoeffs struct {
	Decay        float32 // Adam: the L2 weight decay added to the gradient (0: none)
	Shrink       float32 // AdamW: the factor 1 − lr·wd the weights are multiplied by (1: none)
	Beta1, OneB1 float32 // β1 and 1 − β1
	Beta2, OneB2 float32 // β2 and 1 − β2
	BC2Sqrt      float32 // sqrt(1 − β2^t)
	Eps          float32
	NegStep      float32 // −lr / (1 − β1^t)
}

// Coeffs returns the scalars of step t (counted from 1) as
// torch.optim.Adam's and AdamW's single-tensor code computes them, in
// float64 (Python floats), then rounded to float32 as the tensor
// operations that take them do:
//
//	bias_correction1 = 1 - beta1 ** t
//	bias_correction2 = 1 - beta2 ** t
//	step_size = lr / bias_correction1
//	bias_correction2_sqrt = sqrt(bias_correction2)
//
// β^t is rounded once from its exact value, as glibc's correctly rounded
// pow gives it. It panics if t < 1.
func (a Adam) Coeffs(t int64) AdamCoeffs {
	if t < 1 {
		panic("runtime: Adam.Coeffs: the step count starts at 1")
	}
	bc1 := 1 - powInt(a.Beta1, t)
	bc2 := 1 - powInt(a.Beta2, t)
	c := AdamCoeffs{
		Shrink: 1,
		Beta1:  float32(a.Beta1), OneB1: float32(1 - a.Beta1),
		Beta2: float32(a.Beta2), OneB2: float32(1 - a.Beta2),
		BC2Sqrt: float32(math.Sqrt(bc2)),
		Eps:     float32(a.Eps),
		NegStep: float32(-(a.LR / bc1)),
	}
	if a.Decoupled {
		c.Shrink = float32(1 - a.LR*a.WeightDecay)
	} else {
		c.Decay = float32(a.WeightDecay)
	}
	return c
}

// powInt returns b^n (n ≥ 1) rounded once to float64: by repeated squaring
// in 256-bit floats, whose error (about 2·log2(n) roundings at 2^-256) is
// far below float64's.
func powInt(b float64, n int64) float64 {
	const prec = 256
	r := new(big.Float).SetPrec(prec).SetFloat64(1)
	x := new(big.Float).SetPrec(prec).SetFloat64(b)
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			r.Mul(r, x)
		}
		x.Mul(x, x)
	}
	f, _ := r.Float64()
	return f
}

// AdamStep updates the parameters w from their gradient g and the moment
// estimates m and v (exp_avg and exp_avg_sq, zero before the first step)
// as torch.optim.Adam and AdamW do on the CPU in float32, in PyTorch's
// order of operations:
//
//	w  = w·(1 − lr·wd)                 AdamW (c.Shrink)
//	g' = fma(wd, w, g)                 Adam (c.Decay): g + wd·w
//	m  = fma(1−β1, g', m·β1)           m·β1 + (1−β1)·g'
//	v  = fma((1−β2)·g', g', v·β2)      v·β2 + (1−β2)·g'·g'
//	d  = sqrt(v) / sqrt(1−β2^t) + eps
//	w  = w + (−lr/(1−β1^t))·m / d
//
// where fma(a, b, c) is a·b + c rounded once. PyTorch's CPU kernels
// (tensor.add_ with alpha, addcmul_ and addcdiv_) are compiled for CPUs
// with AVX2 and FMA, and their loops (vector and scalar alike) fuse those
// multiply-adds; this is what they compute there, value for value. It
// panics if the lengths of w, g, m and v differ.
func AdamStep(w, g, m, v []float32, c *AdamCoeffs) {
	if len(g) != len(w) || len(m) != len(w) || len(v) != len(w) {
		panic("runtime: AdamStep: lengths differ")
	}
	if f := kernels.adam; f != nil {
		f(w, g, m, v, c)
		return
	}
	adamPortable(w, g, m, v, c)
}

// adamPortable is AdamStep's scalar loop.
func adamPortable(w, g, m, v []float32, c *AdamCoeffs) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i := range w {
		p := w[i]
		if c.Shrink != 1 {
			p *= c.Shrink
		}
		d := g[i]
		if c.Decay != 0 {
			d = fma32(c.Decay, p, d)
		}
		mi := fma32(c.OneB1, d, m[i]*c.Beta1)
		vi := fma32(c.OneB2*d, d, v[i]*c.Beta2)
		den := float32(math.Sqrt(float64(vi)))/c.BC2Sqrt + c.Eps
		w[i] = p + c.NegStep*mi/den
		m[i], v[i] = mi, vi
	}
}

// fma32 returns a·b + c rounded once to float32, as the FMA instructions
// do. The product is exact in float64 and their sum rounded once there;
// rounding that again to float32 is wrong only when the float64 sum lies
// exactly halfway between two float32 values while the exact sum does not,
// and then the sum's exact error (Knuth's TwoSum) says which way to go.
func fma32(a, b, c float32) float32 {
	p, c64 := float64(a)*float64(b), float64(c)
	s := p + c64
	r := float32(s)
	if !halfway32(s, r) {
		return r
	}
	t := s - p
	if e := (p - (s - t)) + (c64 - t); e != 0 {
		return float32(math.Nextafter(s, math.Copysign(math.Inf(1), e)))
	}
	return r
}

// halfway32 reports whether s, which rounds to the float32 r, lies exactly
// halfway between two float32 values.
func halfway32(s float64, r float32) bool {
	const low = 1<<29 - 1 // the float64 fraction bits below a float32's
	if b := math.Float64bits(s); b&low != 1<<28 {
		if a := math.Abs(s); a >= 0x1p-126 || a == 0 {
			return false // a normal float32's midpoint has exactly those bits
		}
	}
	if float64(r) == s || math.IsInf(float64(r), 0) {
		return false
	}
	o := math.Nextafter32(r, float32(math.Copysign(math.Inf(1), s-float64(r))))
	return (float64(r)+float64(o))/2 == s
}
