package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	gplan "github.com/cnnc/cnnc/gen/plan"
	"github.com/cnnc/cnnc/ir"
)

// trainConv emits a training-plan conv step: the forward, and backward the
// fused add's and activation's gradients, the weight and bias gradients
// and the input gradient.
func (g *graphGen) trainConv(s *gplan.Step, bk *gplan.Back) opPhases {
	tr := g.train
	cs := g.convStep(tr, s)
	dOut := g.view(tr.Value(s.Out).Grad)
	gin, hasIn := gradAt(bk, 0)
	var dIn gview
	if hasIn {
		dIn = g.view(tr.Value(s.In[0]).Grad)
	}
	geom := g.geom(cs.stem+"Geom", s.Node.Text, geomLit("ConvGeom", cs.fields(&[2]gview{dIn, dOut})...))
	w, biasT := g.tensorOf(s.Node, ir.Weight), g.tensorOf(s.Node, ir.Bias)
	var bias, dbias jen.Code = jen.Nil(), jen.Nil()
	if biasT != "" {
		bias, dbias = cP(biasT), cG(biasT)
	}
	// The forward runs in training passes and, in inference mode, in the
	// backward's pass over the training plan.
	fwd := g.convForward(cs, cs.stem+"Forward", geom, convWeights{name: w}, bias, eng("TrainingForward").Op("|").Add(eng("Backward")))
	ph := opPhases{train: []*gphase{fwd}, eval: []*gphase{fwd}}
	if bk == nil {
		return ph
	}
	if p := g.outGradPhase(cs.stem, s, bk, cs.out, dOut, false); p != nil {
		ph.bwd = append(ph.bwd, gentry{p, ""})
	}
	if bk.Params {
		ph.bwd = append(ph.bwd, gentry{g.convWeightGrad(cs, geom, cG(w), dbias, dOut), ""})
	}
	if hasIn {
		ph.bwd = append(ph.bwd, gentry{g.convInputGrad(cs, geom, gin, dIn, dOut), ""})
	}
	return ph
}

// convWeightGrad emits the phase that adds to a conv's weight and bias
// gradients.
func (g *graphGen) convWeightGrad(cs *convStep, geom string, dw, db jen.Code, dOut gview) *gphase {
	op := cs.op
	kb := convKB(op)
	blocks := (cs.k/max(op.Groups, 1) + kb - 1) / kb
	units, what := map[convKind]int{
		kindDense: op.FH * blocks, kind1x1: blocks, kindGrouped: max(op.Groups, 1) * blocks, kindDepthwise: (cs.c + 15) / 16,
	}[cs.kind], map[convKind]string{
		kindDense: "units (filter rows of weight blocks)", kind1x1: "weight blocks", kindGrouped: "weight blocks of every group", kindDepthwise: "channels [16·lo, 16·hi)",
	}[cs.kind]
	kernel := cs.kernel("ConvWeightGrad", "Conv1x1WeightGrad", "ConvWeightGradGrouped", "DepthwiseWeightGrad")
	if cs.wino {
		kernel, units, what = "ConvWeightGradWinograd", blocks, "as Winograd's F(2×2, 3×3), weight blocks"
	}
	lo, hi := jen.Code(jen.Id("lo")), jen.Code(jen.Id("hi"))
	if cs.kind == kindDepthwise {
		lo, hi = jen.Lit(16).Op("*").Id("lo"), jen.Min(jen.Lit(16).Op("*").Id("hi"), jen.Lit(cs.c))
	}
	p := g.phase(cs.stem+"WeightGrad", units, fmt.Sprintf("adds to the weight and bias gradients of %s, %s.", cs.s.Node.Name, what), func(b *jen.Group) {
		b.Add(rt(kernel)).Call(jen.Op("&").Id(geom), jen.Id("c").Dot("Scratch"), dw, db, cs.input(), dOut.of(), lo, hi)
	})
	p.even, p.sums = true, true
	return p
}

