package ir

import "fmt"

// Concat is torch.cat(dim=1): its inputs joined along channels in order.
// Maps must agree on H and W; flat vectors join their features.
type Concat struct{ noTensors }

func (*Concat) Kind() string { return "concat" }

// Infer checks the inputs agree on H, W and flatness, and sums channels.
func (*Concat) Infer(in []Shape) (Shape, error) {
	if len(in) < 1 {
		return Shape{}, &ShapeError{Kind: Arity, In: in, Detail: "concat takes one or more inputs, got 0"}
	}
	out := in[0]
	for _, s := range in[1:] {
		if s.H != out.H || s.W != out.W || s.Flat != out.Flat {
			return Shape{}, &ShapeError{Kind: Mismatch, In: in, Detail: fmt.Sprintf("concat needs inputs of one height and width, got %s", shapeList(in))}
		}
		out.C += s.C
	}
	return out, nil
}
