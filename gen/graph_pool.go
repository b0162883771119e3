package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	gplan "github.com/cnnc/cnnc/gen/plan"
	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/runtime"
)

// indexBuf returns the int32 buffer where max pool n keeps, for each
// output, the input it came from (both plans share it).
func (g *graphGen) indexBuf(n *ir.Node) string {
	if name, ok := g.intOf[n]; ok {
		return name
	}
	name := g.unique(g.nodeName[n] + "Index")
	g.ints = append(g.ints, gint{name: name, len: n.Out().Size(), doc: "where each maximum of " + n.Name + " came from"})
	if g.intOf == nil {
		g.intOf = map[*ir.Node]string{}
	}
	g.intOf[n] = name
	return name
}

// tmpGrad returns the scratch gradient buffer, at least n values long: a
// kernel that can only set a gradient that must be added to writes it
// there first.
func (g *graphGen) tmpGrad(n int) *ebuf {
	if g.tmp == nil {
		g.tmp = &ebuf{name: g.unique("scratch"), grad: true, doc: "a gradient a kernel sets before it is added to its value's"}
		g.bufs = append(g.bufs, g.tmp)
	}
	g.tmp.len = max(g.tmp.len, n)
	return g.tmp
}

// poolGeom declares a pool step's runtime.PoolGeom; d is the input
// gradient's layout and the output gradient's (training).
func (g *graphGen) poolGeom(name string, s *gplan.Step, op *ir.Pool, in, out gview, d *[2]runtime.Layout) string {
	sh, o := s.Node.In(), s.Node.Out()
	inOff := in.Offset()
	if op.Mode == ir.Mean {
		inOff = 0 // the input is passed from its padded origin
	}
	fields := [][]any{
		{"C", sh.C, "H", sh.H, "W", sh.W, "InRow", in.Row(), "InOff", inOff},
		{"OH", o.H, "OW", o.W, "OutRow", out.Row(), "OutOff", out.Offset()},
		{"FH", op.FH, "FW", op.FW, "SH", op.SH, "SW", op.SW, "PH", op.PH, "PW", op.PW},
	}
	if d != nil {
		fields = append(fields, []any{"DInRow", d[0].Row, "DInOff", d[0].Off, "DOutRow", d[1].Row, "DOutOff", d[1].Off})
	} else {
		fields = append(fields, []any{"DInRow", sh.W * sh.C})
	}
	return g.geom(name, s.Node.Text, geomLit("PoolGeom", fields...))
}

// poolForward emits a max or mean pool (and its activation), output rows.
func (g *graphGen) poolForward(p *gplan.Plan, s *gplan.Step, name string, op *ir.Pool) (*gphase, string) {
	in, out := g.values(p, s)
	var d *[2]runtime.Layout
	if p == g.train {
		d = g.poolGradLayouts(s)
	}
	geom := g.poolGeom(name+"Geom", s, op, in, out, d)
	storeGeom := ""
	if s.Act != nil {
		storeGeom = g.fusedStoreGeom(name, s, out, nil, false)
	}
	return g.phase(name, s.Out.Shape.H, "computes "+describe(s)+", output rows [lo, hi).", func(b *jen.Group) {
		g.clearPad(b, out.Buf, true, false)
		switch {
		case op.Mode == ir.Max && p == g.infer: // no backward: no positions to keep
			b.Add(rt("MaxPoolForwardNoIndex")).Call(jen.Op("&").Id(geom), out.of(), in.of(), jen.Id("lo"), jen.Id("hi"))
		case op.Mode == ir.Max:
			b.Add(rt("MaxPoolForward")).Call(jen.Op("&").Id(geom), out.of(), cI(g.indexBuf(s.Node)), in.of(), jen.Id("lo"), jen.Id("hi"))
		default:
			b.Add(rt("MeanPoolForward")).Call(jen.Op("&").Id(geom), out.of(), from(in.of(), in.origin(op.PH, op.PW)), jen.Id("lo"), jen.Id("hi"))
		}
		g.fusedStore(b, s, storeGeom, out, nil)
	}), geom
}

// poolGradLayouts returns where a training pool writes its input gradient
// (the scratch buffer, laid out alike, when it must be added to) and
// reads its output gradient.
func (g *graphGen) poolGradLayouts(s *gplan.Step) *[2]runtime.Layout {
	tr := g.train
	dOut := g.view(tr.Value(s.Out).Grad)
	din := runtime.Layout{Row: s.In[0].Shape.W * s.In[0].Shape.C}
	if gv := tr.Value(s.In[0]).Grad; gv.Ok() {
		din = g.view(gv).layout()
	}
	return &[2]runtime.Layout{din, dOut.layout()}
}

