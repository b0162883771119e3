package gen

import (
	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// classifier reports whether the network ends in softmax: it then trains with
// cross-entropy on the scores before the softmax, else with squared error.
func (g *generator) classifier() bool {
	return len(g.steps) > 0 && g.steps[len(g.steps)-1].L.Kind == compiler.Softmax
}

// training emits the loss functions of a worker and the Model's training and
// evaluation methods.
func (g *generator) training() {
	g.lossFunction()
	defer g.trainingFlat()
	f := g.f
	m := jen.Id("m").Op("*").Id("Model")
	mf := func(name string) *jen.Statement { return jen.Id("m").Dot(name) }

	f.Comment("Classifier reports whether the network ends in softmax, and so trains with")
	f.Comment("class labels and cross-entropy rather than targets and squared error.")
	f.Func().Params(m).Id("Classifier").Params().Bool().Block(jen.Return(jen.Lit(g.classifier())))

	errs := "It returns an error, and changes nothing, if x is empty, a length differs,"
	if g.classifier() {
		f.Comment("TrainBatch runs one step of training on the mini-batch x with class labels:")
		f.Comment("forward with dropout on (masks drawn from seed), the mean cross-entropy of")
		f.Comment("the scores before the final softmax (PyTorch's nn.CrossEntropyLoss), backward")
		f.Comment("and an SGD step. targets must be nil. It returns the loss, computed before")
		f.Comment("the step. " + errs + " a label")
		f.Comment("is not a class (0 to OutputSize-1), an input value is not finite, or opt's")
		f.Comment("values are negative or not finite.")
	} else {
		f.Comment("TrainBatch runs one step of training on the mini-batch x with targets: forward")
		f.Comment("with dropout on (masks drawn from seed), the mean squared error of the")
		f.Comment("outputs (PyTorch's nn.MSELoss), backward and an SGD step. labels must be nil.")
		f.Comment("It returns the loss, computed before the step. " + errs)
		f.Comment("an input or target value is not finite, or opt's values are negative or not")
		f.Comment("finite.")
	}
	batch := []jen.Code{jen.Id("x").Index().Id("Input"), jen.Id("labels").Index().Int32(), jen.Id("targets").Index().Id("Output")}
	fail := func(results ...jen.Code) jen.Code {
		return jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(append(results, jen.Err())...))
	}
	f.Func().Params(m).Id("TrainBatch").Params(append(batch, jen.Id("opt").Add(rt("SGD")), jen.Id("seed").Uint64())...).Params(jen.Float64(), jen.Error()).Block(
		jen.Err().Op(":=").Add(mf("checkBatch")).Call(jen.Lit("TrainBatch"), jen.Id("x"), jen.Id("labels"), jen.Id("targets")),
		jen.If(jen.Err().Op("==").Nil()).Block(jen.Err().Op("=").Id("opt").Dot("Check").Call()),
		fail(jen.Lit(0)),
		mf("ZeroGrad").Call(),
		jen.List(mf("train"), mf("seed")).Op("=").List(jen.True(), jen.Id("seed")),
		jen.List(mf("batchX"), mf("batchLabels"), mf("batchTargets")).Op("=").List(jen.Id("x"), jen.Id("labels"), jen.Id("targets")),
		mf("runBatch").Call(jen.Len(jen.Id("x")), jen.Id("batchLoss")),
		jen.List(mf("batchX"), mf("batchLabels"), mf("batchTargets")).Op("=").List(jen.Nil(), jen.Nil(), jen.Nil()),
		mf("train").Op("=").False(),
		mf("Step").Call(jen.Id("opt").Dot("LR"), jen.Id("opt").Dot("Momentum"), jen.Id("opt").Dot("WeightDecay")),
		jen.Return(mf("lossSum").Call(jen.Len(jen.Id("x"))), jen.Nil()),
	)

	f.Comment("Evaluate runs x with dropout off and returns the mean loss (as TrainBatch")
	f.Comment("defines it) and, for a classifier, how many samples have their label as the")
	f.Comment("top output. It changes no parameter, and returns an error if TrainBatch would.")
	f.Func().Params(m).Id("Evaluate").Params(batch...).Params(jen.Id("loss").Float64(), jen.Id("correct").Int(), jen.Err().Error()).Block(
		jen.If(jen.Err().Op(":=").Add(mf("checkBatch")).Call(jen.Lit("Evaluate"), jen.Id("x"), jen.Id("labels"), jen.Id("targets")), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Lit(0), jen.Lit(0), jen.Err()),
		),
		jen.Id("train").Op(":=").Add(mf("train")),
		mf("train").Op("=").False(),
		jen.List(mf("batchX"), mf("batchLabels"), mf("batchTargets")).Op("=").List(jen.Id("x"), jen.Id("labels"), jen.Id("targets")),
		mf("runBatch").Call(jen.Len(jen.Id("x")), jen.Id("batchEval")),
		jen.List(mf("batchX"), mf("batchLabels"), mf("batchTargets")).Op("=").List(jen.Nil(), jen.Nil(), jen.Nil()),
		mf("train").Op("=").Id("train"),
		jen.For(jen.List(jen.Id("_"), jen.Id("hit")).Op(":=").Range().Add(mf("hits")).Index(jen.Op(":").Len(jen.Id("x")))).Block(
			jen.If(jen.Id("hit")).Block(jen.Id("correct").Op("++")),
		),
		jen.Return(mf("lossSum").Call(jen.Len(jen.Id("x"))), jen.Id("correct"), jen.Nil()),
	)
	g.checkBatch()

	f.Comment("lossSum adds the per-sample shares of the loss in sample order.")
	f.Func().Params(m).Id("lossSum").Params(jen.Id("n").Int()).Float64().Block(
		jen.Var().Id("sum").Float64(),
		jen.For(jen.List(jen.Id("_"), jen.Id("l")).Op(":=").Range().Add(mf("losses")).Index(jen.Op(":").Id("n"))).Block(
			jen.Id("sum").Op("+=").Id("l"),
		),
		jen.Return(jen.Id("sum")),
	)

	f.Comment("reduceGrads adds the gradient sums of the workers that ran samples of the")
	f.Comment("batch into the model's, in worker order, and clears them; every worker takes a")
	f.Comment("part of each tensor (VGG's sums are 553 MB a worker).")
	f.Func().Params(m).Id("reduceGrads").Params().Block(
		jen.Id("ran").Op(":=").False(),
		jen.For(jen.List(jen.Id("_"), jen.Id("w")).Op(":=").Range().Add(mf("workers")).Index(jen.Lit(1).Op(":"))).Block(
			jen.Id("ran").Op("=").Id("ran").Op("||").Id("w").Dot("ran"),
		),
		jen.If(jen.Op("!").Id("ran")).Block(jen.Return()),
		jen.For(jen.List(jen.Id("i"), jen.Id("g")).Op(":=").Range().Add(mf("grads")).Dot("slices").Call()).Block(
			mf("reducing").Op("=").Id("i"),
			mf("pool").Dot("Run").Call(jen.Len(jen.Id("g")), mf("reduceChunk")),
		),
		jen.For(jen.List(jen.Id("_"), jen.Id("w")).Op(":=").Range().Add(mf("workers"))).Block(
			jen.Id("w").Dot("ran").Op("=").False(),
		),
	)
	f.Comment("runReduceChunk is reduceGrads for values [lo, hi) of tensor m.reducing.")
	f.Func().Params(m).Id("runReduceChunk").Params(jen.List(jen.Id("_"), jen.Id("lo"), jen.Id("hi")).Int()).Block(
		jen.Id("sum").Op(":=").Add(mf("grads")).Dot("slices").Call().Index(mf("reducing")).Index(jen.Id("lo").Op(":").Id("hi")),
		jen.For(jen.List(jen.Id("_"), jen.Id("w")).Op(":=").Range().Add(mf("workers")).Index(jen.Lit(1).Op(":"))).Block(
			jen.If(jen.Id("w").Dot("ran")).Block(
				rt("Drain").Call(jen.Id("sum"), jen.Id("w").Dot("grads").Dot("slices").Call().Index(mf("reducing")).Index(jen.Id("lo").Op(":").Id("hi"))),
			),
		),
	)

}

