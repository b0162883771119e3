package plan

import (
	"fmt"
	"strings"

	"github.com/cnnc/cnnc/ir"
)

// StepKind is what a step does.
type StepKind int

const (
	// Compute runs Node, then what is fused into its store.
	Compute StepKind = iota
	// Copy copies In[0] into channels [C0, C0+C) of Out, a concat's output
	// (Node is the concat), where the branch could not write there itself.
	Copy
)

// Step is what runs as one pass over a sample: a node and what is fused
// into its store, in this order: Node, BN (folded), Add, Act, Pool.
type Step struct {
	ID   int
	Kind StepKind
	Node *ir.Node
	// BN is a batchnorm folded into Node, a conv (inference): the conv runs
	// with W·γ/√(var+ε) and (b − mean)·γ/√(var+ε) + β.
	BN *ir.Node
	// Add is a residual add fused into the store: the step writes
	// Node's result plus Skip, value by value.
	Add *ir.Node
	// Act is the activation applied as the step stores its output.
	Act *ir.Node
	// Pool is a global pool fused into the store (Options.FuseGlobalPool).
	Pool *ir.Node
	// In are Node's inputs (Copy: the value copied); Skip the Add's other
	// operands, read at the store; Out the value the step writes.
	In, Skip []*ir.Value
	Out      *ir.Value
	// C0 is where a Copy step puts In[0] in Out's channels.
	C0 int
	// Batch says the step needs the whole batch at once: a batchnorm in
	// training computes its statistics over N·H·W before any sample can go
	// on.
	Batch bool
	// Transposed says a conv's input gradient is a transposed convolution
	// (a dense conv of stride 1 and padding at most F−1), which reads the
	// output gradient padded by F−1−P: the output's gradient buffer holds
	// that padding.
	Transposed bool
	// ActGradInReader says the one step reading Out applies Act's
	// derivative as it writes Out's gradient (a transposed convolution row
	// by row, a max pool through its pooled values; training), so this
	// step's backward has no pass of its own for it.
	ActGradInReader bool
	// pos orders the steps: the last node the step covers (a copy sits at
	// its concat).
	pos int
}

// Nodes returns the graph nodes the step covers, in order.
func (s *Step) Nodes() []*ir.Node {
	var ns []*ir.Node
	for _, n := range []*ir.Node{s.Node, s.BN, s.Add, s.Act, s.Pool} {
		if n != nil {
			ns = append(ns, n)
		}
	}
	return ns
}

// Name names the step after its nodes: "conv1+bn1+relu1", or for a copy
// "copy concat1[16:28]".
func (s *Step) Name() string {
	if s.Kind == Copy {
		return fmt.Sprintf("copy %s[%d:%d]", s.Node.Name, s.C0, s.C0+s.In[0].Shape.C)
	}
	var names []string
	for _, n := range s.Nodes() {
		names = append(names, n.Name)
	}
	return strings.Join(names, "+")
}

// Reads returns every value the step reads in its forward pass: In, then
// Skip.
func (s *Step) Reads() []*ir.Value {
	return append(append([]*ir.Value(nil), s.In...), s.Skip...)
}

// group makes the steps: nodes in order, each starting a step unless a step
// before absorbed it, and absorbing what its store can fuse. Concats get no
// step here (see place); dropout in inference none at all (its output is
// an alias of its input).
func (b *builder) group() {
	g, p := b.g, b.p
	p.Values = make([]*Value, len(g.Values))
	for _, v := range g.Values {
		p.Values[v.ID] = &Value{V: v, Kind: Stored}
	}
	p.Value(g.Input).Kind = Input
	b.stepOf = make([]*Step, len(g.Nodes))
	absorbed := make([]bool, len(g.Nodes))
	for _, n := range g.Nodes {
		if absorbed[n.ID] {
			continue
		}
		switch n.Op.(type) {
		case *ir.Concat:
			p.Value(n.Output).Kind = Joined
			continue
		case *ir.Dropout:
			if !b.train {
				out := p.Value(n.Output)
				out.Kind, out.Of = Alias, p.Value(n.Inputs[0])
				continue
			}
		}
		s := &Step{Kind: Compute, Node: n, In: n.Inputs, Out: n.Output, pos: n.ID}
		_, bn := n.Op.(*ir.BatchNorm)
		s.Batch = bn && b.train
		s.Transposed = transposed(n)
		b.stepOf[n.ID] = s
		for {
			r := b.sole(s.Out)
			if r == nil || absorbed[r.ID] || !b.fuse(s, r) {
				break
			}
			absorbed[r.ID] = true
			b.stepOf[r.ID] = s
			fused := p.Value(s.Out)
			fused.Kind, fused.Step = Fused, s
			s.Out, s.pos = r.Output, r.ID
		}
		p.Value(s.Out).Step = s
		p.Steps = append(p.Steps, s)
	}
}

// sole returns the one node that reads v, once, when nothing else needs v
// (it is not the network's output); else nil.
func (b *builder) sole(v *ir.Value) *ir.Node {
	if len(v.Readers) != 1 || v == b.g.Output {
		return nil
	}
	return v.Readers[0]
}

// fuse absorbs r, the sole reader of s's output, into s when s's store can
// do r's work, and reports whether it did.
func (b *builder) fuse(s *Step, r *ir.Node) bool {
	switch op := r.Op.(type) {
	case *ir.BatchNorm:
		if b.train || !isConv(s.Node) || s.BN != nil || s.Add != nil || s.Act != nil || s.Pool != nil {
			return false
		}
		s.BN = r
	case *ir.Add:
		if !(isConv(s.Node) || isFC(s.Node)) || s.Add != nil || s.Act != nil || s.Pool != nil {
			return false
		}
		s.Add = r
		for _, v := range r.Inputs {
			if v != s.Out {
				s.Skip = append(s.Skip, v)
			}
		}
	case *ir.Activation:
		if s.Act != nil || s.Pool != nil || !takesAct(s.Node) || b.train && !fromOutput(op) {
			return false
		}
		s.Act = r
	case *ir.GlobalPool:
		if !b.p.Options.FuseGlobalPool || !isConv(s.Node) || s.Pool != nil {
			return false
		}
		s.Pool = r
	default:
		return false
	}
	return true
}
