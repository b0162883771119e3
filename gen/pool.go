package gen

import (
	"github.com/dave/jennifer/jen"
)

// windowBounds emits lo and hi, the rows (or columns) of the input that the
// window at output position o covers, clamped to the unpadded input: the
// padding of a max pool counts as -∞, so it is never chosen and simply
// skipped.
func windowBounds(lo, hi, o string, s, p, f, size int) []jen.Code {
	if p == 0 {
		return []jen.Code{
			jen.Id(lo).Op(":=").Add(v(o, s).code()),
			jen.Id(hi).Op(":=").Add(v(o, s).add(f).code()),
		}
	}
	return []jen.Code{
		jen.Id(lo).Op(":=").Max(v(o, s).add(-p).code(), jen.Lit(0)),
		jen.Id(hi).Op(":=").Min(v(o, s).add(f-p).code(), jen.Lit(size)),
	}
}

// maxPoolForward emits max pooling: each output value is the first largest
// value of its window in row-major order (a NaN wins, as in PyTorch), and
// its offset in the input buffer is kept for backward.
func maxPoolForward(g *jen.Group, s *step) {
	l, in, out := s.L, s.In, s.Out
	C := in.C
	g.Add(loop("y", out.H, append(windowBounds("ylo", "yhi", "y", l.SH, l.PH, l.FH, in.H),
		loop("x", out.W, append(windowBounds("xlo", "xhi", "x", l.SW, l.PW, l.FW, in.W),
			window("o", buf(out), at(out, v("y", 1), v("x", 1), k(0)), C),
			window("ix", jen.Id("w").Dot(idxName(s)), v("y", out.W*C).plus(v("x", C)), C),
			jen.Id("first").Op(":=").Id("ylo").Op("*").Lit(in.RowLen()).Op("+").Id("xlo").Op("*").Lit(C),
			jen.Copy(jen.Id("o"), buf(in).Index(jen.Id("first").Op(":")).Index(jen.Op(":").Lit(C))),
			jen.For(jen.Id("c").Op(":=").Range().Id("ix")).Block(
				jen.Id("ix").Index(jen.Id("c")).Op("=").Int32().Call(jen.Id("first").Op("+").Id("c")),
			),
			jen.For(jen.Id("i").Op(":=").Id("ylo"), jen.Id("i").Op("<").Id("yhi"), jen.Id("i").Op("++")).Block(
				jen.For(jen.Id("j").Op(":=").Id("xlo"), jen.Id("j").Op("<").Id("xhi"), jen.Id("j").Op("++")).Block(
					jen.Id("base").Op(":=").Id("i").Op("*").Lit(in.RowLen()).Op("+").Id("j").Op("*").Lit(C),
					jen.For(jen.List(jen.Id("c"), jen.Id("v")).Op(":=").Range().Add(buf(in)).Index(jen.Id("base").Op(":")).Index(jen.Op(":").Lit(C).Op(":").Lit(C))).Block(
						jen.If(jen.Id("v").Op(">").Id("o").Index(jen.Id("c")).Op("||").Id("v").Op("!=").Id("v")).Block(
							jen.Id("o").Index(jen.Id("c")).Op("=").Id("v"),
							jen.Id("ix").Index(jen.Id("c")).Op("=").Int32().Call(jen.Id("base").Op("+").Id("c")),
						),
					),
				),
			),
		)...),
	)...))
	fusedActivationMap(g, s)
}

// fusedActivationMap emits the fused activation of a pool over its whole
// output.
func fusedActivationMap(g *jen.Group, s *step) {
	if s.Act == nil {
		return
	}
	interior(g, []run{{s.Out, buf(s.Out), "o"}},
		jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id("o")).Block(
			activate(s.Act, jen.Id("o").Index(jen.Id("i")), jen.Id("v")),
		),
	)
}

// maxPoolBackward emits the gradient of max pooling: each output's gradient
// goes to the input its maximum came from, adding up where windows overlap.
func maxPoolBackward(g *jen.Group, s *step) {
	out := s.Out
	C := out.C
	fusedDerivative(g, s)
	g.Clear(grad(s.In).Index(jen.Op(":")))
	g.Add(loop("y", out.H, loop("x", out.W,
		window("do", grad(out), at(out, v("y", 1), v("x", 1), k(0)), C),
		window("ix", jen.Id("w").Dot(idxName(s)), v("y", out.W*C).plus(v("x", C)), C),
		jen.For(jen.List(jen.Id("c"), jen.Id("d")).Op(":=").Range().Id("do")).Block(
			grad(s.In).Index(jen.Id("ix").Index(jen.Id("c"))).Op("+=").Id("d"),
		),
	)))
}

// meanPoolForward emits mean pooling over the zero-padded input: every
// window is divided by Fh·Fw, padding included (count_include_pad).
func meanPoolForward(g *jen.Group, s *step) {
	l, in, out := s.L, s.In, s.Out
	C := in.C
	n := l.FH * l.FW
	g.Add(loop("y", out.H, loop("x", out.W,
		window("o", buf(out), at(out, v("y", 1), v("x", 1), k(0)), C),
		jen.Clear(jen.Id("o")),
		loop("i", l.FH, loop("j", l.FW,
			jen.For(jen.List(jen.Id("c"), jen.Id("v")).Op(":=").Range().Add(buf(in)).Index(meanWindow(s).code().Op(":")).Index(jen.Op(":").Lit(C).Op(":").Lit(C))).Block(
				jen.Id("o").Index(jen.Id("c")).Op("+=").Id("v"),
			),
		)),
		jen.For(jen.Id("c").Op(":=").Range().Id("o")).Block(jen.Id("o").Index(jen.Id("c")).Op("/=").Lit(n)),
	)))
	fusedActivationMap(g, s)
}

// meanWindow is the offset of input value (y·S+i, x·S+j, 0) of the padded
// input buffer.
func meanWindow(s *step) lin {
	in := s.In
	return v("y", s.L.SH*in.RowLen()).plus(v("i", in.RowLen())).plus(v("x", s.L.SW*in.C)).plus(v("j", in.C))
}

// meanPoolBackward emits the gradient of mean pooling: each output's
// gradient, divided by Fh·Fw, spreads over its window.
func meanPoolBackward(g *jen.Group, s *step) {
	l, in, out := s.L, s.In, s.Out
	C := in.C
	fusedDerivative(g, s)
	g.Clear(grad(in).Index(jen.Op(":")))
	g.Add(loop("y", out.H, loop("x", out.W,
		window("do", grad(out), at(out, v("y", 1), v("x", 1), k(0)), C),
		loop("i", l.FH, loop("j", l.FW,
			window("drow", grad(in), meanWindow(s), C),
			jen.For(jen.List(jen.Id("c"), jen.Id("d")).Op(":=").Range().Id("do")).Block(
				jen.Id("drow").Index(jen.Id("c")).Op("+=").Id("d").Op("/").Lit(l.FH*l.FW),
			),
		)),
	)))
}
