package ir

// Softmax is nn.Softmax(dim=1) on the input flattened in C, H, W order: its
// output is a flat vector of the input's size.
type Softmax struct{ noTensors }

func (*Softmax) Kind() string { return "softmax" }

// Infer flattens the input.
func (*Softmax) Infer(in []Shape) (Shape, error) {
	x, err := one("softmax", in)
	if err != nil {
		return Shape{}, err
	}
	return Flat(x.Size()), nil
}
