package gen

import (
	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// vectorKernel is the runtime function that applies activation a to a
// whole slice (runtime.Tanh, runtime.Sigmoid: vectorised, within a few ulp
// of the float64 functions), or "" for one computed a value at a time.
func vectorKernel(a *compiler.Layer) string {
	switch a.Kind {
	case compiler.Tanh:
		return "Tanh"
	case compiler.Sigmoid:
		return "Sigmoid"
	}
	return ""
}

// activateAll emits dst = f(src) for every value of the slices, dst as
// long as src (dst may be src).
func activateAll(a *compiler.Layer, dst, src jen.Code) jen.Code {
	if k := vectorKernel(a); k != "" {
		return rt(k).Call(dst, src)
	}
	return jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Add(src)).Block(
		activate(a, jen.Add(dst).Index(jen.Id("i")), jen.Id("v")),
	)
}

// deriveAll emits the statements that multiply every gradient of the slice
// d by the derivative of activation a, known from the outputs y (or, for
// relu and leaky, equally from the inputs).
func deriveAll(a *compiler.Layer, d, y jen.Code) jen.Code {
	switch a.Kind {
	case compiler.ReLU:
		return rt("ReLUGrad").Call(d, y)
	case compiler.Tanh, compiler.Sigmoid:
		return rt(vectorKernel(a)+"Grad").Call(d, y)
	}
	return jen.For(jen.Id("i").Op(":=").Range().Add(d)).Block(
		derive(a, jen.Add(d).Index(jen.Id("i")), jen.Add(y).Index(jen.Id("i"))),
	)
}

// activate emits `dst = f(v)` for activation a.
func activate(a *compiler.Layer, dst, val jen.Code) jen.Code {
	x := func() *jen.Statement { return jen.Add(val) }
	switch a.Kind {
	case compiler.ReLU:
		// max, not a branch: it keeps NaN, as PyTorch's relu does.
		return jen.Add(dst).Op("=").Max(x(), jen.Lit(0))
	case compiler.Leaky:
		return jen.Add(dst).Op("=").Max(x(), jen.Lit(0)).Op("+").Add(f32(a.Alpha)).Op("*").Min(x(), jen.Lit(0))
	case compiler.Sigmoid:
		return jen.Add(dst).Op("=").Float32().Call(jen.Lit(1).Op("/").Parens(jen.Lit(1).Op("+").Qual("math", "Exp").Call(jen.Op("-").Float64().Call(x()))))
	default: // tanh
		return jen.Add(dst).Op("=").Float32().Call(jen.Qual("math", "Tanh").Call(jen.Float64().Call(x())))
	}
}

// derive emits the statement that multiplies the gradient d by the
// derivative of activation a, known from its output y (or, for relu and
// leaky, equally from its input: both are positive together).
func derive(a *compiler.Layer, d, y *jen.Statement) jen.Code {
	switch a.Kind {
	case compiler.ReLU:
		return jen.If(y.Clone().Op("<=").Lit(0)).Block(d.Clone().Op("=").Lit(0))
	case compiler.Leaky:
		return jen.If(y.Clone().Op("<=").Lit(0)).Block(d.Clone().Op("*=").Add(f32(a.Alpha)))
	case compiler.Sigmoid:
		return d.Clone().Op("*=").Add(y.Clone()).Op("*").Parens(jen.Lit(1).Op("-").Add(y.Clone()))
	default: // tanh
		return d.Clone().Op("*=").Lit(1).Op("-").Add(y.Clone()).Op("*").Add(y.Clone())
	}
}

// fusedActivationRows applies s's fused activation to output rows [lo, hi).
func fusedActivationRows(g *jen.Group, s *step) {
	rowsLoop(g, []run{{s.Out.F, buf(s.Out), "o"}}, activateAll(s.Act, jen.Id("o"), jen.Id("o")))
}

// fusedDerivative emits the activation's derivative applied to the gradient
// of s's output, rows [lo, hi), from s's output values.
func fusedDerivative(g *jen.Group, s *step) {
	rowsLoop(g, []run{{s.Out.F, buf(s.Out), "out"}, {s.Out.G, grad(s.Out), "d"}}, deriveAll(s.Act, jen.Id("d"), jen.Id("out")))
}

