package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	gplan "github.com/cnnc/cnnc/gen/plan"
	"github.com/cnnc/cnnc/ir"
)

// bnGeom declares a batchnorm step's runtime.BNGeom: act says the
// activation fused after it (relu or relu6) is applied by the kernels
// (forward, or backward from the output), train and acc are the
// backward's.
func (g *graphGen) bnGeom(name, doc string, s *gplan.Step, in, out gview, d *[2]gview, act, train, acc bool) string {
	op := s.Node.Op.(*ir.BatchNorm)
	sh := s.Node.In()
	fields := [][]any{
		{"H", sh.H, "W", sh.W, "C", sh.C},
		{"In", layoutLit(in.layout()), "Out", layoutLit(out.layout())},
	}
	if d != nil {
		fields = append(fields, []any{"DIn", layoutLit(d[0].layout()), "DOut", layoutLit(d[1].layout())})
	}
	var a jen.Code
	if act {
		a, _ = actOf(s.Act)
	}
	fields = append(fields, []any{"Eps", op.Eps, "Momentum", op.Momentum, "Act", a, "Train", train, "Acc", acc})
	return g.geom(name, doc, geomLit("BNGeom", fields...))
}

// bnVecsCall emits v := bnVecs(c.Weights, bn1W, C, stats), and with grads
// the gradient sums of γ and β.
func (g *graphGen) bnVecsCall(b *jen.Group, n *ir.Node, stats jen.Code, grads bool) {
	w := g.tensorOf(n, ir.Scale)
	b.Id("v").Op(":=").Id("bnVecs").Call(jen.Id("c").Dot("Weights"), jen.Id(w), jen.Lit(n.In().C), stats)
	if grads {
		b.List(jen.Id("v").Dot("DGamma"), jen.Id("v").Dot("DBeta")).Op("=").List(cG(w), cG(g.tensorOf(n, ir.Shift)))
	}
}

// bnEvalForward emits a batchnorm in inference mode, y = x·scale + shift
// from the running statistics (and the activation after it), rows.
func (g *graphGen) bnEvalForward(p *gplan.Plan, s *gplan.Step, name, geomName string) *gphase {
	in, out := g.values(p, s)
	relu := bnAct(s)
	geom := g.bnGeom(geomName, s.Node.Text+", in inference", s, in, out, nil, relu, false, false)
	eval := g.bnEval(s.Node, geom)
	storeGeom := ""
	if s.Act != nil && !relu {
		storeGeom = g.fusedStoreGeom(name, s, out, nil, false)
	}
	return g.phase(name, s.Out.Shape.H, "computes "+describe(s)+" in inference mode, rows [lo, hi).", func(b *jen.Group) {
		g.clearPad(b, out.Buf, true, false)
		g.bnVecsCall(b, s.Node, cD(eval), false)
		b.Add(rt("BatchNormApply")).Call(jen.Op("&").Id(geom), jen.Op("&").Id("v"), out.of(), in.of(), jen.Id("lo"), jen.Id("hi"))
		g.fusedStore(b, s, storeGeom, out, nil)
	})
}

