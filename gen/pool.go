package gen

import (
	"github.com/dave/jennifer/jen"
)

// maxPoolForward emits the max-pooling phase and a fused activation.
//
//	runtime.MaxPoolForward(&maxpool1Geom, w.x2[:], w.idxmaxpool1[:], w.x1[:], lo, hi)
func maxPoolForward(g *jen.Group, s *step) {
	g.Add(rt("MaxPoolForward")).Call(jen.Op("&").Id(geomName(s)), all(buf(s.Out)), all(jen.Id("w").Dot(idxName(s))), all(buf(s.In)), jen.Id("lo"), jen.Id("hi"))
	if s.Act != nil {
		fusedActivationRows(g, s)
	}
}

// byRows says a max pool's backward phase is split by output rows: its
// windows do not overlap from row to row, so the rows of the input gradient
// have one writer each (runtime.MaxPoolBackwardRows); else by channels.
func byRows(s *step) bool { return s.L.FH <= s.L.SH }

// maxPoolBackward emits the gradient of max pooling, by output rows or by
// channels (see byRows), with the derivative of the relu before it when
// that is fused in.
func maxPoolBackward(g *jen.Group, s *step) {
	relu := s.Prev != nil && s.Prev.ActGradInNext
	if byRows(s) {
		out := jen.Nil()
		if relu {
			out = all(buf(s.Out))
		}
		g.Add(rt("MaxPoolBackwardRows")).Call(jen.Op("&").Id(geomName(s)), all(grad(s.In)), all(grad(s.Out)), out, all(jen.Id("w").Dot(idxName(s))), jen.Id("lo"), jen.Id("hi"))
		return
	}
	if relu {
		g.Add(rt("MaxPoolBackwardReLU")).Call(jen.Op("&").Id(geomName(s)), all(grad(s.In)), all(grad(s.Out)), all(buf(s.Out)), all(jen.Id("w").Dot(idxName(s))), jen.Id("lo"), jen.Id("hi"))
		return
	}
	g.Add(rt("MaxPoolBackward")).Call(jen.Op("&").Id(geomName(s)), all(grad(s.In)), all(grad(s.Out)), all(jen.Id("w").Dot(idxName(s))), jen.Id("lo"), jen.Id("hi"))
}

// meanPoolForward emits the mean-pooling phase and a fused activation.
func meanPoolForward(g *jen.Group, s *step) {
	g.Add(rt("MeanPoolForward")).Call(jen.Op("&").Id(geomName(s)), all(buf(s.Out)), all(buf(s.In)), jen.Id("lo"), jen.Id("hi"))
	if s.Act != nil {
		fusedActivationRows(g, s)
	}
}

// meanPoolBackward emits the gradient of mean pooling, by channels.
func meanPoolBackward(g *jen.Group, s *step) {
	g.Add(rt("MeanPoolBackward")).Call(jen.Op("&").Id(geomName(s)), all(grad(s.In)), all(grad(s.Out)), jen.Id("lo"), jen.Id("hi"))
}