// poolBackward emits a pool's gradient: the activation's derivative in
// place, then the kernel, which sets the input gradient (into the scratch
// buffer, added from there, when it must be added to).
func (g *graphGen) poolBackward(s *gplan.Step, bk *gplan.Back, stem, geom string, op *ir.Pool) []*gphase {
	gr, _, out, dIn, dOut, ok := g.backViews(s, bk)
	if !ok {
		return nil
	}
	tr := g.train
	sh, o := s.Node.In(), s.Node.Out()
	var phases []*gphase
	if p := g.outGradPhase(stem, s, bk, out, dOut, false); p != nil {
		phases = append(phases, p)
	}
	target := dIn.of()
	if gr.Acc {
		target = cF(g.tmpGrad(dIn.Buf.Layout.Len()).name)
	}
	var relu jen.Code
	if prev := tr.Value(s.In[0]).Step; op.Mode == ir.Max && prev != nil && prev.ActGradInReader && prev.Out == s.In[0] {
		relu = out.of()
	}
	rows := op.Mode == ir.Max && op.FH <= op.SH
	n, what := sh.C, "channels"
	if rows {
		n, what = o.H, "output rows"
	}
	phases = append(phases, g.phase(stem+"InputGrad", n, fmt.Sprintf("computes the gradient of %s's input, %s [lo, hi).", s.Node.Name, what), func(b *jen.Group) {
		needDx(b, gr.Need)
		if !gr.Acc {
			g.clearPad(b, dIn.Buf, false, false)
		}
		switch {
		case op.Mode == ir.Mean:
			b.Add(rt("MeanPoolBackward")).Call(jen.Op("&").Id(geom), target, dOut.of(), jen.Id("lo"), jen.Id("hi"))
		case rows:
			if relu == nil {
				relu = jen.Nil()
			}
			b.Add(rt("MaxPoolBackwardRows")).Call(jen.Op("&").Id(geom), target, dOut.of(), relu, cI(g.indexBuf(s.Node)), jen.Id("lo"), jen.Id("hi"))
		case relu != nil:
			b.Add(rt("MaxPoolBackwardReLU")).Call(jen.Op("&").Id(geom), target, dOut.of(), relu, cI(g.indexBuf(s.Node)), jen.Id("lo"), jen.Id("hi"))
		default:
			b.Add(rt("MaxPoolBackward")).Call(jen.Op("&").Id(geom), target, dOut.of(), cI(g.indexBuf(s.Node)), jen.Id("lo"), jen.Id("hi"))
		}
	}))
	if gr.Acc {
		phases = append(phases, g.addScratch(stem, s.In[0].Shape, dIn, dIn.layout(), gr.Need))
	}
	return phases
}

// addScratch emits the phase that adds the scratch gradient (laid out by
// src) to the gradient d, rows [lo, hi).
func (g *graphGen) addScratch(stem string, sh ir.Shape, d gview, src runtime.Layout, need gplan.Need) *gphase {
	geom := g.geom(stem+"AddGeom", "adds the scratch gradient to "+d.Buf.Name(), geomLit("CopyGeom", []any{"H", sh.H, "W", sh.W, "C", sh.C},
		[]any{"Dst", layoutLit(d.layout()), "Src", layoutLit(src), "Acc", true}))
	return g.phase(stem+"AddGrad", sh.H, "adds the input gradient set in the scratch buffer to the one other readers add to, rows [lo, hi).", func(b *jen.Group) {
		needDx(b, need)
		b.Add(rt("CopyMap")).Call(jen.Op("&").Id(geom), d.of(), cF(g.tmp.name), jen.Id("lo"), jen.Id("hi"))
	})
}

// globalPoolGeom declares a global pool's runtime.GlobalPoolGeom.
func (g *graphGen) globalPoolGeom(name string, s *gplan.Step, in, out gview, d *[2]gview, acc bool) string {
	sh := s.Node.In()
	fields := [][]any{{"H", sh.H, "W", sh.W, "C", sh.C}, {"In", layoutLit(in.layout()), "Out", out.Offset()}}
	if d != nil {
		fields = append(fields, []any{"DIn", layoutLit(d[0].layout()), "DOut", d[1].Offset(), "Acc", acc})
	}
	return g.geom(name, s.Node.Text, geomLit("GlobalPoolGeom", fields...))
}

// globalPoolForward emits a global average or max pool (and its
// activation), channels.
func (g *graphGen) globalPoolForward(p *gplan.Plan, s *gplan.Step, name string, op *ir.GlobalPool) *gphase {
	in, out := g.values(p, s)
	geom := g.globalPoolGeom(name+"Geom", s, in, out, nil, false)
	storeGeom := ""
	if s.Act != nil {
		storeGeom = g.fusedStoreGeom(name, s, out, nil, true)
	}
	return g.phase(name, s.Node.In().C, "computes "+describe(s)+", channels [lo, hi).", func(b *jen.Group) {
		if op.Mode == ir.Max {
			b.Add(rt("GlobalMaxPoolForward")).Call(jen.Op("&").Id(geom), out.of(), cI(g.indexBuf(s.Node)), in.of(), jen.Id("lo"), jen.Id("hi"))
		} else {
			b.Add(rt("GlobalAvgPoolForward")).Call(jen.Op("&").Id(geom), out.of(), in.of(), jen.Id("lo"), jen.Id("hi"))
		}
		g.fusedStore(b, s, storeGeom, out, nil)
	})
}