// trainBN emits a training-plan batchnorm step: in training mode the batch
// statistics (a phase that needs the whole batch, counting the batch in
// num_batches_tracked and moving the running statistics), then the affine
// map sample by sample; in inference mode the running statistics'. The
// backward goes through the batch statistics in training mode.
func (g *graphGen) trainBN(s *gplan.Step, bk *gplan.Back) opPhases {
	tr, n := g.train, s.Node
	stem := g.stepName(s)
	in, out := g.values(tr, s)
	relu := bnAct(s)
	sh := n.In()
	geom := g.bnGeom(stem+"Geom", n.Text, s, in, out, nil, relu, false, false)
	stats := g.bnStats(n)
	storeGeom := ""
	if s.Act != nil && !relu {
		storeGeom = g.fusedStoreGeom(stem, s, out, nil, false)
	}
	statsPh := g.phase(stem+"Stats", sh.C, fmt.Sprintf("computes %s's batch statistics, channels [lo, hi), and moves its running statistics.", n.Name), func(b *jen.Group) {
		b.If(jen.Id("lo").Op("==").Lit(0)).Block(jen.Id("c").Dot("Counts").Index(jen.Id(g.tensorOf(n, ir.NumBatchesTracked))).Index(jen.Lit(0)).Op("++"))
		g.bnVecsCall(b, n, cB(stats), false)
		b.Add(rt("BatchNormStats")).Call(jen.Op("&").Id(geom), jen.Id("c").Dot("Scratch"), jen.Op("&").Id("v"), cFs(in.e.name), jen.Id("lo"), jen.Id("hi"))
	})
	statsPh.batch = true
	apply := g.phase(stem+"Forward", sh.H, "computes "+describe(s)+" with the batch statistics, rows [lo, hi).", func(b *jen.Group) {
		g.clearPad(b, out.Buf, true, false)
		g.bnVecsCall(b, n, cB(stats), false)
		b.Add(rt("BatchNormApply")).Call(jen.Op("&").Id(geom), jen.Op("&").Id("v"), out.of(), in.of(), jen.Id("lo"), jen.Id("hi"))
		g.fusedStore(b, s, storeGeom, out, nil)
	})
	ph := opPhases{train: []*gphase{statsPh, apply}, eval: []*gphase{g.bnEvalForward(tr, s, stem+"Eval", stem+"EvalGeom")}}
	gr, ok := gradAt(bk, 0)
	if !ok {
		return ph
	}
	dIn, dOut := g.grads(s)
	backRelu := relu && bk.ActGrad
	if bk.ActGrad && !relu {
		ph.bwd = append(ph.bwd, gentry{g.outGradPhase(stem, s, bk, out, dOut, false), ""})
	}
	d := &[2]gview{dIn, dOut}
	var ys jen.Code = jen.Nil()
	if backRelu {
		ys = cFs(out.e.name)
	}
	for _, mode := range []string{"Training", "Inference"} {
		train := mode == "Training"
		name, what, vecs := stem+"Backward", "through the batch statistics", cB(stats)
		if !train {
			name, what, vecs = stem+"EvalBackward", "with the running statistics", cD(g.bnEval(n, geom))
		}
		bg := g.bnGeom(name+"Geom", "the gradient of "+n.Text+" "+what, s, in, out, d, backRelu, train, gr.Acc)
		p := g.phase(name, sh.C, fmt.Sprintf("computes the gradients of %s's input, weight and bias %s, channels [lo, hi).", n.Name, what), func(b *jen.Group) {
			g.bnVecsCall(b, n, vecs, true)
			g.clearPad(b, dIn.Buf, false, true)
			b.Add(rt("BatchNormBackward")).Call(jen.Op("&").Id(bg), jen.Id("c").Dot("Scratch"), jen.Op("&").Id("v"), cFs(dIn.e.name), cFs(dOut.e.name), cFs(in.e.name), ys, jen.Id("lo"), jen.Id("hi"))
		})
		p.batch = true
		ph.bwd = append(ph.bwd, gentry{p, mode})
	}
	return ph
}

