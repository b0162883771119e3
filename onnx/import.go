package onnx

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/dsl"
	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/runtime"
)

// Options are what the user says beyond the model file.
type Options struct {
	// Name is the model's name; "" takes the file's base name.
	Name string
	// Input gives the input's height, width and channels where the model
	// leaves them open (a dynamic shape); nil when it fixes them.
	Input *ir.Shape
}

// Result is an imported model: the .cnn file, the graph cnnc checked from
// it, and its parameters and buffers under the file's names, in the order
// of a PyTorch state_dict.
type Result struct {
	Text   []byte
	Graph  *ir.Graph
	Arrays []*runtime.Array
}

// Import turns an ONNX model into a .cnn file and its weights. A node cnnc
// cannot map gives an *UnsupportedError listing every such node; a
// malformed model a *FormatError; a graph the language cannot arrange
// into blocks, or an input shape left open, an error saying so.
func Import(m *Model, opt Options) (*Result, error) {
	x, err := newIndex(m)
	if err != nil {
		return nil, err
	}
	name := opt.Name
	if name == "" {
		name = modelName(m.file)
	}
	in, flat, batch, err := x.inputShape(opt.Input)
	if err != nil {
		return nil, err
	}
	l, out, err := x.lower(name, in, flat, batch)
	if err != nil {
		return nil, err
	}
	g := l.b.Graph(out)
	if len(g.Nodes) > maxStatements {
		return nil, x.errorf("the network has %d layers; a .cnn file holds at most %d statements", len(g.Nodes), maxStatements)
	}
	stmts, err := recoverStmts(g, func(n *ir.Node) string {
		if ly := l.layers[n]; ly != nil {
			return describe(ly.onnx)
		}
		return n.Text
	})
	if err != nil {
		return nil, x.errorf("%v", err)
	}
	stmts = l.labels(stmts)
	text := header(m, name, in, stmts)
	f, errs := dsl.Parse(name+".cnn", text)
	if len(errs) > 0 {
		return nil, fmt.Errorf("cnnc import wrote a file with a syntax error (a bug): %v\n%s", errs[0], text)
	}
	text = dsl.Format(f)
	r, ds := compiler.Compile(name+".cnn", text)
	if ds.HasErrors() || r == nil || r.Graph == nil {
		// The shapes were checked as the graph was built: what is left is
		// cnnc's limits (values in a tensor, multiply-adds).
		var msgs []string
		for _, d := range ds {
			if d.Severity == compiler.Error {
				msgs = append(msgs, d.Message)
			}
		}
		return nil, x.errorf("the network is beyond what cnnc compiles: %s", strings.Join(msgs, "; "))
	}
	arrays, err := l.weights(nodes(stmts), g, r.Graph)
	if err != nil {
		return nil, fmt.Errorf("cnnc import: %v (a bug)\n%s", err, text)
	}
	return &Result{Text: text, Graph: r.Graph, Arrays: arrays}, nil
}

// maxStatements is the most statements a .cnn file may hold.
const maxStatements = 100_000

var notIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// modelName makes a model name of a file name: "resnet-18.onnx" gives
// resnet_18.
func modelName(file string) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	s := strings.Trim(notIdent.ReplaceAllString(base, "_"), "_")
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = "model_" + s
	}
	return strings.TrimSuffix(s, "_")
}

// header writes the file: a comment naming the source, the model's name,
// its input, its statements.
func header(m *Model, name string, in ir.Shape, stmts []*stmt) []byte {
	var b strings.Builder
	producer := strings.TrimSpace(m.Producer + " " + m.ProducerVersion)
	if producer == "" {
		producer = "an unnamed exporter"
	}
	var opset int64
	for _, o := range m.Opsets {
		if o.Domain == "" || o.Domain == "ai.onnx" {
			opset = o.Version
		}
	}
	fmt.Fprintf(&b, "# Imported by cnnc import from %s (written by %s, ONNX opset %d).\n", filepath.Base(m.file), producer, opset)
	fmt.Fprintf(&b, "model %s\n\ninput %dx%dx%d\n", name, in.H, in.W, in.C)
	for _, line := range render(stmts, 0, nil) {
		b.WriteString(line + "\n")
	}
	return []byte(b.String())
}

// labels names the statements: by the module paths of their layers when
// every layer with tensors has one and no two share it, else not at all
// (cnnc's numbering).
func (l *lowerer) labels(stmts []*stmt) []*stmt {
	nm := &namer{paths: map[*stmt][]string{},
		kinds: func(s *stmt) string { return s.node.Op.Kind() },
		path: func(s *stmt) string {
			if len(s.node.Tensors) == 0 {
				return ""
			}
			return l.layers[s.node].path
		}}
	seen := map[string]bool{}
	ok := true
	var collect func(stmts []*stmt) []string
	collect = func(stmts []*stmt) []string {
		var all []string
		for _, s := range stmts {
			var ps []string
			if s.kind == sLayer {
				if p := nm.path(s); p != "" {
					ps = []string{p}
					ok = ok && !seen[p]
					seen[p] = true
				} else if len(s.node.Tensors) > 0 {
					ok = false
				}
			}
			for _, b := range s.blocks {
				ps = append(ps, collect(b)...)
			}
			nm.paths[s] = ps
			all = append(all, ps...)
		}
		return all
	}
	collect(stmts)
	if !ok {
		return stmts
	}
	return nm.label(stmts, "", counters{})
}

