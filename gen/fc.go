package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// fcForward emits the fc phase, outputs [lo, hi), and a fused activation.
//
//	runtime.FCForward(w.x2[:], w.x1[:], c.p.fc1W[:], c.p.fc1B[:], 400, lo, hi)
func fcForward(g *jen.Group, s *step) {
	n := s.In.F.Size()
	g.Add(rt("FCForward")).Call(all(buf(s.Out)), all(buf(s.In)), all(paramOf(weights(s))), all(paramOf(bias(s))), jen.Lit(n), jen.Id("lo"), jen.Id("hi"))
	fcActivation(g, s, jen.Id("lo"), jen.Id("hi"))
}

// fcActivation emits s's fused activation on outputs [lo, hi), if it has
// one.
func fcActivation(g *jen.Group, s *step, lo, hi jen.Code) {
	if s.Act != nil {
		g.For(jen.Id("i").Op(":=").Add(lo), jen.Id("i").Op("<").Add(hi), jen.Id("i").Op("++")).Block(
			activate(s.Act, buf(s.Out).Index(jen.Id("i")), buf(s.Out).Index(jen.Id("i"))),
		)
	}
}

// fcGroupSize is how many samples of a worker's run wait at the grouped fc
// layer's input in a forward-only batch (see groupStep): fc1's weights are
// then read from memory once for that many samples. VGG's fc1 inputs for 8
// samples (800 KB) and a weight row (100 KB) fit a 1 MB L2.
const fcGroupSize = 8

// groupStep is the fc step whose forward pass runs for groups of samples in
// forward-only batches: the first fc step, which in a CNN has most of the
// fc weights (VGG's fc1: 411 of 493 MB), each read once a sample when
// samples run one at a time. Nil when the network has no fc layer; its
// index in steps (and forwardPhases: a step has one forward phase) is the
// second result.
func (g *generator) groupStep() (*step, int) {
	for i, s := range g.steps {
		if s.L.Kind == compiler.FC {
			return s, i
		}
	}
	return nil, -1
}

// fcGroupMachinery emits the group buffers and forwardGroups, which runs a
// worker's samples in groups.
func (g *generator) fcGroupMachinery() {
	s, at := g.groupStep()
	if s == nil {
		return
	}
	n, k := s.In.F.Size(), s.L.K
	f := g.f
	f.Comment(fmt.Sprintf("fcGroup holds the inputs and outputs of %s for a group of samples.", s.Name()))
	f.Type().Id("fcGroup").Struct(
		jen.Id("in").Index(jen.Lit(fcGroupSize*n)).Float32(),
		jen.Id("out").Index(jen.Lit(fcGroupSize*k)).Float32(),
	)
	f.Const().Id("fcGroupSize").Op("=").Lit(fcGroupSize)
	f.Comment("forwardGroups runs samples [lo, hi) of a forward-only batch on worker w in")
	f.Comment(fmt.Sprintf("groups of up to fcGroupSize: each sample runs up to %s, whose input waits in", s.Name()))
	f.Comment(fmt.Sprintf("the group; %s then runs once for the group, reading its weights once rather", s.Name()))
	f.Comment("than once a sample; and each sample goes on from there.")
	mf := func(name string) *jen.Statement { return jen.Id("m").Dot(name) }
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("forwardGroups").Params(
		jen.Id("w").Op("*").Id("worker"), jen.Id("c").Op("*").Id("pass"), jen.List(jen.Id("lo"), jen.Id("hi")).Int(),
	).Block(
		jen.If(jen.Id("w").Dot("group").Op("==").Nil()).Block(jen.Id("w").Dot("group").Op("=").New(jen.Id("fcGroup"))),
		jen.Id("gr").Op(":=").Id("w").Dot("group"),
		jen.For(jen.Id("s0").Op(":=").Id("lo"), jen.Id("s0").Op("<").Id("hi"), jen.Id("s0").Op("+=").Id("fcGroupSize")).Block(
			jen.Id("n").Op(":=").Min(jen.Id("fcGroupSize"), jen.Id("hi").Op("-").Id("s0")),
			jen.For(jen.Id("j").Op(":=").Range().Id("n")).Block(
				jen.Id("c").Dot("sample").Op("=").Id("s0").Op("+").Id("j"),
				jen.Id("w").Dot("load").Call(jen.Op("&").Add(mf("batchX")).Index(jen.Id("s0").Op("+").Id("j"))),
				mf("run").Call(jen.Id("forwardPhases").Index(jen.Op(":").Lit(at)), jen.Id("w"), jen.Id("c"), jen.False()),
				jen.Copy(jen.Id("gr").Dot("in").Index(jen.Id("j").Op("*").Lit(n).Op(":")), buf(s.In).Index(jen.Op(":").Lit(n))),
			),
			rt("FCForwardBatch").Call(all(jen.Id("gr").Dot("out")), all(jen.Id("gr").Dot("in")), all(paramOf(weights(s))), all(paramOf(bias(s))),
				jen.Lit(n), jen.Lit(k), jen.Id("n")),
			jen.For(jen.Id("j").Op(":=").Range().Id("n")).BlockFunc(func(b *jen.Group) {
				b.Id("c").Dot("sample").Op("=").Id("s0").Op("+").Id("j")
				b.Copy(all(buf(s.Out)), jen.Id("gr").Dot("out").Index(jen.Id("j").Op("*").Lit(k).Op(":")))
				fcActivation(b, s, jen.Lit(0), jen.Lit(k))
				b.Add(mf("run")).Call(jen.Id("forwardPhases").Index(jen.Lit(at+1).Op(":")), jen.Id("w"), jen.Id("c"), jen.False())
				b.Add(mf("finish")).Call(jen.Id("w"), jen.Id("c"), jen.Id("s0").Op("+").Id("j"), jen.False())
			}),
		),
	)
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