// trainDropout emits a dropout step of the training plan: in training mode
// inverted dropout with a mask drawn for the sample (see interp), in
// inference mode the identity.
func (g *graphGen) trainDropout(s *gplan.Step, bk *gplan.Back, op *ir.Dropout) opPhases {
	tr, n := g.train, s.Node
	stem := g.stepName(s)
	in, out := g.values(tr, s)
	sh := n.In()
	mask := &ebuf{name: g.unique(stem + "Mask"), len: sh.Size(), grad: true, doc: n.Name + "'s mask (training mode)"}
	g.bufs = append(g.bufs, mask)
	if g.masks == nil {
		g.masks = map[*ir.Node]*ebuf{}
	}
	g.masks[n] = mask
	at := func(v gview) *jen.Statement {
		return jen.Lit(v.Offset()).Op("+").Id("y").Op("*").Lit(v.Row()).Op("+").Id("x").Op("*").Lit(v.Pix()).Op("+").Id("ch")
	}
	mi := jen.Parens(jen.Id("y").Op("*").Lit(sh.W).Op("+").Id("x")).Op("*").Lit(sh.C).Op("+").Id("ch")
	loops := func(order string, body ...jen.Code) jen.Code {
		bounds := map[byte]struct {
			name string
			n    int
		}{'c': {"ch", sh.C}, 'y': {"y", sh.H}, 'x': {"x", sh.W}}
		code := body
		for i := len(order) - 1; i >= 0; i-- {
			bd := bounds[order[i]]
			code = []jen.Code{jen.For(jen.Id(bd.name).Op(":=").Range().Lit(bd.n)).Block(code...)}
		}
		return code[0]
	}
	train := g.phase(stem+"Forward", 1, fmt.Sprintf("computes %s in training mode: draws the sample's mask (in C, H, W order), then applies it.", n.Name), func(b *jen.Group) {
		g.clearPad(b, out.Buf, false, false)
		b.Id("m").Op(":=").Add(cF(mask.name))
		b.Id("r").Op(":=").Add(rt("DropoutRand")).Call(jen.Id("c").Dot("Seed"), jen.Id("c").Dot("Sample"), jen.Lit(n.ID))
		b.Add(loops("cyx", jen.If(jen.Id("r").Dot("Float64").Call().Op(">=").Lit(op.P)).Block(
			jen.Id("m").Index(mi.Clone()).Op("=").Lit(float32(1/(1-op.P))),
		).Else().Block(jen.Id("m").Index(mi.Clone()).Op("=").Lit(0))))
		b.List(jen.Id("in"), jen.Id("out")).Op(":=").List(in.of(), out.of())
		b.Add(loops("yxc", jen.Id("out").Index(at(out)).Op("=").Id("in").Index(at(in)).Op("*").Id("m").Index(mi.Clone())))
	})
	copyGeom := g.geom(stem+"EvalGeom", n.Text+" in inference mode: the identity", geomLit("CopyGeom", []any{"H", sh.H, "W", sh.W, "C", sh.C},
		[]any{"Dst", layoutLit(out.layout()), "Src", layoutLit(in.layout())}))
	eval := g.phase(stem+"Eval", sh.H, "computes "+n.Name+" in inference mode (the identity), rows [lo, hi).", func(b *jen.Group) {
		g.clearPad(b, out.Buf, true, false)
		b.Add(rt("CopyMap")).Call(jen.Op("&").Id(copyGeom), out.of(), in.of(), jen.Id("lo"), jen.Id("hi"))
	})
	ph := opPhases{train: []*gphase{train}, eval: []*gphase{eval}}
	gr, ok := gradAt(bk, 0)
	if !ok {
		return ph
	}
	dIn, dOut := g.grads(s)
	op2 := "="
	if gr.Acc {
		op2 = "+="
	}
	back := g.phase(stem+"Backward", sh.H, "computes the gradient of "+n.Name+"'s input in training mode, rows [lo, hi).", func(b *jen.Group) {
		needDx(b, gr.Need)
		g.clearPad(b, dIn.Buf, true, false)
		b.List(jen.Id("m"), jen.Id("din"), jen.Id("dout")).Op(":=").List(cF(mask.name), dIn.of(), dOut.of())
		b.For(jen.Id("y").Op(":=").Id("lo"), jen.Id("y").Op("<").Id("hi"), jen.Id("y").Op("++")).Block(
			loops("xc", jen.Id("din").Index(at(dIn)).Op(op2).Id("dout").Index(at(dOut)).Op("*").Id("m").Index(mi.Clone())))
	})
	backGeom := g.geom(stem+"EvalBackGeom", "the gradient of "+n.Text+" in inference mode", geomLit("CopyGeom", []any{"H", sh.H, "W", sh.W, "C", sh.C},
		[]any{"Dst", layoutLit(dIn.layout()), "Src", layoutLit(dOut.layout()), "Acc", gr.Acc}))
	evalBack := g.phase(stem+"EvalBackward", sh.H, "computes the gradient of "+n.Name+"'s input in inference mode, rows [lo, hi).", func(b *jen.Group) {
		needDx(b, gr.Need)
		g.clearPad(b, dIn.Buf, true, false)
		b.Add(rt("CopyMap")).Call(jen.Op("&").Id(backGeom), dIn.of(), dOut.of(), jen.Id("lo"), jen.Id("hi"))
	})
	ph.bwd = []gentry{{back, "Training"}, {evalBack, "Inference"}}
	return ph
}

// bnAct reports whether the activation fused into batchnorm step s is one
// the batchnorm kernels apply themselves (relu, relu6).
func bnAct(s *gplan.Step) bool {
	f := actFunc(s.Act)
	return f == ir.ReLU || f == ir.ReLU6
}
