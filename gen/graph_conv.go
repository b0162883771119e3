package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	gplan "github.com/cnnc/cnnc/gen/plan"
	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/runtime"
)

// convStep is a conv step of one plan with the views its kernels use.
type convStep struct {
	p         *gplan.Plan
	s         *gplan.Step
	op        *ir.Conv
	dw        bool // depthwise
	in, out   gview
	c, h, w   int // input channels, height, width
	k, oh, ow int
	stem      string
	// kernelAct is the activation the kernel applies as it stores (relu,
	// or relu6 for a depthwise conv), when nothing comes between.
	kernelAct ir.Func
}

func (g *graphGen) convStep(p *gplan.Plan, s *gplan.Step) *convStep {
	op := s.Node.Op.(*ir.Conv)
	in, out := s.Node.In(), s.Node.Out()
	cs := &convStep{p: p, s: s, op: op, dw: isDepthwise(op, in.C), in: g.view(p.Value(s.In[0]).View), out: g.view(p.Value(s.Out).View),
		c: in.C, h: in.H, w: in.W, k: op.K, oh: out.H, ow: out.W, stem: g.stepName(s), kernelAct: -1}
	if s.Add == nil {
		switch f := actFunc(s.Act); {
		case f == ir.ReLU, f == ir.ReLU6 && cs.dw:
			cs.kernelAct = f
		}
	}
	return cs
}

// fields returns the forward part of the conv's runtime.ConvGeom.
func (cs *convStep) fields() [][]any {
	op := cs.op
	kb := block(cs.k)
	out := [][]any{
		{"C", cs.c, "InRow", cs.in.Row(), "OH", cs.oh, "OW", cs.ow, "K", cs.k, "OutRow", cs.out.Row(), "OutOff", cs.out.Offset()},
		{"FH", op.FH, "FW", op.FW, "SH", op.SH, "SW", op.SW, "KB", kb, "ReLU", cs.kernelAct == ir.ReLU},
	}
	if cs.dw {
		pix := 0
		if cs.out.Pix() != cs.k {
			pix = cs.out.Pix()
		}
		out = append(out, []any{"Groups", cs.c, "DH", dil(op.DH), "DW", dil(op.DW), "OutPix", pix, "ReLU6", cs.kernelAct == ir.ReLU6})
	}
	return out
}

func dil(d int) int {
	if d == 1 {
		return 0
	}
	return d
}

// input is the conv's input from its padded pixel (-PH, -PW).
func (cs *convStep) input() *jen.Statement {
	return from(cs.in.of(), cs.in.origin(cs.op.PH, cs.op.PW))
}

// weightLen is the length of the stored weights.
func (cs *convStep) weightLen() int {
	if cs.dw {
		return cs.op.FH * cs.op.FW * cs.c
	}
	kb := block(cs.k)
	return (cs.k + kb - 1) / kb * kb * cs.op.FH * cs.op.FW * cs.c
}

// forward emits the forward phase: the kernel, then what is fused into
// the store that it does not do itself (the residual add with its
// activation, or an activation).
func (g *graphGen) convForward(cs *convStep, name, geom string, w, b jen.Code) *gphase {
	s := cs.s
	kernel := "ConvForward"
	if cs.dw {
		kernel = "DepthwiseForward"
	}
	eltGeom := ""
	if s.Add != nil || s.Act != nil && cs.kernelAct < 0 {
		eltGeom = g.fusedStoreGeom(cs.stem, s, cs.out, cs.skips(g), false)
	}
	doc := fmt.Sprintf("computes %s: output rows [lo, hi).", describe(s))
	return g.phase(name, cs.oh, doc, func(body *jen.Group) {
		g.clearPad(body, cs.out.Buf, true, false)
		body.Add(rtq(kernel)).Call(jen.Op("&").Id(geom), jen.Id("c").Dot("Scratch"), cs.out.of(), cs.input(), w, b, jen.Id("lo"), jen.Id("hi"))
		g.fusedStore(body, s, eltGeom, cs.out, cs.skips(g))
	})
}

// skips returns the views of the fused add's other operands.
func (cs *convStep) skips(g *graphGen) []gview { return g.skipViews(cs.p, cs.s) }

