package gen

import (
	"github.com/dave/jennifer/jen"
)

// fcForward emits the fc phase, outputs [lo, hi), and a fused activation.
//
//	runtime.FCForward(w.x2[:], w.x1[:], c.p.fc1W[:], c.p.fc1B[:], 400, lo, hi)
func fcForward(g *jen.Group, s *step) {
	n := s.In.F.Size()
	g.Add(rt("FCForward")).Call(all(buf(s.Out)), all(buf(s.In)), all(paramOf(weights(s))), all(paramOf(bias(s))), jen.Lit(n), jen.Id("lo"), jen.Id("hi"))
	if s.Act != nil {
		g.For(jen.Id("i").Op(":=").Id("lo"), jen.Id("i").Op("<").Id("hi"), jen.Id("i").Op("++")).Block(
			activate(s.Act, buf(s.Out).Index(jen.Id("i")), buf(s.Out).Index(jen.Id("i"))),
		)
	}
}

// fcWeightGrad emits the weight- and bias-gradient phase, outputs [lo, hi):
// in a worker's run of samples, the sample is kept to be added at the end of
// the run (see runtime.FCStash).
func fcWeightGrad(g *jen.Group, s *step) {
	g.If(jen.Id("c").Dot("stash")).Block(
		jen.Id("w").Dot(stashName(s)).Dot("Add").Call(buf(s.In).Index(jen.Op(":").Lit(s.In.F.Size())), grad(s.Out).Index(jen.Op(":").Lit(s.L.K))),
		jen.Return(),
	)
	g.Add(rt("FCWeightGrad")).Call(all(sumOf(weights(s))), all(sumOf(bias(s))), all(buf(s.In)), all(grad(s.Out)), jen.Lit(s.In.F.Size()), jen.Id("lo"), jen.Id("hi"))
}

// fcInputGrad emits the input-gradient phase: over values [lo, hi), or over
// rows when the input gradient's buffer is padded.
func fcInputGrad(g *jen.Group, s *step) {
	in := s.In
	n := in.F.Size()
	dout := grad(s.Out).Clone().Index(jen.Op(":").Lit(s.L.K))
	if !in.G.Padded() {
		g.Add(rt("FCInputGrad")).Call(grad(in).Index(jen.Id("lo").Op(":")), all(paramOf(weights(s))), dout, jen.Lit(n), jen.Id("lo"), jen.Id("hi"))
		return
	}
	row := in.G.W * in.G.C
	g.For(jen.Id("y").Op(":=").Id("lo"), jen.Id("y").Op("<").Id("hi"), jen.Id("y").Op("++")).Block(
		rt("FCInputGrad").Call(grad(in).Index(in.G.at(v("y", 1), k(0), k(0)).code().Op(":")), all(paramOf(weights(s))), dout,
			jen.Lit(n), jen.Id("y").Op("*").Lit(row), jen.Parens(jen.Id("y").Op("+").Lit(1)).Op("*").Lit(row)),
	)
}

// stashName names a worker's stash of an fc step's samples.
func stashName(s *step) string { return "stash" + s.Name() }
