package plan

import (
	"strings"
	"testing"

	"github.com/cnnc/cnnc/ir"
)

func build(t *testing.T, g *ir.Graph, opt Options) *Plan {
	t.Helper()
	p, err := Build(g, opt)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// count counts the steps for which f holds.
func count(p *Plan, f func(s *Step) bool) int {
	n := 0
	for _, s := range p.Steps {
		if f(s) {
			n++
		}
	}
	return n
}

func kindOf(n *ir.Node) string {
	if n == nil {
		return ""
	}
	return n.Op.Kind()
}

// TestModelFusions checks the fusions on the full models against what their
// architecture says should happen.
func TestModelFusions(t *testing.T) {
	files := goldens(t)
	nodes := func(g *ir.Graph, kind string) int {
		n := 0
		for _, x := range g.Nodes {
			if x.Op.Kind() == kind {
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		name            string
		adds, actsAfter int // residual adds; of them, followed by an activation
	}{{"resnet18", 8, 8}, {"resnet50", 16, 16}, {"mobilenetv2", 10, 0}} {
		g := compile(t, files[c.name])
		inf := build(t, g, Options{Mode: Inference})
		// Every batchnorm follows a conv that nothing else reads: all fold.
		if got, want := count(inf, func(s *Step) bool { return s.BN != nil }), nodes(g, "bn"); got != want {
			t.Errorf("%s: %d batchnorms folded, want all %d", c.name, got, want)
		}
		if got := count(inf, func(s *Step) bool { return s.Add != nil && kindOf(s.Node) == "conv" && kindOf(s.BN) == "bn" }); got != c.adds {
			t.Errorf("%s: %d adds fused into a conv+bn store, want %d", c.name, got, c.adds)
		}
		if got := count(inf, func(s *Step) bool { return s.Add != nil && s.Act != nil }); got != c.actsAfter {
			t.Errorf("%s: %d fused adds with an activation, want %d", c.name, got, c.actsAfter)
		}
		// Only convs (with what they fused), pools and the fc are left:
		// batchnorms, adds and activations are all fused, dropout elided.
		for _, s := range inf.Steps {
			switch s.Node.Op.(type) {
			case *ir.Conv, *ir.Pool, *ir.GlobalPool, *ir.FC:
			default:
				t.Errorf("%s: step %s stands alone in inference", c.name, s.Name())
			}
		}
		tr := build(t, g, Options{Mode: Training})
		if got := count(tr, func(s *Step) bool { return s.BN != nil }); got != 0 {
			t.Errorf("%s: %d batchnorms folded in training", c.name, got)
		}
		if got, want := count(tr, func(s *Step) bool { return s.Batch }), nodes(g, "bn"); got != want {
			t.Errorf("%s: %d batch steps in training, want one per batchnorm, %d", c.name, got, want)
		}
	}
}

// TestDense checks the concat decisions on the DenseNet layers: every
// branch, the identity included, is written in place by its producer, and
// the concat of the first layer lives inside the second's buffer.
func TestDense(t *testing.T) {
	g := compile(t, "testdata/dense.cnn")
	for _, m := range []Mode{Inference, Training} {
		p := build(t, g, Options{Mode: m})
		if n := count(p, func(s *Step) bool { return s.Kind == Copy }); n != 0 {
			t.Errorf("%s: %d copy steps", m, n)
		}
		var concats []*ir.Node
		for _, n := range g.Nodes {
			if n.Op.Kind() == "concat" {
				concats = append(concats, n)
			}
		}
		outer := p.Value(concats[1].Output).View
		inner := p.Value(concats[0].Output).View
		if !outer.Whole() || inner.Buf != outer.Buf || inner.C0 != 0 || inner.C != 24 {
			t.Errorf("%s: the concats are in %s and %s", m, inner, outer)
		}
		pool := p.Value(concats[0].Inputs[0]) // the stem's max pool, the first identity
		if pool.View.Buf != outer.Buf || pool.View.C0 != 0 || pool.View.C != 16 || pool.Kind != Stored {
			t.Errorf("%s: the max pool writes %s", m, pool.View)
		}
	}
}

// TestSliceOut: when dense convs cannot write slices, the DenseNet layers'
// new channels are copied in; the identity branches (a max pool, a concat)
// still are not.
func TestSliceOut(t *testing.T) {
	g := compile(t, "testdata/dense.cnn")
	dense := func(s *Step) bool {
		c, ok := s.Node.Op.(*ir.Conv)
		return !ok || c.Groups == c.K && c.K > 1
	}
	for _, m := range []Mode{Inference, Training} {
		p := build(t, g, Options{Mode: m, SliceOut: dense})
		var copied []string
		for _, s := range p.Steps {
			if s.Kind == Copy {
				copied = append(copied, p.Value(s.In[0]).Name()+" from "+p.Value(s.In[0]).Step.Name())
			}
		}
		if strings.Join(copied, ", ") != "v10 from conv3, v17 from conv5" {
			t.Errorf("%s: copies %v", m, copied)
		}
		checkPlan(t, "dense", p)
	}
}

// TestCopyFallback: a branch that a conv also reads (a conv reads whole
// pixels) is copied into its slice; the graph's input always is.
func TestCopyFallback(t *testing.T) {
	b := ir.NewBuilder("copy", "copy.cnn", ir.Map(4, 4, 3), ir.Pos{})
	c1, _ := b.Add(ir.NewConv(1, 1, 4), ir.Meta{Name: "conv1"}, b.Input())
	c2, _ := b.Add(ir.NewConv(1, 1, 4), ir.Meta{Name: "conv2"}, c1.Output)
	cat, _ := b.Add(&ir.Concat{}, ir.Meta{Name: "concat1"}, b.Input(), c1.Output, c2.Output)
	g := b.Graph(cat.Output)
	for _, m := range []Mode{Inference, Training} {
		p := build(t, g, Options{Mode: m})
		var copied []string
		for _, s := range p.Steps {
			if s.Kind == Copy {
				copied = append(copied, p.Value(s.In[0]).Name())
			}
		}
		if strings.Join(copied, " ") != "v0 v1" || !p.Value(c2.Output).sliced() {
			t.Errorf("%s: copies %v; conv2 writes %s", m, copied, p.Value(c2.Output).View)
		}
		checkPlan(t, "copy", p)
	}
}

// TestNeeds: steps before the first parameter run backward only for the
// input's gradient; the input's gradient itself only then.
func TestNeeds(t *testing.T) {
	p := build(t, compile(t, "testdata/downsample.cnn"), Options{Mode: Training})
	needs := map[string]Need{}
	for _, bk := range p.Backward {
		needs[bk.Step.Name()] = bk.Need
	}
	if needs["relu1"] != Dx || needs["conv1"] != Always {
		t.Errorf("needs %v", needs)
	}
	if v := p.Value(p.Graph.Input); v.Need != Dx {
		t.Errorf("the input's gradient: %s", v.Need)
	}
}

// TestOddGraphs plans graphs at the edges: no node, only a dropout, a
// concat of one value twice, an add of one value twice, flat concats and a
// flat batchnorm, training-only steps for activations that cannot fuse.
func TestOddGraphs(t *testing.T) {
	type nb = func(b *ir.Builder) *ir.Value
	add := func(b *ir.Builder, op ir.Op, name string, in ...*ir.Value) *ir.Value {
		n, err := b.Add(op, ir.Meta{Name: name, Text: op.Kind()}, in...)
		if err != nil {
			t.Fatal(err)
		}
		return n.Output
	}
	cases := map[string]nb{
		"empty":   func(b *ir.Builder) *ir.Value { return nil },
		"dropout": func(b *ir.Builder) *ir.Value { return add(b, &ir.Dropout{P: 0.5}, "drop", b.Input()) },
		"twice": func(b *ir.Builder) *ir.Value {
			x := add(b, ir.NewConv(1, 1, 2), "conv", b.Input())
			return add(b, &ir.Concat{}, "cat", x, x)
		},
		"add-self": func(b *ir.Builder) *ir.Value {
			x := add(b, ir.NewConv(1, 1, 2), "conv", b.Input())
			return add(b, &ir.Add{}, "add", x, x)
		},
		"flat": func(b *ir.Builder) *ir.Value {
			f1 := add(b, &ir.FC{K: 3}, "fc1", b.Input())
			f2 := add(b, &ir.FC{K: 5}, "fc2", b.Input())
			c := add(b, &ir.Concat{}, "cat", f1, f2)
			n := add(b, ir.NewBatchNorm(), "bn", c)
			return add(b, &ir.FC{K: 2}, "fc3", n)
		},
		"gelu": func(b *ir.Builder) *ir.Value {
			x := add(b, ir.NewConv(1, 1, 2), "conv", b.Input())
			return add(b, &ir.Activation{Func: ir.GELU}, "gelu", x)
		},
	}
	for name, f := range cases {
		b := ir.NewBuilder(name, name+".cnn", ir.Map(2, 2, 2), ir.Pos{})
		g := b.Graph(f(b))
		for _, opt := range []Options{{Mode: Inference}, {Mode: Training}} {
			p := build(t, g, opt)
			checkPlan(t, name, p)
			checkCover(t, name, p)
		}
	}
	b := ir.NewBuilder("gelu", "", ir.Map(2, 2, 2), ir.Pos{})
	g := b.Graph(cases["gelu"](b))
	if inf, tr := build(t, g, Options{}), build(t, g, Options{Mode: Training}); len(inf.Steps) != 1 || len(tr.Steps) != 2 {
		t.Errorf("gelu: %d steps in inference (want 1: fused), %d in training (want 2)", len(inf.Steps), len(tr.Steps))
	}
}

func TestRefusals(t *testing.T) {
	if _, err := Build(nil, Options{}); err == nil {
		t.Error("nil graph planned")
	}
	b := ir.NewBuilder("dead", "", ir.Map(2, 2, 2), ir.Pos{})
	c, _ := b.Add(ir.NewConv(1, 1, 2), ir.Meta{Name: "conv1", Text: "conv 1x1x2"}, b.Input())
	b.Add(&ir.Activation{Func: ir.ReLU}, ir.Meta{Name: "relu1", Text: "relu"}, b.Input())
	_, err := Build(b.Graph(c.Output), Options{})
	if err == nil || err.Error() != "plan: relu1 (relu)'s output is never read" {
		t.Errorf("dead value: %v", err)
	}
	g := compile(t, "testdata/nested.cnn")
	g.Incomplete = true
	if _, err := Build(g, Options{}); err == nil {
		t.Error("incomplete graph planned")
	}
}

// TestMemory: sharing slots keeps ResNet-50's inference memory a sample
// far below the sum of its buffers, and close to the most ever alive at
// once.
func TestMemory(t *testing.T) {
	for _, name := range []string{"resnet50", "resnet18", "mobilenetv2", "vgg16"} {
		g := compile(t, goldens(t)[name])
		for _, m := range []Mode{Inference, Training} {
			mem := build(t, g, Options{Mode: m}).Memory()
			t.Logf("%s %s: buffers %.1f MB, slots %.1f MB (%.0f%%), peak alive %.1f MB, aux %.1f MB a sample",
				name, m, mb(mem.Buffers), mb(mem.Slots), 100*float64(mem.Slots)/float64(mem.Buffers), mb(mem.Peak), mb(mem.Aux))
			if name == "resnet50" && m == Inference && (mem.Slots*5 > mem.Buffers || float64(mem.Slots) > 1.1*float64(mem.Peak)) {
				t.Errorf("resnet50: slots %d for buffers %d, peak %d", mem.Slots, mem.Buffers, mem.Peak)
			}
		}
	}
}

func mb(values int) float64 { return float64(values) * 4 / 1e6 }

// TestSkipIsInput: a residual whose body is one conv, conv(x) + x, fuses the
// add into the conv's store, reading x twice; backward writes dx at the add
// and adds the conv's input gradient to it.
func TestSkipIsInput(t *testing.T) {
	b := ir.NewBuilder("self", "", ir.Map(4, 4, 3), ir.Pos{})
	r, _ := b.Add(&ir.Activation{Func: ir.ReLU}, ir.Meta{Name: "relu1"}, b.Input())
	c := ir.NewConv(3, 3, 3)
	c.PH, c.PW = 1, 1
	cv, _ := b.Add(c, ir.Meta{Name: "conv1"}, r.Output)
	a, _ := b.Add(&ir.Add{}, ir.Meta{Name: "add1"}, cv.Output, r.Output)
	g := b.Graph(a.Output)
	p := build(t, g, Options{Mode: Training})
	checkPlan(t, "self", p)
	s := p.Steps[1]
	if s.Add == nil || len(s.Skip) != 1 || s.Skip[0] != s.In[0] {
		t.Fatalf("step %s: skip %v", s.Name(), s.Skip)
	}
	bk := p.Backward[0]
	if bk.Step != s || len(bk.Grads) != 2 || bk.Grads[0].Acc != true || bk.Grads[1].Acc != false {
		t.Errorf("backward of %s: %+v", s.Name(), bk.Grads)
	}
}