// inferConv emits an inference-plan conv step: weights folded with the
// batchnorm after it, when there is one.
func (g *graphGen) inferConv(s *gplan.Step) []*gphase {
	cs := g.convStep(g.infer, s)
	geom := g.geom(cs.stem+"InferGeom", fmt.Sprintf("%s, in inference", s.Node.Text), glit("ConvGeom", cs.fields()...))
	w, b := cP(g.tensorOf(s.Node, ir.Weight)), jen.Code(jen.Nil())
	if t := g.tensorOf(s.Node, ir.Bias); t != "" {
		b = cP(t)
	}
	if s.BN != nil {
		fold := g.foldConv(cs)
		w, b = cD(fold), cD(fold).Index(jen.Lit(cs.weightLen()).Op(":"))
	}
	return []*gphase{g.convForward(cs, cs.stem+"Infer", geom, w, b)}
}

// foldConv declares the derived tensor holding a conv's weights and bias
// with the batchnorm after it folded in (runtime.FoldBatchNorm), stored as
// the conv's own.
func (g *graphGen) foldConv(cs *convStep) string {
	n, bn, op := cs.s.Node, cs.s.BN, cs.op
	size := cs.k * (cs.c / op.Groups) * op.FH * op.FW
	tmp := g.foldScratch(size)
	nw := cs.weightLen()
	pack := func(dst, src jen.Code, unpack bool) jen.Code {
		if cs.dw {
			return rtq("PackDepthwise").Call(dst, src, jen.Lit(cs.c), jen.Lit(op.FH), jen.Lit(op.FW), jen.Lit(unpack))
		}
		return rtq("PackConv").Call(dst, src, jen.Lit(cs.k), jen.Lit(cs.c), jen.Lit(op.FH), jen.Lit(op.FW), jen.Lit(block(cs.k)), jen.Lit(unpack))
	}
	var bias jen.Code = jen.Nil()
	if t := g.tensorOf(n, ir.Bias); t != "" {
		bias = wP(t)
	}
	eps := bn.Op.(*ir.BatchNorm).Eps
	return g.addDerived(cs.stem+"Fold", fmt.Sprintf("%s's weights and bias with %s folded in", n.Name, bn.Name), nw+cs.k, engq("InferenceForward"), func(b *jen.Group) {
		b.Id("t").Op(":=").Add(wD(tmp)).Index(jen.Op(":").Lit(size))
		b.Add(pack(wP(g.tensorOf(n, ir.Weight)), jen.Id("t"), true))
		b.Add(rtq("FoldBatchNorm")).Call(jen.Id("t"), jen.Id("d").Index(jen.Lit(nw).Op(":")), jen.Id("t"), bias,
			wP(g.tensorOf(bn, ir.Scale)), wP(g.tensorOf(bn, ir.Shift)), wP(g.tensorOf(bn, ir.RunningMean)), wP(g.tensorOf(bn, ir.RunningVar)), jen.Lit(eps))
		b.Add(pack(jen.Id("d"), jen.Id("t"), false))
	})
}