// checkBatch emits the method that checks a labelled or targeted batch at
// the API's boundary, on the caller's goroutine, and grows the per-sample
// results: a label that is not a class would otherwise panic in a worker.
func (g *generator) checkBatch() {
	mf := func(name string) *jen.Statement { return jen.Id("m").Dot(name) }
	errorf := func(format string, args ...jen.Code) jen.Code {
		return jen.Return(jen.Qual("fmt", "Errorf").Call(append([]jen.Code{jen.Lit("%s: " + format), jen.Id("fn")}, args...)...))
	}
	check := func(call jen.Code) jen.Code {
		return jen.If(jen.Err().Op(":=").Add(call), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))
	}
	finite := func(what, slice string) jen.Code {
		return jen.For(jen.Id("i").Op(":=").Range().Id(slice)).Block(
			check(rt("CheckFinite").Call(jen.Id("fn"), jen.Lit(what), jen.Id("i"), jen.Id(slice).Index(jen.Id("i")).Index(jen.Op(":")))),
		)
	}
	g.f.Comment("checkBatch returns an error, naming fn, unless x with labels or targets is")
	g.f.Comment("a batch the network can learn from; it grows the per-sample results.")
	g.f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("checkBatch").Params(
		jen.Id("fn").String(), jen.Id("x").Index().Id("Input"), jen.Id("labels").Index().Int32(), jen.Id("targets").Index().Id("Output"),
	).Error().BlockFunc(func(b *jen.Group) {
		b.If(jen.Len(jen.Id("x")).Op("==").Lit(0)).Block(errorf("the batch has no samples"))
		if g.classifier() {
			b.If(jen.Len(jen.Id("labels")).Op("!=").Len(jen.Id("x"))).Block(errorf("%d labels for %d samples", jen.Len(jen.Id("labels")), jen.Len(jen.Id("x"))))
			b.If(jen.Id("targets").Op("!=").Nil()).Block(errorf("the network ends in softmax and learns from labels: targets must be nil"))
			b.Add(check(rt("CheckLabels").Call(jen.Id("fn"), jen.Id("labels"), jen.Id("OutputSize"))))
		} else {
			b.If(jen.Len(jen.Id("targets")).Op("!=").Len(jen.Id("x"))).Block(errorf("%d targets for %d samples", jen.Len(jen.Id("targets")), jen.Len(jen.Id("x"))))
			b.If(jen.Id("labels").Op("!=").Nil()).Block(errorf("the network does not end in softmax and learns from targets: labels must be nil"))
			b.Add(finite("target", "targets"))
		}
		b.Add(finite("input", "x"))
		b.If(jen.Len(mf("losses")).Op("<").Len(jen.Id("x"))).Block(
			mf("losses").Op("=").Make(jen.Index().Float64(), jen.Len(jen.Id("x"))),
			mf("hits").Op("=").Make(jen.Index().Bool(), jen.Len(jen.Id("x"))),
		)
		b.Return(jen.Nil())
	})
}

