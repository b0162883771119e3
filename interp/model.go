package interp

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/runtime"
)

// Model is a network with its parameters and buffers. Params[i] holds the
// values of Graph.Params()[i] and Buffers[i] those of Graph.Buffers()[i], in
// PyTorch's row-major layout (an int64 buffer such as num_batches_tracked as
// float64). Graph must not change after New has checked it; Params and
// Buffers may be read and written freely between passes.
type Model struct {
	Graph   *ir.Graph
	Params  [][]float64
	Buffers [][]float64
	// slots[n] gives, for each tensor of node n, its index in Params or
	// Buffers.
	slots [][]int
}

// New returns a model of g with every parameter and buffer zero. It returns
// an error if g is nil or incomplete, is not consistent with itself (see ir.Graph.Verify),
// or has an operation the interpreter does not support.
func New(g *ir.Graph) (*Model, error) {
	if g == nil {
		return nil, errors.New("interp: nil graph")
	}
	if g.Incomplete {
		return nil, errors.New("interp: the graph is incomplete: a statement's shape could not be computed")
	}
	if err := g.Verify(); err != nil {
		return nil, fmt.Errorf("interp: %w", err)
	}
	for _, n := range g.Nodes {
		if err := supported(n); err != nil {
			return nil, fmt.Errorf("interp: %s: %w", nodeText(n), err)
		}
	}
	m := &Model{Graph: g, slots: make([][]int, len(g.Nodes))}
	for _, n := range g.Nodes {
		for _, t := range n.Tensors {
			v := make([]float64, t.Size())
			if t.Buffer {
				m.slots[n.ID] = append(m.slots[n.ID], len(m.Buffers))
				m.Buffers = append(m.Buffers, v)
				continue
			}
			m.slots[n.ID] = append(m.slots[n.ID], len(m.Params))
			m.Params = append(m.Params, v)
		}
	}
	return m, nil
}

// nodeText names a node in messages: its statement and position, or its
// name and kind.
func nodeText(n *ir.Node) string {
	if n.Text == "" {
		return n.Name + " (" + n.Op.Kind() + ")"
	}
	if n.Pos.Line == 0 {
		return n.Text
	}
	return fmt.Sprintf("%s (at %d:%d)", n.Text, n.Pos.Line, n.Pos.Col)
}

// Init sets every parameter and buffer from seed: one runtime.NewRand(seed)
// fills the He-initialised weights, in Graph.Params() order, with
// runtime.HeNormal for their fan-in; every other tensor is set to its
// initial constant (0, or 1 for a batchnorm's weight and running variance)
// and draws nothing.
func (m *Model) Init(seed uint64) {
	r := runtime.NewRand(seed)
	for i, t := range m.Graph.Params() {
		initTensor(r, t, m.Params[i])
	}
	for i, t := range m.Graph.Buffers() {
		initTensor(r, t, m.Buffers[i])
	}
}

func initTensor(r *runtime.Rand, t *ir.Tensor, v []float64) {
	switch t.Init.Kind {
	case ir.HeNormal:
		runtime.HeNormal(r, v, t.Init.FanIn)
	case ir.Ones:
		for i := range v {
			v[i] = 1
		}
	default:
		clear(v)
	}
}

// SetParams copies the values of byName into the parameters and buffers of
// the same name. Every parameter and buffer must be given, with its exact
// number of values, and no other name; otherwise SetParams changes nothing
// and returns an error that lists every problem.
func (m *Model) SetParams(byName map[string][]float64) error {
	var problems []string
	known := map[string]bool{}
	for _, t := range m.Graph.Tensors() {
		known[t.Name] = true
		v, ok := byName[t.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%q is missing", t.Name))
		case len(v) != t.Size():
			problems = append(problems, fmt.Sprintf("%q has %d values, want %d (%v)", t.Name, len(v), t.Size(), t.Shape))
		}
	}
	var unknown []string
	for name := range byName {
		if !known[name] {
			unknown = append(unknown, fmt.Sprintf("%q is not a parameter of the net", name))
		}
	}
	sort.Strings(unknown)
	problems = append(problems, unknown...)
	if len(problems) > 0 {
		return fmt.Errorf("interp: SetParams: %s", strings.Join(problems, "; "))
	}
	for i, t := range m.Graph.Params() {
		copy(m.Params[i], byName[t.Name])
	}
	for i, t := range m.Graph.Buffers() {
		copy(m.Buffers[i], byName[t.Name])
	}
	return nil
}

// tensors returns the values of node n's tensors, in n.Tensors order.
func (m *Model) tensors(n *ir.Node) [][]float64 {
	vs := make([][]float64, len(n.Tensors))
	for j, t := range n.Tensors {
		if t.Buffer {
			vs[j] = m.Buffers[m.slots[n.ID][j]]
		} else {
			vs[j] = m.Params[m.slots[n.ID][j]]
		}
	}
	return vs
}

// checkParams reports a parameter or buffer whose length is not its size,
// which only a hand-made change to Params or Buffers can cause.
func (m *Model) checkParams() error {
	for _, list := range []struct {
		what string
		ts   []*ir.Tensor
		vs   [][]float64
	}{{"parameter", m.Graph.Params(), m.Params}, {"buffer", m.Graph.Buffers(), m.Buffers}} {
		if len(list.vs) != len(list.ts) {
			return fmt.Errorf("interp: the model has %d %ss, want %d", len(list.vs), list.what, len(list.ts))
		}
		for i, t := range list.ts {
			if len(list.vs[i]) != t.Size() {
				return fmt.Errorf("interp: %s %q has %d values, want %d", list.what, t.Name, len(list.vs[i]), t.Size())
			}
		}
	}
	return nil
}
