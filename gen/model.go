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

// modelType emits the Model struct.
func (g *generator) modelType() {
	g.f.Comment("Model holds the network's parameters, their gradient sums, the optimiser's")
	g.f.Comment("state and one set of buffers per worker. Everything is allocated when first")
	g.f.Comment("needed; after that, no method allocates.")
	g.f.Type().Id("Model").Struct(
		jen.Id("params").Op("*").Id("params"),
		jen.Id("grads").Op("*").Id("params").Comment("gradient sums since ZeroGrad; nil before the first backward pass"),
		jen.Id("velocity").Op("*").Id("params").Comment("momentum buffers; nil before the first step with momentum"),
		jen.Line(),
		jen.Id("wt").Op("*").Id("transposed").Comment("the transposed conv weights input gradients use"),
		jen.Id("wtStale").Bool().Comment("whether wt lags behind params"),
		g.ifWino(jen.Id("wu").Op("*").Id("winograd").Comment("the Winograd transforms of conv weights forward passes use")),
		g.ifWino(jen.Id("wuStale").Bool().Comment("whether wu lags behind params")),
		jen.Line(),
		jen.Id("workers").Index().Op("*").Id("worker"),
		jen.Id("pool").Op("*").Add(rt("Pool")),
		jen.Id("scratch").Index().Add(rt("Scratch")).Comment("per pool worker, for one sample on several threads"),
		jen.Id("single").Id("pass").Comment("the pass of Forward and Backward"),
		jen.Id("cur").Struct(
			jen.Id("ph").Op("*").Id("phase"),
			jen.Id("w").Op("*").Id("worker"),
			jen.Id("c").Op("*").Id("pass"),
		).Comment("the phase being split across the pool"),
		jen.Id("phaseChunk").Func().Params(jen.Int(), jen.Int(), jen.Int()),
		jen.Id("train").Bool().Comment("dropout on"),
		jen.Id("seed").Uint64().Comment("the dropout seed of the current step"),
		jen.Line(),
		jen.Comment("The batch being run: its kind and slices, and the chunk function bound"),
		jen.Comment("once so that running a batch allocates nothing."),
		jen.Id("kind").Int(),
		jen.Id("batchChunk").Func().Params(jen.Int(), jen.Int(), jen.Int()),
		jen.Id("reduceChunk").Func().Params(jen.Int(), jen.Int(), jen.Int()),
		jen.Id("reducing").Int().Comment("the tensor whose gradient sums reduceChunk adds up"),
		jen.Id("batchX").Index().Id("Input"),
		jen.Id("batchY").Index().Id("Output"),
		jen.Id("batchDY").Index().Id("Output"),
		jen.Id("batchDX").Index().Id("Input"),
		jen.Line(),
		jen.Id("batchLabels").Index().Int32(),
		jen.Id("batchTargets").Index().Id("Output"),
		jen.Id("losses").Index().Float64().Comment("each sample's share of the loss"),
		jen.Id("hits").Index().Bool().Comment("whether each sample's top output is its label"),
		jen.Line(),
		jen.Comment("Buffers of the flat-slice methods, grown as needed."),
		jen.Id("flatX").Op(",").Id("flatDX").Index().Id("Input"),
		jen.Id("flatY").Op(",").Id("flatDY").Index().Id("Output"),
	)
	g.f.Line()
	g.f.Var().Id("_").Add(rt("Network")).Op("=").Parens(jen.Op("*").Id("Model")).Parens(jen.Nil())
}

func (g *generator) constructor() {
	g.f.Comment("New returns a model whose weights are He-normal values drawn from seed and")
	g.f.Comment("whose biases are zero, exactly as cnnc's interpreter initialises the same")
	g.f.Comment("network: one runtime.NewRand(seed) fills each weight in PyTorch order. Its")
	g.f.Comment("batch methods use runtime.Threads() workers.")
	g.f.Func().Id("New").Params(jen.Id("seed").Uint64()).Op("*").Id("Model").Block(
		jen.Id("m").Op(":=").Op("&").Id("Model").Values(jen.Dict{jen.Id("params"): jen.New(jen.Id("params"))}),
		jen.Id("m").Dot("params").Dot("init").Call(jen.Id("seed")),
		g.stale(),
		jen.Id("m").Dot("phaseChunk").Op("=").Id("m").Dot("runPhaseChunk"),
		jen.Id("m").Dot("batchChunk").Op("=").Id("m").Dot("runBatchChunk"),
		jen.Id("m").Dot("reduceChunk").Op("=").Id("m").Dot("runReduceChunk"),
		jen.Id("m").Dot("SetThreads").Call(rt("Threads").Call()),
		jen.Return(jen.Id("m")),
	)
}

