package gen

import (
	"fmt"

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
		g.f.Var().Id(geomName(s)).Op("=").Add(geomLit("ConvGeom",
			[]any{"C", in.F.C, "InRow", in.F.RowLen(), "OH", out.F.H, "OW", out.F.W, "K", l.K, "OutRow", out.F.RowLen(), "OutOff", out.F.Origin()},
			[]any{"FH", l.FH, "FW", l.FW, "SH", l.SH, "SW", l.SW, "KB", s.KB, "ReLU", s.Act != nil && s.Act.Kind == compiler.ReLU},
			[]any{"DOutRow", out.G.RowLen(), "DOutOff", out.G.Origin()}))
		if s.Transposed {
			g.f.Commentf("%s: the transposed convolution that computes %s's input gradient.", backName(s), s.Name())
			g.f.Var().Id(backName(s)).Op("=").Add(geomLit("ConvGeom",
				[]any{"C", l.K, "InRow", out.G.RowLen(), "OH", in.G.H, "OW", in.G.W, "K", in.G.C, "OutRow", in.G.RowLen(), "OutOff", in.G.Origin()},
				[]any{"FH", l.FH, "FW", l.FW, "SH", 1, "SW", 1, "KB", s.KBT}))
		}
	case compiler.MaxPool, compiler.MeanPool:
		g.f.Commentf("%s: %s.", geomName(s), l.Text)
		g.f.Var().Id(geomName(s)).Op("=").Add(geomLit("PoolGeom",
			[]any{"C", in.F.C, "H", in.F.H, "W", in.F.W, "InRow", in.F.RowLen(), "InOff", in.F.Origin()},
			[]any{"OH", out.F.H, "OW", out.F.W, "OutRow", out.F.RowLen(), "OutOff", out.F.Origin()},
			[]any{"FH", l.FH, "FW", l.FW, "SH", l.SH, "SW", l.SW, "PH", l.PH, "PW", l.PW},
			[]any{"DInRow", in.G.RowLen(), "DInOff", in.G.Origin(), "DOutRow", out.G.RowLen(), "DOutOff", out.G.Origin()}))
	}
}

// geomLit renders a runtime geometry literal, each group of fields (name,
// value pairs) on a line of its own, zero values left out; a value may be
// a number, a bool or code (nil left out).
//
//	runtime.ConvGeom{
//		C: 3, InRow: 21, OH: 3, OW: 3, K: 2, OutRow: 6,
//		FH: 3, FW: 3, SH: 2, SW: 2, KB: 16,
//		DOutRow: 6,
//	}
func geomLit(typ string, groups ...[]any) jen.Code {
	var items []jen.Code
	for _, group := range groups {
		first := true
		for i := 0; i < len(group); i += 2 {
			name, value := group[i].(string), group[i+1]
			var item jen.Code
			switch v := value.(type) {
			case nil:
				continue
			case int:
				if v == 0 {
					continue
				}
				item = jen.Id(name).Op(":").Lit(v)
			case float64:
				if v == 0 {
					continue
				}
				item = jen.Id(name).Op(":").Lit(v)
			case float32:
				if v == 0 {
					continue
				}
				item = jen.Id(name).Op(":").Lit(v)
			case bool:
				if !v {
					continue
				}
				item = jen.Id(name).Op(":").Lit(v)
			case jen.Code:
				item = jen.Id(name).Op(":").Add(v)
			default:
				panic(fmt.Sprintf("gen: glit: %T", value))
			}
			if first {
				item = jen.Line().Add(item)
				first = false
			}
			items = append(items, item)
		}
	}
	return rt(typ).Values(append(items, jen.Line())...)
}

// weights and bias name a step's parameter fields.
func weights(s *step) string { return fieldName(s.Name() + ".weight") }
func bias(s *step) string    { return fieldName(s.Name() + ".bias") }

// convForward emits a conv forward phase: the kernel, then a fused
// activation other than relu (which the kernel applies itself).
//
//	runtime.ConvForward(&conv1Geom, c.Scratch, c.F[x1], c.F[x0], c.P[conv1W], c.P[conv1B], lo, hi)
func convForward(g *jen.Group, s *step) {
	out, in, b := buf(s.Out), buf(s.In), paramOf(bias(s))
	switch {
	case s.Wino:
		g.Add(rt("ConvForwardWinograd")).Call(jen.Op("&").Id(geomName(s)), scratch(),
			out, in, derived(winoField(s)), b, jen.Id("lo"), jen.Id("hi"))
	case s.WinoOdd:
		g.Add(rt("ConvForwardWinogradOdd")).Call(jen.Op("&").Id(geomName(s)), scratch(),
			out, in, derived(winoField(s)), paramOf(weights(s)), b, jen.Id("lo"), jen.Id("hi"))
	default:
		g.Add(rt("ConvForward")).Call(jen.Op("&").Id(geomName(s)), scratch(),
			out, in, paramOf(weights(s)), b, jen.Id("lo"), jen.Id("hi"))
	}
	if s.Act != nil && s.Act.Kind != compiler.ReLU {
		if s.Wino {
			tileRowsToRows(g)
		}
		if s.WinoOdd {
			g.List(jen.Id("lo"), jen.Id("hi")).Op("=").List(jen.Lit(2).Op("*").Id("lo"), jen.Id("min").Call(jen.Lit(2).Op("*").Id("hi"), jen.Lit(s.Out.F.H))).
				Comment("pairs of rows to rows")
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
	g.Add(rt(kernel)).Call(jen.Op("&").Id(geomName(s)), scratch(),
		sumOf(weights(s)), sumOf(bias(s)), buf(s.In), grad(s.Out), jen.Id("lo"), jen.Id("hi"))
}

// convInputGrad emits the input-gradient phase: a transposed convolution for
// stride 1 (followed by the derivative of the previous step's activation,
// see step.ActGradInNext), else the generic gather over rows it first
// clears.
func convInputGrad(g *jen.Group, s *step) {
	if !s.Transposed {
		in := s.In
		rowsLoop(g, []run{{in.G, grad(in), "din"}}, jen.Clear(jen.Id("din")))
		g.Add(rt("ConvInputGradGeneric")).Call(jen.Op("&").Id(geomName(s)), grad(in),
			jen.Lit(in.G.RowLen()), jen.Lit(in.G.Origin()), jen.Lit(in.G.H), jen.Lit(in.G.W), jen.Lit(s.L.PH), jen.Lit(s.L.PW),
			paramOf(weights(s)), grad(s.Out), jen.Id("lo"), jen.Id("hi"))
		return
	}
	if s.WinoT {
		g.Add(rt("ConvForwardWinograd")).Call(jen.Op("&").Id(backName(s)), scratch(),
			grad(s.In), grad(s.Out), derived(winoTField(s)), jen.Nil(), jen.Id("lo"), jen.Id("hi"))
	} else {
		g.Add(rt("ConvForward")).Call(jen.Op("&").Id(backName(s)), scratch(),
			grad(s.In), grad(s.Out), derived(transposedField(s)), jen.Nil(), jen.Id("lo"), jen.Id("hi"))
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
// winoTField the Winograd transforms of its weights and transposed weights
// (derived tensors).
func transposedField(s *step) string { return s.Name() + "T" }
func winoField(s *step) string       { return s.Name() + "U" }
func winoTField(s *step) string      { return s.Name() + "TU" }
