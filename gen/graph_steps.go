package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	gplan "github.com/cnnc/cnnc/gen/plan"
	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/runtime"
)

// gphase is one phase function (an engine.Phase without its mode).
type gphase struct {
	name              string
	n                 int
	even, sums, batch bool
}

// gentry is a phase in a step's list, with the mode it runs in: "" for
// every pass, "Training" or "Inference".
type gentry struct {
	*gphase
	mode string
}

// gstep is one engine.Step.
type gstep struct {
	name      string // for profiles
	in, out   []string
	fwd, bwd  []gentry
	reforward bool // engine.Step.Reforward
}

// opPhases are the phases of one step of the training plan: its forward
// in training mode, its forward in inference mode (the same phases but
// for batchnorm and dropout), and its backward (modes given).
type opPhases struct {
	train, eval []*gphase
	bwd         []gentry
}

// buildSteps makes the engine steps: the inference plan's, whose phases run
// in inference mode, then the training plan's, whose forward phases run in
// training mode, then one whose backward is the training plan's forward in
// inference mode (see GraphFile).
func (g *graphGen) buildSteps() error {
	g.bnVecsFunc()
	for i := 0; i < len(g.infer.Steps); i++ {
		if b := g.inferInvRes(i); b != nil {
			g.newInvResStep(b, g.invResForward(b))
			i += 2
			continue
		}
		s := g.infer.Steps[i]
		g.cur = s
		ph, err := g.inferStep(s)
		if err != nil {
			return err
		}
		st := g.newStep(g.infer, s, "inference")
		for _, p := range ph {
			st.fwd = append(st.fwd, gentry{p, "Inference"})
		}
	}
	back := map[*gplan.Step]*gplan.Back{}
	for _, bk := range g.train.Backward {
		back[bk.Step] = bk
	}
	var reforward []gentry
	for _, s := range g.train.Steps {
		g.cur = s
		ph, err := g.trainStep(s, back[s])
		if err != nil {
			return err
		}
		st := g.newStep(g.train, s, "training")
		for _, p := range ph.train {
			st.fwd = append(st.fwd, gentry{p, "Training"})
		}
		for _, p := range ph.eval {
			reforward = append(reforward, gentry{p, "Inference"})
		}
		st.bwd = ph.bwd
	}
	g.cur = nil
	// The last step's backward runs first: in inference mode it runs the
	// training plan's forward again, which the backward reads; a
	// forward-backward pass runs it as its forward (engine.Step.Reforward).
	g.steps = append(g.steps, &gstep{name: "forward again in inference mode (its backward)", bwd: reforward, reforward: true})
	return nil
}

// newStep appends the engine step of plan step s.
func (g *graphGen) newStep(p *gplan.Plan, s *gplan.Step, mode string) *gstep {
	st := &gstep{name: s.Name() + " (" + mode + ")"}
	for _, v := range s.Reads() {
		st.in = append(st.in, g.bufOf[p.Value(v).View.Buf].name)
	}
	st.out = []string{g.bufOf[p.Value(s.Out).View.Buf].name}
	g.steps = append(g.steps, st)
	return st
}

// decl adds a package-level declaration, with its doc comment, emitted
// after the program.
func (g *graphGen) decl(doc string, emit func(f *jen.File)) {
	g.decls = append(g.decls, func(f *jen.File) {
		for _, line := range strings.Split(doc, "\n") {
			f.Comment(line)
		}
		emit(f)
	})
}

// phase declares a phase function computing units [lo, hi) of n.
func (g *graphGen) phase(name string, n int, doc string, body func(b *jen.Group)) *gphase {
	name = g.unique(name)
	// Built now, so that the geometries its body declares come before it.
	fn := jen.Func().Id(name).Params(jen.Id("c").Op("*").Add(eng("Ctx")), jen.List(jen.Id("lo"), jen.Id("hi")).Int()).BlockFunc(body)
	g.decl(name+" "+doc, func(f *jen.File) { f.Add(fn) })
	g.register(name, doc)
	return &gphase{name: name, n: n}
}

// geom declares a package-level kernel geometry and returns its name: the
// name of an equal geometry declared before, if there is one, so that the
// phases of equal layers have equal bodies (see share).
func (g *graphGen) geom(name, doc string, lit jen.Code) string {
	key := fmt.Sprintf("%#v", lit)
	if name, ok := g.geoms[key]; ok {
		return name
	}
	if s := g.cur; s != nil {
		if rest, ok := strings.CutPrefix(name, g.stepName(s)); ok {
			name = opIdent(s) + rest
		}
		doc = anonymous(doc, s.Nodes(), false)
	}
	name = g.unique(name)
	g.geoms[key] = name
	g.decl(name+": "+doc+".", func(f *jen.File) { f.Var().Id(name).Op("=").Add(lit) })
	return name
}

