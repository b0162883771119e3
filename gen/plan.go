package gen

import (
	"fmt"

	"github.com/cnnc/cnnc/compiler"
)

// layout is how one buffer holds a sample's H×W×C values: channels
// innermost, with PH rows and PW columns of zero padding around them.
type layout struct {
	H, W, C, PH, PW int
}

// RowLen is the number of values in one padded row: (W + 2PW)·C.
func (l layout) RowLen() int { return (l.W + 2*l.PW) * l.C }

// Len is the buffer's length, padding included.
func (l layout) Len() int { return (l.H + 2*l.PH) * l.RowLen() }

// Size is the number of values without padding.
func (l layout) Size() int { return l.H * l.W * l.C }

// Origin is the offset of value (0, 0, 0).
func (l layout) Origin() int { return l.PH*l.RowLen() + l.PW*l.C }

// Padded reports whether l has padding.
func (l layout) Padded() bool { return l.PH > 0 || l.PW > 0 }

// at returns the offset of value (y, x, c), given as expressions of loop
// variables.
func (l layout) at(y, x, c lin) lin {
	return mul(y.add(l.PH), l.RowLen()).plus(mul(x.add(l.PW), l.C)).plus(c)
}

// tensor is one tensor of a sample: its values and its gradient, each in a
// buffer of its own layout. The values are padded as the layer that reads
// them needs (a conv or mean pool with padding); the gradient as the
// stride-1 conv that produced them needs for its transposed convolution.
// Padding stays zero: nothing ever writes it.
type tensor struct {
	id int // tensors are numbered in network order; the input is 0
	// Map is false for a flat vector (after fc), whose values have no H, W
	// order to convert at the public boundary.
	Map  bool
	F, G layout
}

// Value is the name of the buffer holding t's values; Grad of the one holding
// the gradient of the loss with respect to them.
func (t *tensor) Value() string { return fmt.Sprintf("x%d", t.id) }
func (t *tensor) Grad() string  { return fmt.Sprintf("d%d", t.id) }

// step is one layer of the generated code, and the activation fused into it
// when it has one.
type step struct {
	L *compiler.Layer
	// Act is an activation that directly follows L and is applied to L's
	// output in the same pass; nil when there is none.
	Act     *compiler.Layer
	In, Out *tensor
	// Index is L's index in the network's layers (dropout masks need it).
	Index int
	// First marks the first step, whose input gradient is computed only
	// when asked for.
	First bool
	// KB is a conv's weight block (channels); Transposed says its input
	// gradient is a transposed convolution (stride 1), with weight block
	// KBT, rather than the generic gather.
	KB, KBT    int
	Transposed bool
	// Wino says the conv's forward runs as Winograd's minimal filtering
	// (runtime.ConvForwardWinograd: F(2×2, 3×3), or F(4×4, 3×3) with the
	// portable kernels) by pairs of output rows, and its weight gradient
	// too (F(2×2, 3×3)), by weight blocks; WinoT says its transposed
	// convolution runs so.
	Wino, WinoT bool
	// WinoOdd says the conv's forward runs as
	// runtime.ConvForwardWinogradOdd: a conv Wino would take but for an
	// odd output height or width (AlexNet's 13×13 maps), Winograd's tiles
	// on the even part and the direct kernels on the last row and column,
	// by pairs of output rows (the last perhaps one row); its weight
	// gradient runs direct.
	WinoOdd bool
	// ActGradInNext says the next step's input-gradient phase applies
	// Act's derivative as it writes the gradient of this step's output (a
	// transposed convolution row by row, a max pool through its pooled
	// values), so this step has no pass of its own over that gradient.
	ActGradInNext bool
	// Prev is the step whose output is this step's input; nil for the
	// first.
	Prev *step
}

// Name is the step's name: "conv1", "maxpool2", "relu3".
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

// block returns the weight block for n channels: 32 when n is a multiple of
// 32, else 16 (the kernels' vector width; the last block is zero-padded).
// winoMinC is the fewest input channels for which a 3×3 stride-1 conv runs
// as Winograd's minimal filtering: its transforms cost a few additions a channel
// of each tile, which many channels amortise (BenchmarkConv in runtime:
// 56x56x64 169-183 against 113 GFLOP/s direct, 28x28x512 211 against 113)
// but an RGB input does not (224x224x3: 27 against 82).
const winoMinC = 32

func block(n int) int {
	if n%32 == 0 {
		return 32
	}
	return 16
}

// newPlan lays out net: it groups layers into steps, gives each step an
// output tensor, and pads each tensor as its reader and writer need.
func newPlan(net *compiler.Net) *plan {
	p := &plan{net: net}
	in := p.newTensor(net.Input)
	layers := net.Layers
	for i := 0; i < len(layers); i++ {
		s := &step{L: layers[i], In: in, Index: i, First: i == 0}
		if i+1 < len(layers) && fusable(layers[i], layers[i+1]) {
			s.Act = layers[i+1]
			i++
		}
		s.Out = p.newTensor(s.L.Out)
		l := s.L
		if l.Kind == compiler.Softmax || l.Kind.Elementwise() {
			// Softmax and element-wise layers keep their input's order.
			s.Out.Map = in.Map
			s.Out.F = layout{H: in.F.H, W: in.F.W, C: in.F.C}
			s.Out.G = s.Out.F
		}
		if (l.Kind == compiler.Conv || l.Kind == compiler.MeanPool) && (l.PH > 0 || l.PW > 0) {
			in.F.PH, in.F.PW = l.PH, l.PW
		}
		if l.Kind == compiler.Conv {
			s.KB, s.KBT = block(l.K), block(l.In.C)
			if l.SH == 1 && l.SW == 1 && l.PH <= l.FH-1 && l.PW <= l.FW-1 {
				s.Transposed = true
				s.Out.G.PH, s.Out.G.PW = l.FH-1-l.PH, l.FW-1-l.PW
			}
			f3s1 := l.FH == 3 && l.FW == 3 && l.SH == 1 && l.SW == 1
			s.Wino = f3s1 && l.In.C >= winoMinC && l.Out.H%2 == 0 && l.Out.W%2 == 0
			s.WinoOdd = f3s1 && l.In.C >= winoMinC && !s.Wino
			s.WinoT = s.Transposed && f3s1 && l.K >= winoMinC && l.In.H%2 == 0 && l.In.W%2 == 0
		}
		p.steps = append(p.steps, s)
		in = s.Out
	}
	for i, s := range p.steps[:max(0, len(p.steps)-1)] {
		next := p.steps[i+1]
		next.Prev = s
		s.ActGradInNext = s.Act != nil && (next.Transposed ||
			next.L.Kind == compiler.MaxPool && s.Act.Kind == compiler.ReLU)
	}
	return p
}

func (p *plan) newTensor(s compiler.Shape) *tensor {
	l := layout{H: s.H, W: s.W, C: s.C}
	t := &tensor{id: len(p.tensors), Map: !s.Flat, F: l, G: l}
	p.tensors = append(p.tensors, t)
	return t
}

// input and output return the network's first and last tensors.
func (p *plan) input() *tensor  { return p.tensors[0] }
func (p *plan) output() *tensor { return p.tensors[len(p.tensors)-1] }
