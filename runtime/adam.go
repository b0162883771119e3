package runtime

import (
	"math"
)

// Adam's defaults, PyTorch's.
const (
	AdamBeta1 = 0.9
	AdamBeta2 = 0.999
	AdamEps   = 1e-8
	// AdamWDecay is torch.optim.AdamW's default weight decay; Adam's is 0.
	AdamWDecay = 1e-2
)

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

// AdamCoeffs returns the scalars of step t (counted from 1) of o, Adam or
// AdamW, as torch.optim.Adam's and AdamW's single-tensor code computes them, in
// float64 (Python floats), then rounded to float32 as the tensor
// operations that take them do:
//
//	bias_correction1 = 1 - beta1 ** t
//	bias_correction2 = 1 - beta2 ** t
//	step_size = lr / bias_correction1
//	bias_correction2_sqrt = sqrt(bias_correction2)
//
// β^t is rounded once from its exact value, as glibc's correctly rounded
// pow gives it. It panics if t < 1 or o is SGD.
func (o Optimizer) AdamCoeffs(t int64) AdamCoeffs {
	if t < 1 || o.Method == SGDMethod {
		panic("runtime: AdamCoeffs: not an Adam step")
	}
	bc1 := 1 - powInt(o.Beta1, t)
	bc2 := 1 - powInt(o.Beta2, t)
	c := AdamCoeffs{
		Shrink: 1,
		Beta1:  float32(o.Beta1), OneB1: float32(1 - o.Beta1),
		Beta2: float32(o.Beta2), OneB2: float32(1 - o.Beta2),
		BC2Sqrt: float32(math.Sqrt(bc2)),
		Eps:     float32(o.Eps),
		NegStep: float32(-(o.LR / bc1)),
	}
	if o.Method == AdamWMethod {
		c.Shrink = float32(1 - o.LR*o.WeightDecay)
	} else {
		c.Decay = float32(o.WeightDecay)
	}
	return c
}

// powInt returns b^n (n ≥ 1, 0 ≤ b < 1) rounded once to float64, as a
// correctly rounded pow does: by repeated squaring in double-double
// arithmetic (about 106 bits, error about 2·log2(n) units of 2^-104), then
// one rounding. Below 2^-960 the low half runs out of exponent and the
// result may be off in the last bit (1 − b^n is 1 there). It allocates
// nothing.
func powInt(b float64, n int64) float64 {
	rh, rl := 1.0, 0.0
	xh, xl := b, 0.0
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			rh, rl = ddMul(rh, rl, xh, xl)
		}
		xh, xl = ddMul(xh, xl, xh, xl)
	}
	return rh + rl
}

// ddMul returns the double-double product of ah+al and bh+bl, normalised.
func ddMul(ah, al, bh, bl float64) (hi, lo float64) {
	// The explicit conversions keep the compiler from fusing these
	// products into multiply-adds, which it may do on arm64, ppc64 and
	// s390x: the error terms need each product rounded on its own.
	p := float64(ah * bh)
	e := math.FMA(ah, bh, -p) + (float64(ah*bl) + float64(al*bh))
	hi = p + e
	return hi, e - (hi - p)
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