// globalPoolBackward emits a global pool's gradient, channels.
func (g *graphGen) globalPoolBackward(s *gplan.Step, bk *gplan.Back, stem string, op *ir.GlobalPool) []*gphase {
	gr, in, out, dIn, dOut, ok := g.backViews(s, bk)
	if !ok {
		return nil
	}
	var phases []*gphase
	if p := g.outGradPhase(stem, s, bk, out, dOut, true); p != nil {
		phases = append(phases, p)
	}
	geom := g.globalPoolGeom(stem+"BackGeom", s, in, out, &[2]gview{dIn, dOut}, gr.Acc)
	return append(phases, g.phase(stem+"InputGrad", s.Node.In().C, fmt.Sprintf("computes the gradient of %s's input, channels [lo, hi).", s.Node.Name), func(b *jen.Group) {
		needDx(b, gr.Need)
		g.clearPad(b, dIn.Buf, false, false)
		if op.Mode == ir.Max {
			b.Add(rt("GlobalMaxPoolBackward")).Call(jen.Op("&").Id(geom), dIn.of(), dOut.of(), cI(g.indexBuf(s.Node)), jen.Id("lo"), jen.Id("hi"))
		} else {
			b.Add(rt("GlobalAvgPoolBackward")).Call(jen.Op("&").Id(geom), dIn.of(), dOut.of(), jen.Id("lo"), jen.Id("hi"))
		}
	}))
}

// contiguous reports whether a view's values lie one after the other in
// H, W, C order: an unpadded buffer of its own, or a single pixel.
func contiguous(v gview) bool {
	l := v.Buf.Layout
	return l.H*l.W == 1 || v.Whole() && !l.Padded()
}

// fcInput returns where fc step s of plan p reads its input, whole and
// contiguous: its value's buffer, or, for a value in a padded buffer (a conv
// elsewhere reads it padded), a buffer of the fc's own that a copy phase
// (the first phase returned) fills; in training it is kept for the weight
// gradient.
func (g *graphGen) fcInput(p *gplan.Plan, s *gplan.Step, name string) (*jen.Statement, []*gphase) {
	in, _ := g.values(p, s)
	if contiguous(in) {
		return from(in.of(), in.Offset()), nil
	}
	if b, ok := g.fcStaged[s]; ok {
		return cF(b.name), nil
	}
	sh := s.In[0].Shape
	stage := &ebuf{name: g.unique(name + "Input"), len: sh.Size(), grad: p == g.train, doc: s.Node.Name + "'s input, without padding"}
	g.bufs = append(g.bufs, stage)
	if g.fcStaged == nil {
		g.fcStaged = map[*gplan.Step]*ebuf{}
	}
	g.fcStaged[s] = stage
	geom := g.geom(name+"CopyInGeom", "copies "+s.Node.Name+"'s input out of its padded buffer", geomLit("CopyGeom", []any{"H", sh.H, "W", sh.W, "C", sh.C},
		[]any{"Dst", layoutLit(runtime.Layout{Row: sh.W * sh.C, Pix: sh.C}), "Src", layoutLit(in.layout())}))
	cp := g.phase(name+"CopyIn", sh.H, "copies the input of "+describe(s)+" out of its padded buffer, rows [lo, hi).", func(b *jen.Group) {
		b.Add(rt("CopyMap")).Call(jen.Op("&").Id(geom), cF(stage.name), in.of(), jen.Id("lo"), jen.Id("hi"))
	})
	return cF(stage.name), []*gphase{cp}
}

// fcForward emits an fc step (its fused add and activation), outputs, after
// the copy of its input when it needs one (see fcInput).
func (g *graphGen) fcForward(p *gplan.Plan, s *gplan.Step, name string) []*gphase {
	_, out := g.values(p, s)
	src, phases := g.fcInput(p, s, name)
	k, n := s.Out.Shape.C, s.In[0].Shape.Size()
	skips := g.skipViews(p, s)
	storeGeom := ""
	if s.Add != nil || s.Act != nil {
		storeGeom = g.fusedStoreGeom(name, s, out, skips, true)
	}
	w, b := g.tensorOf(s.Node, ir.Weight), g.tensorOf(s.Node, ir.Bias)
	return append(phases, g.phase(name, k, "computes "+describe(s)+", outputs [lo, hi).", func(body *jen.Group) {
		body.Add(rt("FCForward")).Call(from(out.of(), out.Offset()), src, cP(w), cP(b), jen.Lit(n), jen.Id("lo"), jen.Id("hi"))
		g.fusedStore(body, s, storeGeom, out, skips)
	}))
}

