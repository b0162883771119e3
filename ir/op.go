package ir

// Op is one operation: its attributes, and the rules that follow from them
// and the shapes of its inputs. Each operation is a type of its own, in a
// file of its own.
type Op interface {
	// Kind is the operation's short name, used to number unnamed nodes
	// ("conv" gives conv1, conv2, ...): "conv", "maxpool", "meanpool",
	// "globalavgpool", "globalmaxpool", "fc", "relu", ..., "dropout",
	// "softmax", "bn", "add", "concat".
	Kind() string
	// Infer returns the output shape for inputs of shapes in, or a
	// *ShapeError saying why there is none.
	Infer(in []Shape) (Shape, error)
	// Tensors returns the node's parameters and buffers for inputs of
	// shapes in (which Infer accepted), with local names ("weight",
	// "running_mean") in PyTorch's state_dict order: parameters first.
	Tensors(in []Shape) []Tensor
	// MACs returns the multiply-adds of one sample's forward pass. Only
	// conv and fc count: pooling, activations, batchnorm and merges do none
	// in the figures cnnc prints and in the published ones it matches
	// (ResNet-18: 1.814 G).
	MACs(in []Shape, out Shape) int64
}

// Elementwise reports whether op maps each value on its own (an activation
// or dropout): such nodes keep the shape and can work in place.
func Elementwise(op Op) bool {
	switch op.(type) {
	case *Activation, *Dropout:
		return true
	}
	return false
}

// noTensors and noMACs serve the operations that have no parameters and do
// no multiply-adds.
type noTensors struct{}

func (noTensors) Tensors([]Shape) []Tensor  { return nil }
func (noTensors) MACs([]Shape, Shape) int64 { return 0 }

// one checks that an operation with a single input got one.
func one(kind string, in []Shape) (Shape, error) {
	if len(in) != 1 {
		return Shape{}, &ShapeError{Kind: Arity, In: in, Detail: kind + " takes one input, got " + itoa(len(in))}
	}
	return in[0], nil
}

// needMap returns a FlatInput error when s is flat.
func needMap(s Shape, in []Shape) error {
	if s.Flat {
		return &ShapeError{Kind: FlatInput, In: in, Detail: "needs a feature map, but its input is " + itoa(s.C) + " flat features"}
	}
	return nil
}
