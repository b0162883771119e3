package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// workerType emits the worker struct (the buffers of one sample in flight),
// the struct of its gradient buffers (allocated on the first backward pass)
// and the pass struct.
func (g *generator) workerType() {
	g.f.Comment("worker holds the buffers of one sample in flight, H×W×C with padding where")
	g.f.Comment("a layer reads with padding.")
	g.f.Type().Id("worker").StructFunc(func(s *jen.Group) {
		s.Id("grads").Op("*").Id("params").Comment("this worker's gradient sums (workers other than 0)")
		s.Id("back").Op("*").Id("backBuffers").Comment("allocated on the first backward pass")
		s.Id("scratch").Add(rt("Scratch")).Comment("the kernels' temporary memory")
		s.Id("pass").Id("pass").Comment("the pass this worker runs in a batch")
		s.Id("ran").Bool().Comment("whether grads holds sums of the current batch (workers other than 0)")
		if st, _ := g.groupStep(); st != nil {
			s.Id("group").Op("*").Id("fcGroup").Comment("allocated on the first forward-only batch run in groups")
		}
		s.Line()
		for i, t := range g.tensors {
			s.Id(t.Value()).Index(jen.Lit(t.F.Len())).Float32().Comment(g.tensorDoc(i, t, t.F))
		}
		for _, st := range g.steps {
			switch st.L.Kind {
			case compiler.MaxPool:
				s.Id(idxName(st)).Index(jen.Lit(st.Out.F.Size())).Int32().Comment(fmt.Sprintf("where each maximum of %s came from, as an offset in %s", st.Name(), st.In.Grad()))
			case compiler.Dropout:
				s.Id(maskName(st)).Index(jen.Lit(st.In.F.Size())).Float32().Comment(fmt.Sprintf("the mask of %s: 0 or 1/(1-p)", st.Name()))
			case compiler.FC:
				s.Id(stashName(st)).Add(rt("FCStash")).Comment(fmt.Sprintf("the samples whose %s weight gradient waits for the end of the run", st.Name()))
			}
		}
	})
	g.f.Comment("backBuffers holds the gradient of each tensor of a worker, padded where the")
	g.f.Comment("transposed convolution of the layer that made the tensor reads it.")
	g.f.Type().Id("backBuffers").StructFunc(func(s *jen.Group) {
		for _, t := range g.tensors {
			s.Id(t.Grad()).Index(jen.Lit(t.G.Len())).Float32()
		}
	})
	g.f.Comment("pass is what the phases of one pass read: the parameters, where gradients")
	g.f.Comment("go, and what draws the sample's dropout masks.")
	g.f.Type().Id("pass").Struct(
		jen.List(jen.Id("p"), jen.Id("sums")).Op("*").Id("params"),
		jen.Id("wt").Op("*").Id("transposed"),
		g.ifWino(jen.Id("wu").Op("*").Id("winograd")),
		jen.Id("train").Bool(),
		jen.Id("seed").Uint64(),
		jen.Id("sample").Int(),
		jen.Id("needDx").Bool(),
		jen.Id("stash").Bool().Comment("keep fc weight gradients for the end of the worker's run"),
	)
}

func idxName(s *step) string  { return "idx" + s.Name() }
func maskName(s *step) string { return "mask" + s.Name() }

// tensorDoc describes tensor i: what produces it, its shape and padding.
func (g *generator) tensorDoc(i int, t *tensor, l layout) string {
	what := "input"
	if i > 0 {
		s := g.steps[i-1]
		what = s.L.Text
		if s.Act != nil {
			what += ", " + s.Act.Text
		}
	}
	shape := shapeOf(t)
	if l.Padded() {
		shape += fmt.Sprintf(" padded to %dx%dx%d", l.H+2*l.PH, l.W+2*l.PW, l.C)
	}
	return what + ": " + shape
}

// phases emits every step's phase methods and the tables that run them.
func (g *generator) phases() {
	type entry struct {
		phase
		layer string
	}
	var fwd, bwd []entry
	var start []int
	for _, s := range g.steps {
		g.geometry(s)
	}
	for _, s := range g.steps {
		for _, p := range g.forwardPhases(s) {
			g.emitPhase(p)
			fwd = append(fwd, entry{p, layerName(s)})
		}
	}
	start = make([]int, len(g.steps))
	for i := len(g.steps) - 1; i >= 0; i-- {
		start[i] = len(bwd)
		for _, p := range g.backwardPhases(g.steps[i]) {
			g.emitPhase(p)
			bwd = append(bwd, entry{p, layerName(g.steps[i])})
		}
	}
	g.f.Comment("phase is one function of a pass over the part [lo, hi) of a range of size n;")
	g.f.Comment("workers given different parts can run it at once. layer names its layer; even")
	g.f.Comment("says one contiguous part per worker, rather than small parts claimed as")
	g.f.Comment("workers finish (a conv's weight-gradient units each walk the whole input and")
	g.f.Comment("gradient, which a worker reads once for all of its units).")
	g.f.Type().Id("phase").Struct(
		jen.Id("n").Int(),
		jen.Id("run").Func().Params(jen.Op("*").Id("worker"), jen.Op("*").Id("pass"), jen.Op("*").Add(rt("Scratch")), jen.Int(), jen.Int()),
		jen.Id("layer").String(),
		jen.Id("even").Bool(),
	)
	table := func(name, doc string, ps []entry) {
		g.f.Comment(doc)
		g.f.Var().Id(name).Op("=").Index(jen.Op("...")).Id("phase").ValuesFunc(func(vs *jen.Group) {
			for _, p := range ps {
				vs.Line().Values(jen.Lit(p.n), jen.Parens(jen.Op("*").Id("worker")).Dot(p.name), jen.Lit(p.layer), jen.Lit(p.even))
			}
			vs.Line()
		})
	}
	table("forwardPhases", "forwardPhases runs the network forward.", fwd)
	table("backwardPhases", "backwardPhases runs it backward, from the output gradient.", bwd)
	g.f.Comment("backwardStart[i] is the index in backwardPhases of the first phase of layer")
	g.f.Comment("step i's backward pass: backward from step i runs backwardPhases[backwardStart[i]:].")
	g.f.Var().Id("backwardStart").Op("=").Index(jen.Op("...")).Int().ValuesFunc(func(vs *jen.Group) { lits(vs, start) })
}

