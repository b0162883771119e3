package onnx

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/cnnc/cnnc/ir"
)

// batchDim stands for the batch size in a shape vector computed from a
// Shape node: the network is the same for every batch size.
const batchDim = math.MinInt64

// value is what an ONNX value is to the importer: a tensor of the network
// (net, one sample of it), a constant, or nothing known (bad: it comes from
// a node that could not be imported).
type value struct {
	net *ir.Value
	// flat is set when the ONNX tensor is net flattened to [N, C·H·W]
	// while net is still a map: cnnc's fc and softmax flatten their input
	// themselves, in the same C, H, W order.
	flat bool
	c    *array
	bad  bool
}

// rank is the ONNX rank of a network value: 2 when flat, else 4.
func (v *value) rank() int {
	if v.flat || v.net.Shape.Flat {
		return 2
	}
	return 4
}

// layer is what the importer keeps about each node it adds to the graph:
// the ONNX node it came from, the module path its tensors are named by
// (see names.go), and their values by local name ("weight", "bias").
type layer struct {
	onnx   *Node
	path   string
	params map[string]param
}

// param is a tensor's values and the ONNX value they were read from ("" for
// values the importer made: an fc's zero bias).
type param struct {
	a    *array
	from string
}

// lowerer turns the indexed ONNX graph into an ir.Graph.
type lowerer struct {
	x        *index
	b        *ir.Builder
	vals     map[string]*value
	layers   map[*ir.Node]*layer
	fused    map[*Node]*fusion
	absorbed map[*Node]bool
	padded   map[*Node]*padding
	batch    int64 // the input's fixed batch size, 0 when symbolic
	problems []string
}

// problem is a node the importer cannot map: an error that lowering
// collects, one line per node.
type problem struct{ msg string }

func (p *problem) Error() string { return p.msg }

func unsupported(format string, args ...any) error {
	return &problem{fmt.Sprintf(format, args...)}
}

// UnsupportedError lists every node of a model that cnnc cannot import,
// one a line.
type UnsupportedError struct {
	File  string
	Nodes []string
}

// Error lists the nodes, the first 1,000 of them (a hostile file could
// hold a million).
func (e *UnsupportedError) Error() string {
	lines := e.Nodes
	if len(lines) > 1000 {
		lines = append(lines[:1000:1000], fmt.Sprintf("and %d more", len(e.Nodes)-1000))
	}
	return fmt.Sprintf("%s: %s cannot be imported:\n\t%s", e.File, plural(len(e.Nodes), "node"), strings.Join(lines, "\n\t"))
}

// lower builds the graph of the live nodes. in is the input's shape (one
// sample) and flat whether the ONNX input is [N, F].
func (x *index) lower(name string, in ir.Shape, flat bool, batch int64) (*lowerer, *ir.Value, error) {
	l := &lowerer{x: x, b: ir.NewBuilder(name, name+".cnn", in, ir.Pos{}), vals: map[string]*value{},
		layers: map[*ir.Node]*layer{}, fused: map[*Node]*fusion{}, absorbed: map[*Node]bool{}, padded: map[*Node]*padding{}, batch: batch}
	l.vals[x.input.Name] = &value{net: l.b.Input(), flat: flat}
	l.findPatterns()
	for _, n := range x.order {
		if l.absorbed[n] {
			continue
		}
		err := l.node(n)
		if err == nil {
			continue
		}
		var p *problem
		if !errors.As(err, &p) {
			return nil, nil, err
		}
		l.problems = append(l.problems, describe(n)+": "+p.msg)
		for _, out := range n.Outputs {
			l.vals[out] = &value{bad: true}
		}
	}
	if len(l.problems) > 0 {
		return nil, nil, &UnsupportedError{File: x.m.file, Nodes: l.problems}
	}
	out, err := l.get(x.output)
	if err != nil {
		return nil, nil, err
	}
	if out.net == nil {
		return nil, nil, x.errorf("the graph's output %q is a constant, not computed from the input", x.output)
	}
	if out.net == l.b.Input() {
		return nil, nil, x.errorf("the graph's output %q is its input: there is no layer to import", x.output)
	}
	return l, out.net, nil
}

// node lowers one node. A node reading a value that could not be imported
// is checked only for its operator, so that every unsupported operator is
// listed, and then skipped.
func (l *lowerer) node(n *Node) error {
	h, known := handlers[n.OpType]
	if n.Domain != "" && n.Domain != "ai.onnx" {
		return unsupported("operator %q of domain %q is not one cnnc maps", n.OpType, n.Domain)
	}
	if !known && l.fused[n] == nil {
		return unsupported("cnnc has no %s layer", n.OpType)
	}
	ins := n.Inputs
	if p := l.padded[n]; p != nil {
		ins = []string{p.in}
	}
	for _, in := range ins {
		if v := l.vals[in]; v != nil && v.bad {
			for _, out := range n.Outputs {
				l.vals[out] = &value{bad: true}
			}
			if partOnly[n.OpType] && l.fused[n] == nil {
				return lowerPartOnly(l, n)
			}
			return nil
		}
	}
	if f := l.fused[n]; f != nil {
		return l.lowerFusion(n, f)
	}
	return h(l, n)
}

// handlers maps each operator the importer reads to its lowering.
var handlers map[string]func(*lowerer, *Node) error