// trainConv emits a training-plan conv step.
func (g *graphGen) trainConv(s *gplan.Step, bk *gplan.Back) opPhases {
	tr := g.train
	cs := g.convStep(tr, s)
	op := cs.op
	dOut := g.view(tr.Value(s.Out).Grad)
	grads := gradsOf(s, bk)
	gin, hasIn := grads[s.In[0]]
	var dIn gview
	if hasIn {
		dIn = g.view(tr.Value(s.In[0]).Grad)
	}
	transposed := s.Transposed && !cs.dw && hasIn && !gin.Acc
	fields := cs.fields()
	back := []any{"DOutRow", dOut.Row(), "DOutOff", dOut.Offset()}
	if cs.dw && dOut.Pix() != cs.k {
		back = append(back, "DOutPix", dOut.Pix())
	}
	fields = append(fields, back)
	if cs.dw && hasIn {
		fields = append(fields, []any{"H", cs.h, "W", cs.w, "PH", op.PH, "PW", op.PW, "DInRow", dIn.Row(), "DInOff", dIn.Offset()})
	}
	geom := g.geom(cs.stem+"Geom", s.Node.Text, glit("ConvGeom", fields...))
	w := g.tensorOf(s.Node, ir.Weight)
	var bias jen.Code = jen.Nil()
	biasT := g.tensorOf(s.Node, ir.Bias)
	if biasT != "" {
		bias = cP(biasT)
	}
	ph := opPhases{}
	fwd := g.convForward(cs, cs.stem+"Forward", geom, cP(w), bias)
	ph.train, ph.eval = []*gphase{fwd}, []*gphase{fwd}
	if bk == nil {
		return ph
	}
	if p := g.outGradPhase(cs.stem, s, bk, cs.out, dOut, false); p != nil {
		ph.bwd = append(ph.bwd, gentry{p, ""})
	}
	// Weight and bias gradients.
	var dbias jen.Code = jen.Nil()
	if biasT != "" {
		dbias = cG(biasT)
	}
	if bk.Params {
		var p *gphase
		if cs.dw {
			n := (cs.c + 15) / 16
			p = g.phase(cs.stem+"WeightGrad", n, fmt.Sprintf("adds to the weight and bias gradients of %s, channels [16·lo, 16·hi).", s.Node.Name), func(b *jen.Group) {
				b.Add(rtq("DepthwiseWeightGrad")).Call(jen.Op("&").Id(geom), jen.Id("c").Dot("Scratch"), cG(w), dbias, cs.input(), dOut.of(),
					jen.Lit(16).Op("*").Id("lo"), jen.Min(jen.Lit(16).Op("*").Id("hi"), jen.Lit(cs.c)))
			})
		} else {
			units := op.FH * ((cs.k + block(cs.k) - 1) / block(cs.k))
			p = g.phase(cs.stem+"WeightGrad", units, fmt.Sprintf("adds to the weight and bias gradients of %s, units (filter rows of weight blocks) [lo, hi).", s.Node.Name), func(b *jen.Group) {
				b.Add(rtq("ConvWeightGrad")).Call(jen.Op("&").Id(geom), jen.Id("c").Dot("Scratch"), cG(w), dbias, cs.input(), dOut.of(), jen.Id("lo"), jen.Id("hi"))
			})
		}
		p.even, p.sums = true, true
		ph.bwd = append(ph.bwd, gentry{p, ""})
	}
	if !hasIn {
		return ph
	}
	doc := fmt.Sprintf("computes the gradient of %s's input, rows [lo, hi).", s.Node.Name)
	var p *gphase
	switch {
	case cs.dw:
		p = g.phase(cs.stem+"InputGrad", cs.h, doc, func(b *jen.Group) {
			needDx(b, gin.Need)
			g.clearPad(b, dIn.Buf, true, false)
			b.Add(rtq("DepthwiseInputGrad")).Call(jen.Op("&").Id(geom), jen.Id("c").Dot("Scratch"), dIn.of(), cP(w), dOut.of(), jen.Lit(gin.Acc), jen.Id("lo"), jen.Id("hi"))
		})
	case transposed:
		p = g.transposedInputGrad(cs, dIn, dOut, gin.Need, doc)
	default:
		p = g.phase(cs.stem+"InputGrad", cs.h, doc, func(b *jen.Group) {
			needDx(b, gin.Need)
			g.clearPad(b, dIn.Buf, true, false)
			if !gin.Acc {
				b.For(jen.Id("y").Op(":=").Id("lo"), jen.Id("y").Op("<").Id("hi"), jen.Id("y").Op("++")).Block(
					jen.Clear(dIn.of().Index(jen.Lit(dIn.Offset()).Op("+").Id("y").Op("*").Lit(dIn.Row()).Op(":")).Index(jen.Op(":").Lit(cs.w * cs.c))))
			}
			b.Add(rtq("ConvInputGradGeneric")).Call(jen.Op("&").Id(geom), dIn.of(), jen.Lit(dIn.Row()), jen.Lit(dIn.Offset()),
				jen.Lit(cs.h), jen.Lit(cs.w), jen.Lit(op.PH), jen.Lit(op.PW), cP(w), dOut.of(), jen.Id("lo"), jen.Id("hi"))
		})
	}
	ph.bwd = append(ph.bwd, gentry{p, ""})
	return ph
}

