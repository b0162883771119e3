package gen

import (
	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// fcForward emits the fc phase, outputs [lo, hi), and a fused activation.
//
//	runtime.FCForward(c.F[x2], c.F[x1], c.P[fc1W], c.P[fc1B], 400, lo, hi)
func fcForward(g *jen.Group, s *step) {
	n := s.In.F.Size()
	g.Add(rt("FCForward")).Call(buf(s.Out), buf(s.In), paramOf(weights(s)), paramOf(bias(s)), jen.Lit(n), jen.Id("lo"), jen.Id("hi"))
	fcActivation(g, s, buf(s.Out).Index(jen.Id("lo").Op(":").Id("hi")))
}

// fcActivation emits s's fused activation on the values of out, if it has
// one.
func fcActivation(g *jen.Group, s *step, out *jen.Statement) {
	if s.Act != nil {
		g.Id("o").Op(":=").Add(out)
		g.Add(activateAll(s.Act, jen.Id("o"), jen.Id("o")))
	}
}

// fcGroupSize is how many samples of a worker's run wait at the grouped fc
// layer's input in a forward-only batch (see groupStep): fc1's weights are
// then read from memory once for that many samples. VGG's fc1 inputs for 8
// samples (800 KB) and a weight row (100 KB) fit a 1 MB L2.
const fcGroupSize = 8

// groupStep is the fc step whose forward pass runs for groups of samples in
// forward-only batches (engine.Group): the first fc step, which in a CNN has
// most of the fc weights (VGG's fc1: 411 of 493 MB), each read once a
// sample when samples run one at a time. Nil when the network has no fc
// layer; its index in steps is the second result.
func (g *generator) groupStep() (*step, int) {
	for i, s := range g.steps {
		if s.L.Kind == compiler.FC {
			return s, i
		}
	}
	return nil, -1
}

// groupName names the function that runs the group step for a group.
func groupName(s *step) string { return s.Name() + "Group" }

// groupFunc emits the function that runs the group step for n samples at
// once (engine.Group.Run), if there is a group step.
func (g *generator) groupFunc() {
	s, _ := g.groupStep()
	if s == nil {
		return
	}
	n, k := s.In.F.Size(), s.L.K
	g.f.Commentf("%s computes %s for the n samples whose inputs are in, %d values apart, into", groupName(s), s.Name(), n)
	g.f.Commentf("out, %d apart, reading the weights once for all of them.", k)
	g.f.Func().Id(groupName(s)).Params(jen.Id("c").Op("*").Add(eng("Ctx")), jen.List(jen.Id("in"), jen.Id("out")).Index().Float32(), jen.Id("n").Int()).BlockFunc(func(b *jen.Group) {
		b.Add(rt("FCForwardBatch")).Call(jen.Id("out"), jen.Id("in"), paramOf(weights(s)), paramOf(bias(s)), jen.Lit(n), jen.Lit(k), jen.Id("n"))
		fcActivation(b, s, jen.Id("out").Index(jen.Op(":").Id("n").Op("*").Lit(k)))
	})
}

// fcWeightGrad emits the weight- and bias-gradient phase, outputs [lo, hi):
// in a worker's run of samples, the sample is kept to be added at the end of
// the run (see runtime.FCStash and stashFlush).
func fcWeightGrad(g *jen.Group, s *step) {
	g.If(jen.Id("c").Dot("Stash")).Block(
		stash(s).Dot("Add").Call(buf(s.In).Index(jen.Op(":").Lit(s.In.F.Size())), grad(s.Out).Index(jen.Op(":").Lit(s.L.K))),
		jen.Return(),
	)
	g.Add(rt("FCWeightGrad")).Call(sumOf(weights(s)), sumOf(bias(s)), buf(s.In), grad(s.Out), jen.Lit(s.In.F.Size()), jen.Id("lo"), jen.Id("hi"))
}

// stashFlush returns the engine.Step's Flush function of an fc step, which
// adds the weight gradients kept during a worker's run of samples.
func stashFlush(s *step) jen.Code {
	return jen.Func().Params(jen.Id("c").Op("*").Add(eng("Ctx"))).Block(
		stash(s).Dot("Flush").Call(sumOf(weights(s)), sumOf(bias(s)), jen.Lit(s.In.F.Size())),
	)
}

// fcInputGrad emits the input-gradient phase: over values [lo, hi), or over
// rows when the input gradient's buffer is padded.
func fcInputGrad(g *jen.Group, s *step) {
	in := s.In
	n := in.F.Size()
	dout := grad(s.Out).Index(jen.Op(":").Lit(s.L.K))
	if !in.G.Padded() {
		g.Add(rt("FCInputGrad")).Call(grad(in).Index(jen.Id("lo").Op(":")), paramOf(weights(s)), dout, jen.Lit(n), jen.Id("lo"), jen.Id("hi"))
		return
	}
	row := in.G.W * in.G.C
	g.For(jen.Id("y").Op(":=").Id("lo"), jen.Id("y").Op("<").Id("hi"), jen.Id("y").Op("++")).Block(
		rt("FCInputGrad").Call(grad(in).Index(in.G.at(v("y", 1), k(0), k(0)).code().Op(":")), paramOf(weights(s)), dout,
			jen.Lit(n), jen.Id("y").Op("*").Lit(row), jen.Parens(jen.Id("y").Op("+").Lit(1)).Op("*").Lit(row)),
	)
}

// stashName names the index of an fc step's stash among a worker's; stash
// refers to it, c.Stashes[stashfc1].
func stashName(s *step) string { return "stash" + s.Name() }
func stash(s *step) *jen.Statement {
	return jen.Id("c").Dot("Stashes").Index(jen.Id(stashName(s)))
}
