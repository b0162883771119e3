package compiler

import (
	"fmt"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/ir"
)

// Kind is the kind of a layer.
type Kind int

// The layer kinds, one per statement of the language (pool splits in two).
const (
	Conv Kind = iota
	MaxPool
	MeanPool
	FC
	ReLU
	Sigmoid
	Tanh
	Leaky
	Dropout
	Softmax
)

var kindNames = [...]string{"conv", "maxpool", "meanpool", "fc", "relu", "sigmoid", "tanh", "leaky", "dropout", "softmax"}

// String returns the kind's short name, used in layer names: "conv",
// "maxpool", "fc", ...
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Elementwise reports whether the layer maps each value on its own (an
// activation or dropout): such layers keep the shape and can work in place.
func (k Kind) Elementwise() bool {
	switch k {
	case ReLU, Sigmoid, Tanh, Leaky, Dropout:
		return true
	}
	return false
}

// Activation reports whether the layer is relu, sigmoid, tanh or leaky.
func (k Kind) Activation() bool { return k.Elementwise() && k != Dropout }

// Shape is the shape of one sample: C channels of H×W, or a flat vector of
// C features; see ir.Shape.
type Shape = ir.Shape

// Param is one learnable tensor, named and shaped as PyTorch names and
// shapes it: conv weights [K C Fh Fw], fc weights [out in], biases [n].
type Param struct {
	Name  string // "conv1.weight"
	Shape []int
	// FanIn is the number of inputs each output sums over (C·Fh·Fw for a
	// conv, in for fc), the n of He initialisation; 0 for a bias.
	FanIn int
}

// Size returns the number of values in p.
func (p Param) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Layer is one layer of a checked sequential network, after repeat
// expansion: a node of a graph that is a chain, in the terms the code
// generator reads.
type Layer struct {
	Kind Kind
	// Name is the node's name: in a file without labels, the kind followed
	// by its number among layers of that kind, counted from 1: "conv3",
	// "fc1", "relu7", "maxpool2".
	Name string
	// Text is the statement as the formatter writes it: "conv 3x3x64 s1 p1".
	Text string
	// Pos is where the statement is in the source; layers expanded from one
	// statement of a repeat share it.
	Pos lexer.Position
	// Copy says which copy of each enclosing repeat this layer belongs to,
	// innermost first (see ir.Copy); nil outside repeats.
	Copy *ir.Copy

	In, Out Shape

	// Conv and pool geometry: filter (window) size, stride, padding. For a
	// conv K is the number of filters; for fc it is the number of outputs.
	FH, FW, K      int
	SH, SW, PH, PW int

	// Alpha is leaky's slope or dropout's probability.
	Alpha float64

	Params []Param
	// MACs is the multiply-adds of a forward pass for one sample.
	MACs int64

	// Failed marks the layer whose shape could not be computed; it is the
	// last layer of a Net that has shape errors, and its Out is zero.
	Failed bool
}

// InCopyOf returns the copy of the repeat at pos that l belongs to.
func (l *Layer) InCopyOf(pos lexer.Position) (*ir.Copy, bool) {
	p := irPos(pos)
	for c := l.Copy; c != nil; c = c.Outer {
		if c.Pos == p {
			return c, true
		}
	}
	return nil, false
}

// Net is a checked network: every layer with its shapes, parameters and
// costs. The interpreter and the code generator both read it.
type Net struct {
	// Name is the model statement's name, or the file's base name.
	Name string
	// File is the file name the net was read from, as given.
	File string
	// Input is the shape of one input sample; InputPos where it is declared.
	Input    Shape
	InputPos lexer.Position
	Layers   []*Layer
	// Graph is the graph the net is a view of: the interpreter runs it.
	Graph *ir.Graph
}

// Output returns the shape of the network's output: the last layer's, or the
// input's for a network with no layers.
func (n *Net) Output() Shape {
	if len(n.Layers) == 0 {
		return n.Input
	}
	return n.Layers[len(n.Layers)-1].Out
}

// Params returns every parameter in layer order.
func (n *Net) Params() []Param {
	var ps []Param
	for _, l := range n.Layers {
		ps = append(ps, l.Params...)
	}
	return ps
}

// Complete reports whether every layer's shape is known (no layer failed).
func (n *Net) Complete() bool {
	return len(n.Layers) == 0 || !n.Layers[len(n.Layers)-1].Failed
}