func init() {
	handlers = map[string]func(*lowerer, *Node) error{
		"Identity": lowerIdentity, "Constant": lowerConstant, "Shape": lowerShape, "Gather": lowerGather,
		"Unsqueeze": lowerUnsqueeze, "Squeeze": lowerSqueeze, "Cast": lowerCast,
		"Concat": lowerConcat, "Add": lowerAdd, "Sum": lowerAdd,
		"Flatten": lowerFlatten, "Reshape": lowerReshape,
		"Conv": lowerConv, "BatchNormalization": lowerBatchNorm, "Gemm": lowerGemm, "MatMul": lowerMatMul,
		"MaxPool": lowerPool, "AveragePool": lowerPool,
		"GlobalAveragePool": lowerGlobalPool, "GlobalMaxPool": lowerGlobalPool,
		"ReduceMean": lowerReduce, "ReduceMax": lowerReduce,
		"Relu": lowerActivation, "Sigmoid": lowerActivation, "Tanh": lowerActivation,
		"LeakyRelu": lowerActivation, "HardSwish": lowerActivation, "Clip": lowerClip,
		"Softmax": lowerSoftmax, "Dropout": lowerDropout,
		// Only as parts of silu, hardswish and gelu (patterns.go).
		"Mul": lowerPartOnly, "Div": lowerPartOnly, "Erf": lowerPartOnly, "HardSigmoid": lowerPartOnly, "Pad": lowerPartOnly,
	}
}

// partOnly are the operators mapped only as parts of patterns: unmatched,
// they are unsupported whatever their inputs.
var partOnly = map[string]bool{"Mul": true, "Div": true, "Erf": true, "HardSigmoid": true, "Pad": true}

func lowerPartOnly(l *lowerer, n *Node) error {
	switch n.OpType {
	case "Mul":
		return unsupported("cnnc maps Mul only in x·sigmoid(x) (silu), x·hardsigmoid(x) (hardswish) and the erf form of gelu")
	case "Pad":
		return unsupported("cnnc maps Pad only as zeros around height and width, the same on both sides once added to a Conv's or AveragePool's own padding, read by that Conv or AveragePool alone")
	case "HardSigmoid":
		return unsupported("cnnc maps HardSigmoid only in x·hardsigmoid(x) with alpha 1/6 and beta 0.5 (hardswish)")
	}
	return unsupported("cnnc maps %s only in the erf form of gelu, x·0.5·(1 + erf(x/√2))", n.OpType)
}

// get returns the value of an ONNX value name: a computed one, or an
// initializer (decoded on first use).
func (l *lowerer) get(name string) (*value, error) {
	if v := l.vals[name]; v != nil {
		return v, nil
	}
	if t := l.x.inits[name]; t != nil {
		a, err := l.x.m.values(t)
		if err != nil {
			return nil, err
		}
		v := &value{c: a}
		l.vals[name] = v
		return v, nil
	}
	return nil, l.x.errorf("value %q is read before it is computed", name)
}

// input returns a node's input i, which must be there.
func (l *lowerer) input(n *Node, i int) (*value, error) {
	if i >= len(n.Inputs) || n.Inputs[i] == "" {
		return nil, unsupported("input %d is missing", i+1)
	}
	return l.get(n.Inputs[i])
}

// netInput returns input i, which must be a tensor of the network.
func (l *lowerer) netInput(n *Node, i int) (*value, error) {
	v, err := l.input(n, i)
	if err != nil {
		return nil, err
	}
	if v.net == nil {
		return nil, unsupported("input %q is a constant; cnnc maps %s only on the network's tensors", n.Inputs[i], n.OpType)
	}
	return v, nil
}

// constInput returns input i, which must be a constant; optional inputs
// that are absent give nil.
func (l *lowerer) constInput(n *Node, i int, optional bool) (*array, error) {
	if i >= len(n.Inputs) || n.Inputs[i] == "" {
		if optional {
			return nil, nil
		}
		return nil, unsupported("input %d is missing", i+1)
	}
	v, err := l.get(n.Inputs[i])
	if err != nil {
		return nil, err
	}
	if v.c == nil {
		return nil, unsupported("input %q is computed from the network's input; cnnc needs it constant", n.Inputs[i])
	}
	return v.c, nil
}

// set gives node n's first output the value v; its other outputs must be
// unused (a MaxPool's indices, a Dropout's mask).
func (l *lowerer) set(n *Node, v *value) error {
	for i, out := range n.Outputs[1:] {
		if out != "" && (len(l.x.readers[out]) > 0 || out == l.x.output) {
			return unsupported("its output %d (%q) is used; cnnc computes only the first", i+2, out)
		}
	}
	if len(n.Outputs) == 0 || n.Outputs[0] == "" {
		return unsupported("it has no output")
	}
	l.vals[n.Outputs[0]] = v
	return nil
}

// emit adds op to the graph on inputs for ONNX node n, with its tensors'
// values by local name, and sets n's output (flat: flattened by ONNX but
// not yet by cnnc, see value). A shape the op refuses (a
// floored size cnnc would not accept, a mismatch) is a problem of n.
func (l *lowerer) emit(n *Node, op ir.Op, params map[string]param, flat bool, inputs ...*ir.Value) error {
	path := l.modulePath(n, params)
	node, err := l.b.Add(op, ir.Meta{Name: path, Text: n.OpType}, inputs...)
	if err != nil {
		return unsupported("%s", err)
	}
	in := node.InShapes()
	for _, t := range op.Tensors(in) {
		if t.Role == ir.NumBatchesTracked {
			continue
		}
		a := params[t.Name].a
		if a == nil {
			return unsupported("no values for its %s", t.Name)
		}
		if a.size() != product(t.Shape) {
			return unsupported("its %s has %s, want %v (%d)", t.Name, plural(a.size(), "value"), t.Shape, product(t.Shape))
		}
	}
	l.layers[node] = &layer{onnx: n, path: path, params: params}
	return l.set(n, &value{net: node.Output, flat: flat})
}

func product(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}
