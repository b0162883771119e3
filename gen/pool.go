package gen

import (
	"github.com/dave/jennifer/jen"
)

// maxPoolForward emits the max-pooling phase and a fused activation.
//
//	runtime.MaxPoolForward(&maxpool1Geom, c.F[x2], c.I[idxmaxpool1], c.F[x1], lo, hi)
func maxPoolForward(g *jen.Group, s *step) {
	g.Add(rt("MaxPoolForward")).Call(jen.Op("&").Id(geomName(s)), buf(s.Out), idx(s), buf(s.In), jen.Id("lo"), jen.Id("hi"))
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
			out = buf(s.Out)
		}
		g.Add(rt("MaxPoolBackwardRows")).Call(jen.Op("&").Id(geomName(s)), grad(s.In), grad(s.Out), out, idx(s), jen.Id("lo"), jen.Id("hi"))
		return
	}
	if relu {
		g.Add(rt("MaxPoolBackwardReLU")).Call(jen.Op("&").Id(geomName(s)), grad(s.In), grad(s.Out), buf(s.Out), idx(s), jen.Id("lo"), jen.Id("hi"))
		return
	}
	g.Add(rt("MaxPoolBackward")).Call(jen.Op("&").Id(geomName(s)), grad(s.In), grad(s.Out), idx(s), jen.Id("lo"), jen.Id("hi"))
}

// meanPoolForward emits the mean-pooling phase and a fused activation.
func meanPoolForward(g *jen.Group, s *step) {
	g.Add(rt("MeanPoolForward")).Call(jen.Op("&").Id(geomName(s)), buf(s.Out), buf(s.In), jen.Id("lo"), jen.Id("hi"))
	if s.Act != nil {
		fusedActivationRows(g, s)
	}
}

// meanPoolBackward emits the gradient of mean pooling, by channels.
func meanPoolBackward(g *jen.Group, s *step) {
	g.Add(rt("MeanPoolBackward")).Call(jen.Op("&").Id(geomName(s)), grad(s.In), grad(s.Out), jen.Id("lo"), jen.Id("hi"))
}

// idx refers to a max pool's int32 buffer of where each maximum came from,
// c.I[idxmaxpool1].
func idx(s *step) *jen.Statement { return jen.Id("c").Dot("I").Index(jen.Id(idxName(s))) }
