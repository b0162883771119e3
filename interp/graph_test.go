package interp

import (
	"testing"

	"github.com/cnnc/cnnc/ir"
)

// builder helps the tests build graphs that the language cannot write yet.
type builder struct {
	t *testing.T
	b *ir.Builder
}

func newBuilder(t *testing.T, in ir.Shape) *builder {
	return &builder{t: t, b: ir.NewBuilder("g", "", in, ir.Pos{})}
}

func (b *builder) add(op ir.Op, name string, in ...*ir.Value) *ir.Value {
	b.t.Helper()
	n, err := b.b.Add(op, ir.Meta{Name: name}, in...)
	if err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
	return n.Output
}

func (b *builder) model(out *ir.Value) *Model {
	b.t.Helper()
	m, err := New(b.b.Graph(out))
	if err != nil {
		b.t.Fatal(err)
	}
	return m
}

// A residual block y = conv(x) + x, by hand: the 1x1 conv doubles its input
// and adds 1, so y = 3x + 1; backward, x is read by the conv and by the add,
// and its gradient is the sum of both readers' gradients: dx = 2·dy + dy.
func TestResidualByHand(t *testing.T) {
	b := newBuilder(t, ir.Map(1, 2, 1))
	x := b.b.Input()
	y := b.add(&ir.Add{}, "add1", b.add(ir.NewConv(1, 1, 1), "conv1", x), x)
	m := b.model(y)
	if err := m.SetParams(map[string][]float64{"conv1.weight": {2}, "conv1.bias": {1}}); err != nil {
		t.Fatal(err)
	}
	p := mustForward(t, m, []float64{1, 5}, 1, Options{})
	expectClose(t, "y", p.Output(), []float64{4, 16})
	dx, grads := mustBackward(t, p, []float64{1, 10})
	expectClose(t, "dx", dx, []float64{3, 30})
	expectClose(t, "dw", grads[0], []float64{1*1 + 5*10})
	expectClose(t, "db", grads[1], []float64{11})
}

// concat joins channels in order, per sample; backward slices dy by
// channel. Here y = concat(conv(x), x) over a batch of 2 samples of 1x1x2,
// the conv summing the two channels into one.
func TestConcatByHand(t *testing.T) {
	b := newBuilder(t, ir.Map(1, 1, 2))
	x := b.b.Input()
	y := b.add(&ir.Concat{}, "concat1", b.add(ir.NewConv(1, 1, 1), "conv1", x), x)
	m := b.model(y)
	copy(m.Params[0], []float64{1, 1})
	p := mustForward(t, m, []float64{1, 2, 3, 4}, 2, Options{})
	expectClose(t, "y", p.Output(), []float64{3, 1, 2, 7, 3, 4})
	dx, _ := mustBackward(t, p, []float64{10, 1, 2, 20, 3, 4})
	// dx = conv's share (dy of channel 0 to both channels) + the identity's.
	expectClose(t, "dx", dx, []float64{11, 12, 23, 24})
}

// A value nothing leads from to the output gets a zero gradient, and a
// node whose output is unused passes none back.
func TestUnusedBranch(t *testing.T) {
	b := newBuilder(t, ir.Map(1, 1, 2))
	x := b.b.Input()
	b.add(ir.NewConv(1, 1, 3), "unused", x)
	y := b.add(&ir.Activation{Func: ir.Tanh}, "tanh1", x)
	m := b.model(y)
	p := mustForward(t, m, []float64{0, 0}, 1, Options{})
	dx, grads := mustBackward(t, p, []float64{1, 2})
	expectClose(t, "dx", dx, []float64{1, 2})
	expectClose(t, "dw of the unused conv", grads[0], make([]float64, 6))
}

// Finite differences through branches that read one value several times:
// a residual block with a conv shortcut, its output read by a concat with an
// identity branch and by a second residual add.
func TestGraphGradients(t *testing.T) {
	b := newBuilder(t, ir.Map(5, 5, 2))
	x := b.b.Input()
	c := ir.NewConv(3, 3, 4)
	c.PH, c.PW = 1, 1
	body := b.add(&ir.Activation{Func: ir.Tanh}, "body.tanh", b.add(c, "body.conv", x))
	short := b.add(ir.NewConv(1, 1, 4), "short.conv", x)
	r := b.add(&ir.Add{}, "add1", body, short)
	cat := b.add(&ir.Concat{}, "cat", b.add(&ir.Activation{Func: ir.Sigmoid}, "cat.sigmoid", r), r)
	s := b.add(ir.NewConv(1, 1, 4), "squeeze", cat)
	y := b.add(&ir.Add{}, "add2", s, r, r)
	out := b.add(&ir.FC{K: 3}, "fc", b.add(&ir.Pool{Mode: ir.Mean, FH: 2, FW: 2, SH: 2, SW: 2, PH: 1, PW: 1}, "pool", y))
	checkModelGradients(t, b.model(out), 2, Options{}, 7)
}

// The interpreter says which operation it does not support, rather than
// panicking: here one from another front end that it has never heard of.
func TestUnsupportedOps(t *testing.T) {
	b := newBuilder(t, ir.Map(8, 8, 2))
	b.add(strangeOp{}, "x", b.b.Input())
	_, err := New(b.b.Graph(nil))
	if want := "interp: x (strange): the interpreter does not support strange yet"; err == nil || err.Error() != want {
		t.Errorf("New = %v, want %q", err, want)
	}
}

// strangeOp is an operation the interpreter does not know.
type strangeOp struct{}

func (strangeOp) Kind() string                          { return "strange" }
func (strangeOp) Infer(in []ir.Shape) (ir.Shape, error) { return in[0], nil }
func (strangeOp) Tensors([]ir.Shape) []ir.Tensor        { return nil }
func (strangeOp) MACs([]ir.Shape, ir.Shape) int64       { return 0 }
