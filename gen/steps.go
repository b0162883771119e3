package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// stepForward emits the forward function of s.
func (g *generator) stepForward(s *step) {
	name := s.Name() + "Forward"
	g.f.Comment(fmt.Sprintf("%s computes %s: %s -> %s.", name, g.describe(s), shapeOf(s.In), shapeOf(s.Out)))
	w := jen.Id("w").Op("*").Id("worker")
	switch s.L.Kind {
	case compiler.Conv:
		g.f.Func().Params(w).Id(name).Params(jen.Id("p").Op("*").Id("params")).BlockFunc(func(b *jen.Group) { convForward(b, s) })
	case compiler.FC:
		g.f.Func().Params(w).Id(name).Params(jen.Id("p").Op("*").Id("params")).BlockFunc(func(b *jen.Group) { fcForward(b, s) })
	case compiler.MaxPool:
		g.f.Func().Params(w).Id(name).Params().BlockFunc(func(b *jen.Group) { maxPoolForward(b, s) })
	case compiler.MeanPool:
		g.f.Func().Params(w).Id(name).Params().BlockFunc(func(b *jen.Group) { meanPoolForward(b, s) })
	case compiler.Softmax:
		g.f.Func().Params(w).Id(name).Params().BlockFunc(func(b *jen.Group) { softmaxForward(b, s) })
	case compiler.Dropout:
		g.f.Func().Params(w).Id(name).Params(jen.Id("train").Bool(), jen.Id("seed").Uint64(), jen.Id("sample").Int()).
			BlockFunc(func(b *jen.Group) { dropoutForward(b, s) })
	default:
		g.f.Func().Params(w).Id(name).Params().BlockFunc(func(b *jen.Group) { activationForward(b, s) })
	}
}

// stepBackward emits the backward function of s. needIn is false only for
// the first step when the caller wants no input gradient.
func (g *generator) stepBackward(s *step) {
	name := s.Name() + "Backward"
	g.f.Comment(fmt.Sprintf("%s is the backward pass of %s: from the gradient of its", name, s.Name()))
	g.f.Comment("output it adds its parameters' gradients to sums and, when needIn is set,")
	g.f.Comment("computes the gradient of its input.")
	w := jen.Id("w").Op("*").Id("worker")
	needIn := jen.Id("needIn").Bool()
	switch s.L.Kind {
	case compiler.Conv:
		g.f.Func().Params(w).Id(name).Params(jen.List(jen.Id("p"), jen.Id("sums")).Op("*").Id("params"), needIn).BlockFunc(func(b *jen.Group) { convBackward(b, s) })
	case compiler.FC:
		g.f.Func().Params(w).Id(name).Params(jen.List(jen.Id("p"), jen.Id("sums")).Op("*").Id("params"), needIn).BlockFunc(func(b *jen.Group) { fcBackward(b, s) })
	default:
		g.f.Func().Params(w).Id(name).Params(needIn).BlockFunc(func(b *jen.Group) {
			b.If(jen.Op("!").Id("needIn")).Block(jen.Return())
			b.Id("bb").Op(":=").Id("w").Dot("back")
			switch s.L.Kind {
			case compiler.MaxPool:
				maxPoolBackward(b, s)
			case compiler.MeanPool:
				meanPoolBackward(b, s)
			case compiler.Softmax:
				softmaxBackward(b, s)
			case compiler.Dropout:
				dropoutBackward(b, s)
			default:
				activationBackward(b, s)
			}
		})
	}
}

// describe names a step's layers with their source positions.
func (g *generator) describe(s *step) string {
	d := fmt.Sprintf("%s (%s:%d:%d)", s.L.Text, g.cfg.source, s.L.Pos.Line, s.L.Pos.Column)
	if s.Act != nil {
		d += " followed by " + s.Act.Text
	}
	return d
}

func shapeOf(t *tensor) string {
	if !t.Map {
		return fmt.Sprint(t.C)
	}
	return fmt.Sprintf("%dx%dx%d", t.H, t.W, t.C)
}

// buf refers to a forward buffer of the worker; grad to a gradient buffer.
func buf(t *tensor) *jen.Statement  { return jen.Id("w").Dot(t.Value()) }
func grad(t *tensor) *jen.Statement { return jen.Id("bb").Dot(t.Grad()) }

// run is one tensor's buffer in an interior loop, and the name of the slice
// over it.
type run struct {
	t    *tensor
	buf  *jen.Statement
	name string
}

// interior emits body over the unpadded values of tensors of the same shape,
// each seen through a slice named after it: the whole buffers when none is
// padded, else one row at a time (within body, runs line up value for value).
func interior(g *jen.Group, runs []run, body ...jen.Code) {
	padded := false
	for _, r := range runs {
		padded = padded || r.t.Padded()
	}
	t := runs[0].t
	var decls []jen.Code
	if !padded {
		for _, r := range runs {
			decls = append(decls, window(r.name, r.buf, k(0), t.Size()))
		}
		g.Block(append(decls, body...)...)
		return
	}
	for _, r := range runs {
		decls = append(decls, window(r.name, r.buf, at(r.t, v("y", 1), k(0), k(0)), t.W*t.C))
	}
	g.Add(loop("y", t.H, append(decls, body...)...))
}

// f32 renders a float32 constant.
func f32(x float64) jen.Code { return jen.Lit(float32(x)) }