// convInputGrad emits the phase that computes a conv's input gradient,
// rows [lo, hi) of it: a depthwise conv's gather; a 1x1 conv's matrix
// product with its transposed weights; a stride-1 dense conv's transposed
// convolution (round 1's, reading the output gradient padded) unless it
// must add; any other conv's gather by taps (runtime.ConvInputGradGrouped).
// Then, when the step before leaves its activation's derivative to this
// one (plan.Step.ActGradInReader), that derivative, on the rows just
// written.
func (g *graphGen) convInputGrad(cs *convStep, geom string, gin gplan.Grad, dIn, dOut gview) *gphase {
	s, op := cs.s, cs.op
	w := g.tensorOf(s.Node, ir.Weight)
	prev := g.train.Value(s.In[0]).Step
	actGeom := ""
	if prev != nil && prev.ActGradInReader && prev.Out == s.In[0] {
		actGeom = g.actGradGeom(cs.stem+"PrevAct", prev, cs.in, dIn)
	}
	var call jen.Code
	n, what := cs.h, "rows"
	switch {
	case cs.kind == kindDepthwise:
		call = rt("DepthwiseInputGrad").Call(jen.Op("&").Id(geom), jen.Id("c").Dot("Scratch"), dIn.of(), cP(w), dOut.of(), jen.Lit(gin.Acc), jen.Id("lo"), jen.Id("hi"))
	case cs.kind == kindDense && s.Transposed && !gin.Acc:
		var wino bool
		call, wino = g.transposedConv(cs, dIn, dOut)
		if wino {
			n, what = cs.h/2, "as Winograd's minimal filtering, pairs of rows"
		}
	default:
		kb, groups := convKB(op), max(op.Groups, 1)
		cg, kg := cs.c/groups, cs.k/groups
		n := groups * op.FH * op.FW * ((cg + kb - 1) / kb * kb) * kg
		transpose, kernel := "GroupedTranspose", "ConvInputGradGrouped"
		if cs.kind == kind1x1 {
			n = (cs.c + kb - 1) / kb * kb * cs.k
			transpose, kernel = "Conv1x1Transpose", "Conv1x1InputGrad"
		}
		t := g.addDerived(cs.stem+"T", s.Node.Name+"'s weights transposed, for its input gradient", n, eng("Backward"), func(b *jen.Group) {
			b.Add(rt(transpose)).Call(jen.Op("&").Id(geom), jen.Id("d"), wP(w))
		})
		call = rt(kernel).Call(jen.Op("&").Id(geom), jen.Id("c").Dot("Scratch"), dIn.of(), cD(t), dOut.of(), jen.Lit(gin.Acc), jen.Id("lo"), jen.Id("hi"))
	}
	doc := fmt.Sprintf("computes the gradient of %s's input, %s [lo, hi).", s.Node.Name, what)
	return g.phase(cs.stem+"InputGrad", n, doc, func(b *jen.Group) {
		needDx(b, gin.Need)
		b.Add(call)
		if n != cs.h {
			tileRowsToRows(b)
		}
		g.clearPad(b, dIn.Buf, true, false)
		if actGeom != "" {
			b.Comment("The derivative of the " + prev.Act.Text + " before, on the rows just written.")
			g.actGradCall(b, actGeom, prev.Act, dIn, cs.in)
		}
	})
}

// transposedConv returns the call computing a stride-1 dense conv's input
// gradient as the convolution of its padded output gradient with its
// transposed weights (a derived tensor), and whether it runs as Winograd's
// minimal filtering (by pairs of rows).
func (g *graphGen) transposedConv(cs *convStep, dIn, dOut gview) (jen.Code, bool) {
	op, s := cs.op, cs.s
	kbt := block(cs.c)
	pH, pW := op.FH-1-op.PH, op.FW-1-op.PW
	back := g.geom(cs.stem+"Back", fmt.Sprintf("the transposed convolution that computes %s's input gradient", s.Node.Name), geomLit("ConvGeom",
		[]any{"C", cs.k, "InRow", dOut.Row(), "OH", cs.h, "OW", cs.w, "K", cs.c, "OutRow", dIn.Row(), "OutOff", dIn.Offset()},
		[]any{"FH", op.FH, "FW", op.FW, "SH", 1, "SW", 1, "KB", kbt}))
	w := g.tensorOf(s.Node, ir.Weight)
	n := (cs.c + kbt - 1) / kbt * kbt * op.FH * op.FW * cs.k
	t := g.addDerived(cs.stem+"T", s.Node.Name+"'s weights transposed, for its input gradient", n, eng("Backward"), func(b *jen.Group) {
		b.Add(rt("TransposeConv")).Call(jen.Id("d"), wP(w), jen.Lit(cs.k), jen.Lit(cs.c), jen.Lit(op.FH), jen.Lit(op.FW), jen.Lit(convKB(op)), jen.Lit(kbt))
	})
	kernel, wino := "ConvForward", winograd(&ir.Conv{FH: op.FH, FW: op.FW, SH: 1, SW: 1}, cs.k, cs.h, cs.w)
	if wino {
		kernel = "ConvForwardWinograd"
		t = g.winograd(cs.stem+"TU", "their Winograd transform", back, wD(t), eng("Backward"))
	}
	return rt(kernel).Call(jen.Op("&").Id(back), jen.Id("c").Dot("Scratch"), dIn.of(), from(dOut.of(), dOut.origin(pH, pW)), cD(t), jen.Nil(), jen.Id("lo"), jen.Id("hi")), wino
}

// actGradGeom declares the geometry of an in-place activation derivative
// on the gradient d of the output y of step s (its fused activation).
func (g *graphGen) actGradGeom(name string, s *gplan.Step, y, d gview) string {
	act, alpha := actOf(s.Act)
	sh := s.Out.Shape
	return g.geom(name+"Geom", "the derivative of the "+s.Act.Text+", in place on its output's gradient", geomLit("EltGeom",
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
	b.Add(rt("ActBackward")).Call(jen.Op("&").Id(geom), d.of(), d.of(), x, y.of(), jen.Id("lo"), jen.Id("hi"))
}
