package runtime

import "math"

// Rand is the random number generator every cnnc engine uses, so that the
// same seed gives the same weights and dropout masks in the interpreter and
// in generated code. It is SplitMix64 (Steele, Lea and Flood, "Fast
// splittable pseudorandom number generators", OOPSLA 2014):
//
//	state += 0x9E3779B97F4A7C15
//	z := state
//	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//	return z ^ (z >> 31)
//
// Float64 takes the top 53 bits of the next Uint64 and scales them by 2^-53,
// giving a value in [0, 1). Normal draws two such values u1, u2 and returns
// sqrt(-2 ln(1-u1)) cos(2π u2) (Box–Muller, one value per pair). The
// sequence is part of cnnc's contract: it is easy to reproduce in any
// language, and tests pin it.
//
// The zero Rand is valid and equals NewRand(0). A Rand is not safe for
// concurrent use.
type Rand struct {
	state uint64
}

// NewRand returns a generator seeded with seed.
func NewRand(seed uint64) *Rand { return &Rand{state: seed} }

// State returns r's state: NewRand(r.State()) continues r's sequence
// (for checkpoints).
func (r *Rand) State() uint64 { return r.state }

// Uint64 returns the next 64 random bits.
func (r *Rand) Uint64() uint64 {
	r.state += 0x9E3779B97F4A7C15
	z := r.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Float64 returns a uniform value in [0, 1).
func (r *Rand) Float64() float64 {
	return float64(r.Uint64()>>11) * (1.0 / (1 << 53))
}

// Normal returns a standard normal value.
func (r *Rand) Normal() float64 {
	u1 := r.Float64()
	u2 := r.Float64()
	return math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
}

// HeNormal fills w with He-normal values, normal with standard deviation
// sqrt(2/fanIn) (He et al., "Delving deep into rectifiers", 2015), drawn from
// r in order. It panics if fanIn is not positive.
func HeNormal(r *Rand, w []float64, fanIn int) {
	if fanIn <= 0 {
		panic("runtime: HeNormal: fan-in must be positive")
	}
	std := math.Sqrt(2 / float64(fanIn))
	for i := range w {
		w[i] = r.Normal() * std
	}
}

// HeNormal32 is HeNormal for float32 values: each is drawn and scaled in
// float64, then rounded to float32, so that float32 and float64 engines
// seeded alike hold the same weights up to that rounding.
func HeNormal32(r *Rand, w []float32, fanIn int) {
	if fanIn <= 0 {
		panic("runtime: HeNormal32: fan-in must be positive")
	}
	std := math.Sqrt(2 / float64(fanIn))
	for i := range w {
		w[i] = float32(r.Normal() * std)
	}
}

// DropoutRand returns the generator for the dropout mask of one sample at one
// dropout layer in one training step: seed is the step's dropout seed,
// sample the sample's index in the whole batch, layer the index of the
// layer in the network (counting every layer from 0). The mask keeps value i
// (in C, H, W order) when the i-th Float64 drawn is at least the layer's
// probability p, and scales kept values by 1/(1-p). Deriving a generator per
// sample and layer lets workers draw masks in any order and still agree.
// It returns a value, not a pointer, so that drawing a mask allocates
// nothing.
func DropoutRand(seed uint64, sample, layer int) Rand {
	key := Rand{state: uint64(sample)<<32 | uint64(uint32(layer))}
	return Rand{state: seed ^ key.Uint64()}
}
