package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	gplan "github.com/cnnc/cnnc/gen/plan"
	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/runtime"
)

// convKind is the family of runtime kernels a conv runs on.
type convKind int

const (
	// kindDense: round 1's kernels (ConvForward, ConvWeightGrad), weights
	// in blocks of KB output channels (engine.ConvBlocks).
	kindDense convKind = iota
	// kind1x1: the matrix-product kernels of 1x1 convs (Conv1x1Forward ...),
	// on the dense weights.
	kind1x1
	// kindGrouped: grouped or dilated convs (ConvForwardGrouped ...), a
	// dense pack a group (engine.Grouped; engine.ConvBlocks for one group).
	kindGrouped
	// kindDepthwise: Groups == C == K (DepthwiseForward ...), weights
	// [FH][FW][C] (engine.Depthwise).
	kindDepthwise
)

// convKindOf returns the kernels conv op, on c input channels, runs on.
func convKindOf(op *ir.Conv, c int) convKind {
	switch {
	case isDepthwise(op, c):
		return kindDepthwise
	case op.Groups > 1 || op.DH > 1 || op.DW > 1:
		return kindGrouped
	case op.FH == 1 && op.FW == 1:
		return kind1x1
	}
	return kindDense
}

// convKB is the number of output channels in a block of conv op's packed
// weights: 32 when the channels of a group come in 32s, else 16 (the
// kernels' vector width; the last block is zero-padded).
func convKB(op *ir.Conv) int { return block(op.K / max(op.Groups, 1)) }

// convStep is a conv step of one plan with the views its kernels use.
type convStep struct {
	p         *gplan.Plan
	s         *gplan.Step
	op        *ir.Conv
	kind      convKind
	in, out   gview
	c, h, w   int // input channels, height, width
	k, oh, ow int
	stem      string
	// kernelAct is the activation the kernel applies as it stores (relu,
	// or relu6 but in the Winograd transforms), when nothing comes between;
	// -1 for none.
	kernelAct ir.Func
	// wino says the forward runs as Winograd's minimal filtering
	// (runtime.ConvForwardWinograd), by pairs of output rows, and so does
	// the weight gradient (by weight blocks).
	wino bool
}

// winoMinC is the fewest input channels for which a 3×3 stride-1 conv runs
// as Winograd's minimal filtering (round 1's rule, see gen/plan.go).
func winograd(op *ir.Conv, c, oh, ow int) bool {
	return op.FH == 3 && op.FW == 3 && op.SH == 1 && op.SW == 1 && c >= winoMinC && oh%2 == 0 && ow%2 == 0
}

func (g *graphGen) convStep(p *gplan.Plan, s *gplan.Step) *convStep {
	op := s.Node.Op.(*ir.Conv)
	in, out := s.Node.In(), s.Node.Out()
	cs := &convStep{p: p, s: s, op: op, kind: convKindOf(op, in.C), in: g.view(p.Value(s.In[0]).View), out: g.view(p.Value(s.Out).View),
		c: in.C, h: in.H, w: in.W, k: op.K, oh: out.H, ow: out.W, stem: g.stepName(s), kernelAct: -1}
	cs.wino = cs.kind == kindDense && winograd(op, in.C, out.H, out.W)
	if s.Add == nil {
		switch f := actFunc(s.Act); {
		case f == ir.ReLU, f == ir.ReLU6 && !cs.wino:
			cs.kernelAct = f
		}
	}
	return cs
}