// activationForward emits a standalone activation, rows [lo, hi).
func activationForward(g *jen.Group, s *step) {
	rowsLoop(g, []run{{s.In.F, buf(s.In), "src"}, {s.Out.F, buf(s.Out), "dst"}}, activateAll(s.L, jen.Id("dst"), jen.Id("src")))
}

// activationBackward emits din = dout · f'(·), rows [lo, hi): relu and leaky
// look at the input (their output may not tell the sign when leaky's slope
// is not positive), sigmoid and tanh at the output.
func activationBackward(g *jen.Group, s *step) {
	from := s.Out
	if s.L.Kind == compiler.ReLU || s.L.Kind == compiler.Leaky {
		from = s.In
	}
	rowsLoop(g, []run{{s.Out.G, grad(s.Out), "dout"}, {s.In.G, grad(s.In), "din"}, {from.F, buf(from), "v"}},
		jen.Copy(jen.Id("din"), jen.Id("dout")),
		deriveAll(s.L, jen.Id("din"), jen.Id("v")),
	)
}

// maskLayout is the layout of a dropout mask: the values, unpadded.
func maskLayout(s *step) layout { return layout{H: s.In.F.H, W: s.In.F.W, C: s.In.F.C} }

// dropoutForward emits inverted dropout: in training, value i (C, H, W
// order) is kept when the i-th draw of runtime.DropoutRand(seed, sample,
// layer) is at least p, and scaled by 1/(1-p); at inference the mask is 1.
func dropoutForward(g *jen.Group, s *step) {
	m := mask(s)
	g.Id("mask").Op(":=").Add(m.Clone())
	g.If(jen.Op("!").Id("c").Dot("Train")).Block(
		jen.For(jen.Id("i").Op(":=").Range().Id("mask")).Block(jen.Id("mask").Index(jen.Id("i")).Op("=").Lit(1)),
	).Else().BlockFunc(func(b *jen.Group) {
		b.Id("r").Op(":=").Add(rt("DropoutRand")).Call(jen.Id("c").Dot("Seed"), jen.Id("c").Dot("Sample"), jen.Lit(s.Index))
		t := s.In.F
		draw := func(i lin) jen.Code {
			return jen.If(jen.Id("r").Dot("Float64").Call().Op(">=").Lit(s.L.Alpha)).Block(
				jen.Id("mask").Index(i.code()).Op("=").Add(f32(1 / (1 - s.L.Alpha))),
			).Else().Block(jen.Id("mask").Index(i.code()).Op("=").Lit(0))
		}
		if !s.In.Map {
			b.Add(loop("i", t.Size(), draw(v("i", 1))))
			return
		}
		b.Comment("Draws go in PyTorch's C, H, W order; the mask is stored H, W, C.")
		b.Add(loop("c", t.C, loop("y", t.H, loop("x", t.W, draw(v("y", t.W*t.C).plus(v("x", t.C)).plus(v("c", 1)))))))
	})
	rowsBetween(g, []run{{s.In.F, buf(s.In), "src"}, {s.Out.F, buf(s.Out), "dst"}, {maskLayout(s), m, "m"}}, jen.Lit(0), jen.Lit(s.In.F.H),
		jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id("src")).Block(
			jen.Id("dst").Index(jen.Id("i")).Op("=").Id("v").Op("*").Id("m").Index(jen.Id("i")),
		),
	)
}

// dropoutBackward emits din = dout · mask, rows [lo, hi).
func dropoutBackward(g *jen.Group, s *step) {
	rowsLoop(g, []run{{s.Out.G, grad(s.Out), "dout"}, {s.In.G, grad(s.In), "din"}, {maskLayout(s), mask(s), "m"}},
		jen.For(jen.List(jen.Id("i"), jen.Id("d")).Op(":=").Range().Id("dout")).Block(
			jen.Id("din").Index(jen.Id("i")).Op("=").Id("d").Op("*").Id("m").Index(jen.Id("i")),
		),
	)
}

// mask refers to a dropout layer's mask buffer, c.F[maskdropout1].
func mask(s *step) *jen.Statement { return jen.Id("c").Dot("F").Index(jen.Id(maskName(s))) }
