package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	gplan "github.com/cnnc/cnnc/gen/plan"
	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/runtime"
)

// inferStep emits the forward phases of a step of the inference plan.
func (g *graphGen) inferStep(s *gplan.Step) ([]*gphase, error) {
	p := g.infer
	stem := g.stepName(s) + "Infer"
	if s.Kind == gplan.Copy {
		return []*gphase{g.copyForward(p, s, stem)}, nil
	}
	switch op := s.Node.Op.(type) {
	case *ir.Conv:
		return g.inferConv(s), nil
	case *ir.BatchNorm:
		return []*gphase{g.bnEvalForward(p, s, stem, stem+"Geom")}, nil
	case *ir.Add:
		return []*gphase{g.addForward(p, s, stem)}, nil
	case *ir.Activation:
		return []*gphase{g.actForward(p, s, stem)}, nil
	case *ir.Pool:
		ph, _ := g.poolForward(p, s, stem, op)
		return []*gphase{ph}, nil
	case *ir.GlobalPool:
		return []*gphase{g.globalPoolForward(p, s, stem, op)}, nil
	case *ir.FC:
		return g.fcForward(p, s, stem), nil
	case *ir.Softmax:
		return []*gphase{g.softmaxForward(p, s, stem)}, nil
	}
	return nil, fmt.Errorf("the code generator does not support %s in inference yet", s.Node.Text)
}

// trainStep emits the phases of a step of the training plan; bk is its
// backward, nil when it has none.
func (g *graphGen) trainStep(s *gplan.Step, bk *gplan.Back) (opPhases, error) {
	p := g.train
	stem := g.stepName(s)
	var all func(fwd []*gphase, bwd ...*gphase) opPhases
	both := func(fwd *gphase, bwd ...*gphase) opPhases {
		return all([]*gphase{fwd}, bwd...)
	}
	all = func(fwd []*gphase, bwd ...*gphase) opPhases {
		ph := opPhases{train: fwd, eval: fwd}
		for _, b := range bwd {
			if b != nil {
				ph.bwd = append(ph.bwd, gentry{b, ""})
			}
		}
		return ph
	}
	if s.Kind == gplan.Copy {
		return both(g.copyForward(p, s, stem+"Forward"), g.copyBackward(s, bk, stem)), nil
	}
	switch op := s.Node.Op.(type) {
	case *ir.Conv:
		return g.trainConv(s, bk), nil
	case *ir.BatchNorm:
		return g.trainBN(s, bk), nil
	case *ir.Dropout:
		return g.trainDropout(s, bk, op), nil
	case *ir.Add:
		return both(g.addForward(p, s, stem+"Forward"), g.addBackward(s, bk, stem)), nil
	case *ir.Activation:
		return both(g.actForward(p, s, stem+"Forward"), g.actBackward(s, bk, stem)), nil
	case *ir.Pool:
		fwd, geom := g.poolForward(p, s, stem+"Forward", op) // its geometry has the gradients' layouts
		return both(fwd, g.poolBackward(s, bk, stem, geom, op)...), nil
	case *ir.GlobalPool:
		return both(g.globalPoolForward(p, s, stem+"Forward", op), g.globalPoolBackward(s, bk, stem, op)...), nil
	case *ir.FC:
		return all(g.fcForward(p, s, stem+"Forward"), g.fcBackward(s, bk, stem)...), nil
	case *ir.Softmax:
		return both(g.softmaxForward(p, s, stem+"Forward"), g.softmaxBackward(s, bk, stem)), nil
	}
	return opPhases{}, fmt.Errorf("the code generator does not support %s in training yet", s.Node.Text)
}

// gradAt returns the i-th gradient of bk (aligned with s.Reads()) and
// whether the step produces it.
func gradAt(bk *gplan.Back, i int) (gplan.Grad, bool) {
	if bk == nil || i >= len(bk.Grads) || bk.Grads[i].Need == gplan.Never {
		return gplan.Grad{}, false
	}
	return bk.Grads[i], true
}

// skipViews returns the views of the operands of step s's fused add other
// than its own result.
func (g *graphGen) skipViews(p *gplan.Plan, s *gplan.Step) []gview {
	var vs []gview
	for _, v := range s.Skip {
		vs = append(vs, g.view(p.Value(v).View))
	}
	return vs
}

