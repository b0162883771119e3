package gen

import (
	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// geomName is the name of the package-level variable holding a step's
// kernel geometry; backName that of its transposed convolution.
func geomName(s *step) string { return s.Name() + "Geom" }
func backName(s *step) string { return s.Name() + "Back" }

// geometry emits the kernel geometry of the steps that have one.
func (g *generator) geometry(s *step) {
	l, in, out := s.L, s.In, s.Out
	switch l.Kind {
	case compiler.Conv:
		g.f.Commentf("%s: %s, weights in blocks of %d channels.", geomName(s), l.Text, s.KB)
		g.f.Var().Id(geomName(s)).Op("=").Add(rt("ConvGeom")).Values(jen.Dict{
			jen.Id("C"): jen.Lit(in.F.C), jen.Id("InRow"): jen.Lit(in.F.RowLen()),
			jen.Id("OH"): jen.Lit(out.F.H), jen.Id("OW"): jen.Lit(out.F.W), jen.Id("K"): jen.Lit(l.K),
			jen.Id("OutRow"): jen.Lit(out.F.RowLen()), jen.Id("OutOff"): jen.Lit(out.F.Origin()),
			jen.Id("FH"): jen.Lit(l.FH), jen.Id("FW"): jen.Lit(l.FW), jen.Id("SH"): jen.Lit(l.SH), jen.Id("SW"): jen.Lit(l.SW),
			jen.Id("KB"): jen.Lit(s.KB), jen.Id("ReLU"): jen.Lit(s.Act != nil && s.Act.Kind == compiler.ReLU),
			jen.Id("DOutRow"): jen.Lit(out.G.RowLen()), jen.Id("DOutOff"): jen.Lit(out.G.Origin()),
		})
		if s.Transposed {
			g.f.Commentf("%s: the transposed convolution that computes %s's input gradient.", backName(s), s.Name())
			g.f.Var().Id(backName(s)).Op("=").Add(rt("ConvGeom")).Values(jen.Dict{
				jen.Id("C"): jen.Lit(l.K), jen.Id("InRow"): jen.Lit(out.G.RowLen()),
				jen.Id("OH"): jen.Lit(in.G.H), jen.Id("OW"): jen.Lit(in.G.W), jen.Id("K"): jen.Lit(in.G.C),
				jen.Id("OutRow"): jen.Lit(in.G.RowLen()), jen.Id("OutOff"): jen.Lit(in.G.Origin()),
				jen.Id("FH"): jen.Lit(l.FH), jen.Id("FW"): jen.Lit(l.FW), jen.Id("SH"): jen.Lit(1), jen.Id("SW"): jen.Lit(1),
				jen.Id("KB"): jen.Lit(s.KBT),
			})
		}
	case compiler.MaxPool, compiler.MeanPool:
		g.f.Commentf("%s: %s.", geomName(s), l.Text)
		g.f.Var().Id(geomName(s)).Op("=").Add(rt("PoolGeom")).Values(jen.Dict{
			jen.Id("C"): jen.Lit(in.F.C), jen.Id("H"): jen.Lit(in.F.H), jen.Id("W"): jen.Lit(in.F.W),
			jen.Id("InRow"): jen.Lit(in.F.RowLen()), jen.Id("InOff"): jen.Lit(in.F.Origin()),
			jen.Id("OH"): jen.Lit(out.F.H), jen.Id("OW"): jen.Lit(out.F.W),
			jen.Id("OutRow"): jen.Lit(out.F.RowLen()), jen.Id("OutOff"): jen.Lit(out.F.Origin()),
			jen.Id("FH"): jen.Lit(l.FH), jen.Id("FW"): jen.Lit(l.FW), jen.Id("SH"): jen.Lit(l.SH), jen.Id("SW"): jen.Lit(l.SW),
			jen.Id("PH"): jen.Lit(l.PH), jen.Id("PW"): jen.Lit(l.PW),
			jen.Id("DInRow"): jen.Lit(in.G.RowLen()), jen.Id("DInOff"): jen.Lit(in.G.Origin()),
			jen.Id("DOutRow"): jen.Lit(out.G.RowLen()), jen.Id("DOutOff"): jen.Lit(out.G.Origin()),
		})
	}
}

// weights and bias name a step's parameter fields.
func weights(s *step) string { return fieldName(s.Name() + ".weight") }
func bias(s *step) string    { return fieldName(s.Name() + ".bias") }

// convForward emits a conv forward phase: the kernel, then a fused
// activation other than relu (which the kernel applies itself).
//
//	runtime.ConvForward(&conv1Geom, s, w.x1[:], w.x0[:], c.p.conv1W[:], c.p.conv1B[:], lo, hi)
func convForward(g *jen.Group, s *step) {
	out, in, b := all(buf(s.Out)), all(buf(s.In)), all(paramOf(bias(s)))
	if s.Wino {
		g.Add(rt("ConvForwardWinograd")).Call(jen.Op("&").Id(geomName(s)), jen.Id("s"),
			out, in, jen.Id("c").Dot("wu").Dot(winoField(s)), b, jen.Id("lo"), jen.Id("hi"))
	} else {
		g.Add(rt("ConvForward")).Call(jen.Op("&").Id(geomName(s)), jen.Id("s"),
			out, in, all(paramOf(weights(s))), b, jen.Id("lo"), jen.Id("hi"))
	}
	if s.Act != nil && s.Act.Kind != compiler.ReLU {
		if s.Wino {
			tileRowsToRows(g)
		}
		fusedActivationRows(g, s)
	}
}

// convWeightGrad emits the weight- and bias-gradient phase.
func convWeightGrad(g *jen.Group, s *step) {
	kernel := "ConvWeightGrad"
	if s.Wino {
		kernel = "ConvWeightGradWinograd"
	}
	g.Add(rt(kernel)).Call(jen.Op("&").Id(geomName(s)), jen.Id("s"),
		all(sumOf(weights(s))), all(sumOf(bias(s))), all(buf(s.In)), all(grad(s.Out)), jen.Id("lo"), jen.Id("hi"))
}

// convInputGrad emits the input-gradient phase: a transposed convolution for
// stride 1 (followed by the derivative of the previous step's activation,
// see step.ActGradInNext), else the generic gather over rows it first
// clears.
func convInputGrad(g *jen.Group, s *step) {
	if !s.Transposed {
		in := s.In
		rowsLoop(g, []run{{in.G, grad(in), "din"}}, jen.Clear(jen.Id("din")))
		g.Add(rt("ConvInputGradGeneric")).Call(jen.Op("&").Id(geomName(s)), all(grad(in)),
			jen.Lit(in.G.RowLen()), jen.Lit(in.G.Origin()), jen.Lit(in.G.H), jen.Lit(in.G.W), jen.Lit(s.L.PH), jen.Lit(s.L.PW),
			all(paramOf(weights(s))), all(grad(s.Out)), jen.Id("lo"), jen.Id("hi"))
		return
	}
	if s.WinoT {
		g.Add(rt("ConvForwardWinograd")).Call(jen.Op("&").Id(backName(s)), jen.Id("s"),
			all(grad(s.In)), all(grad(s.Out)), jen.Id("c").Dot("wt").Dot(winoTField(s)), jen.Nil(), jen.Id("lo"), jen.Id("hi"))
	} else {
		g.Add(rt("ConvForward")).Call(jen.Op("&").Id(backName(s)), jen.Id("s"),
			all(grad(s.In)), all(grad(s.Out)), all(jen.Id("c").Dot("wt").Dot(transposedField(s))), jen.Nil(), jen.Id("lo"), jen.Id("hi"))
	}
	if p := s.Prev; p != nil && p.ActGradInNext {
		if s.WinoT {
			tileRowsToRows(g)
		}
		// The derivative of the activation before, on the rows just
		// written, which are still in cache.
		fusedDerivative(g, p)
	}
}

// tileRowsToRows turns a Winograd phase's range of pairs of rows into the
// range of the output rows they cover, for what follows on those rows.
func tileRowsToRows(g *jen.Group) {
	g.List(jen.Id("lo"), jen.Id("hi")).Op("=").List(jen.Lit(2).Op("*").Id("lo"), jen.Lit(2).Op("*").Id("hi")).Comment("pairs of rows to rows")
}

// transposedField names a conv's transposed weights; winoField and
// winoTField the Winograd transforms of its weights and transposed weights.
func transposedField(s *step) string { return s.Name() + "T" }
func winoField(s *step) string       { return s.Name() + "U" }
func winoTField(s *step) string      { return s.Name() + "TU" }