// api emits the public methods of Model.
func (g *generator) api() {
	m := jen.Id("m").Op("*").Id("Model")
	f := g.f

	f.Comment("SetThreads sets how many workers the batch methods use (at least 1).")
	f.Func().Params(m).Id("SetThreads").Params(jen.Id("n").Int()).Block(
		jen.Id("n").Op("=").Max(jen.Id("n"), jen.Lit(1)),
		jen.If(jen.Id("m").Dot("pool").Op("!=").Nil()).Block(jen.Id("m").Dot("pool").Dot("Close").Call()),
		jen.Id("m").Dot("pool").Op("=").Add(rt("NewPool")).Call(jen.Id("m"), jen.Id("n")),
		jen.For(jen.Len(jen.Id("m").Dot("workers")).Op("<").Id("n")).Block(
			jen.Id("m").Dot("workers").Op("=").Append(jen.Id("m").Dot("workers"), jen.Nil()),
		),
		jen.Id("m").Dot("workers").Op("=").Id("m").Dot("workers").Index(jen.Op(":").Id("n")),
		jen.Id("m").Dot("scratch").Op("=").Make(jen.Index().Add(rt("Scratch")), jen.Id("n")),
	)

	f.Comment("Threads returns the number of workers the batch methods use.")
	f.Func().Params(m).Id("Threads").Params().Int().Block(jen.Return(jen.Len(jen.Id("m").Dot("workers"))))

	f.Comment("SetTraining turns dropout on (with the mask seed for the next passes) or off.")
	f.Comment("Other layers behave the same either way.")
	f.Func().Params(m).Id("SetTraining").Params(jen.Id("on").Bool(), jen.Id("seed").Uint64()).Block(
		jen.Id("m").Dot("train").Op(",").Id("m").Dot("seed").Op("=").Id("on").Op(",").Id("seed"),
	)

	f.Comment("worker returns worker i, allocating its buffers on first use.")
	f.Func().Params(m).Id("worker").Params(jen.Id("i").Int()).Op("*").Id("worker").Block(
		jen.If(jen.Id("m").Dot("workers").Index(jen.Id("i")).Op("==").Nil()).Block(
			jen.Id("m").Dot("workers").Index(jen.Id("i")).Op("=").New(jen.Id("worker")),
		),
		jen.Return(jen.Id("m").Dot("workers").Index(jen.Id("i"))),
	)

	f.Comment("Forward runs one sample through the network, splitting each layer across")
	f.Comment("the workers. It keeps what Backward needs.")
	f.Func().Params(m).Id("Forward").Params(jen.Id("x").Op("*").Id("Input"), jen.Id("y").Op("*").Id("Output")).Block(
		jen.Id("w").Op(":=").Id("m").Dot("worker").Call(jen.Lit(0)),
		jen.Id("w").Dot("load").Call(jen.Id("x")),
		g.ifWino(jen.Id("m").Dot("prepareForward").Call()),
		jen.Id("m").Dot("single").Op("=").Id("pass").Values(g.withWu(jen.Dict{
			jen.Id("p"): jen.Id("m").Dot("params"), jen.Id("train"): jen.Id("m").Dot("train"), jen.Id("seed"): jen.Id("m").Dot("seed"),
		})),
		jen.Id("m").Dot("run").Call(jen.Id("forwardPhases").Index(jen.Op(":")), jen.Id("w"), jen.Op("&").Id("m").Dot("single"), jen.True()),
		jen.Id("w").Dot("store").Call(jen.Id("y")),
	)

	f.Comment("Backward takes the gradient dy of the output of the last Forward and adds")
	f.Comment("the gradient of every parameter to the model's sums; it writes the input's")
	f.Comment("gradient to dx unless dx is nil.")
	f.Func().Params(m).Id("Backward").Params(jen.Id("dy").Op("*").Id("Output"), jen.Id("dx").Op("*").Id("Input")).Block(
		jen.Id("m").Dot("prepareBackward").Call(),
		jen.Id("w").Op(":=").Id("m").Dot("worker").Call(jen.Lit(0)),
		jen.Id("w").Dot("loadGrad").Call(jen.Id("dy")),
		jen.Id("c").Op(":=").Op("&").Id("m").Dot("single"),
		jen.List(jen.Id("c").Dot("p"), jen.Id("c").Dot("sums"), jen.Id("c").Dot("wt"), jen.Id("c").Dot("needDx")).Op("=").
			List(jen.Id("m").Dot("params"), jen.Id("m").Dot("gradSums").Call(jen.Lit(0)), jen.Id("m").Dot("wt"), jen.Id("dx").Op("!=").Nil()),
		jen.Id("m").Dot("run").Call(jen.Id("backwardPhases").Index(jen.Op(":")), jen.Id("w"), jen.Id("c"), jen.True()),
		jen.If(jen.Id("dx").Op("!=").Nil()).Block(jen.Id("w").Dot("storeGrad").Call(jen.Id("dx"))),
	)

	f.Comment("run runs phases on worker w's sample: split across the pool when parallel is")
	f.Comment("set and there are several workers (one sample on several threads), else in")
	f.Comment("turn on the calling goroutine (batches give each worker its own samples).")
	f.Func().Params(m).Id("run").Params(jen.Id("phases").Index().Id("phase"), jen.Id("w").Op("*").Id("worker"), jen.Id("c").Op("*").Id("pass"), jen.Id("parallel").Bool()).Block(
		jen.If(jen.Op("!").Id("parallel").Op("||").Len(jen.Id("m").Dot("workers")).Op("==").Lit(1)).Block(
			jen.For(jen.Id("i").Op(":=").Range().Id("phases")).Block(
				jen.Id("phases").Index(jen.Id("i")).Dot("run").Call(jen.Id("w"), jen.Id("c"), jen.Op("&").Id("w").Dot("scratch"), jen.Lit(0), jen.Id("phases").Index(jen.Id("i")).Dot("n")),
			),
			jen.Return(),
		),
		jen.List(jen.Id("m").Dot("cur").Dot("w"), jen.Id("m").Dot("cur").Dot("c")).Op("=").List(jen.Id("w"), jen.Id("c")),
		jen.For(jen.Id("i").Op(":=").Range().Id("phases")).Block(
			jen.Id("m").Dot("cur").Dot("ph").Op("=").Op("&").Id("phases").Index(jen.Id("i")),
			jen.If(jen.Id("phases").Index(jen.Id("i")).Dot("even")).Block(
				jen.Id("m").Dot("pool").Dot("Run").Call(jen.Id("phases").Index(jen.Id("i")).Dot("n"), jen.Id("m").Dot("phaseChunk")),
			).Else().Block(
				jen.Id("m").Dot("pool").Dot("RunShared").Call(jen.Id("phases").Index(jen.Id("i")).Dot("n"), jen.Id("m").Dot("phaseChunk")),
			),
		),
		jen.List(jen.Id("m").Dot("cur").Dot("w"), jen.Id("m").Dot("cur").Dot("c"), jen.Id("m").Dot("cur").Dot("ph")).Op("=").List(jen.Nil(), jen.Nil(), jen.Nil()),
	)
	f.Func().Params(m).Id("runPhaseChunk").Params(jen.Id("wi"), jen.Id("lo"), jen.Id("hi").Int()).Block(
		jen.Id("m").Dot("cur").Dot("ph").Dot("run").Call(jen.Id("m").Dot("cur").Dot("w"), jen.Id("m").Dot("cur").Dot("c"), jen.Op("&").Id("m").Dot("scratch").Index(jen.Id("wi")), jen.Id("lo"), jen.Id("hi")),
	)

	f.Comment("ProfileN runs one sample (the first InputSize values of x) forward and, when")
	f.Comment("dy is not nil, backward, phase by phase with the model's threads, and reports")
	f.Comment("how long each phase took, named by its layer. It is for benchmarks: cnnc")
	f.Comment("bench prints its per-layer breakdown.")
	f.Func().Params(m).Id("ProfileN").Params(jen.List(jen.Id("x"), jen.Id("dy")).Index().Float32(),
		jen.Id("report").Func().Params(jen.Id("layer").String(), jen.Id("backward").Bool(), jen.Id("d").Qual("time", "Duration"))).Block(
		// The sample goes through the flat buffers: an Input or Output
		// could be too big to be a local.
		jen.If(jen.Len(jen.Id("m").Dot("flatX")).Op("==").Lit(0)).Block(jen.Id("m").Dot("flatX").Op("=").Make(jen.Index().Id("Input"), jen.Lit(1))),
		jen.Id("in").Op(":=").Op("&").Id("m").Dot("flatX").Index(jen.Lit(0)),
		jen.Clear(jen.Id("in").Index(jen.Op(":"))),
		jen.Copy(jen.Id("in").Index(jen.Op(":")), jen.Id("x")),
		jen.Id("w").Op(":=").Id("m").Dot("worker").Call(jen.Lit(0)),
		jen.Id("w").Dot("load").Call(jen.Id("in")),
		g.ifWino(jen.Id("m").Dot("prepareForward").Call()),
		jen.Id("m").Dot("single").Op("=").Id("pass").Values(g.withWu(jen.Dict{jen.Id("p"): jen.Id("m").Dot("params")})),
		jen.Id("timed").Op(":=").Func().Params(jen.Id("phases").Index().Id("phase"), jen.Id("backward").Bool()).Block(
			jen.For(jen.Id("i").Op(":=").Range().Id("phases")).Block(
				jen.Id("start").Op(":=").Qual("time", "Now").Call(),
				jen.Id("m").Dot("run").Call(jen.Id("phases").Index(jen.Id("i").Op(":").Id("i").Op("+").Lit(1)), jen.Id("w"), jen.Op("&").Id("m").Dot("single"), jen.True()),
				jen.Id("report").Call(jen.Id("phases").Index(jen.Id("i")).Dot("layer"), jen.Id("backward"), jen.Qual("time", "Since").Call(jen.Id("start"))),
			),
		),
		jen.Id("timed").Call(jen.Id("forwardPhases").Index(jen.Op(":")), jen.False()),
		jen.If(jen.Id("dy").Op("==").Nil()).Block(jen.Return()),
		jen.If(jen.Len(jen.Id("m").Dot("flatDY")).Op("==").Lit(0)).Block(jen.Id("m").Dot("flatDY").Op("=").Make(jen.Index().Id("Output"), jen.Lit(1))),
		jen.Id("out").Op(":=").Op("&").Id("m").Dot("flatDY").Index(jen.Lit(0)),
		jen.Clear(jen.Id("out").Index(jen.Op(":"))),
		jen.Copy(jen.Id("out").Index(jen.Op(":")), jen.Id("dy")),
		jen.Id("m").Dot("prepareBackward").Call(),
		jen.Id("w").Dot("loadGrad").Call(jen.Id("out")),
		jen.List(jen.Id("m").Dot("single").Dot("sums"), jen.Id("m").Dot("single").Dot("wt")).Op("=").List(jen.Id("m").Dot("gradSums").Call(jen.Lit(0)), jen.Id("m").Dot("wt")),
		jen.Id("timed").Call(jen.Id("backwardPhases").Index(jen.Op(":")), jen.True()),
	)

	if g.hasWino() {
		f.Comment("prepareForward brings the Winograd transforms of conv weights up to date.")
		f.Func().Params(m).Id("prepareForward").Params().Block(
			jen.If(jen.Id("m").Dot("wu").Op("==").Nil()).Block(jen.Id("m").Dot("wu").Op("=").Id("newWinograd").Call()),
			jen.If(jen.Id("m").Dot("wuStale")).Block(
				jen.Id("m").Dot("wu").Dot("update").Call(jen.Id("m").Dot("params")),
				jen.Id("m").Dot("wuStale").Op("=").False(),
			),
		)
	}

	f.Comment("prepareBackward brings the transposed conv weights up to date.")
	f.Func().Params(m).Id("prepareBackward").Params().Block(
		jen.If(jen.Id("m").Dot("wt").Op("==").Nil()).Block(jen.Id("m").Dot("wt").Op("=").Add(g.newTransposed())),
		jen.If(jen.Id("m").Dot("wtStale")).Block(
			jen.Id("m").Dot("wt").Dot("update").Call(jen.Id("m").Dot("params")),
			jen.Id("m").Dot("wtStale").Op("=").False(),
		),
	)

	f.Comment("gradSums returns the gradient sums worker i adds to: the model's own for")
	f.Comment("worker 0, a private set for the others, reduced after each batch.")
	f.Func().Params(m).Id("gradSums").Params(jen.Id("i").Int()).Op("*").Id("params").Block(
		jen.If(jen.Id("m").Dot("grads").Op("==").Nil()).Block(jen.Id("m").Dot("grads").Op("=").New(jen.Id("params"))),
		jen.Id("w").Op(":=").Id("m").Dot("worker").Call(jen.Id("i")),
		jen.If(jen.Id("i").Op("==").Lit(0)).Block(jen.Return(jen.Id("m").Dot("grads"))),
		jen.If(jen.Id("w").Dot("grads").Op("==").Nil()).Block(jen.Id("w").Dot("grads").Op("=").New(jen.Id("params"))),
		jen.Return(jen.Id("w").Dot("grads")),
	)

	f.Comment("ForwardBatch runs every sample of x and writes its output to y, using every")
	f.Comment("worker. It panics if x and y differ in length.")
	f.Func().Params(m).Id("ForwardBatch").Params(jen.Id("x").Index().Id("Input"), jen.Id("y").Index().Id("Output")).Block(
		jen.If(jen.Len(jen.Id("y")).Op("!=").Len(jen.Id("x"))).Block(
			jen.Panic(jen.Lit("ForwardBatch: x and y differ in length")),
		),
		jen.Id("m").Dot("batchX").Op(",").Id("m").Dot("batchY").Op("=").Id("x").Op(",").Id("y"),
		jen.Id("m").Dot("runBatch").Call(jen.Len(jen.Id("x")), jen.Id("batchForward")),
		jen.Id("m").Dot("batchX").Op(",").Id("m").Dot("batchY").Op("=").Nil().Op(",").Nil(),
	)

	f.Comment("ForwardBackwardBatch runs every sample of x forward and then backward with")
	f.Comment("the output gradient dy of the same index, using every worker, and adds the")
	f.Comment("parameter gradients, summed over the batch, to the model's sums. It writes")
	f.Comment("the outputs to y and the input gradients to dx unless they are nil. It")
	f.Comment("panics if the lengths differ.")
	f.Func().Params(m).Id("ForwardBackwardBatch").Params(
		jen.Id("x").Index().Id("Input"), jen.Id("dy").Index().Id("Output"),
		jen.Id("y").Index().Id("Output"), jen.Id("dx").Index().Id("Input"),
	).Block(
		jen.If(jen.Len(jen.Id("dy")).Op("!=").Len(jen.Id("x")).Op("||").
			Id("y").Op("!=").Nil().Op("&&").Len(jen.Id("y")).Op("!=").Len(jen.Id("x")).Op("||").
			Id("dx").Op("!=").Nil().Op("&&").Len(jen.Id("dx")).Op("!=").Len(jen.Id("x"))).Block(
			jen.Panic(jen.Lit("ForwardBackwardBatch: slices differ in length")),
		),
		jen.Id("m").Dot("batchX").Op(",").Id("m").Dot("batchDY").Op(",").Id("m").Dot("batchY").Op(",").Id("m").Dot("batchDX").Op("=").
			Id("x").Op(",").Id("dy").Op(",").Id("y").Op(",").Id("dx"),
		jen.Id("m").Dot("runBatch").Call(jen.Len(jen.Id("x")), jen.Id("batchForwardBackward")),
		jen.Id("m").Dot("batchX").Op(",").Id("m").Dot("batchDY").Op(",").Id("m").Dot("batchY").Op(",").Id("m").Dot("batchDX").Op("=").
			Nil().Op(",").Nil().Op(",").Nil().Op(",").Nil(),
	)

	g.batchMachinery()

	f.Comment("ZeroGrad sets the gradient sums to zero.")
	f.Func().Params(m).Id("ZeroGrad").Params().Block(
		jen.If(jen.Id("m").Dot("grads").Op("!=").Nil()).Block(
			jen.For(jen.List(jen.Id("_"), jen.Id("g")).Op(":=").Range().Id("m").Dot("grads").Dot("slices").Call()).Block(jen.Clear(jen.Id("g"))),
		),
	)

	f.Comment("Step updates every parameter from its gradient sum g as torch.optim.SGD does:")
	f.Comment("with weight decay wd, g += wd·w; with momentum μ, v = μ·v + g (v = g on the")
	f.Comment("first step) and g = v; then w -= lr·g.")
	f.Func().Params(m).Id("Step").Params(jen.Id("lr"), jen.Id("momentum"), jen.Id("weightDecay").Float32()).Block(
		jen.If(jen.Id("m").Dot("grads").Op("==").Nil()).Block(jen.Return()),
		g.stale(),
		jen.Id("first").Op(":=").Id("momentum").Op("!=").Lit(0).Op("&&").Id("m").Dot("velocity").Op("==").Nil(),
		jen.If(jen.Id("first")).Block(jen.Id("m").Dot("velocity").Op("=").New(jen.Id("params"))),
		jen.Id("gs").Op(":=").Id("m").Dot("grads").Dot("slices").Call(),
		jen.Var().Id("vs").Index(jen.Id("numTensors")).Index().Float32(),
		jen.If(jen.Id("momentum").Op("!=").Lit(0)).Block(jen.Id("vs").Op("=").Id("m").Dot("velocity").Dot("slices").Call()),
		jen.For(jen.List(jen.Id("i"), jen.Id("w")).Op(":=").Range().Id("m").Dot("params").Dot("slices").Call()).Block(
			rt("SGDStep").Call(jen.Id("w"), jen.Id("gs").Index(jen.Id("i")), jen.Id("vs").Index(jen.Id("i")),
				jen.Id("lr"), jen.Id("momentum"), jen.Id("weightDecay"), jen.Id("first")),
		),
	)

	g.flatAPI()

	f.Comment("ParamSpecs returns every parameter's PyTorch name and shape, in order.")
	f.Func().Id("ParamSpecs").Params().Index().Add(rt("ParamSpec")).Block(
		jen.Return(jen.Append(jen.Index().Add(rt("ParamSpec")).Values(), jen.Id("paramSpecs").Op("..."))),
	)

	f.Comment("Params returns a copy of every parameter in PyTorch's layout.")
	f.Func().Params(m).Id("Params").Params().Index().Op("*").Add(rt("Array")).Block(
		jen.Return(jen.Id("m").Dot("params").Dot("arrays").Call(jen.Lit(""))),
	)
	f.Comment("Grads returns a copy of every gradient sum in PyTorch's layout, named")
	f.Comment("NAME.grad after its parameter (all zero before the first backward pass).")
	f.Func().Params(m).Id("Grads").Params().Index().Op("*").Add(rt("Array")).Block(
		jen.If(jen.Id("m").Dot("grads").Op("==").Nil()).Block(jen.Id("m").Dot("grads").Op("=").New(jen.Id("params"))),
		jen.Return(jen.Id("m").Dot("grads").Dot("arrays").Call(jen.Lit(".grad"))),
	)
	f.Comment("SetParams sets every parameter from arrays in PyTorch's names and layout.")
	f.Comment("It checks every name and shape first, and on error changes nothing; file")
	f.Comment("names the arrays' origin in the error.")
	f.Func().Params(m).Id("SetParams").Params(jen.Id("file").String(), jen.Id("arrays").Index().Op("*").Add(rt("Array"))).Error().Block(
		jen.List(jen.Id("byName"), jen.Err()).Op(":=").Add(rt("CheckParams")).Call(jen.Id("file"), jen.Id("arrays"), jen.Id("paramSpecs")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.For(jen.List(jen.Id("i"), jen.Id("s")).Op(":=").Range().Id("paramSpecs")).Block(
			jen.Id("m").Dot("params").Dot("fromTorch").Call(jen.Id("i"), jen.Id("byName").Index(jen.Id("s").Dot("Name")).Dot("Float32s").Call()),
		),
		g.stale(),
		jen.Return(jen.Nil()),
	)
	f.Comment("LoadWeights reads parameters from an .npz, .npy or .safetensors file in")
	f.Comment("PyTorch's names and layout; see SetParams.")
	f.Func().Params(m).Id("LoadWeights").Params(jen.Id("path").String()).Error().Block(
		jen.List(jen.Id("arrays"), jen.Err()).Op(":=").Add(rt("ReadArrays")).Call(jen.Id("path")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Return(jen.Id("m").Dot("SetParams").Call(jen.Id("path"), jen.Id("arrays"))),
	)
	f.Comment("SaveWeights writes the parameters to an .npz or .safetensors file in")
	f.Comment("PyTorch's names and layout, replacing the file atomically.")
	f.Func().Params(m).Id("SaveWeights").Params(jen.Id("path").String()).Error().Block(
		jen.Return(rt("WriteArrays").Call(jen.Id("path"), jen.Id("m").Dot("Params").Call())),
	)
}

// flatAPI emits the methods of runtime.Network that take flat slices.
func (g *generator) flatAPI() {
	f := g.f
	m := jen.Id("m").Op("*").Id("Model")
	f.Comment("Sizes returns InputSize and OutputSize.")
	f.Func().Params(m).Id("Sizes").Params().Params(jen.Id("in"), jen.Id("out").Int()).Block(
		jen.Return(jen.Id("InputSize"), jen.Id("OutputSize")),
	)
	// grow emits `buf = grow(buf, n)`-style code inline for a field.
	grow := func(field, typ string) jen.Code {
		return jen.If(jen.Len(jen.Id("m").Dot(field)).Op("<").Id("n")).Block(
			jen.Id("m").Dot(field).Op("=").Make(jen.Index().Id(typ), jen.Id("n")),
		)
	}
	fill := func(field, src, size string) jen.Code {
		return jen.For(jen.Id("i").Op(":=").Range().Id("n")).Block(
			jen.Copy(jen.Id("m").Dot(field).Index(jen.Id("i")).Index(jen.Op(":")), jen.Id(src).Index(jen.Id("i").Op("*").Id(size).Op(":"))),
		)
	}
	drain := func(dst, field, size string) jen.Code {
		return jen.For(jen.Id("i").Op(":=").Range().Id("n")).Block(
			jen.Copy(jen.Id(dst).Index(jen.Id("i").Op("*").Id(size).Op(":")), jen.Id("m").Dot(field).Index(jen.Id("i")).Index(jen.Op(":"))),
		)
	}
	count := jen.Id("n").Op(":=").Len(jen.Id("x")).Op("/").Id("InputSize")

	f.Comment("ForwardN runs len(x)/InputSize samples given as one flat slice and writes")
	f.Comment("their outputs to y. It panics if the lengths do not fit.")
	f.Func().Params(m).Id("ForwardN").Params(jen.Id("x"), jen.Id("y").Index().Float32()).Block(
		count,
		jen.If(jen.Len(jen.Id("x")).Op("!=").Id("n").Op("*").Id("InputSize").Op("||").Len(jen.Id("y")).Op("!=").Id("n").Op("*").Id("OutputSize")).Block(
			jen.Panic(jen.Lit("ForwardN: lengths do not match the model's sizes")),
		),
		grow("flatX", "Input"), grow("flatY", "Output"),
		fill("flatX", "x", "InputSize"),
		jen.Id("m").Dot("ForwardBatch").Call(jen.Id("m").Dot("flatX").Index(jen.Op(":").Id("n")), jen.Id("m").Dot("flatY").Index(jen.Op(":").Id("n"))),
		drain("y", "flatY", "OutputSize"),
	)

	f.Comment("ForwardBackwardN is ForwardBackwardBatch on flat slices; y and dx may be nil.")
	f.Comment("It panics if the lengths do not fit.")
	f.Func().Params(m).Id("ForwardBackwardN").Params(jen.Id("x"), jen.Id("dy"), jen.Id("y"), jen.Id("dx").Index().Float32()).Block(
		count,
		jen.If(jen.Len(jen.Id("x")).Op("!=").Id("n").Op("*").Id("InputSize").Op("||").Len(jen.Id("dy")).Op("!=").Id("n").Op("*").Id("OutputSize").Op("||").
			Id("y").Op("!=").Nil().Op("&&").Len(jen.Id("y")).Op("!=").Len(jen.Id("dy")).Op("||").
			Id("dx").Op("!=").Nil().Op("&&").Len(jen.Id("dx")).Op("!=").Len(jen.Id("x"))).Block(
			jen.Panic(jen.Lit("ForwardBackwardN: lengths do not match the model's sizes")),
		),
		grow("flatX", "Input"), grow("flatY", "Output"), grow("flatDY", "Output"), grow("flatDX", "Input"),
		fill("flatX", "x", "InputSize"),
		fill("flatDY", "dy", "OutputSize"),
		jen.List(jen.Id("ys"), jen.Id("dxs")).Op(":=").Id("m").Dot("flatY").Index(jen.Op(":").Id("n")).Op(",").Id("m").Dot("flatDX").Index(jen.Op(":").Id("n")),
		jen.If(jen.Id("y").Op("==").Nil()).Block(jen.Id("ys").Op("=").Nil()),
		jen.If(jen.Id("dx").Op("==").Nil()).Block(jen.Id("dxs").Op("=").Nil()),
		jen.Id("m").Dot("ForwardBackwardBatch").Call(jen.Id("m").Dot("flatX").Index(jen.Op(":").Id("n")), jen.Id("m").Dot("flatDY").Index(jen.Op(":").Id("n")), jen.Id("ys"), jen.Id("dxs")),
		jen.If(jen.Id("y").Op("!=").Nil()).Block(drain("y", "flatY", "OutputSize")),
		jen.If(jen.Id("dx").Op("!=").Nil()).Block(drain("dx", "flatDX", "InputSize")),
	)
}

// batchMachinery emits how batches run: each worker its own samples when
// there are at least as many samples as workers, else one sample after the
// other, each layer split across the workers.
func (g *generator) batchMachinery() {
	f := g.f
	m := jen.Id("m").Op("*").Id("Model")
	mf := func(name string) *jen.Statement { return jen.Id("m").Dot(name) }
	f.Comment("The kinds of batch.")
	f.Const().Defs(
		jen.Id("batchForward").Op("=").Iota(),
		jen.Id("batchForwardBackward"),
		jen.Id("batchLoss").Comment("forward, loss and backward: a training step"),
		jen.Id("batchEval").Comment("forward and loss"),
	)
	f.Comment("runsBackward says whether a batch of this kind runs backward.")
	f.Func().Id("runsBackward").Params(jen.Id("kind").Int()).Bool().Block(
		jen.Return(jen.Id("kind").Op("==").Id("batchForwardBackward").Op("||").Id("kind").Op("==").Id("batchLoss")),
	)

	f.Comment("runBatch runs the n samples of the batch set in the model's batch fields.")
	f.Comment("With fewer samples than workers, the samples go one after the other, each")
	f.Comment("split across every worker; else each worker runs its own run of samples.")
	f.Func().Params(m).Id("runBatch").Params(jen.Id("n"), jen.Id("kind").Int()).Block(
		mf("kind").Op("=").Id("kind"),
		jen.Id("backward").Op(":=").Id("runsBackward").Call(jen.Id("kind")),
		jen.For(jen.Id("i").Op(":=").Range().Add(mf("workers"))).Block(
			mf("worker").Call(jen.Id("i")),
			jen.If(jen.Id("backward")).Block(mf("gradSums").Call(jen.Id("i"))),
		),
		g.ifWino(mf("prepareForward").Call()),
		jen.If(jen.Id("backward")).Block(mf("prepareBackward").Call()),
		jen.If(jen.Id("n").Op("<").Len(mf("workers"))).Block(
			jen.Id("c").Op(":=").Add(mf("preparePass")).Call(jen.Lit(0), jen.False()),
			jen.For(jen.Id("s").Op(":=").Range().Id("n")).Block(
				mf("sample").Call(mf("workers").Index(jen.Lit(0)), jen.Id("c"), jen.Id("s"), jen.True()),
			),
		).Else().Block(
			mf("pool").Dot("Run").Call(jen.Id("n"), mf("batchChunk")),
		),
		jen.If(jen.Id("backward")).Block(mf("reduceGrads").Call()),
	)

	f.Func().Params(m).Id("runBatchChunk").Params(jen.Id("wi"), jen.Id("lo"), jen.Id("hi").Int()).BlockFunc(func(b *jen.Group) {
		b.Id("c").Op(":=").Add(mf("preparePass")).Call(jen.Id("wi"), jen.True())
		if st, _ := g.groupStep(); st != nil {
			b.If(jen.Op("!").Id("runsBackward").Call(mf("kind")).Op("&&").Id("hi").Op("-").Id("lo").Op(">").Lit(1)).Block(
				mf("forwardGroups").Call(mf("workers").Index(jen.Id("wi")), jen.Id("c"), jen.Id("lo"), jen.Id("hi")),
				jen.Return(),
			)
		}
		b.For(jen.Id("s").Op(":=").Id("lo"), jen.Id("s").Op("<").Id("hi"), jen.Id("s").Op("++")).Block(
			mf("sample").Call(mf("workers").Index(jen.Id("wi")), jen.Id("c"), jen.Id("s"), jen.False()),
		)
		b.If(jen.Id("c").Dot("stash")).Block(mf("workers").Index(jen.Id("wi")).Dot("flushStash").Call(jen.Id("c").Dot("sums")))
	})
	g.fcGroupMachinery()

	f.Comment("preparePass sets up worker wi's pass for the batch being run; run says")
	f.Comment("the worker runs its own run of samples (fc weight gradients then wait for")
	f.Comment("its end).")
	f.Func().Params(m).Id("preparePass").Params(jen.Id("wi").Int(), jen.Id("run").Bool()).Op("*").Id("pass").Block(
		jen.Id("c").Op(":=").Op("&").Add(mf("workers")).Index(jen.Id("wi")).Dot("pass"),
		jen.Op("*").Id("c").Op("=").Id("pass").Values(g.withWu(jen.Dict{
			jen.Id("p"): mf("params"), jen.Id("wt"): mf("wt"), jen.Id("train"): mf("train"), jen.Id("seed"): mf("seed"),
			jen.Id("needDx"): mf("batchDX").Op("!=").Nil(),
		})),
		jen.If(jen.Id("runsBackward").Call(mf("kind"))).Block(
			jen.Id("c").Dot("sums").Op("=").Add(mf("gradSums")).Call(jen.Id("wi")),
			jen.Id("c").Dot("stash").Op("=").Id("run"),
			mf("workers").Index(jen.Id("wi")).Dot("ran").Op("=").Id("wi").Op(">").Lit(0),
		),
		jen.Return(jen.Id("c")),
	)

	f.Comment("sample runs sample s of the batch on worker w, its layers split across the")
	f.Comment("workers when parallel is set.")
	f.Func().Params(m).Id("sample").Params(jen.Id("w").Op("*").Id("worker"), jen.Id("c").Op("*").Id("pass"), jen.Id("s").Int(), jen.Id("parallel").Bool()).BlockFunc(func(b *jen.Group) {
		b.Id("c").Dot("sample").Op("=").Id("s")
		b.Id("w").Dot("load").Call(jen.Op("&").Add(mf("batchX")).Index(jen.Id("s")))
		b.Add(mf("run")).Call(jen.Id("forwardPhases").Index(jen.Op(":")), jen.Id("w"), jen.Id("c"), jen.Id("parallel"))
		b.Add(mf("finish")).Call(jen.Id("w"), jen.Id("c"), jen.Id("s"), jen.Id("parallel"))
	})

	f.Comment("finish does what the batch's kind asks once sample s has run forward on")
	f.Comment("worker w: it stores the output, or computes the loss, and runs backward.")
	f.Func().Params(m).Id("finish").Params(jen.Id("w").Op("*").Id("worker"), jen.Id("c").Op("*").Id("pass"), jen.Id("s").Int(), jen.Id("parallel").Bool()).BlockFunc(func(b *jen.Group) {
		var label, target jen.Code = jen.Lit(0), jen.Nil()
		if g.classifier() {
			label = jen.Int().Call(mf("batchLabels").Index(jen.Id("s")))
		} else {
			target = jen.Op("&").Add(mf("batchTargets")).Index(jen.Id("s"))
		}
		// The loss leaves its gradient at the output, or at the scores
		// before the softmax: backward runs from the step that made them,
		// if any did.
		last := len(g.steps) - 1
		if g.classifier() {
			last--
		}
		lossBackward := jen.Null()
		if last >= 0 {
			lossBackward = mf("run").Call(jen.Id("backwardPhases").Index(jen.Id("backwardStart").Index(jen.Lit(last)).Op(":")), jen.Id("w"), jen.Id("c"), jen.Id("parallel"))
		}
		b.Switch(mf("kind")).Block(
			jen.Case(jen.Id("batchForward")).Block(
				jen.Id("w").Dot("store").Call(jen.Op("&").Add(mf("batchY")).Index(jen.Id("s"))),
			),
			jen.Case(jen.Id("batchForwardBackward")).Block(
				jen.If(mf("batchY").Op("!=").Nil()).Block(jen.Id("w").Dot("store").Call(jen.Op("&").Add(mf("batchY")).Index(jen.Id("s")))),
				jen.Id("w").Dot("loadGrad").Call(jen.Op("&").Add(mf("batchDY")).Index(jen.Id("s"))),
				mf("run").Call(jen.Id("backwardPhases").Index(jen.Op(":")), jen.Id("w"), jen.Id("c"), jen.Id("parallel")),
				jen.If(jen.Id("c").Dot("needDx")).Block(jen.Id("w").Dot("storeGrad").Call(jen.Op("&").Add(mf("batchDX")).Index(jen.Id("s")))),
			),
			jen.Case(jen.Id("batchLoss")).Block(
				mf("losses").Index(jen.Id("s")).Op("=").Id("w").Dot("loss").Call(label, target, jen.Len(mf("batchX"))),
				lossBackward,
			),
			jen.Case(jen.Id("batchEval")).Block(
				mf("losses").Index(jen.Id("s")).Op("=").Id("w").Dot("loss").Call(label, target, jen.Len(mf("batchX"))),
				mf("hits").Index(jen.Id("s")).Op("=").Id("w").Dot("top").Call().Op("==").Add(label),
			),
		)
	})
}

// hasWino says some conv's forward runs as Winograd's minimal filtering: the
// model then keeps its weights transformed.
func (g *generator) hasWino() bool { return len(g.winoSteps()) > 0 }

// newTransposed allocates the transposed weights: newTransposed() when some
// have Winograd transforms, whose length is known at run time only.
func (g *generator) newTransposed() jen.Code {
	if len(g.winoTSteps()) > 0 {
		return jen.Id("newTransposed").Call()
	}
	return jen.New(jen.Id("transposed"))
}

// ifWino is c when the model has Winograd convs, else nothing.
func (g *generator) ifWino(c jen.Code) jen.Code {
	if g.hasWino() {
		return c
	}
	return jen.Null()
}

// withWu adds the Winograd weights to a pass's fields when there are any.
func (g *generator) withWu(d jen.Dict) jen.Dict {
	if g.hasWino() {
		d[jen.Id("wu")] = jen.Id("m").Dot("wu")
	}
	return d
}

// stale marks the weights derived from the parameters as lagging behind.
func (g *generator) stale() jen.Code {
	if g.hasWino() {
		return jen.List(jen.Id("m").Dot("wtStale"), jen.Id("m").Dot("wuStale")).Op("=").List(jen.True(), jen.True())
	}
	return jen.Id("m").Dot("wtStale").Op("=").True()
}
