package gen

import (
	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

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

// derive emits the statement that multiplies the gradient d[i] by the
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

// fusedActivation emits the activation of s (if any) over the output slice o.
func fusedActivation(g *jen.Group, s *step, o string) {
	if s.Act == nil {
		return
	}
	g.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id(o)).Block(
		activate(s.Act, jen.Id(o).Index(jen.Id("i")), jen.Id("v")),
	)
}

// fusedDerivative emits the activation's derivative applied to the gradient
// of s's output, from s's output values.
func fusedDerivative(g *jen.Group, s *step) {
	if s.Act == nil {
		return
	}
	interior(g, []run{{s.Out, buf(s.Out), "out"}, {s.Out, grad(s.Out), "d"}},
		jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id("out")).Block(
			derive(s.Act, jen.Id("d").Index(jen.Id("i")), jen.Id("v")),
		),
	)
}

// activationForward emits a standalone activation: out = f(in).
func activationForward(g *jen.Group, s *step) {
	interior(g, []run{{s.In, buf(s.In), "src"}, {s.Out, buf(s.Out), "dst"}},
		jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id("src")).Block(
			activate(s.L, jen.Id("dst").Index(jen.Id("i")), jen.Id("v")),
		),
	)
}

// activationBackward emits din = dout · f'(·): relu and leaky look at the
// input (their output may not tell the sign when leaky's slope is not
// positive), sigmoid and tanh at the output.
func activationBackward(g *jen.Group, s *step) {
	from := s.Out
	if s.L.Kind == compiler.ReLU || s.L.Kind == compiler.Leaky {
		from = s.In
	}
	interior(g, []run{{s.Out, grad(s.Out), "dout"}, {s.In, grad(s.In), "din"}, {from, buf(from), "v"}},
		jen.Copy(jen.Id("din"), jen.Id("dout")),
		jen.For(jen.Id("i").Op(":=").Range().Id("din")).Block(
			derive(s.L, jen.Id("din").Index(jen.Id("i")), jen.Id("v").Index(jen.Id("i"))),
		),
	)
}

// dropoutForward emits inverted dropout: in training, value i (C, H, W
// order) is kept when the i-th draw of runtime.DropoutRand(seed, sample,
// layer) is at least p, and scaled by 1/(1-p); at inference the mask is 1.
func dropoutForward(g *jen.Group, s *step) {
	m := jen.Id("w").Dot(maskName(s))
	g.Id("mask").Op(":=").Add(m).Index(jen.Op(":"))
	g.If(jen.Op("!").Id("train")).Block(
		jen.For(jen.Id("i").Op(":=").Range().Id("mask")).Block(jen.Id("mask").Index(jen.Id("i")).Op("=").Lit(1)),
	).Else().BlockFunc(func(b *jen.Group) {
		b.Id("r").Op(":=").Add(rt("DropoutRand")).Call(jen.Id("seed"), jen.Id("sample"), jen.Lit(s.Index))
		t := s.In
		draw := func(i lin) jen.Code {
			return jen.If(jen.Id("r").Dot("Float64").Call().Op(">=").Lit(s.L.Alpha)).Block(
				jen.Id("mask").Index(i.code()).Op("=").Add(f32(1 / (1 - s.L.Alpha))),
			).Else().Block(jen.Id("mask").Index(i.code()).Op("=").Lit(0))
		}
		if !t.Map {
			b.Add(loop("i", t.Size(), draw(v("i", 1))))
			return
		}
		b.Comment("Draws go in PyTorch's C, H, W order; the mask is stored H, W, C.")
		b.Add(loop("c", t.C, loop("y", t.H, loop("x", t.W, draw(v("y", t.W*t.C).plus(v("x", t.C)).plus(v("c", 1)))))))
	})
	applyMask(g, s, run{s.In, buf(s.In), "src"}, run{s.Out, buf(s.Out), "dst"})
}

// dropoutBackward emits din = dout · mask.
func dropoutBackward(g *jen.Group, s *step) {
	applyMask(g, s, run{s.Out, grad(s.Out), "src"}, run{s.In, grad(s.In), "dst"})
}

// applyMask emits dst = src · mask over the interior of s's tensors; the
// mask is stored unpadded, H×W×C.
func applyMask(g *jen.Group, s *step, src, dst run) {
	mask := &tensor{H: s.In.H, W: s.In.W, C: s.In.C, Map: s.In.Map}
	interior(g, []run{src, dst, {mask, jen.Id("w").Dot(maskName(s)), "m"}},
		jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id("src")).Block(
			jen.Id("dst").Index(jen.Id("i")).Op("=").Id("v").Op("*").Id("m").Index(jen.Id("i")),
		),
	)
}