// fusedStoreGeom declares the runtime.EltGeom of what a step does to its
// output as it stores it after its own kernel: the fused residual add (and
// the activation after it), or the fused activation. byChannel lays a
// 1×1 output out as a column of C rows of one value, for a phase whose
// units are channels (fc outputs, global pools).
func (g *graphGen) fusedStoreGeom(stem string, s *gplan.Step, out gview, skips []gview, byChannel bool) string {
	sh := s.Out.Shape
	act, alpha := actOf(s.Act)
	lay := func(v gview) runtime.Layout {
		if byChannel {
			return flat(v.Offset())
		}
		return v.layout()
	}
	ins := []runtime.Layout{lay(out)}
	for _, k := range skips {
		ins = append(ins, lay(k))
	}
	h, w, c := sh.H, sh.W, sh.C
	if byChannel {
		h, w, c = sh.C, 1, 1
	}
	what := "the activation fused into its store"
	if s.Add != nil {
		what = "the residual add fused into its store"
	}
	return g.geom(stem+"StoreGeom", fmt.Sprintf("%s of %s", what, s.Name()), geomLit("EltGeom",
		[]any{"H", h, "W", w, "C", c},
		[]any{"Out", layoutLit(lay(out)), "In", layoutsLit(ins...)},
		[]any{"Act", act, "Alpha", alpha}))
}

// fusedStore emits the store's add or activation, units [lo, hi).
func (g *graphGen) fusedStore(b *jen.Group, s *gplan.Step, geom string, out gview, skips []gview) {
	if geom == "" {
		return
	}
	if s.Add == nil {
		b.Add(rt("ActForward")).Call(jen.Op("&").Id(geom), out.of(), out.of(), jen.Id("lo"), jen.Id("hi"))
		return
	}
	ins := []jen.Code{out.of()}
	for _, k := range skips {
		ins = append(ins, k.of())
	}
	b.Add(rt("Add")).Call(jen.Op("&").Id(geom), out.of(), jen.Index().Index().Float32().Values(ins...), jen.Id("lo"), jen.Id("hi"))
}

// outGradPhase emits the first backward phase of a step with a fused add
// or activation: the activation's derivative, in place on the output's
// gradient, then that gradient passed to the add's other operands; nil
// when there is neither.
func (g *graphGen) outGradPhase(stem string, s *gplan.Step, bk *gplan.Back, out, dOut gview, byChannel bool) *gphase {
	reads := s.Reads()
	var skips []int
	for i := len(s.In); i < len(reads); i++ {
		if _, ok := gradAt(bk, i); ok {
			skips = append(skips, i)
		}
	}
	if !bk.ActGrad && len(skips) == 0 {
		return nil
	}
	sh := s.Out.Shape
	h, w, c := sh.H, sh.W, sh.C
	lay := func(v gview) runtime.Layout { return v.layout() }
	if byChannel {
		h, w, c = sh.C, 1, 1
		lay = func(v gview) runtime.Layout { return flat(v.Offset()) }
	}
	actGeom := ""
	if bk.ActGrad {
		act, alpha := actOf(s.Act)
		actGeom = g.geom(stem+"ActGradGeom", fmt.Sprintf("the derivative of %s, in place on %s's output gradient", s.Act.Name, s.Name()), geomLit("EltGeom",
			[]any{"H", h, "W", w, "C", c},
			[]any{"Out", layoutLit(lay(out)), "In", layoutsLit(lay(out))},
			[]any{"DOut", layoutLit(lay(dOut)), "DIn", layoutsLit(lay(dOut))},
			[]any{"Act", act, "Alpha", alpha}))
	}
	type skipCopy struct {
		geom string
		d    gview
		gr   gplan.Grad
	}
	var copies []skipCopy
	for _, i := range skips {
		gr, _ := gradAt(bk, i)
		d := g.view(g.train.Value(reads[i]).Grad)
		geom := g.geom(fmt.Sprintf("%sSkip%dGeom", stem, i-len(s.In)), fmt.Sprintf("passes %s's output gradient to %s", s.Name(), reads[i].Shape),
			geomLit("CopyGeom", []any{"H", h, "W", w, "C", c}, []any{"Dst", layoutLit(lay(d)), "Src", layoutLit(lay(dOut)), "Acc", gr.Acc}))
		copies = append(copies, skipCopy{geom, d, gr})
	}
	units, what := h, "rows"
	if byChannel {
		what = "channels"
	}
	doc := fmt.Sprintf("passes the gradient of %s's output through its fused %s, %s [lo, hi).", s.Name(), map[bool]string{true: "add", false: "activation"}[s.Add != nil], what)
	return g.phase(stem+"OutGrad", units, doc, func(b *jen.Group) {
		needDx(b, bk.Need)
		if actGeom != "" {
			g.actGradCall(b, actGeom, s.Act, dOut, out)
		}
		for _, cp := range copies {
			call := jen.Add(rt("CopyMap")).Call(jen.Op("&").Id(cp.geom), cp.d.of(), dOut.of(), jen.Id("lo"), jen.Id("hi"))
			inner := func(b *jen.Group) {
				g.clearPad(b, cp.d.Buf, !byChannel, false)
				b.Add(call)
			}
			if cp.gr.Need == gplan.Dx && bk.Need != gplan.Dx {
				b.If(jen.Id("c").Dot("NeedDx")).BlockFunc(inner)
			} else {
				inner(b)
			}
		}
	})
}

