package ir

// Value is what one node writes and others read: a tensor of one sample
// (the batch is the runtime's business).
type Value struct {
	ID    int // index in Graph.Values
	Shape Shape
	// Producer is the node that writes the value; nil for the graph's input.
	Producer *Node
	// Readers are the nodes that read it, in topological order; a node
	// reading it twice appears twice.
	Readers []*Node
}

// Node is one operation applied to its inputs.
type Node struct {
	ID     int // index in Graph.Nodes, its topological position
	Op     Op
	Inputs []*Value
	Output *Value
	// Tensors are the parameters and buffers, with full names, in
	// PyTorch's state_dict order (parameters first).
	Tensors []*Tensor
	// Name is the node's PyTorch module path: "conv1", "layer1.0.bn2",
	// "fc". Nodes without tensors are named too ("relu3", "add1").
	Name string
	// Text is the source statement as the formatter writes it,
	// "conv 3x3x64 p1", for messages.
	Text string
	// Pos is where the statement is; nodes expanded from one statement of
	// a repeat share it, and Copy says which copy they are.
	Pos  Pos
	Copy *Copy
	// MACs is the multiply-adds of one sample's forward pass.
	MACs int64
}

// InShapes returns the shapes of the node's inputs.
func (n *Node) InShapes() []Shape {
	s := make([]Shape, len(n.Inputs))
	for i, v := range n.Inputs {
		s[i] = v.Shape
	}
	return s
}

// In returns the shape of the first input: the input of a one-input node.
func (n *Node) In() Shape { return n.Inputs[0].Shape }

// Out returns the output's shape.
func (n *Node) Out() Shape { return n.Output.Shape }

// Params returns the node's learned tensors (not buffers).
func (n *Node) Params() []*Tensor { return filter(n.Tensors, false) }

// Buffers returns the node's buffers.
func (n *Node) Buffers() []*Tensor { return filter(n.Tensors, true) }

func filter(ts []*Tensor, buffer bool) []*Tensor {
	var out []*Tensor
	for _, t := range ts {
		if t.Buffer == buffer {
			out = append(out, t)
		}
	}
	return out
}

// Graph is a checked network: nodes in topological order (every node after
// the producers of its inputs), the values between them, one input and one
// output.
type Graph struct {
	// Name is the network's name; File the file it was read from.
	Name, File string
	Input      *Value
	InputPos   Pos
	Output     *Value
	Nodes      []*Node
	Values     []*Value
	// Incomplete is set by a front end that stopped at an error: the graph
	// holds the nodes before it, for tools that show what is known, and
	// must not be run.
	Incomplete bool
}

// Tensors returns every parameter and buffer in node order: the order of a
// PyTorch state_dict of the same module tree.
func (g *Graph) Tensors() []*Tensor {
	var ts []*Tensor
	for _, n := range g.Nodes {
		ts = append(ts, n.Tensors...)
	}
	return ts
}

// Params returns every learned tensor in node order.
func (g *Graph) Params() []*Tensor { return filter(g.Tensors(), false) }

// Buffers returns every buffer in node order.
func (g *Graph) Buffers() []*Tensor { return filter(g.Tensors(), true) }

// Chain reports whether the graph is a sequential network: each node has
// one input, the previous node's output (the first node the graph's input),
// and only the next node reads it.
func (g *Graph) Chain() bool {
	prev := g.Input
	for _, n := range g.Nodes {
		if len(n.Inputs) != 1 || n.Inputs[0] != prev || len(prev.Readers) != 1 {
			return false
		}
		prev = n.Output
	}
	return prev == g.Output
}