// workerPasses emits the conversions at the public boundary.
func (g *generator) workerPasses() {
	w := jen.Id("w").Op("*").Id("worker")
	in, out := g.input(), g.output()

	g.f.Comment("load copies src into the input buffer, from C×H×W to H×W×C.")
	g.f.Func().Params(w).Id("load").Params(jen.Id("src").Op("*").Id("Input")).Block(
		toInternal(in, in.F, jen.Id("w").Dot(in.Value()), jen.Id("src")),
	)
	g.f.Comment("store copies the output buffer to dst, in PyTorch's order.")
	g.f.Func().Params(w).Id("store").Params(jen.Id("dst").Op("*").Id("Output")).Block(
		toPublic(out, out.F, jen.Id("dst"), jen.Id("w").Dot(out.Value())),
	)
	g.f.Comment("loadGrad copies the output gradient dy into its buffer.")
	g.f.Func().Params(w).Id("loadGrad").Params(jen.Id("dy").Op("*").Id("Output")).Block(
		jen.Id("w").Dot("ensureBack").Call(),
		toInternal(out, out.G, grad(out), jen.Id("dy")),
	)
	g.f.Comment("storeGrad copies the input gradient to dx, in PyTorch's order.")
	g.f.Func().Params(w).Id("storeGrad").Params(jen.Id("dx").Op("*").Id("Input")).Block(
		toPublic(in, in.G, jen.Id("dx"), grad(in)),
	)
	g.f.Comment("flushStash adds the fc weight gradients kept during a run of samples.")
	g.f.Func().Params(w).Id("flushStash").Params(jen.Id("sums").Op("*").Id("params")).BlockFunc(func(b *jen.Group) {
		for _, s := range g.steps {
			if s.L.Kind == compiler.FC {
				b.Id("w").Dot(stashName(s)).Dot("Flush").Call(jen.Id("sums").Dot(weights(s)).Index(jen.Op(":")), jen.Id("sums").Dot(bias(s)).Index(jen.Op(":")), jen.Lit(s.In.F.Size()))
			}
		}
	})
	g.f.Comment("ensureBack allocates the gradient buffers on first use.")
	g.f.Func().Params(w).Id("ensureBack").Params().Block(
		jen.If(jen.Id("w").Dot("back").Op("==").Nil()).Block(jen.Id("w").Dot("back").Op("=").New(jen.Id("backBuffers"))),
	)
}

// toInternal emits the copy of a public tensor src (C×H×W) into the buffer
// dst of t in layout l.
func toInternal(t *tensor, l layout, dst, src *jen.Statement) jen.Code {
	if !t.Map || (l.H == 1 && l.W == 1 && !l.Padded()) {
		return jen.Copy(dst.Clone().Index(jen.Op(":")), src.Clone().Index(jen.Op(":")))
	}
	return loop("c", l.C, loop("y", l.H, loop("x", l.W,
		dst.Clone().Index(l.at(v("y", 1), v("x", 1), v("c", 1)).code()).Op("=").
			Add(src.Clone()).Index(v("c", l.H*l.W).plus(v("y", l.W)).plus(v("x", 1)).code()),
	)))
}

// toPublic emits the copy of the buffer src of t in layout l into the
// public tensor dst.
func toPublic(t *tensor, l layout, dst, src *jen.Statement) jen.Code {
	if !t.Map || (l.H == 1 && l.W == 1 && !l.Padded()) {
		return jen.Copy(dst.Clone().Index(jen.Op(":")), src.Clone().Index(jen.Op(":")))
	}
	return loop("c", l.C, loop("y", l.H, loop("x", l.W,
		dst.Clone().Index(v("c", l.H*l.W).plus(v("y", l.W)).plus(v("x", 1)).code()).Op("=").
			Add(src.Clone()).Index(l.at(v("y", 1), v("x", 1), v("c", 1)).code()),
	)))
}

// mul returns l·n.
func mul(l lin, n int) lin {
	out := lin{konst: l.konst * n}
	for _, t := range l.terms {
		out.terms = append(out.terms, term{t.v, t.coef * n})
	}
	return out
}
