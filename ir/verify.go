package ir

import (
	"fmt"
	"slices"
	"strings"
)

// Verify recomputes what a consumer of the graph relies on and returns an
// error listing every inconsistency: values and nodes indexed by their IDs,
// nodes in topological order, producers and readers matching the edges,
// every output the op's shape rule gives for its inputs, tensors as the op
// names and shapes them, and no tensor name twice. A graph from a Builder
// passes; the interpreter checks anyway, as it does not take the front
// end's word for it.
func (g *Graph) Verify() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if g.Input == nil || g.Output == nil {
		return fmt.Errorf("ir: the graph has no input or output")
	}
	if !g.Input.Shape.valid() {
		bad("input shape %+v is not a valid sample", g.Input.Shape)
	}
	if g.Input.Producer != nil {
		bad("the input has a producer")
	}
	for i, v := range g.Values {
		if v == nil || v.ID != i {
			bad("value %d is nil or has the wrong ID", i)
			return fmt.Errorf("ir: the graph is inconsistent: %s", strings.Join(problems, "; "))
		}
	}
	written := map[*Value]bool{g.Input: true}
	readers := map[*Value][]*Node{}
	for i, n := range g.Nodes {
		if n == nil || n.ID != i || n.Op == nil || n.Output == nil {
			bad("node %d is nil, has the wrong ID, or has no op or output", i)
			break
		}
		for _, v := range n.Inputs {
			if !written[v] {
				bad("node %d (%s) reads a value not written before it", i, n.Name)
			}
			readers[v] = append(readers[v], n)
		}
		if written[n.Output] || n.Output.Producer != n {
			bad("node %d (%s): its output is written twice or names another producer", i, n.Name)
		}
		written[n.Output] = true
		in := n.InShapes()
		out, err := n.Op.Infer(in)
		switch {
		case err != nil:
			bad("node %d (%s): %v", i, n.Name, err)
			continue
		case out != n.Output.Shape:
			bad("node %d (%s): output %v, want %v", i, n.Name, n.Output.Shape, out)
		}
		want := n.Op.Tensors(in)
		if !slices.EqualFunc(n.Tensors, want, func(t *Tensor, w Tensor) bool {
			return t.Name == qualify(n.Name, w.Name) && slices.Equal(t.Shape, w.Shape) &&
				t.Role == w.Role && t.Init == w.Init && t.Buffer == w.Buffer && t.DType == w.DType
		}) {
			bad("node %d (%s): tensors differ from its op's", i, n.Name)
		}
	}
	for _, v := range g.Values {
		if !written[v] {
			bad("value %d is never written", v.ID)
		}
		if !slices.Equal(v.Readers, readers[v]) {
			bad("value %d: its readers do not match the nodes that read it", v.ID)
		}
	}
	if !written[g.Output] {
		bad("the output is not a value of the graph")
	}
	for _, c := range g.Collisions() {
		bad("tensor name %q is used by %s and %s", c.Name, c.First.Name, c.Second.Name)
	}
	if len(problems) > 0 {
		return fmt.Errorf("ir: the graph is inconsistent: %s", strings.Join(problems, "; "))
	}
	return nil
}