// inputShape returns the shape of one input sample: [N, C, H, W] gives
// HxWxC, [N, F] gives 1x1xF (flat). given fills the dimensions the model
// leaves open and must agree with those it fixes. It also returns the
// batch size when the model fixes it (0 when not).
func (x *index) inputShape(given *ir.Shape) (ir.Shape, bool, int64, error) {
	v := x.input
	if v.NotTensor {
		return ir.Shape{}, false, 0, x.errorf("the input %q is not a tensor", v.Name)
	}
	if t := v.ElemType; t != typeFloat && t != typeDouble && t != typeFloat16 && t != 0 {
		return ir.Shape{}, false, 0, x.errorf("the input %q holds %s values; cnnc networks read floats", v.Name, typeName(t))
	}
	dims := v.Shape
	if dims == nil {
		dims = make([]Dim, 4)
	}
	var batch int64
	if len(dims) > 0 && dims[0].Known && dims[0].Value > 0 {
		batch = dims[0].Value
	}
	var hwc [3]int
	var names []string
	switch len(dims) {
	case 4:
		names = []string{"height", "width", "channels"}
		dims = []Dim{dims[2], dims[3], dims[1]}
	case 2:
		names = []string{"features"}
		dims = dims[1:]
		hwc = [3]int{1, 1, 0}
	default:
		return ir.Shape{}, false, 0, x.errorf("the input %q has %d dimensions; cnnc networks read images [N, C, H, W]", v.Name, len(dims))
	}
	var want []int
	if given != nil {
		want = []int{given.H, given.W, given.C}
		if len(dims) == 1 {
			if given.H != 1 || given.W != 1 {
				return ir.Shape{}, false, 0, x.errorf("the input %q is flat, [N, F]: --input must be 1x1xF", v.Name)
			}
			want = want[2:]
		}
	}
	off := 3 - len(dims)
	for i, d := range dims {
		switch {
		case d.Known && d.Value > 0 && want != nil && int64(want[i]) != d.Value:
			return ir.Shape{}, false, 0, x.errorf("the model fixes the input's %s at %d, but --input gives %d", names[i], d.Value, want[i])
		case d.Known && d.Value > 0:
			if d.Value > 1<<20 {
				return ir.Shape{}, false, 0, x.errorf("the input's %s, %d, is more than cnnc allows (2^20)", names[i], d.Value)
			}
			hwc[off+i] = int(d.Value)
		case want != nil:
			hwc[off+i] = want[i]
		default:
			return ir.Shape{}, false, 0, x.errorf("the model leaves the input's %s open; give the input's shape with --input HxWxC", names[i])
		}
	}
	return ir.Map(hwc[0], hwc[1], hwc[2]), len(dims) == 1, batch, nil
}

// weights checks that the graph cnnc compiled from the written file is the
// imported one, node for node (mine in the file's order), and returns the
// tensors' values under the compiled names, in state_dict order.
func (l *lowerer) weights(mine []*ir.Node, g0, g *ir.Graph) ([]*runtime.Array, error) {
	if len(mine) != len(g.Nodes) {
		return nil, fmt.Errorf("the file has %d nodes, the import %d", len(g.Nodes), len(mine))
	}
	vals := map[*ir.Value]*ir.Value{g0.Input: g.Input}
	var arrays []*runtime.Array
	for i, a := range mine {
		b := g.Nodes[i]
		if !reflect.DeepEqual(a.Op, b.Op) || a.Out() != b.Out() || len(a.Tensors) != len(b.Tensors) || !sameInputs(a, b, vals) {
			return nil, fmt.Errorf("node %d of the file, %q, differs from the import's %q", i+1, b.Text, opText(a.Op))
		}
		vals[a.Output] = b.Output
		locals := a.Op.Tensors(a.InShapes())
		for j, t := range b.Tensors {
			if t.Role == ir.NumBatchesTracked {
				arrays = append(arrays, runtime.NewArrayInt64(t.Name, []int{}, []int64{0}))
				continue
			}
			v := l.layers[a].params[locals[j].Name].a
			if v.f64 != nil {
				arrays = append(arrays, runtime.NewArray64(t.Name, t.Shape, v.f64))
			} else {
				arrays = append(arrays, runtime.NewArray32(t.Name, t.Shape, v.f32))
			}
		}
	}
	if vals[g0.Output] != g.Output {
		return nil, fmt.Errorf("the file's output is not the import's")
	}
	return arrays, nil
}

// sameInputs reports whether node b reads the values node a reads (in
// any order for an add).
func sameInputs(a, b *ir.Node, vals map[*ir.Value]*ir.Value) bool {
	if len(a.Inputs) != len(b.Inputs) {
		return false
	}
	got := make([]*ir.Value, len(a.Inputs))
	for i, v := range a.Inputs {
		got[i] = vals[v]
	}
	if _, add := a.Op.(*ir.Add); add && len(got) == 2 && got[0] == b.Inputs[1] && got[1] == b.Inputs[0] {
		return true
	}
	return reflect.DeepEqual(got, b.Inputs)
}
