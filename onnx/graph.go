package onnx

import (
	"fmt"
	"strings"
)

// Opsets the importer knows: the operators' meanings below follow these
// versions of the default domain (ai.onnx).
const (
	minOpset = 9
	maxOpset = 17
)

// maxNodes bounds the nodes of a graph; cnnc's language allows 100,000
// statements, and an exporter writes a few nodes for some of them.
const maxNodes = 1_000_000

// index is a graph prepared for lowering: the nodes that the output
// depends on, in an order where every node follows the producers of its
// inputs, and where each value comes from.
type index struct {
	m        *Model
	opset    int64
	inits    map[string]*Tensor
	producer map[string]*Node
	readers  map[string][]*Node // by the live nodes only
	order    []*Node            // the live nodes, topologically sorted
	input    *ValueInfo
	output   string
}

// newIndex checks the graph's outline (one opset of the default domain
// that cnnc knows, one input, one output, every value defined once, no
// cycle) and indexes it.
func newIndex(m *Model) (*index, error) {
	x := &index{m: m, inits: map[string]*Tensor{}, producer: map[string]*Node{}, readers: map[string][]*Node{}}
	for _, o := range m.Opsets {
		if o.Domain == "" || o.Domain == "ai.onnx" {
			x.opset = o.Version
		}
	}
	g := m.Graph
	switch {
	case x.opset == 0:
		return nil, x.errorf("the model imports no opset of the default domain (ai.onnx)")
	case x.opset < minOpset || x.opset > maxOpset:
		return nil, x.errorf("opset %d: cnnc imports opsets %d to %d (re-export with opset_version=13)", x.opset, minOpset, maxOpset)
	case len(g.Nodes) > maxNodes:
		return nil, x.errorf("%d nodes: cnnc imports at most %d", len(g.Nodes), maxNodes)
	}
	for _, t := range g.Initializers {
		if _, dup := x.inits[t.Name]; dup {
			return nil, x.errorf("two initializers are named %q", t.Name)
		}
		x.inits[t.Name] = t
	}
	if err := x.findInput(); err != nil {
		return nil, err
	}
	if len(g.Outputs) != 1 {
		return nil, x.errorf("the graph has %d outputs; a cnnc network has one", len(g.Outputs))
	}
	x.output = g.Outputs[0].Name
	for _, n := range g.Nodes {
		for _, out := range n.Outputs {
			if out == "" {
				continue
			}
			if p, dup := x.producer[out]; dup {
				return nil, x.errorf("value %q is the output of both %s and %s", out, describe(p), describe(n))
			}
			if _, init := x.inits[out]; init || out == x.input.Name {
				return nil, x.errorf("value %q is the output of %s and also an input or initializer of the graph", out, describe(n))
			}
			x.producer[out] = n
		}
	}
	return x, x.sort()
}

func (x *index) errorf(format string, args ...any) error {
	return &FormatError{File: x.m.file, Offset: -1, Msg: fmt.Sprintf(format, args...)}
}

// findInput finds the graph's one input that is not an initializer (older
// exporters list initializers among the inputs too).
func (x *index) findInput() error {
	var names []string
	for _, v := range x.m.Graph.Inputs {
		if _, init := x.inits[v.Name]; !init {
			x.input = v
			names = append(names, fmt.Sprintf("%q", v.Name))
		}
	}
	if len(names) != 1 {
		return x.errorf("the graph has %d inputs besides its initializers (%s); a cnnc network has one", len(names), strings.Join(names, ", "))
	}
	return nil
}

// sort keeps the nodes the output depends on and orders them so that each
// follows the producers of its inputs. A value that nothing defines, or a
// cycle, is an error.
func (x *index) sort() error {
	live := map[*Node]bool{}
	stack := []string{x.output}
	if x.producer[x.output] == nil && x.output != x.input.Name {
		if _, init := x.inits[x.output]; !init {
			return x.errorf("no node gives the graph's output %q", x.output)
		}
	}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := x.producer[v]
		if n == nil || live[n] {
			continue
		}
		live[n] = true
		for _, in := range n.Inputs {
			if in == "" {
				continue
			}
			if x.producer[in] == nil && x.inits[in] == nil && in != x.input.Name {
				return x.errorf("%s reads %q, which no node, input or initializer gives", describe(n), in)
			}
			stack = append(stack, in)
		}
	}
	// Kahn's algorithm over the live nodes, in file order where free.
	waiting := map[*Node]int{}
	var ready []*Node
	for _, n := range x.m.Graph.Nodes {
		if !live[n] {
			continue
		}
		for _, in := range n.Inputs {
			if p := x.producer[in]; p != nil && in != "" {
				waiting[n]++
				x.readers[in] = append(x.readers[in], n)
			}
		}
		if waiting[n] == 0 {
			ready = append(ready, n)
		}
	}
	for len(ready) > 0 {
		n := ready[0]
		ready = ready[1:]
		x.order = append(x.order, n)
		for _, out := range n.Outputs {
			for _, r := range x.readers[out] {
				if waiting[r]--; waiting[r] == 0 {
					ready = append(ready, r)
				}
			}
		}
	}
	if len(x.order) < len(live) {
		var stuck []string
		for _, n := range x.m.Graph.Nodes {
			if live[n] && waiting[n] > 0 && len(stuck) < 5 {
				stuck = append(stuck, describe(n))
			}
		}
		return x.errorf("the graph has a cycle: %d nodes wait on each other, among them %s", len(live)-len(x.order), strings.Join(stuck, ", "))
	}
	return nil
}

// describe names a node for messages: `"/layer1/Conv" (Conv, inputs "x", "w")`.
func describe(n *Node) string {
	name := n.Name
	if name == "" && len(n.Outputs) > 0 {
		name = "→" + n.Outputs[0]
	}
	ins := make([]string, 0, min(len(n.Inputs), 9))
	for i, in := range n.Inputs {
		if i == 8 && len(n.Inputs) > 9 {
			ins = append(ins, fmt.Sprintf("and %d more", len(n.Inputs)-8))
			break
		}
		ins = append(ins, fmt.Sprintf("%q", in))
	}
	what := "no inputs"
	switch len(ins) {
	case 0:
	case 1:
		what = "input " + ins[0]
	default:
		what = "inputs " + strings.Join(ins, ", ")
	}
	return fmt.Sprintf("node %q (%s, %s)", name, n.OpType, what)
}

// soleReader returns the one live node that reads value v (perhaps more
// than once), or nil when none or several do. It stops at the second
// reader, so that a value read by many nodes costs nothing.
func (x *index) soleReader(v string) *Node {
	rs := x.readers[v]
	if len(rs) == 0 {
		return nil
	}
	for _, r := range rs[1:] {
		if r != rs[0] {
			return nil
		}
	}
	return rs[0]
}
