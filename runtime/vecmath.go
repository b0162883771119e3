package runtime

import (
	"fmt"
	"math"
)

// Tanh, sigmoid and their derivatives in float32, for every value of a
// slice: on the vector paths 8 values at a time, instead of a float64
// library call per value.
//
//	tanh(x)      x·P(x²)/Q(x²), P of degree 6 and Q of degree 3 in x² (Eigen's
//	             rational form), on x clamped to ±7.9053 (where tanh is 1 in
//	             float32), and x itself where |x| < 0.0004: within 7 ulp and
//	             4e-7 relative of tanh.
//	sigmoid(x)   1/(1 + e^−x), e^t by Cephes' expf (within an ulp) on t
//	             clamped to [−87.34, 88.38]: within 3 ulp of the sigmoid, and
//	             4e-39 rather than 0 below x = −88.4.
//
// A NaN stays a NaN, ±∞ gives ±1 (tanh) and 1 or about 4e-39 (sigmoid).
// The derivatives read the output y, as PyTorch's backward kernels do:
// tanh′ = 1 − y², sigmoid′ = y·(1 − y).
type mathSet struct {
	tanh, sigmoid         func(o, v []float32) // o[i] = f(v[i]), len(o) == len(v)
	tanhGrad, sigmoidGrad func(d, y []float32) // d[i] *= f′ from y[i]
}

var portableMath = mathSet{tanh: tanhPortable, sigmoid: sigmoidPortable,
	tanhGrad: tanhGradPortable, sigmoidGrad: sigmoidGradPortable}

// Tanh sets dst[i] = tanh(src[i]) for every value of src; dst may be src.
// It panics with ErrShape when dst is shorter than src.
func Tanh(dst, src []float32) {
	checkVec("Tanh", "dst", len(dst), len(src))
	kernels.math.tanh(dst[:len(src)], src)
}

// Sigmoid sets dst[i] = 1/(1 + e^−src[i]) for every value of src; dst may
// be src. It panics with ErrShape when dst is shorter than src.
func Sigmoid(dst, src []float32) {
	checkVec("Sigmoid", "dst", len(dst), len(src))
	kernels.math.sigmoid(dst[:len(src)], src)
}

// TanhGrad multiplies the gradient d by tanh's derivative read from its
// output y: d[i] *= 1 − y[i]². It panics with ErrShape when y is shorter
// than d.
func TanhGrad(d, y []float32) {
	checkVec("TanhGrad", "y", len(y), len(d))
	kernels.math.tanhGrad(d, y[:len(d)])
}

// SigmoidGrad multiplies the gradient d by the sigmoid's derivative read
// from its output y: d[i] *= y[i]·(1 − y[i]). It panics with ErrShape when
// y is shorter than d.
func SigmoidGrad(d, y []float32) {
	checkVec("SigmoidGrad", "y", len(y), len(d))
	kernels.math.sigmoidGrad(d, y[:len(d)])
}

func checkVec(fn, what string, got, want int) {
	if got < want {
		panic(fmt.Errorf("%w: %s: %s length %d, want at least %d", ErrShape, fn, what, got, want))
	}
}

// The constants of both forms (see mathSet), as the assembly holds them.
const (
	tanhClamp = 7.90531110763549805
	tanhTiny  = 0.0004
	expHi     = 88.3762626647949
	expLo     = -87.33654
)

var (
	tanhP = [...]float32{4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05,
		5.12229709037114e-08, -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16}
	tanhQ = [...]float32{4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04, 1.19825839466702e-06}
	expP  = [...]float32{1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1}
)

func tanhf(x float32) float32 {
	if abs := math.Abs(float64(x)); abs < tanhTiny {
		return x
	}
	c := min(max(x, -tanhClamp), tanhClamp) // Go's min and max keep a NaN
	x2 := c * c
	p := tanhP[6]
	for i := 5; i >= 0; i-- {
		p = p*x2 + tanhP[i]
	}
	q := tanhQ[3]
	for i := 2; i >= 0; i-- {
		q = q*x2 + tanhQ[i]
	}
	return c * p / q
}

// expf is e^t, Cephes' single-precision form.
func expf(t float32) float32 {
	t = min(max(t, expLo), expHi)
	if t != t {
		return t
	}
	k := float32(math.Floor(float64(t*math.Log2E + 0.5)))
	r := t - k*0.693359375
	r -= k * -2.12194440e-4
	p := expP[0]
	for _, c := range expP[1:] {
		p = p*r + c
	}
	e := p*(r*r) + r + 1
	return e * math.Float32frombits(uint32(int32(k)+127)<<23)
}

func sigmoidf(x float32) float32 { return 1 / (1 + expf(-x)) }

func tanhPortable(o, v []float32) {
	o = o[:len(v)]
	for i, x := range v {
		o[i] = tanhf(x)
	}
}

func sigmoidPortable(o, v []float32) {
	o = o[:len(v)]
	for i, x := range v {
		o[i] = sigmoidf(x)
	}
}

func tanhGradPortable(d, y []float32) {
	y = y[:len(d)]
	for i, v := range y {
		d[i] *= 1 - v*v
	}
}

func sigmoidGradPortable(d, y []float32) {
	y = y[:len(d)]
	for i, v := range y {
		d[i] *= v * (1 - v)
	}
}