// fcBackward emits an fc's gradients: its fused add and activation, the
// weight and bias gradients, the input gradient.
func (g *graphGen) fcBackward(s *gplan.Step, bk *gplan.Back, stem string) []*gphase {
	if bk == nil {
		return nil
	}
	tr := g.train
	_, out := g.values(tr, s)
	src, _ := g.fcInput(tr, s, stem+"Forward")
	dOut := g.view(tr.Value(s.Out).Grad)
	k, n := s.Out.Shape.C, s.In[0].Shape.Size()
	var phases []*gphase
	if p := g.outGradPhase(stem, s, bk, out, dOut, true); p != nil {
		phases = append(phases, p)
	}
	w, bias := g.tensorOf(s.Node, ir.Weight), g.tensorOf(s.Node, ir.Bias)
	dout := dOut.of().Index(jen.Lit(dOut.Offset()).Op(":").Lit(dOut.Offset() + k))
	wg := g.phase(stem+"WeightGrad", k, fmt.Sprintf("adds to the weight and bias gradients of %s, outputs [lo, hi).", s.Node.Name), func(b *jen.Group) {
		b.Add(rt("FCWeightGrad")).Call(cG(w), cG(bias), src, dout.Clone(), jen.Lit(n), jen.Id("lo"), jen.Id("hi"))
	})
	wg.sums = true
	phases = append(phases, wg)
	gr, ok := gradAt(bk, 0)
	if !ok {
		return phases
	}
	dIn := g.view(tr.Value(s.In[0]).Grad)
	sh := s.In[0].Shape
	doc := fmt.Sprintf("computes the gradient of %s's input", s.Node.Name)
	switch {
	case gr.Acc || dIn.Pix() != sh.C:
		tmp := g.tmpGrad(n)
		phases = append(phases, g.phase(stem+"InputGrad", n, doc+" into the scratch buffer, values [lo, hi).", func(b *jen.Group) {
			needDx(b, gr.Need)
			b.Add(rt("FCInputGrad")).Call(cF(tmp.name).Index(jen.Id("lo").Op(":")), cP(w), dout.Clone(), jen.Lit(n), jen.Id("lo"), jen.Id("hi"))
		}))
		src := runtime.Layout{Row: sh.W * sh.C, Pix: sh.C}
		if !gr.Acc {
			geom := g.geom(stem+"CopyGeom", "copies the scratch gradient to "+dIn.Buf.Name(), geomLit("CopyGeom", []any{"H", sh.H, "W", sh.W, "C", sh.C},
				[]any{"Dst", layoutLit(dIn.layout()), "Src", layoutLit(src)}))
			phases = append(phases, g.phase(stem+"CopyGrad", sh.H, "copies the input gradient from the scratch buffer, rows [lo, hi).", func(b *jen.Group) {
				needDx(b, gr.Need)
				g.clearPad(b, dIn.Buf, true, false)
				b.Add(rt("CopyMap")).Call(jen.Op("&").Id(geom), dIn.of(), cF(tmp.name), jen.Id("lo"), jen.Id("hi"))
			}))
		} else {
			phases = append(phases, g.addScratch(stem, sh, dIn, src, gr.Need))
		}
	case contiguous(dIn):
		phases = append(phases, g.phase(stem+"InputGrad", n, doc+", values [lo, hi).", func(b *jen.Group) {
			needDx(b, gr.Need)
			b.Add(rt("FCInputGrad")).Call(dIn.of().Index(jen.Lit(dIn.Offset()).Op("+").Id("lo").Op(":")), cP(w), dout.Clone(), jen.Lit(n), jen.Id("lo"), jen.Id("hi"))
		}))
	default: // a padded map: row by row
		row := sh.W * sh.C
		phases = append(phases, g.phase(stem+"InputGrad", sh.H, doc+", rows [lo, hi).", func(b *jen.Group) {
			needDx(b, gr.Need)
			g.clearPad(b, dIn.Buf, true, false)
			b.For(jen.Id("y").Op(":=").Id("lo"), jen.Id("y").Op("<").Id("hi"), jen.Id("y").Op("++")).Block(
				rt("FCInputGrad").Call(dIn.of().Index(jen.Lit(dIn.Offset()).Op("+").Id("y").Op("*").Lit(dIn.Row()).Op(":")), cP(w), dout.Clone(), jen.Lit(n),
					jen.Id("y").Op("*").Lit(row), jen.Parens(jen.Id("y").Op("+").Lit(1)).Op("*").Lit(row)))
		}))
	}
	return phases
}
