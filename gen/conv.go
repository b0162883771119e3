package gen

import (
	"github.com/dave/jennifer/jen"
)

// maxUnroll is the largest filter height whose rows are unrolled; taller
// filters loop over their rows.
const maxUnroll = 7

// convRows calls body once per filter row i with the offset of that row's
// window in the (padded) input and in the filter, unrolled for filters up to
// maxUnroll rows and in a loop over i beyond. The window of row i at output
// (y, x) is one contiguous run of Fw·C values of the padded input, whatever
// the stride; the matching weights are Fw·C·K contiguous values.
func convRows(g *jen.Group, s *step, body func(g *jen.Group, in, wt lin)) {
	l, in := s.L, s.In
	base := v("y", l.SH*in.RowLen()).plus(v("x", l.SW*in.C))
	rowW := l.FW * in.C * l.K
	if l.FH <= maxUnroll {
		for i := range l.FH {
			g.Commentf("filter row %d", i)
			body(g, base.add(i*in.RowLen()), k(i*rowW))
		}
		return
	}
	g.For(jen.Id("i").Op(":=").Range().Lit(l.FH)).BlockFunc(func(g *jen.Group) {
		body(g, base.plus(v("i", in.RowLen())), v("i", rowW))
	})
}

// convForward emits a conv: each output pixel's K values start at the bias
// and add, for each filter row, the window row times the weights.
//
//	o := out[pixel][:K:K]
//	copy(o, bias)
//	for t, v := range in[window row][:Fw*C] {
//		for k, wk := range weights[row][t*K:][:K] { o[k] += v * wk }
//	}
func convForward(g *jen.Group, s *step) {
	l, in, out := s.L, s.In, s.Out
	field := fieldName(l.Name + ".weight")
	n := l.FW * in.C
	g.Add(loop("y", out.H, loopFunc("x", out.W, func(b *jen.Group) {
		b.Add(window("o", buf(out), at(out, v("y", 1), v("x", 1), k(0)), l.K))
		b.Copy(jen.Id("o"), jen.Id("p").Dot(fieldName(l.Name+".bias")).Index(jen.Op(":")))
		convRows(b, s, func(b *jen.Group, inOff, wOff lin) {
			b.For(jen.List(jen.Id("t"), jen.Id("v")).Op(":=").Range().Add(buf(in)).Index(inOff.code().Op(":")).Index(jen.Op(":").Lit(n).Op(":").Lit(n))).Block(
				window("wt", jen.Id("p").Dot(field), wOff.plus(v("t", l.K)), l.K),
				jen.For(jen.List(jen.Id("k"), jen.Id("wk")).Op(":=").Range().Id("wt")).Block(
					jen.Id("o").Index(jen.Id("k")).Op("+=").Id("v").Op("*").Id("wk"),
				),
			)
		})
		fusedActivation(b, s, "o")
	})))
}

// convBackward emits a conv's backward pass: the activation's derivative,
// then the bias and weight gradients (the output gradient times each input
// window), then, when needed, the input gradient (each window row gets the
// weights times the output gradient).
func convBackward(g *jen.Group, s *step) {
	l, in, out := s.L, s.In, s.Out
	wf, bf := fieldName(l.Name+".weight"), fieldName(l.Name+".bias")
	n := l.FW * in.C
	g.Id("bb").Op(":=").Id("w").Dot("back")
	fusedDerivative(g, s)
	g.Id("gb").Op(":=").Id("sums").Dot(bf).Index(jen.Op(":"))
	g.Add(loop("y", out.H, loopFunc("x", out.W, func(b *jen.Group) {
		b.Add(window("do", grad(out), at(out, v("y", 1), v("x", 1), k(0)), l.K))
		b.For(jen.List(jen.Id("k"), jen.Id("d")).Op(":=").Range().Id("do")).Block(jen.Id("gb").Index(jen.Id("k")).Op("+=").Id("d"))
		convRows(b, s, func(b *jen.Group, inOff, wOff lin) {
			b.For(jen.List(jen.Id("t"), jen.Id("v")).Op(":=").Range().Add(buf(in)).Index(inOff.code().Op(":")).Index(jen.Op(":").Lit(n).Op(":").Lit(n))).Block(
				window("gt", jen.Id("sums").Dot(wf), wOff.plus(v("t", l.K)), l.K),
				jen.For(jen.List(jen.Id("k"), jen.Id("d")).Op(":=").Range().Id("do")).Block(
					jen.Id("gt").Index(jen.Id("k")).Op("+=").Id("v").Op("*").Id("d"),
				),
			)
		})
	})))
	g.If(jen.Op("!").Id("needIn")).Block(jen.Return())
	g.Clear(grad(in).Index(jen.Op(":")))
	g.Add(loop("y", out.H, loopFunc("x", out.W, func(b *jen.Group) {
		b.Add(window("do", grad(out), at(out, v("y", 1), v("x", 1), k(0)), l.K))
		convRows(b, s, func(b *jen.Group, inOff, wOff lin) {
			b.Block(
				window("drow", grad(in), inOff, n),
				jen.For(jen.Id("t").Op(":=").Range().Id("drow")).Block(
					window("wt", jen.Id("p").Dot(wf), wOff.plus(v("t", l.K)), l.K),
					jen.Var().Id("sum").Float32(),
					jen.For(jen.List(jen.Id("k"), jen.Id("d")).Op(":=").Range().Id("do")).Block(
						jen.Id("sum").Op("+=").Id("wt").Index(jen.Id("k")).Op("*").Id("d"),
					),
					jen.Id("drow").Index(jen.Id("t")).Op("+=").Id("sum"),
				),
			)
		})
	})))
}