// copyForward emits a copy step: a branch copied into its channels of a
// concat's buffer, rows [lo, hi).
func (g *graphGen) copyForward(p *gplan.Plan, s *gplan.Step, name string) *gphase {
	in, out := g.values(p, s)
	sh := s.In[0].Shape
	dst := out.layout()
	dst.Off += s.C0
	geom := g.geom(name+"Geom", describe(s), geomLit("CopyGeom", []any{"H", sh.H, "W", sh.W, "C", sh.C}, []any{"Dst", layoutLit(dst), "Src", layoutLit(in.layout())}))
	return g.phase(name, sh.H, "computes "+describe(s)+", rows [lo, hi).", func(b *jen.Group) {
		g.clearPad(b, out.Buf, true, false)
		b.Add(rt("CopyMap")).Call(jen.Op("&").Id(geom), out.of(), in.of(), jen.Id("lo"), jen.Id("hi"))
	})
}

// copyBackward emits the gradient of a copy step: its channels of the
// concat's gradient passed back to the branch.
func (g *graphGen) copyBackward(s *gplan.Step, bk *gplan.Back, stem string) *gphase {
	gr, ok := gradAt(bk, 0)
	if !ok {
		return nil
	}
	dIn, dOut := g.grads(s)
	sh := s.In[0].Shape
	src := dOut.layout()
	src.Off += s.C0
	geom := g.geom(stem+"BackGeom", "the gradient of "+describe(s), geomLit("CopyGeom", []any{"H", sh.H, "W", sh.W, "C", sh.C},
		[]any{"Dst", layoutLit(dIn.layout()), "Src", layoutLit(src), "Acc", gr.Acc}))
	return g.phase(stem+"InputGrad", sh.H, "computes the gradient of "+describe(s)+", rows [lo, hi).", func(b *jen.Group) {
		needDx(b, gr.Need)
		g.clearPad(b, dIn.Buf, true, false)
		b.Add(rt("CopyMap")).Call(jen.Op("&").Id(geom), dIn.of(), dOut.of(), jen.Id("lo"), jen.Id("hi"))
	})
}

// addForward emits a residual add step (with its activation), rows.
func (g *graphGen) addForward(p *gplan.Plan, s *gplan.Step, name string) *gphase {
	out := g.view(p.Value(s.Out).View)
	var ins []runtime.Layout
	var bufs []jen.Code
	for _, v := range s.In {
		iv := g.view(p.Value(v).View)
		ins = append(ins, iv.layout())
		bufs = append(bufs, iv.of())
	}
	sh := s.Out.Shape
	act, alpha := actOf(s.Act)
	geom := g.geom(name+"Geom", s.Name(), geomLit("EltGeom", []any{"H", sh.H, "W", sh.W, "C", sh.C},
		[]any{"Out", layoutLit(out.layout()), "In", layoutsLit(ins...)}, []any{"Act", act, "Alpha", alpha}))
	return g.phase(name, sh.H, "computes "+describe(s)+", rows [lo, hi).", func(b *jen.Group) {
		g.clearPad(b, out.Buf, true, false)
		b.Add(rt("Add")).Call(jen.Op("&").Id(geom), out.of(), jen.Index().Index().Float32().Values(bufs...), jen.Id("lo"), jen.Id("hi"))
	})
}

