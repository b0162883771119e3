package gen

import (
	"fmt"

	"github.com/cnnc/cnnc/compiler"
)

// tensor is one buffer of the generated code: a sample's values in H×W×C
// order (channels innermost), with PH rows and PW columns of padding around
// them when the layer that reads it is a conv or mean pool with padding. The
// padding stays zero: nothing ever writes it.
type tensor struct {
	id      int // tensors are numbered in network order; the input is 0
	H, W, C int
	PH, PW  int
	// Map is false for a flat vector (after fc), whose values have no H, W
	// order to convert at the public boundary.
	Map bool
}

// RowLen is the number of values in one padded row: (W + 2PW)·C.
func (t *tensor) RowLen() int { return (t.W + 2*t.PW) * t.C }

// Len is the buffer's length, padding included.
func (t *tensor) Len() int { return (t.H + 2*t.PH) * t.RowLen() }

// Size is the number of values without padding.
func (t *tensor) Size() int { return t.H * t.W * t.C }

// At returns the offset of value (y, x, c) of the unpadded map.
func (t *tensor) At(y, x, c int) int { return (y+t.PH)*t.RowLen() + (x+t.PW)*t.C + c }

// Padded reports whether t has padding.
func (t *tensor) Padded() bool { return t.PH > 0 || t.PW > 0 }

// Value is the name of the buffer holding t's values; Grad of the one holding
// the gradient of the loss with respect to them.
func (t *tensor) Value() string { return fmt.Sprintf("x%d", t.id) }
func (t *tensor) Grad() string  { return fmt.Sprintf("d%d", t.id) }

// step is one function of the generated code in each direction: a layer,
// and the activation fused into it when it has one.
type step struct {
	L *compiler.Layer
	// Act is an activation that directly follows L and is applied to L's
	// output in the same pass; nil when there is none.
	Act     *compiler.Layer
	In, Out *tensor
	// Index is L's index in the network's layers (dropout masks need it).
	Index int
}

// Name is the step's function name prefix: "conv1", "maxpool2", "relu3".
func (s *step) Name() string { return s.L.Name }

// fusable reports whether activation a can be applied in place to the output
// of layer l: l's backward must not need its own output (softmax's does), and
// the activation's derivative must be recoverable from its output, which
// rules out leaky with a slope of 0 or less.
func fusable(l, a *compiler.Layer) bool {
	if !a.Kind.Activation() || l.Kind.Elementwise() || l.Kind == compiler.Softmax {
		return false
	}
	return a.Kind != compiler.Leaky || a.Alpha > 0
}

// plan is the steps and buffers of a network.
type plan struct {
	net     *compiler.Net
	steps   []*step
	tensors []*tensor // tensors[0] is the input
}

// newPlan lays out net: it groups layers into steps, gives each step an
// output tensor, and pads each tensor as its reader needs.
func newPlan(net *compiler.Net) *plan {
	p := &plan{net: net}
	in := p.newTensor(net.Input)
	layers := net.Layers
	for i := 0; i < len(layers); i++ {
		s := &step{L: layers[i], In: in, Index: i}
		if i+1 < len(layers) && fusable(layers[i], layers[i+1]) {
			s.Act = layers[i+1]
			i++
		}
		s.Out = p.newTensor(s.L.Out)
		if s.L.Kind == compiler.Softmax || s.L.Kind.Elementwise() {
			// Softmax and element-wise layers keep their input's order.
			s.Out.Map = in.Map
			s.Out.H, s.Out.W, s.Out.C = in.H, in.W, in.C
		}
		if (s.L.Kind == compiler.Conv || s.L.Kind == compiler.MeanPool) && (s.L.PH > 0 || s.L.PW > 0) {
			in.PH, in.PW = s.L.PH, s.L.PW
		}
		p.steps = append(p.steps, s)
		in = s.Out
	}
	return p
}

func (p *plan) newTensor(s compiler.Shape) *tensor {
	t := &tensor{id: len(p.tensors), H: s.H, W: s.W, C: s.C, Map: !s.Flat}
	p.tensors = append(p.tensors, t)
	return t
}

// input and output return the network's first and last tensors.
func (p *plan) input() *tensor  { return p.tensors[0] }
func (p *plan) output() *tensor { return p.tensors[len(p.tensors)-1] }