// layoutLit renders a runtime.Layout.
func layoutLit(l runtime.Layout) jen.Code { return rt("Layout").Values(layoutFields(l)...) }

func layoutFields(l runtime.Layout) []jen.Code {
	var fs []jen.Code
	for _, f := range []struct {
		name string
		v    int
	}{{"Off", l.Off}, {"Row", l.Row}, {"Pix", l.Pix}} {
		if f.v != 0 {
			fs = append(fs, jen.Id(f.name).Op(":").Lit(f.v))
		}
	}
	return fs
}

func layoutsLit(ls ...runtime.Layout) jen.Code {
	return jen.Index().Add(rt("Layout")).ValuesFunc(func(g *jen.Group) {
		for _, l := range ls {
			g.Values(layoutFields(l)...)
		}
	})
}

func boolsLit(bs ...bool) jen.Code {
	return jen.Index().Bool().ValuesFunc(func(g *jen.Group) {
		for _, b := range bs {
			g.Lit(b)
		}
	})
}

// actOf maps an activation node to the runtime's Act and its slope; nil
// gives ActNone.
func actOf(n *ir.Node) (jen.Code, float32) {
	if n == nil {
		return nil, 0
	}
	a := n.Op.(*ir.Activation)
	name := map[ir.Func]string{
		ir.ReLU: "ActReLU", ir.Sigmoid: "ActSigmoid", ir.Tanh: "ActTanh", ir.Leaky: "ActLeaky",
		ir.ReLU6: "ActReLU6", ir.Hardswish: "ActHardswish", ir.SiLU: "ActSiLU", ir.GELU: "ActGELU",
	}[a.Func]
	return rt(name), float32(a.Alpha)
}

// actFunc returns the function of activation node n, -1 for none.
func actFunc(n *ir.Node) ir.Func {
	if n == nil {
		return -1
	}
	return n.Op.(*ir.Activation).Func
}

// clearPad emits the clearing of rows [lo, hi) of the border of plan
// buffer b (see runtime.ClearPadding) when its padding gets dirtied;
// rows nil clears every row (a phase whose units are not rows, when lo is
// 0). each names a batch phase's buffers of every sample.
func (g *graphGen) clearPad(body *jen.Group, b *gplan.Buffer, rows bool, batch bool) {
	if !g.mustClear(b) {
		return
	}
	l := b.Layout
	pad, ok := g.padOf[b]
	if !ok {
		pad = g.geom(ident("pad"+l.String()), fmt.Sprintf("the padding of a %s buffer", l),
			geomLit("Padding", []any{"H", l.H, "W", l.W, "C", l.C, "PH", l.PH, "PW", l.PW}))
		g.padOf[b] = pad
	}
	e := g.bufOf[b].name
	call := func(buf jen.Code, y0, y1 jen.Code) jen.Code {
		return rt("ClearPadding").Call(jen.Op("&").Id(pad), buf, y0, y1)
	}
	switch {
	case batch:
		body.If(jen.Id("lo").Op("==").Lit(0)).Block(
			jen.For(jen.List(jen.Id("_"), jen.Id("f")).Op(":=").Range().Add(cFs(e))).Block(call(jen.Id("f"), jen.Lit(0), jen.Lit(l.H))))
	case rows:
		body.Add(call(cF(e), jen.Id("lo"), jen.Id("hi")))
	default:
		body.If(jen.Id("lo").Op("==").Lit(0)).Block(call(cF(e), jen.Lit(0), jen.Lit(l.H)))
	}
}

// needDx emits the early return of a backward phase that runs only when
// the input's gradient is asked for.
func needDx(body *jen.Group, need gplan.Need) {
	if need == gplan.Dx {
		body.If(jen.Op("!").Id("c").Dot("NeedDx")).Block(jen.Return())
	}
}

// gradsOf pairs the values a step reads with the gradients its backward
// produces (nil when it produces none).
func gradsOf(s *gplan.Step, bk *gplan.Back) map[*ir.Value]gplan.Grad {
	out := map[*ir.Value]gplan.Grad{}
	if bk == nil {
		return out
	}
	for _, gr := range bk.Grads {
		if gr.Need != gplan.Never {
			out[gr.V] = gr
		}
	}
	return out
}

// describe is a step's nodes with their statements: "conv1 (conv 7x7x64
// s2 p3 nobias) + bn1 (batchnorm) + relu1 (relu)".
func describe(s *gplan.Step) string {
	if s.Kind == gplan.Copy {
		return fmt.Sprintf("the copy of %s into channels [%d, %d) of %s", s.In[0].Shape, s.C0, s.C0+s.In[0].Shape.C, s.Node.Name)
	}
	var parts []string
	for _, n := range s.Nodes() {
		parts = append(parts, fmt.Sprintf("%s (%s)", n.Name, n.Text))
	}
	return strings.Join(parts, " + ")
}
