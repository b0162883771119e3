package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// workerType emits the worker struct (the buffers of one sample in flight)
// and the struct of its gradient buffers, allocated on the first backward
// pass.
func (g *generator) workerType() {
	g.f.Comment("worker holds the buffers of one sample in flight, H×W×C with padding where")
	g.f.Comment("the next layer reads with padding.")
	g.f.Type().Id("worker").StructFunc(func(s *jen.Group) {
		s.Id("grads").Op("*").Id("params").Comment("this worker's gradient sums (workers other than 0)")
		s.Id("back").Op("*").Id("backBuffers").Comment("allocated on the first backward pass")
		s.Line()
		for i, t := range g.tensors {
			s.Id(t.Value()).Index(jen.Lit(t.Len())).Float32().Comment(g.tensorDoc(i, t))
		}
		for _, st := range g.steps {
			switch st.L.Kind {
			case compiler.MaxPool:
				s.Id(idxName(st)).Index(jen.Lit(st.Out.Size())).Int32().Comment(fmt.Sprintf("offset in %s of each maximum of %s", st.In.Value(), st.Name()))
			case compiler.Dropout:
				s.Id(maskName(st)).Index(jen.Lit(st.Out.Size())).Float32().Comment(fmt.Sprintf("the mask of %s: 0 or 1/(1-p)", st.Name()))
			}
		}
	})
	g.f.Comment("backBuffers holds the gradient of each tensor of a worker.")
	g.f.Type().Id("backBuffers").StructFunc(func(s *jen.Group) {
		for _, t := range g.tensors {
			s.Id(t.Grad()).Index(jen.Lit(t.Len())).Float32()
		}
	})
}

func idxName(s *step) string  { return "idx" + s.Name() }
func maskName(s *step) string { return "mask" + s.Name() }

// tensorDoc describes tensor i: what produces it, its shape and padding.
func (g *generator) tensorDoc(i int, t *tensor) string {
	what := "input"
	if i > 0 {
		s := g.steps[i-1]
		what = s.L.Text
		if s.Act != nil {
			what += ", " + s.Act.Text
		}
	}
	shape := fmt.Sprintf("%dx%dx%d", t.H, t.W, t.C)
	if !t.Map {
		shape = fmt.Sprint(t.C)
	}
	if t.Padded() {
		shape += fmt.Sprintf(" padded to %dx%dx%d", t.H+2*t.PH, t.W+2*t.PW, t.C)
	}
	return what + ": " + shape
}

