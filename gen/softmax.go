package gen

import (
	"github.com/dave/jennifer/jen"
)

// softmaxForward emits y = exp(x - max x) / Σ exp(x - max x) over every
// value of the sample, summing in float64.
func softmaxForward(g *jen.Group, s *step) {
	n := s.In.F.Size()
	g.Add(window("in", buf(s.In), k(0), n))
	g.Add(window("out", buf(s.Out), k(0), n))
	g.Id("m").Op(":=").Id("in").Index(jen.Lit(0))
	g.For(jen.List(jen.Id("_"), jen.Id("v")).Op(":=").Range().Id("in")).Block(jen.Id("m").Op("=").Max(jen.Id("m"), jen.Id("v")))
	g.Var().Id("sum").Float64()
	g.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id("in")).Block(
		jen.Id("e").Op(":=").Qual("math", "Exp").Call(jen.Float64().Call(jen.Id("v").Op("-").Id("m"))),
		jen.Id("out").Index(jen.Id("i")).Op("=").Float32().Call(jen.Id("e")),
		jen.Id("sum").Op("+=").Id("e"),
	)
	g.Id("inv").Op(":=").Float32().Call(jen.Lit(1).Op("/").Id("sum"))
	g.For(jen.Id("i").Op(":=").Range().Id("out")).Block(jen.Id("out").Index(jen.Id("i")).Op("*=").Id("inv"))
}

// softmaxBackward emits dx = y · (dy - Σ dy·y).
func softmaxBackward(g *jen.Group, s *step) {
	n := s.In.F.Size()
	g.Add(window("y", buf(s.Out), k(0), n))
	g.Add(window("dout", grad(s.Out), k(0), n))
	g.Var().Id("dot").Float64()
	g.For(jen.List(jen.Id("i"), jen.Id("d")).Op(":=").Range().Id("dout")).Block(
		jen.Id("dot").Op("+=").Float64().Call(jen.Id("d").Op("*").Id("y").Index(jen.Id("i"))),
	)
	scatterRows(g, s.In.G, grad(s.In), func(i *jen.Statement) jen.Code {
		return jen.Id("y").Index(i.Clone()).Op("*").Parens(jen.Id("dout").Index(i.Clone()).Op("-").Float32().Call(jen.Id("dot")))
	})
}

// scatterRows emits dst[value i] = f(i) for every value i of a tensor
// (flat index, H, W, C order), whether or not dst's buffer is padded.
func scatterRows(g *jen.Group, l layout, dst *jen.Statement, f func(i *jen.Statement) jen.Code) {
	if !l.Padded() {
		g.Add(window("din", dst, k(0), l.Size()))
		g.For(jen.Id("i").Op(":=").Range().Id("din")).Block(jen.Id("din").Index(jen.Id("i")).Op("=").Add(f(jen.Id("i"))))
		return
	}
	row := l.W * l.C
	g.Add(loop("r", l.H,
		window("din", dst, l.at(v("r", 1), k(0), k(0)), row),
		jen.For(jen.Id("j").Op(":=").Range().Id("din")).Block(
			jen.Id("din").Index(jen.Id("j")).Op("=").Add(f(jen.Id("r").Op("*").Lit(row).Op("+").Id("j"))),
		),
	))
}
