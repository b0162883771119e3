package gen

import (
	"github.com/dave/jennifer/jen"
)

// fcForward emits out[o] = b[o] + Σ_i W[o][i]·in[i], the input read in its
// internal order (the weights were permuted to match when set).
func fcForward(g *jen.Group, s *step) {
	l, in, out := s.L, s.In, s.Out
	n := in.Size()
	wf, bf := fieldName(l.Name+".weight"), fieldName(l.Name+".bias")
	g.Add(window("in", buf(in), k(0), n))
	g.Add(window("out", buf(out), k(0), l.K))
	g.For(jen.Id("o").Op(":=").Range().Id("out")).Block(
		window("row", jen.Id("p").Dot(wf), v("o", n), n),
		jen.Id("sum").Op(":=").Id("p").Dot(bf).Index(jen.Id("o")),
		jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id("in")).Block(
			jen.Id("sum").Op("+=").Id("row").Index(jen.Id("i")).Op("*").Id("v"),
		),
		jen.Id("out").Index(jen.Id("o")).Op("=").Id("sum"),
	)
	fusedActivation(g, s, "out")
}

// fcBackward emits the bias gradient (the output gradient), the weight
// gradient (its outer product with the input) and, when needed, the input
// gradient (the weights' transpose times the output gradient).
func fcBackward(g *jen.Group, s *step) {
	l, in, out := s.L, s.In, s.Out
	n := in.Size()
	wf, bf := fieldName(l.Name+".weight"), fieldName(l.Name+".bias")
	g.Id("bb").Op(":=").Id("w").Dot("back")
	fusedDerivative(g, s)
	g.Add(window("in", buf(in), k(0), n))
	g.Add(window("do", grad(out), k(0), l.K))
	g.For(jen.List(jen.Id("o"), jen.Id("d")).Op(":=").Range().Id("do")).Block(
		jen.Id("sums").Dot(bf).Index(jen.Id("o")).Op("+=").Id("d"),
		window("gw", jen.Id("sums").Dot(wf), v("o", n), n),
		jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id("in")).Block(
			jen.Id("gw").Index(jen.Id("i")).Op("+=").Id("d").Op("*").Id("v"),
		),
	)
	g.If(jen.Op("!").Id("needIn")).Block(jen.Return())
	g.Add(window("din", grad(in), k(0), n))
	g.Clear(jen.Id("din"))
	g.For(jen.List(jen.Id("o"), jen.Id("d")).Op(":=").Range().Id("do")).Block(
		window("row", jen.Id("p").Dot(wf), v("o", n), n),
		jen.For(jen.List(jen.Id("i"), jen.Id("wv")).Op(":=").Range().Id("row")).Block(
			jen.Id("din").Index(jen.Id("i")).Op("+=").Id("wv").Op("*").Id("d"),
		),
	)
}
