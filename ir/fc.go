package ir

// FC is nn.Linear on the input flattened in C, H, W order: K outputs, each
// the sum of one product per input value, plus a bias unless NoBias.
type FC struct {
	K      int
	NoBias bool
}

func (f *FC) Kind() string { return "fc" }

// Infer gives K flat features, whatever the input's shape.
func (f *FC) Infer(in []Shape) (Shape, error) {
	if _, err := one("fc", in); err != nil {
		return Shape{}, err
	}
	if err := positive(in, 1, "the number of outputs", f.K); err != nil {
		return Shape{}, err
	}
	return Flat(f.K), nil
}

// Tensors are the weight [K, in], He-initialised for a fan-in of the input
// size, and the bias [K], zero.
func (f *FC) Tensors(in []Shape) []Tensor {
	n := in[0].Size()
	ts := []Tensor{{Name: "weight", Shape: []int{f.K, n}, Role: Weight, Init: Init{Kind: HeNormal, FanIn: n}}}
	if !f.NoBias {
		ts = append(ts, Tensor{Name: "bias", Shape: []int{f.K}, Role: Bias})
	}
	return ts
}

// MACs: one product per input per output.
func (f *FC) MACs(in []Shape, _ Shape) int64 { return in[0].Size64() * int64(f.K) }