// lossFunction emits worker.loss, which computes one sample's share of the
// mean loss over a batch of n and leaves its gradient where backward starts,
// and worker.top, the index of the largest output.
func (g *generator) lossFunction() {
	w := jen.Id("w").Op("*").Id("worker")
	params := []jen.Code{jen.Id("label").Int(), jen.Id("target").Op("*").Id("Output"), jen.Id("n").Int()}
	if g.classifier() {
		last := g.steps[len(g.steps)-1]
		z := last.In
		size := z.F.Size()
		g.f.Comment("loss returns the sample's share of the mean cross-entropy over a batch of n,")
		g.f.Comment("(log Σ exp z - z[label])/n for the scores z before the softmax, and sets their")
		g.f.Comment("gradient to (softmax(z) - onehot(label))/n. target is unused.")
		g.f.Func().Params(w).Id("loss").Params(params...).Float64().BlockFunc(func(b *jen.Group) {
			b.Id("w").Dot("ensureBack").Call()
			b.Add(window("z", buf(z), k(0), size))
			b.Add(window("p", buf(last.Out), k(0), size))
			b.Id("l").Op(":=").Add(labelIndex(z))
			b.Id("m").Op(":=").Id("z").Index(jen.Lit(0))
			b.For(jen.List(jen.Id("_"), jen.Id("v")).Op(":=").Range().Id("z")).Block(jen.Id("m").Op("=").Max(jen.Id("m"), jen.Id("v")))
			b.Var().Id("sum").Float64()
			b.For(jen.List(jen.Id("_"), jen.Id("v")).Op(":=").Range().Id("z")).Block(
				jen.Id("sum").Op("+=").Qual("math", "Exp").Call(jen.Float64().Call(jen.Id("v").Op("-").Id("m"))),
			)
			b.Id("inv").Op(":=").Lit(1).Op("/").Float32().Call(jen.Id("n"))
			scatterRows(b, z.G, grad(z), func(i *jen.Statement) jen.Code { return jen.Id("p").Index(i).Op("*").Id("inv") })
			b.Add(grad(z)).Index(flatOffset(z.G, jen.Id("l"))).Op("-=").Id("inv")
			b.Return(jen.Parens(jen.Qual("math", "Log").Call(jen.Id("sum")).Op("+").Float64().Call(jen.Id("m").Op("-").Id("z").Index(jen.Id("l")))).Op("/").Float64().Call(jen.Id("n")))
		})
		g.f.Comment("top returns the index, in PyTorch's order, of the largest output (the first")
		g.f.Comment("of equals), read in place: a copy of the output could be too big to be a local.")
		g.f.Func().Params(w).Id("top").Params().Int().BlockFunc(func(b *jen.Group) {
			out := g.output()
			b.List(jen.Id("best"), jen.Id("top")).Op(":=").List(jen.Lit(0), buf(out).Index(out.F.at(k(0), k(0), k(0)).code()))
			better := func(i, at jen.Code) jen.Code {
				return jen.If(jen.Id("v").Op(":=").Add(buf(out)).Index(at), jen.Id("v").Op(">").Id("top")).Block(
					jen.List(jen.Id("best"), jen.Id("top")).Op("=").List(i, jen.Id("v")),
				)
			}
			l := out.F
			if !out.Map || l.H*l.W == 1 {
				b.Add(loop("i", l.Size(), better(jen.Id("i"), flatOffset(l, jen.Id("i")))))
			} else {
				b.Add(loop("c", l.C, loop("y", l.H, loop("x", l.W,
					better(v("c", l.H*l.W).plus(v("y", l.W)).plus(v("x", 1)).code(), l.at(v("y", 1), v("x", 1), v("c", 1)).code())))))
			}
			b.Return(jen.Id("best"))
		})
		return
	}
	out := g.output()
	g.f.Comment("loss returns the sample's share of the mean squared error over a batch of n,")
	g.f.Comment("Σ (y - target)² / (n·OutputSize), and sets the output's gradient to")
	g.f.Comment("2(y - target)/(n·OutputSize). label is unused.")
	g.f.Func().Params(w).Id("loss").Params(params...).Float64().BlockFunc(func(b *jen.Group) {
		b.Id("w").Dot("ensureBack").Call()
		b.Add(toInternal(out, out.G, grad(out), jen.Id("target")))
		b.Id("scale").Op(":=").Lit(2).Op("/").Float32().Call(jen.Id("n").Op("*").Id("OutputSize"))
		b.Var().Id("sum").Float64()
		rowsBetween(b, []run{{out.F, buf(out), "out"}, {out.G, grad(out), "d"}}, jen.Lit(0), jen.Lit(out.F.H),
			jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id("out")).Block(
				jen.Id("e").Op(":=").Id("v").Op("-").Id("d").Index(jen.Id("i")),
				jen.Id("sum").Op("+=").Float64().Call(jen.Id("e").Op("*").Id("e")),
				jen.Id("d").Index(jen.Id("i")).Op("=").Id("e").Op("*").Id("scale"),
			),
		)
		b.Return(jen.Id("sum").Op("/").Float64().Call(jen.Id("n").Op("*").Id("OutputSize")))
	})
	g.f.Comment("top is not meaningful without classes: it returns -1.")
	g.f.Func().Params(w).Id("top").Params().Int().Block(jen.Return(jen.Lit(-1)))
}

