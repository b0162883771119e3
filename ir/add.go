package ir

import "fmt"

// Add is the merge of a residual block: the sum of two or more inputs of
// equal shape, value by value.
type Add struct{ noTensors }

func (*Add) Kind() string { return "add" }

// Infer checks there are at least two inputs, all of one shape.
func (*Add) Infer(in []Shape) (Shape, error) {
	if len(in) < 2 {
		return Shape{}, &ShapeError{Kind: Arity, In: in, Detail: fmt.Sprintf("add takes two or more inputs, got %d", len(in))}
	}
	for _, s := range in[1:] {
		if s != in[0] {
			return Shape{}, &ShapeError{Kind: Mismatch, In: in, Detail: "add needs inputs of one shape, got " + shapeList(in)}
		}
	}
	return in[0], nil
}
