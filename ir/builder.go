package ir

// Builder builds a Graph node by node; any front end can drive it. Each Add
// runs the operation's shape rule, so a graph built without errors is
// consistent, and nodes are kept in the order they were added, which is
// topological because a node can only read values that already exist.
type Builder struct {
	g *Graph
}

// NewBuilder starts a graph named name, read from file, whose input is one
// sample of shape in declared at pos.
func NewBuilder(name, file string, in Shape, pos Pos) *Builder {
	g := &Graph{Name: name, File: file, InputPos: pos}
	g.Input = g.newValue(in, nil)
	g.Output = g.Input
	return &Builder{g: g}
}

// Meta is what a front end says about a node beyond its operation and
// inputs: its module path, its source text, position and repeat copy.
type Meta struct {
	Name string
	Text string
	Pos  Pos
	Copy *Copy
}

// Input returns the graph's input value.
func (b *Builder) Input() *Value { return b.g.Input }

// Add appends a node applying op to inputs and returns it; its Output is the
// new value. When op's shape rule refuses the inputs it returns the
// *ShapeError and adds nothing. The node's tensors are op's, named
// m.Name + "." + their local name.
func (b *Builder) Add(op Op, m Meta, inputs ...*Value) (*Node, error) {
	in := make([]Shape, len(inputs))
	for i, v := range inputs {
		in[i] = v.Shape
	}
	out, err := op.Infer(in)
	if err != nil {
		return nil, err
	}
	n := &Node{ID: len(b.g.Nodes), Op: op, Inputs: inputs, Name: m.Name, Text: m.Text, Pos: m.Pos, Copy: m.Copy}
	for _, t := range op.Tensors(in) {
		t.Name = qualify(m.Name, t.Name)
		n.Tensors = append(n.Tensors, &t)
	}
	n.MACs = op.MACs(in, out)
	for _, v := range inputs {
		v.Readers = append(v.Readers, n)
	}
	n.Output = b.g.newValue(out, n)
	b.g.Nodes = append(b.g.Nodes, n)
	b.g.Output = n.Output
	return n, nil
}

// Graph returns the graph built so far, its output being out (by default
// the last node's output, or the input when there is no node).
func (b *Builder) Graph(out *Value) *Graph {
	if out != nil {
		b.g.Output = out
	}
	return b.g
}

func (g *Graph) newValue(s Shape, producer *Node) *Value {
	v := &Value{ID: len(g.Values), Shape: s, Producer: producer}
	g.Values = append(g.Values, v)
	return v
}

// qualify joins a module path and a local name: "layer1.0.conv1" and
// "weight" give "layer1.0.conv1.weight".
func qualify(path, local string) string {
	if path == "" {
		return local
	}
	return path + "." + local
}

// Collision is a tensor name given by two nodes.
type Collision struct {
	Name          string
	First, Second *Node
}

// Collisions returns every tensor name used by more than one node, each
// later use paired with the first, in node order.
func (g *Graph) Collisions() []Collision {
	first := map[string]*Node{}
	var cs []Collision
	for _, n := range g.Nodes {
		for _, t := range n.Tensors {
			if f, ok := first[t.Name]; ok {
				cs = append(cs, Collision{Name: t.Name, First: f, Second: n})
				continue
			}
			first[t.Name] = n
		}
	}
	return cs
}

// Prefix returns a new graph of g's first n nodes, rebuilt with the same
// operations, names and positions, whose output is the last one's (the
// input when n is 0): for example a classifier without its softmax, to
// compute the loss on the scores. Node i of the prefix is node i of g.
func (g *Graph) Prefix(n int) (*Graph, error) {
	b := NewBuilder(g.Name, g.File, g.Input.Shape, g.InputPos)
	vals := map[*Value]*Value{g.Input: b.Input()}
	for _, node := range g.Nodes[:n] {
		in := make([]*Value, len(node.Inputs))
		for i, v := range node.Inputs {
			in[i] = vals[v]
		}
		m := Meta{Name: node.Name, Text: node.Text, Pos: node.Pos, Copy: node.Copy}
		nn, err := b.Add(node.Op, m, in...)
		if err != nil {
			return nil, err
		}
		vals[node.Output] = nn.Output
	}
	return b.Graph(nil), nil
}