// labelIndex renders the offset in the internal layout of the scores tensor z
// of the feature whose index in PyTorch's C, H, W order is label.
func labelIndex(z *tensor) jen.Code {
	l := z.F
	if !z.Map || l.H*l.W == 1 {
		return jen.Id("label")
	}
	hw := l.H * l.W
	// label = c·H·W + y·W + x is at (y·W + x)·C + c inside.
	return jen.Id("label").Op("%").Lit(hw).Op("*").Lit(l.C).Op("+").Id("label").Op("/").Lit(hw)
}

// flatOffset renders the offset in a buffer of layout l of the value whose
// index in the unpadded H, W, C order is i.
func flatOffset(l layout, i *jen.Statement) jen.Code {
	if !l.Padded() {
		return i
	}
	row := l.W * l.C
	// Row i/row, value i%row of it.
	return jen.Parens(i.Clone().Op("/").Lit(row).Op("+").Lit(l.PH)).Op("*").Lit(l.RowLen()).Op("+").Lit(l.PW * l.C).Op("+").Add(i.Clone()).Op("%").Lit(row)
}

// trainingFlat emits the flat-slice training methods of runtime.Network.
func (g *generator) trainingFlat() {
	f := g.f
	m := jen.Id("m").Op("*").Id("Model")
	mf := func(name string) *jen.Statement { return jen.Id("m").Dot(name) }
	// fill copies n samples from a flat slice into a grown field.
	fill := func(field, typ, src, size string) jen.Code {
		return jen.Block(
			jen.If(jen.Len(mf(field)).Op("<").Id("n")).Block(mf(field).Op("=").Make(jen.Index().Id(typ), jen.Id("n"))),
			jen.For(jen.Id("i").Op(":=").Range().Id("n")).Block(
				jen.Copy(mf(field).Index(jen.Id("i")).Index(jen.Op(":")), jen.Id(src).Index(jen.Id("i").Op("*").Id(size).Op(":"))),
			),
		)
	}
	// prepare copies x and targets into the model's batch buffers; fn names
	// the method in errors, zero its other results.
	prepare := func(fn string, zero ...jen.Code) []jen.Code {
		fail := jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(append(zero, jen.Err())...))
		return []jen.Code{
			jen.List(jen.Id("n"), jen.Err()).Op(":=").Add(rt("CheckSamples")).Call(jen.Lit(fn), jen.Lit("x"), jen.Id("x"), jen.Id("InputSize")),
			fail,
			jen.If(jen.Id("targets").Op("!=").Nil().Op("&&").Len(jen.Id("targets")).Op("!=").Id("n").Op("*").Id("OutputSize")).Block(
				jen.Return(append(zero, jen.Qual("fmt", "Errorf").Call(jen.Lit(fn+": targets has %d values, want %d for %d samples"), jen.Len(jen.Id("targets")), jen.Id("n").Op("*").Id("OutputSize"), jen.Id("n")))...),
			),
			fill("flatX", "Input", "x", "InputSize"),
			jen.Var().Id("ts").Index().Id("Output"),
			jen.If(jen.Id("targets").Op("!=").Nil()).Block(
				fill("flatY", "Output", "targets", "OutputSize"),
				jen.Id("ts").Op("=").Add(mf("flatY")).Index(jen.Op(":").Id("n")),
			),
		}
	}
	f.Comment("TrainN is TrainBatch on flat slices: x holds n samples, targets (for a")
	f.Comment("network that does not end in softmax) n outputs.")
	f.Func().Params(m).Id("TrainN").Params(jen.Id("x").Index().Float32(), jen.Id("labels").Index().Int32(), jen.Id("targets").Index().Float32(),
		jen.Id("opt").Add(rt("SGD")), jen.Id("seed").Uint64()).Params(jen.Float64(), jen.Error()).Block(append(prepare("TrainN", jen.Lit(0)),
		jen.Return(mf("TrainBatch").Call(mf("flatX").Index(jen.Op(":").Id("n")), jen.Id("labels"), jen.Id("ts"), jen.Id("opt"), jen.Id("seed"))))...)
	f.Comment("EvaluateN is Evaluate on flat slices.")
	f.Func().Params(m).Id("EvaluateN").Params(jen.Id("x").Index().Float32(), jen.Id("labels").Index().Int32(), jen.Id("targets").Index().Float32()).
		Params(jen.Float64(), jen.Int(), jen.Error()).Block(append(prepare("EvaluateN", jen.Lit(0), jen.Lit(0)),
		jen.Return(mf("Evaluate").Call(mf("flatX").Index(jen.Op(":").Id("n")), jen.Id("labels"), jen.Id("ts"))))...)
}