// workerPasses emits the conversions at the public boundary and the
// functions that run every step forward and backward.
func (g *generator) workerPasses() {
	w := jen.Id("w").Op("*").Id("worker")
	in, out := g.input(), g.output()

	g.f.Comment("load copies src into the input buffer, from C×H×W to H×W×C.")
	g.f.Func().Params(w).Id("load").Params(jen.Id("src").Op("*").Id("Input")).Block(
		toInternal(in, jen.Id("w").Dot(in.Value()), jen.Id("src")),
	)
	g.f.Comment("store copies the output buffer to dst, in PyTorch's order.")
	g.f.Func().Params(w).Id("store").Params(jen.Id("dst").Op("*").Id("Output")).Block(
		toPublic(out, jen.Id("dst"), jen.Id("w").Dot(out.Value())),
	)

	g.f.Comment("forward runs every layer on the sample in the input buffer; sample is its")
	g.f.Comment("index in the batch, which draws its dropout masks.")
	g.f.Func().Params(w).Id("forward").Params(jen.Id("p").Op("*").Id("params"), jen.Id("train").Bool(), jen.Id("seed").Uint64(), jen.Id("sample").Int()).BlockFunc(func(b *jen.Group) {
		for _, s := range g.steps {
			b.Id("w").Dot(s.Name() + "Forward").CallFunc(func(a *jen.Group) {
				switch s.L.Kind {
				case compiler.Conv, compiler.FC:
					a.Id("p")
				case compiler.Dropout:
					a.Id("train")
					a.Id("seed")
					a.Id("sample")
				}
			})
		}
	})

	g.f.Comment("backward runs every layer backward from the output gradient dy, adding the")
	g.f.Comment("parameter gradients to sums, and writes the input gradient to dx unless it")
	g.f.Comment("is nil.")
	g.f.Func().Params(w).Id("backward").Params(
		jen.List(jen.Id("p"), jen.Id("sums")).Op("*").Id("params"), jen.Id("dy").Op("*").Id("Output"), jen.Id("dx").Op("*").Id("Input"),
	).Block(
		jen.Id("w").Dot("ensureBack").Call(),
		toInternal(out, jen.Id("w").Dot("back").Dot(out.Grad()), jen.Id("dy")),
		jen.Id("w").Dot("backwardFrom").Call(jen.Lit(len(g.steps)-1), jen.Id("p"), jen.Id("sums"), jen.Id("dx")),
	)

	g.f.Comment("ensureBack allocates the gradient buffers on first use.")
	g.f.Func().Params(w).Id("ensureBack").Params().Block(
		jen.If(jen.Id("w").Dot("back").Op("==").Nil()).Block(jen.Id("w").Dot("back").Op("=").New(jen.Id("backBuffers"))),
	)

	g.f.Comment("backwardFrom runs steps last, last-1, ..., 0 backward, from the gradient of")
	g.f.Comment("step last's output already in its buffer.")
	g.f.Func().Params(w).Id("backwardFrom").Params(
		jen.Id("last").Int(), jen.List(jen.Id("p"), jen.Id("sums")).Op("*").Id("params"), jen.Id("dx").Op("*").Id("Input"),
	).BlockFunc(func(b *jen.Group) {
		b.Id("bb").Op(":=").Id("w").Dot("back")
		b.Switch().BlockFunc(func(sw *jen.Group) {
			for i := len(g.steps) - 1; i >= 0; i-- {
				s := g.steps[i]
				call := jen.Id("w").Dot(s.Name() + "Backward").CallFunc(func(a *jen.Group) {
					if s.L.Kind == compiler.Conv || s.L.Kind == compiler.FC {
						a.Id("p")
						a.Id("sums")
					}
					if i == 0 {
						a.Id("dx").Op("!=").Nil()
					} else {
						a.True()
					}
				})
				sw.Case(jen.Id("last").Op(">=").Lit(i)).Block(call).Add(fallthroughIf(i > 0))
			}
		})
		b.If(jen.Id("dx").Op("!=").Nil()).Block(toPublic(in, jen.Id("dx"), jen.Id("bb").Dot(in.Grad())))
	})
}

// fallthroughIf renders a fallthrough statement, or nothing.
func fallthroughIf(ok bool) jen.Code {
	if !ok {
		return jen.Null()
	}
	return jen.Line().Fallthrough()
}

// toInternal emits the copy of a public tensor src (C×H×W) into the internal
// buffer dst of t (H×W×C, padded).
func toInternal(t *tensor, dst, src *jen.Statement) jen.Code {
	if !t.Map || (t.H == 1 && t.W == 1 && !t.Padded()) {
		return jen.Copy(dst.Clone().Index(jen.Op(":")), src.Clone().Index(jen.Op(":")))
	}
	return loop("c", t.C, loop("y", t.H, loop("x", t.W,
		dst.Clone().Index(at(t, v("y", 1), v("x", 1), v("c", 1)).code()).Op("=").
			Add(src.Clone()).Index(v("c", t.H*t.W).plus(v("y", t.W)).plus(v("x", 1)).code()),
	)))
}

// toPublic emits the copy of the internal buffer src of t into the public
// tensor dst.
func toPublic(t *tensor, dst, src *jen.Statement) jen.Code {
	if !t.Map || (t.H == 1 && t.W == 1 && !t.Padded()) {
		return jen.Copy(dst.Clone().Index(jen.Op(":")), src.Clone().Index(jen.Op(":")))
	}
	return loop("c", t.C, loop("y", t.H, loop("x", t.W,
		dst.Clone().Index(v("c", t.H*t.W).plus(v("y", t.W)).plus(v("x", 1)).code()).Op("=").
			Add(src.Clone()).Index(at(t, v("y", 1), v("x", 1), v("c", 1)).code()),
	)))
}

// at returns the offset of value (y, x, c) of t, for y, x and c given as
// expressions of the loop variables.
func at(t *tensor, y, x, c lin) lin {
	return mul(y.add(t.PH), t.RowLen()).plus(mul(x.add(t.PW), t.C)).plus(c)
}

// mul returns l·n.
func mul(l lin, n int) lin {
	out := lin{konst: l.konst * n}
	for _, t := range l.terms {
		out.terms = append(out.terms, term{t.v, t.coef * n})
	}
	return out
}