// transposedInputGrad emits a stride-1 conv's input gradient as the
// convolution of its padded output gradient with its transposed weights
// (a derived tensor), followed, row by row, by the derivative of the
// activation fused into the step before when that step leaves it to this
// one (gplan.Step.ActGradInReader).
func (g *graphGen) transposedInputGrad(cs *convStep, dIn, dOut gview, need gplan.Need, doc string) *gphase {
	op, s := cs.op, cs.s
	kbt := block(cs.c)
	pH, pW := op.FH-1-op.PH, op.FW-1-op.PW
	back := g.geom(cs.stem+"Back", fmt.Sprintf("the transposed convolution that computes %s's input gradient", s.Node.Name), glit("ConvGeom",
		[]any{"C", cs.k, "InRow", dOut.Row(), "OH", cs.h, "OW", cs.w, "K", cs.c, "OutRow", dIn.Row(), "OutOff", dIn.Offset()},
		[]any{"FH", op.FH, "FW", op.FW, "SH", 1, "SW", 1, "KB", kbt}))
	w := g.tensorOf(s.Node, ir.Weight)
	n := (cs.c + kbt - 1) / kbt * kbt * op.FH * op.FW * cs.k
	t := g.addDerived(cs.stem+"T", s.Node.Name+"'s weights transposed, for its input gradient", n, engq("Backward"), func(b *jen.Group) {
		b.Add(rtq("TransposeConv")).Call(jen.Id("d"), wP(w), jen.Lit(cs.k), jen.Lit(cs.c), jen.Lit(op.FH), jen.Lit(op.FW), jen.Lit(block(cs.k)), jen.Lit(kbt))
	})
	prev := g.train.Value(s.In[0]).Step
	actGeom := ""
	if prev != nil && prev.ActGradInReader && prev.Out == s.In[0] {
		actGeom = g.actGradGeom(cs.stem+"PrevAct", prev, cs.in, dIn)
	}
	return g.phase(cs.stem+"InputGrad", cs.h, doc, func(b *jen.Group) {
		needDx(b, need)
		g.clearPad(b, dIn.Buf, true, false)
		b.Add(rtq("ConvForward")).Call(jen.Op("&").Id(back), jen.Id("c").Dot("Scratch"), dIn.of(), from(dOut.of(), dOut.origin(pH, pW)), cD(t), jen.Nil(), jen.Id("lo"), jen.Id("hi"))
		if actGeom != "" {
			b.Comment("The derivative of " + prev.Act.Name + ", on the rows just written.")
			g.actGradCall(b, actGeom, prev.Act, dIn, cs.in)
		}
	})
}

// actGradGeom declares the geometry of an in-place activation derivative
// on the gradient d of the output y of step s (its fused activation).
func (g *graphGen) actGradGeom(name string, s *gplan.Step, y, d gview) string {
	act, alpha := actOf(s.Act)
	sh := s.Out.Shape
	return g.geom(name+"Geom", fmt.Sprintf("the derivative of %s, in place on its output's gradient", s.Act.Name), glit("EltGeom",
		[]any{"H", sh.H, "W", sh.W, "C", sh.C},
		[]any{"Out", layoutLit(y.layout()), "In", layoutsLit(y.layout())},
		[]any{"DOut", layoutLit(d.layout()), "DIn", layoutsLit(d.layout())},
		[]any{"Act", act, "Alpha", alpha}))
}

// actGradCall emits runtime.ActBackward in place on rows [lo, hi) of d,
// the derivative read from the output y (leaky's sign too: its slope is
// positive when fused).
func (g *graphGen) actGradCall(b *jen.Group, geom string, act *ir.Node, d, y gview) {
	var x jen.Code = jen.Nil()
	if actFunc(act) == ir.Leaky {
		x = y.of()
	}
	b.Add(rtq("ActBackward")).Call(jen.Op("&").Id(geom), d.of(), d.of(), x, y.of(), jen.Id("lo"), jen.Id("hi"))
}

// flat is the layout of a flat vector at offset off as a column of n rows
// of one value, so that element-wise kernels split it by rows.
func flat(off int) runtime.Layout { return runtime.Layout{Off: off, Row: 1, Pix: 1} }