// fields returns the conv's runtime.ConvGeom: the forward's part, then
// with d the gradients' (the output gradient d[1] and, when the input's is
// computed, d[0]).
func (cs *convStep) fields(d *[2]gview) [][]any {
	op := cs.op
	pix := func(v gview, n int) int {
		if v.Pix() == n {
			return 0
		}
		return v.Pix()
	}
	groups := 0
	switch cs.kind {
	case kindDepthwise:
		groups = cs.c
	case kindGrouped:
		groups = dil(op.Groups)
	}
	out := [][]any{
		{"C", cs.c, "InRow", cs.in.Row(), "OH", cs.oh, "OW", cs.ow, "K", cs.k, "OutRow", cs.out.Row(), "OutOff", cs.out.Offset(), "OutPix", pix(cs.out, cs.k)},
		{"FH", op.FH, "FW", op.FW, "SH", op.SH, "SW", op.SW, "KB", convKB(op), "ReLU", cs.kernelAct == ir.ReLU, "ReLU6", cs.kernelAct == ir.ReLU6},
		{"Groups", groups, "DH", dil(op.DH), "DW", dil(op.DW)},
	}
	if d == nil {
		return out
	}
	out = append(out, []any{"DOutRow", d[1].Row(), "DOutOff", d[1].Offset(), "DOutPix", pix(d[1], cs.k)})
	if d[0].Ok() {
		out = append(out, []any{"H", cs.h, "W", cs.w, "PH", op.PH, "PW", op.PW, "DInRow", d[0].Row(), "DInOff", d[0].Offset(), "DInPix", pix(d[0], cs.c)})
	}
	return out
}

// dil is a dilation or group count as a geometry field: 1 left out.
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
	op := cs.op
	if cs.kind == kindDepthwise {
		return op.FH * op.FW * cs.c
	}
	groups, kb := max(op.Groups, 1), convKB(op)
	kg, cg := cs.k/groups, cs.c/groups
	return groups * ((kg + kb - 1) / kb * kb) * op.FH * op.FW * cg
}

// kernel names the kernel of the conv's kind: "ConvForward", "Conv1x1"+op,
// "ConvForwardGrouped", "Depthwise"+op.
func (cs *convStep) kernel(dense, conv1x1, grouped, depthwise string) string {
	return [...]string{dense, conv1x1, grouped, depthwise}[cs.kind]
}

// convWeights names the weights a conv reads: a tensor (c.P), or a derived
// tensor (c.D, batchnorm folded in).
type convWeights struct {
	name    string
	derived bool
}

// c refers to the weights in a phase; w in a derived tensor's update.
func (t convWeights) c() *jen.Statement {
	if t.derived {
		return cD(t.name)
	}
	return cP(t.name)
}

func (t convWeights) w() *jen.Statement {
	if t.derived {
		return wD(t.name)
	}
	return wP(t.name)
}

// convForward emits a conv's forward phase: the kernel, then what is fused
// into the store that it does not do itself (the residual add with its
// activation, or an activation). A Winograd conv's transformed weights are
// a derived tensor that passes of use read.
func (g *graphGen) convForward(cs *convStep, name, geom string, wt convWeights, b jen.Code, use jen.Code) *gphase {
	w := jen.Code(wt.c())
	s := cs.s
	kernel := cs.kernel("ConvForward", "Conv1x1Forward", "ConvForwardGrouped", "DepthwiseForward")
	eltGeom := ""
	if s.Add != nil || s.Act != nil && cs.kernelAct < 0 {
		eltGeom = g.fusedStoreGeom(cs.stem, s, cs.out, g.skipViews(cs.p, s), false)
	}
	n, doc := cs.oh, fmt.Sprintf("computes %s: output rows [lo, hi).", describe(s))
	if cs.wino {
		kernel, w = "ConvForwardWinograd", cD(g.winograd(name+"U", cs.s.Node.Name+"'s weights, Winograd-transformed", geom, wt.w(), use))
		n, doc = cs.oh/2, fmt.Sprintf("computes %s as Winograd's minimal filtering: pairs of output rows [lo, hi).", describe(s))
	}
	if blocks := cs.blocks(); blocks > 1 && (eltGeom == "" || s.Add != nil) {
		doc = fmt.Sprintf("computes %s: blocks of %d output channels by output rows, unit b·%d+y being block b of row y, [lo, hi).", describe(s), convKB(cs.op), cs.oh)
		return g.phase(name, blocks*cs.oh, doc, func(body *jen.Group) {
			g.convForwardBlocks(body, cs, geom, eltGeom, w, b)
		})
	}
	return g.phase(name, n, doc, func(body *jen.Group) {
		body.Add(rt(kernel)).Call(jen.Op("&").Id(geom), jen.Id("c").Dot("Scratch"), cs.out.of(), cs.input(), w, b, jen.Id("lo"), jen.Id("hi"))
		if cs.wino {
			tileRowsToRows(body)
		}
		g.clearPad(body, cs.out.Buf, true, false)
		g.fusedStore(body, s, eltGeom, cs.out, g.skipViews(cs.p, s))
	})
}

