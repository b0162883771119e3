package ir

import "fmt"

// Dropout is nn.Dropout(P): in training each value is zeroed with
// probability P and the others scaled by 1/(1−P); at inference the
// identity.
type Dropout struct {
	noTensors
	P float64
}

func (d *Dropout) Kind() string { return "dropout" }

// Infer checks P is in [0, 1) and keeps the shape.
func (d *Dropout) Infer(in []Shape) (Shape, error) {
	if !(d.P >= 0 && d.P < 1) {
		return Shape{}, &ShapeError{Kind: Attribute, In: in, Detail: fmt.Sprintf("the probability must be in [0, 1), got %v", d.P)}
	}
	return one("dropout", in)
}
