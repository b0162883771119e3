package gen

import (
	"github.com/dave/jennifer/jen"

	gplan "github.com/cnnc/cnnc/gen/plan"
	"github.com/cnnc/cnnc/ir"
)

// eachValue emits body over every value of an H×W×C map in C, H, W order
// (the order of a flattened PyTorch tensor), with i counting them from 0
// and at the value's offset in view v: loops over the dimensions larger
// than 1 only.
func eachValue(b *jen.Group, sh ir.Shape, v gview, body func(at jen.Code) []jen.Code) {
	at := jen.Lit(v.Offset())
	type dim struct {
		name   string
		n, mul int
	}
	var dims []dim
	for _, d := range []dim{{"ch", sh.C, 1}, {"yy", sh.H, v.Row()}, {"xx", sh.W, v.Pix()}} {
		if d.n > 1 {
			dims = append(dims, d)
			at = at.Op("+").Id(d.name)
			if d.mul != 1 {
				at = at.Op("*").Lit(d.mul)
			}
		}
	}
	code := append(body(at), jen.Id("i").Op("++"))
	for i := len(dims) - 1; i >= 0; i-- {
		code = []jen.Code{jen.For(jen.Id(dims[i].name).Op(":=").Range().Lit(dims[i].n)).Block(code...)}
	}
	b.Block(append([]jen.Code{jen.Id("i").Op(":=").Lit(0)}, code...)...)
}

// softmaxForward emits y = exp(x − max x) / Σ exp(x − max x) over every
// value of the sample, summing in float64; y is flat, in C, H, W order.
func (g *graphGen) softmaxForward(p *gplan.Plan, s *gplan.Step, name string) *gphase {
	in, out := g.values(p, s)
	sh, n := s.In[0].Shape, s.Out.Shape.C
	return g.phase(name, 1, "computes "+describe(s)+": the whole sample.", func(b *jen.Group) {
		b.List(jen.Id("x"), jen.Id("y")).Op(":=").List(in.of(), out.of().Index(jen.Lit(out.Offset()).Op(":").Lit(out.Offset()+n)))
		b.Id("m").Op(":=").Id("x").Index(jen.Lit(in.Offset()))
		eachValue(b, sh, in, func(at jen.Code) []jen.Code {
			return []jen.Code{jen.Id("m").Op("=").Max(jen.Id("m"), jen.Id("x").Index(at))}
		})
		b.Var().Id("sum").Float64()
		eachValue(b, sh, in, func(at jen.Code) []jen.Code {
			return []jen.Code{
				jen.Id("e").Op(":=").Qual("math", "Exp").Call(jen.Float64().Call(jen.Id("x").Index(at).Op("-").Id("m"))),
				jen.List(jen.Id("y").Index(jen.Id("i")), jen.Id("sum")).Op("=").List(jen.Float32().Call(jen.Id("e")), jen.Id("sum").Op("+").Id("e")),
			}
		})
		b.Id("inv").Op(":=").Float32().Call(jen.Lit(1).Op("/").Id("sum"))
		b.For(jen.Id("i").Op(":=").Range().Id("y")).Block(jen.Id("y").Index(jen.Id("i")).Op("*=").Id("inv"))
	})
}

// softmaxBackward emits dx = y · (dy − Σ dy·y).
func (g *graphGen) softmaxBackward(s *gplan.Step, bk *gplan.Back, stem string) *gphase {
	gr, ok := gradAt(bk, 0)
	if !ok {
		return nil
	}
	tr := g.train
	out, dOut, dIn := g.view(tr.Value(s.Out).View), g.view(tr.Value(s.Out).Grad), g.view(tr.Value(s.In[0]).Grad)
	sh, n := s.In[0].Shape, s.Out.Shape.C
	op := "="
	if gr.Acc {
		op = "+="
	}
	return g.phase(stem+"InputGrad", 1, "computes the gradient of "+describe(s)+"'s input: the whole sample.", func(b *jen.Group) {
		needDx(b, gr.Need)
		g.clearPad(b, dIn.Buf, false, false)
		b.List(jen.Id("y"), jen.Id("dy"), jen.Id("dx")).Op(":=").List(
			out.of().Index(jen.Lit(out.Offset()).Op(":").Lit(out.Offset()+n)),
			dOut.of().Index(jen.Lit(dOut.Offset()).Op(":").Lit(dOut.Offset()+n)), dIn.of())
		b.Var().Id("dot").Float64()
		b.For(jen.List(jen.Id("i"), jen.Id("d")).Op(":=").Range().Id("dy")).Block(
			jen.Id("dot").Op("+=").Float64().Call(jen.Id("d").Op("*").Id("y").Index(jen.Id("i"))))
		eachValue(b, sh, dIn, func(at jen.Code) []jen.Code {
			return []jen.Code{jen.Id("dx").Index(at).Op(op).Id("y").Index(jen.Id("i")).Op("*").Parens(
				jen.Id("dy").Index(jen.Id("i")).Op("-").Float32().Call(jen.Id("dot")))}
		})
	})
}