// inferConv emits an inference-plan conv step: weights folded with the
// batchnorm after it, when there is one.
func (g *graphGen) inferConv(s *gplan.Step) []*gphase {
	cs := g.convStep(g.infer, s)
	geom := g.geom(cs.stem+"InferGeom", fmt.Sprintf("%s, in inference", s.Node.Text), geomLit("ConvGeom", cs.fields(nil)...))
	w, b := g.inferWeights(cs, geom)
	return []*gphase{g.convForward(cs, cs.stem+"Infer", geom, w, b, eng("InferenceForward"))}
}

// inferWeights returns the weights and bias (nil for none) an inference
// conv reads: its own, or with the batchnorm after it folded in.
func (g *graphGen) inferWeights(cs *convStep, geom string) (convWeights, jen.Code) {
	s := cs.s
	w, b := convWeights{name: g.tensorOf(s.Node, ir.Weight)}, jen.Code(jen.Nil())
	if t := g.tensorOf(s.Node, ir.Bias); t != "" {
		b = cP(t)
	}
	if s.BN != nil {
		fold := g.foldConv(cs, geom)
		w, b = convWeights{fold, true}, cD(fold).Index(jen.Lit(cs.weightLen()).Op(":"))
	}
	return w, b
}

// foldConv declares the derived tensor holding a conv's weights and bias
// with the batchnorm after it folded in (runtime.FoldBatchNorm on PyTorch's
// layout, unpacked into the fold scratch and packed back), stored as the
// conv's own.
func (g *graphGen) foldConv(cs *convStep, geom string) string {
	n, bn, op := cs.s.Node, cs.s.BN, cs.op
	size := cs.k * (cs.c / max(op.Groups, 1)) * op.FH * op.FW
	tmp := g.foldScratch(size)
	nw := cs.weightLen()
	pack := func(dst, src jen.Code, unpack bool) jen.Code {
		switch cs.kind {
		case kindDepthwise:
			return rt("PackDepthwise").Call(dst, src, jen.Lit(cs.c), jen.Lit(op.FH), jen.Lit(op.FW), jen.Lit(unpack))
		case kindGrouped:
			return rt("PackGrouped").Call(jen.Op("&").Id(geom), dst, src, jen.Lit(unpack))
		}
		return rt("PackConv").Call(dst, src, jen.Lit(cs.k), jen.Lit(cs.c), jen.Lit(op.FH), jen.Lit(op.FW), jen.Lit(convKB(op)), jen.Lit(unpack))
	}
	var bias jen.Code = jen.Nil()
	if t := g.tensorOf(n, ir.Bias); t != "" {
		bias = wP(t)
	}
	eps := bn.Op.(*ir.BatchNorm).Eps
	return g.addDerived(cs.stem+"Fold", fmt.Sprintf("%s's weights and bias with %s folded in", n.Name, bn.Name), nw+cs.k, eng("InferenceForward"), func(b *jen.Group) {
		b.Id("t").Op(":=").Add(wD(tmp)).Index(jen.Op(":").Lit(size))
		b.Add(pack(wP(g.tensorOf(n, ir.Weight)), jen.Id("t"), true))
		b.Add(rt("FoldBatchNorm")).Call(jen.Id("t"), jen.Id("d").Index(jen.Lit(nw).Op(":")), jen.Id("t"), bias,
			wP(g.tensorOf(bn, ir.Scale)), wP(g.tensorOf(bn, ir.Shift)), wP(g.tensorOf(bn, ir.RunningMean)), wP(g.tensorOf(bn, ir.RunningVar)), jen.Lit(eps))
		b.Add(pack(jen.Id("d"), jen.Id("t"), false))
	})
}

// flat is the layout of a flat vector at offset off as a column of n rows
// of one value, so that element-wise kernels split it by rows.
func flat(off int) runtime.Layout { return runtime.Layout{Off: off, Row: 1, Pix: 1} }
