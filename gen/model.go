package gen

import (
	"github.com/dave/jennifer/jen"
)

// constants emits the sizes of the public tensors and the Input and Output
// types.
func (g *generator) constants() {
	in, out := g.net.Input, g.net.Output()
	g.f.Comment("Sizes of one sample, baked in at compile time.")
	g.f.Const().DefsFunc(func(d *jen.Group) {
		d.Id("InputC").Op(",").Id("InputH").Op(",").Id("InputW").Op("=").Lit(in.C).Op(",").Lit(in.H).Op(",").Lit(in.W)
		d.Id("InputSize").Op("=").Lit(in.Size()).Comment("C·H·W")
		if out.Flat {
			d.Id("OutputSize").Op("=").Lit(out.Size()).Comment("features")
		} else {
			d.Id("OutputC").Op(",").Id("OutputH").Op(",").Id("OutputW").Op("=").Lit(out.C).Op(",").Lit(out.H).Op(",").Lit(out.W)
			d.Id("OutputSize").Op("=").Lit(out.Size()).Comment("C·H·W")
		}
		d.Id("NumParams").Op("=").Lit(int(g.net.Costs().Params)).Comment("learnable values")
	})
	g.f.Line()
	g.f.Comment("Input is one sample in PyTorch's C×H×W order.")
	g.f.Type().Id("Input").Index(jen.Id("InputSize")).Float32()
	if out.Flat {
		g.f.Comment("Output is the network's output for one sample: its features.")
	} else {
		g.f.Comment("Output is the network's output for one sample, in C×H×W order.")
	}
	g.f.Type().Id("Output").Index(jen.Id("OutputSize")).Float32()
	g.f.Line()

	// A compile-time guard: the baked-in sizes must agree with each other.
	g.f.Comment("The sizes above must stay consistent with the shapes below; this fails to")
	g.f.Comment("compile if they do not.")
	g.f.Var().Id("_").Op("=").Index(jen.Lit(1)).Struct().Values().Index(
		jen.Id("InputSize").Op("-").Id("InputC").Op("*").Id("InputH").Op("*").Id("InputW"))
}

// modelType emits the Model type, which embeds the engine's typed model,
// its constructor and ParamSpecs.
func (g *generator) modelType() {
	typed := eng("Model").Types(jen.Id("Input"), jen.Id("Output"))
	g.f.Comment("Model runs the network. Its methods are engine.Model's, typed with Input")
	g.f.Comment("and Output (Forward, Backward, ForwardBatch, ForwardBackwardBatch,")
	g.f.Comment("TrainBatch, Evaluate), and engine.Engine's (ZeroGrad, Step, SetThreads,")
	g.f.Comment("SetTraining, Params, Grads, SetParams, LoadWeights, SaveWeights and the")
	g.f.Comment("flat-slice methods of runtime.Network).")
	g.f.Type().Id("Model").Struct(typed.Clone())
	g.f.Line()
	g.f.Var().Id("_").Add(rt("Network")).Op("=").Parens(jen.Op("*").Id("Model")).Parens(jen.Nil())
	g.f.Line()
	g.f.Comment("New returns a model whose weights are He-normal values drawn from seed and")
	g.f.Comment("whose biases are zero, exactly as cnnc's interpreter initialises the same")
	g.f.Comment("network: one runtime.NewRand(seed) fills each weight in PyTorch order. Its")
	g.f.Comment("batch methods use runtime.Threads() workers.")
	g.f.Func().Id("New").Params(jen.Id("seed").Uint64()).Op("*").Id("Model").Block(
		jen.Return(jen.Op("&").Id("Model").Values(
			eng("NewModel").Types(jen.Id("Input"), jen.Id("Output")).Call(jen.Op("&").Id("program"), jen.Id("seed")))),
	)
	g.f.Line()
	g.f.Comment("ParamSpecs returns every parameter's PyTorch name and shape, in order.")
	g.f.Func().Id("ParamSpecs").Params().Index().Add(rt("ParamSpec")).Block(
		jen.Return(jen.Id("program").Dot("ParamSpecs").Call()),
	)
}
