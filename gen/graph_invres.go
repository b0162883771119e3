package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// invRes is an inverted residual block of the inference plan (see
// gplan.Plan.InvertedResidual): its expansion, depthwise conv and
// projection as conv steps.
type invRes []*convStep

// inferInvRes returns the block starting at inference step i when one
// runtime.InvResForward can run it: the plan says the three steps chain,
// and their buffers are laid out as the kernel wants (the expansion's
// output the padded map the depthwise conv reads, the depthwise conv's
// output dense, the block's input and output in different buffers: the
// kernel reads the input while it writes the output); else nil.
func (g *graphGen) inferInvRes(i int) invRes {
	p := g.infer
	if !p.InvertedResidual(i) {
		return nil
	}
	b := make(invRes, 3)
	for j := range b {
		b[j] = g.convStep(p, p.Steps[i+j])
	}
	e, d, r := b[0], b[1], b[2]
	ok := (e.kind == kind1x1 || e.kind == kindDense && !e.wino) && d.kind == kindDepthwise && r.kind == kind1x1 &&
		e.kernelAct == actFunc(e.s.Act) && d.kernelAct == actFunc(d.s.Act) &&
		e.out.Pix() == e.k && e.out.Row() == d.in.Row() && d.in.Row() >= (d.w+d.op.PW)*d.c &&
		r.in.Pix() == r.c && r.in.Row() == r.w*r.c && e.in.e != r.out.e
	if !ok {
		return nil
	}
	return b
}

// invResForward emits the phase of block b: runtime.InvResForward over
// rows of the output, then what the projection's store adds (the residual,
// an activation).
func (g *graphGen) invResForward(b invRes) *gphase {
	var geoms [3]string
	var ws [3]convWeights
	var bs [3]jen.Code
	for j, cs := range b {
		g.cur = cs.s
		fields := cs.fields(nil)
		if j == 1 {
			fields = append(fields, []any{"H", cs.h, "W", cs.w, "PH", cs.op.PH, "PW", cs.op.PW})
		}
		doc := fmt.Sprintf("%s, in inference", cs.s.Node.Text)
		if j == 1 {
			doc += ", in a block"
		}
		geoms[j] = g.geom(cs.stem+"InferGeom", doc, geomLit("ConvGeom", fields...))
		ws[j], bs[j] = g.inferWeights(cs, geoms[j])
	}
	e, r := b[0], b[2]
	s := r.s
	eltGeom := ""
	if s.Add != nil || s.Act != nil && r.kernelAct < 0 {
		eltGeom = g.fusedStoreGeom(r.stem, s, r.out, g.skipViews(r.p, s), false)
	}
	doc := "computes an inverted residual block over bands of rows (expansion, depthwise conv, projection"
	if s.Add != nil {
		doc += ", residual"
	}
	doc += "): output rows [lo, hi)."
	g.cur = e.s
	return g.phase(e.stem+"InvRes", r.oh, doc, func(body *jen.Group) {
		args := []jen.Code{jen.Op("&").Id(geoms[0]), jen.Op("&").Id(geoms[1]), jen.Op("&").Id(geoms[2]), jen.Id("c").Dot("Scratch"), r.out.of(), e.input()}
		for j := range b {
			args = append(args, ws[j].c(), bs[j])
		}
		body.Add(rt("InvResForward")).Call(append(args, jen.Id("lo"), jen.Id("hi"))...)
		g.clearPad(body, r.out.Buf, true, false)
		g.fusedStore(body, s, eltGeom, r.out, g.skipViews(r.p, s))
	})
}

// newInvResStep appends the engine step of block b, named after its three
// steps.
func (g *graphGen) newInvResStep(b invRes, ph *gphase) {
	p := g.infer
	st := &gstep{name: fmt.Sprintf("%s+%s+%s (inference)", b[0].s.Name(), b[1].s.Name(), b[2].s.Name())}
	for _, v := range append(b[0].s.Reads(), b[2].s.Skip...) {
		st.in = append(st.in, g.bufOf[p.Value(v).View.Buf].name)
	}
	st.out = []string{g.bufOf[p.Value(b[2].s.Out).View.Buf].name}
	st.fwd = []gentry{{ph, "Inference"}}
	g.steps = append(g.steps, st)
}