// addBackward emits the gradient of a residual add: the activation's
// derivative in place, then the output's gradient to every input.
func (g *graphGen) addBackward(s *gplan.Step, bk *gplan.Back, stem string) *gphase {
	if bk == nil {
		return nil
	}
	tr := g.train
	out, dOut := g.view(tr.Value(s.Out).View), g.view(tr.Value(s.Out).Grad)
	sh := s.Out.Shape
	var dIns []runtime.Layout
	var accs []bool
	var views []*gview
	var needs []gplan.Need
	for i, v := range s.In {
		gr, ok := gradAt(bk, i)
		if !ok {
			dIns, accs, views, needs = append(dIns, runtime.Layout{}), append(accs, false), append(views, nil), append(needs, gplan.Never)
			continue
		}
		d := g.view(tr.Value(v).Grad)
		dIns, accs, views, needs = append(dIns, d.layout()), append(accs, gr.Acc), append(views, &d), append(needs, gr.Need)
	}
	geom := g.geom(stem+"BackGeom", "the gradient of "+s.Name(), geomLit("EltGeom", []any{"H", sh.H, "W", sh.W, "C", sh.C},
		[]any{"DOut", layoutLit(dOut.layout()), "DIn", layoutsLit(dIns...), "Acc", boolsLit(accs...)}))
	actGeom := ""
	if bk.ActGrad {
		actGeom = g.actGradGeom(stem+"Act", s, out, dOut)
	}
	return g.phase(stem+"InputGrad", sh.H, "computes the gradients of "+describe(s)+"'s inputs, rows [lo, hi).", func(b *jen.Group) {
		needDx(b, bk.Need)
		if actGeom != "" {
			g.actGradCall(b, actGeom, s.Act, dOut, out)
		}
		var init []jen.Code
		for i, d := range views {
			if d == nil || needs[i] == gplan.Dx && bk.Need != gplan.Dx {
				init = append(init, jen.Nil())
			} else {
				init = append(init, d.of())
			}
		}
		b.Id("d").Op(":=").Index(jen.Lit(len(views))).Index().Float32().Values(init...)
		for i, d := range views {
			if d != nil && needs[i] == gplan.Dx && bk.Need != gplan.Dx {
				b.If(jen.Id("c").Dot("NeedDx")).Block(jen.Id("d").Index(jen.Lit(i)).Op("=").Add(d.of()))
			}
		}
		for _, d := range views {
			if d != nil {
				g.clearPad(b, d.Buf, true, false)
			}
		}
		b.Add(rt("AddBackward")).Call(jen.Op("&").Id(geom), jen.Id("d").Index(jen.Op(":")), dOut.of(), jen.Id("lo"), jen.Id("hi"))
	})
}

// actForward emits a standalone activation, rows.
func (g *graphGen) actForward(p *gplan.Plan, s *gplan.Step, name string) *gphase {
	in, out := g.values(p, s)
	sh := s.Out.Shape
	act, alpha := actOf(s.Node)
	geom := g.geom(name+"Geom", s.Node.Text, geomLit("EltGeom", []any{"H", sh.H, "W", sh.W, "C", sh.C},
		[]any{"Out", layoutLit(out.layout()), "In", layoutsLit(in.layout())}, []any{"Act", act, "Alpha", alpha}))
	return g.phase(name, sh.H, "computes "+describe(s)+", rows [lo, hi).", func(b *jen.Group) {
		g.clearPad(b, out.Buf, true, false)
		b.Add(rt("ActForward")).Call(jen.Op("&").Id(geom), out.of(), in.of(), jen.Id("lo"), jen.Id("hi"))
	})
}

// actBackward emits a standalone activation's gradient, its derivative
// read from the value the plan keeps: the output for sigmoid and tanh, the
// input for the others (relu's and relu6's derivatives are the same read
// from either).
func (g *graphGen) actBackward(s *gplan.Step, bk *gplan.Back, stem string) *gphase {
	gr, in, out, dIn, dOut, ok := g.backViews(s, bk)
	if !ok {
		return nil
	}
	sh := s.Out.Shape
	act, alpha := actOf(s.Node)
	f := actFunc(s.Node)
	x, y := in.of(), jen.Code(jen.Nil())
	yl := in.layout()
	switch f {
	case ir.Sigmoid, ir.Tanh:
		x, y, yl = jen.Nil(), out.of(), out.layout()
	case ir.ReLU, ir.ReLU6:
		x, y = jen.Nil(), in.of()
	}
	geom := g.geom(stem+"BackGeom", "the gradient of "+s.Node.Text, geomLit("EltGeom", []any{"H", sh.H, "W", sh.W, "C", sh.C},
		[]any{"Out", layoutLit(yl), "In", layoutsLit(in.layout())},
		[]any{"DOut", layoutLit(dOut.layout()), "DIn", layoutsLit(dIn.layout()), "Acc", boolsLit(gr.Acc)},
		[]any{"Act", act, "Alpha", alpha}))
	return g.phase(stem+"InputGrad", sh.H, "computes the gradient of "+describe(s)+"'s input, rows [lo, hi).", func(b *jen.Group) {
		needDx(b, gr.Need)
		g.clearPad(b, dIn.Buf, true, false)
		b.Add(rt("ActBackward")).Call(jen.Op("&").Id(geom), dIn.of(), dOut.of(), x, y, jen.Id("lo"), jen.Id("hi"))
	})
}
