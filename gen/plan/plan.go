package plan

import (
	"errors"
	"fmt"

	"github.com/cnnc/cnnc/ir"
)

// Mode is what a plan is for.
type Mode int

const (
	// Inference is forward passes only, in inference mode: batchnorm
	// uses its running statistics and folds into the conv before it,
	// dropout is the identity, and buffers are reused as soon as their
	// last reader has run.
	Inference Mode = iota
	// Training is forward passes followed by backward ones: batchnorm is a
	// step of its own (in training mode it needs the whole batch, Batch),
	// dropout a step, and the values backward reads stay alive. The same
	// plan serves a backward pass in inference mode (cnnc run --dy
	// without --train): batchnorm then scales by its running statistics,
	// one sample at a time, and dropout's mask is all ones.
	Training
)

func (m Mode) String() string {
	if m == Training {
		return "training"
	}
	return "inference"
}

// Options configure Build.
type Options struct {
	Mode Mode
	// FuseGlobalPool fuses a global pool into the conv step that writes its
	// input (inference only): the step then sums each channel as it stores
	// it instead of writing the map.
	FuseGlobalPool bool
	// SliceOut reports whether a step's kernels can write its output into
	// a channel slice of a wider buffer (pixels further apart than its
	// channels) and, in training, read its output gradient from one, so
	// that a concat's branch needs no copy. nil: every step can, as the
	// contract between the kernels and the engine says. Values of one
	// pixel are contiguous in any slice and do not ask.
	SliceOut func(s *Step) bool
}

// Need says when a gradient is computed.
type Need int

const (
	// Never: no gradient.
	Never Need = iota
	// Dx: only when the gradient of the network's input is asked for: the
	// value depends on no parameter.
	Dx
	// Always: in every backward pass.
	Always
)

func (n Need) String() string { return [...]string{"never", "dx", "always"}[n] }

// Kind is what holds a value.
type Kind int

const (
	// Input is the network's input, loaded into a buffer of its own.
	Input Kind = iota
	// Stored is written by a step (Value.Step) into its View.
	Stored
	// Fused exists only inside the step that computes it (a conv's output
	// before the batchnorm, add or activation fused into its store).
	Fused
	// Alias shares the View of another value (Value.Of): a dropout's output
	// in inference, where dropout is the identity.
	Alias
	// Joined is a concat's output: its branches are written into channel
	// slices of its View, by their own steps or by copy steps.
	Joined
)

func (k Kind) String() string {
	return [...]string{"input", "stored", "fused", "alias", "joined"}[k]
}

// Value is the plan of one graph value.
type Value struct {
	V    *ir.Value
	Kind Kind
	// Step is the step that writes the value (Stored) or computes it inside
	// (Fused).
	Step *Step
	// Of is the value an Alias shares its view with.
	Of *Value
	// View is where the value is; Grad where its gradient is (training;
	// the same channels of a gradient buffer). Both are zero for Fused.
	View, Grad View
	// Need says when its gradient is computed (training).
	Need Need
}

// Name is "v3", after the graph value's ID.
func (v *Value) Name() string { return fmt.Sprintf("v%d", v.V.ID) }

// Plan is how to run a graph in one mode.
type Plan struct {
	Graph   *ir.Graph
	Options Options
	// Steps are the forward steps in the order they run.
	Steps []*Step
	// Values are indexed by ir.Value.ID.
	Values []*Value
	// Buffers are the value buffers, then (training) the gradient
	// buffers; Slots the memory they share.
	Buffers []*Buffer
	Slots   []*Slot
	// Aux are the per-sample buffers a training step keeps for its
	// backward (max-pool indices, dropout masks), outside the slots.
	Aux []*Aux
	// Backward (training) are the steps whose backward runs, in the order
	// it runs (the forward order reversed).
	Backward []*Back
}

// Value returns the plan of graph value v.
func (p *Plan) Value(v *ir.Value) *Value { return p.Values[v.ID] }

// Time is when forward step i runs (0 is the network input's load); the
// output is read and its gradient loaded at End(); the backward of step i
// runs at BackTime(i); the input's gradient is read at Done().
func (p *Plan) Time(i int) int     { return i + 1 }
func (p *Plan) End() int           { return len(p.Steps) + 1 }
func (p *Plan) BackTime(i int) int { return 2*len(p.Steps) + 1 - i }
func (p *Plan) Done() int          { return 2*len(p.Steps) + 2 }

// Build plans g, which must be complete and verified.
func Build(g *ir.Graph, opt Options) (*Plan, error) {
	if g == nil {
		return nil, errors.New("plan: no graph")
	}
	if g.Incomplete {
		return nil, errors.New("plan: the graph is incomplete")
	}
	if err := g.Verify(); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	for _, v := range g.Values {
		if len(v.Readers) == 0 && v != g.Output {
			// Its gradient would be read and never written.
			return nil, fmt.Errorf("plan: %s's output is never read", describe(v.Producer))
		}
	}
	if opt.Mode == Training {
		opt.FuseGlobalPool = false
	}
	p := &Plan{Graph: g, Options: opt}
	b := &builder{p: p, g: g, train: opt.Mode == Training}
	b.group()
	b.place()
	b.order()
	if b.train {
		b.backward()
	}
	b.aux()
	b.pad()
	b.lifetimes()
	b.assignSlots()
	return p, nil
}

// builder holds the state of Build.
type builder struct {
	p     *Plan
	g     *ir.Graph
	train bool
	// stepOf is the step that holds each node (nil for a concat and, in
	// inference, a dropout).
	stepOf []*Step
	// into is the concat whose slice a value is written into.
	into map[*ir.Value]*ir.Node
}

// describe names a node for messages: "conv1 (conv 3x3x64 p1)".
func describe(n *ir.Node) string {
	if n == nil {
		return "the input"
	}
	return fmt.Sprintf("%s (%s)", n.Name, n.Text)
}
