package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// phase is one function of a pass: it computes the part [lo, hi) of a range
// of size n, so that workers given different parts can run it at once (an
// engine.Phase).
type phase struct {
	name string // the function
	n    int
	doc  string
	body func(g *jen.Group)
	// even says the range is split into one contiguous part per worker
	// (runtime.Pool.Run) rather than claimed in small chunks: a conv's
	// weight-gradient units each walk the whole input and gradient, which a
	// worker's units read once for all of them.
	even bool
	// sums says the phase adds to the gradient sums.
	sums bool
}

// layerName names a step's layers for profiles: "conv1+relu1".
func layerName(s *step) string {
	if s.Act != nil {
		return s.Name() + "+" + s.Act.Name
	}
	return s.Name()
}

// forwardPhases lists the phases of s's forward pass, in order.
func (g *generator) forwardPhases(s *step) []phase {
	l := s.L
	name := s.Name() + "Forward"
	doc := fmt.Sprintf("%s computes %s: %s -> %s", name, g.describe(s), shapeOf(s.In), shapeOf(s.Out))
	switch l.Kind {
	case compiler.Conv:
		if s.Wino || s.WinoOdd {
			return []phase{{name: name, n: (s.Out.F.H + 1) / 2, doc: doc + ", as Winograd's minimal filtering: pairs of output rows [lo, hi).",
				body: func(b *jen.Group) { convForward(b, s) }}}
		}
		return []phase{{name: name, n: s.Out.F.H, doc: doc + ", output rows [lo, hi).", body: func(b *jen.Group) { convForward(b, s) }}}
	case compiler.MaxPool:
		return []phase{{name: name, n: s.Out.F.H, doc: doc + ", output rows [lo, hi).", body: func(b *jen.Group) { maxPoolForward(b, s) }}}
	case compiler.MeanPool:
		return []phase{{name: name, n: s.Out.F.H, doc: doc + ", output rows [lo, hi).", body: func(b *jen.Group) { meanPoolForward(b, s) }}}
	case compiler.FC:
		return []phase{{name: name, n: l.K, doc: doc + ", outputs [lo, hi).", body: func(b *jen.Group) { fcForward(b, s) }}}
	case compiler.Softmax:
		return []phase{{name: name, n: 1, doc: doc + ".", body: func(b *jen.Group) { softmaxForward(b, s) }}}
	case compiler.Dropout:
		return []phase{{name: name, n: 1, doc: doc + ": masks are drawn in order, so it runs whole.", body: func(b *jen.Group) { dropoutForward(b, s) }}}
	}
	return []phase{{name: name, n: s.In.F.H, doc: doc + ", rows [lo, hi).", body: func(b *jen.Group) { activationForward(b, s) }}}
}

// backwardPhases lists the phases of s's backward pass, in order.
func (g *generator) backwardPhases(s *step) []phase {
	l := s.L
	var ps []phase
	if s.Act != nil && !s.ActGradInNext {
		ps = append(ps, phase{name: s.Name() + "ActGrad", n: s.Out.G.H,
			doc:  fmt.Sprintf("%sActGrad multiplies the gradient of %s's output by %s's derivative, rows [lo, hi).", s.Name(), s.Name(), s.Act.Text),
			body: func(b *jen.Group) { fusedDerivative(b, s) }})
	}
	inGrad := func(n int, what string, body func(*jen.Group)) phase {
		name := s.Name() + "InputGrad"
		doc := fmt.Sprintf("%s computes the gradient of %s's input, %s [lo, hi).", name, s.Name(), what)
		return phase{name: name, n: n, doc: doc, body: func(b *jen.Group) {
			if s.First {
				b.If(jen.Op("!").Id("c").Dot("NeedDx")).Block(jen.Return())
			}
			body(b)
		}}
	}
	switch l.Kind {
	case compiler.Conv:
		inRows, what := s.In.G.H, "rows"
		if s.WinoT {
			inRows, what = s.In.G.H/2, "as Winograd's minimal filtering, pairs of rows"
		}
		units, unitsDoc := l.FH*((l.K+s.KB-1)/s.KB), "units (filter rows of weight blocks)"
		if s.Wino {
			units, unitsDoc = (l.K+s.KB-1)/s.KB, "as Winograd's F(2×2, 3×3), weight blocks"
		}
		ps = append(ps,
			phase{name: s.Name() + "WeightGrad", n: units,
				doc:  fmt.Sprintf("%sWeightGrad adds to the weight and bias gradients of %s, %s [lo, hi).", s.Name(), s.Name(), unitsDoc),
				body: func(b *jen.Group) { convWeightGrad(b, s) }, even: true, sums: true},
			inGrad(inRows, what, func(b *jen.Group) { convInputGrad(b, s) }))
	case compiler.FC:
		ps = append(ps, phase{name: s.Name() + "WeightGrad", n: l.K,
			doc:  fmt.Sprintf("%sWeightGrad adds to the weight and bias gradients of %s, outputs [lo, hi).", s.Name(), s.Name()),
			body: func(b *jen.Group) { fcWeightGrad(b, s) }, sums: true})
		if s.In.G.Padded() {
			ps = append(ps, inGrad(s.In.G.H, "rows", func(b *jen.Group) { fcInputGrad(b, s) }))
		} else {
			ps = append(ps, inGrad(s.In.G.Size(), "values", func(b *jen.Group) { fcInputGrad(b, s) }))
		}
	case compiler.MaxPool:
		if byRows(s) {
			ps = append(ps, inGrad(s.Out.F.H, "output rows", func(b *jen.Group) { maxPoolBackward(b, s) }))
		} else {
			ps = append(ps, inGrad(s.In.G.C, "channels", func(b *jen.Group) { maxPoolBackward(b, s) }))
		}
	case compiler.MeanPool:
		ps = append(ps, inGrad(s.In.G.C, "channels", func(b *jen.Group) { meanPoolBackward(b, s) }))
	case compiler.Softmax:
		ps = append(ps, inGrad(1, "whole", func(b *jen.Group) { softmaxBackward(b, s) }))
	case compiler.Dropout:
		ps = append(ps, inGrad(s.In.G.H, "rows", func(b *jen.Group) { dropoutBackward(b, s) }))
	default:
		ps = append(ps, inGrad(s.In.G.H, "rows", func(b *jen.Group) { activationBackward(b, s) }))
	}
	return ps
}

// emitPhase writes a phase's function.
func (g *generator) emitPhase(p phase) {
	g.f.Comment(p.doc)
	g.f.Func().Id(p.name).Params(jen.Id("c").Op("*").Add(eng("Ctx")), jen.List(jen.Id("lo"), jen.Id("hi")).Int()).BlockFunc(p.body)
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
		return fmt.Sprint(t.F.C)
	}
	return fmt.Sprintf("%dx%dx%d", t.F.H, t.F.W, t.F.C)
}

// buf refers to a value buffer of the sample, c.F[x1]; grad to a gradient
// buffer, c.F[d1].
func buf(t *tensor) *jen.Statement  { return jen.Id("c").Dot("F").Index(jen.Id(t.Value())) }
func grad(t *tensor) *jen.Statement { return jen.Id("c").Dot("F").Index(jen.Id(t.Grad())) }

// paramOf refers to a tensor, c.P[conv1W]; sumOf to its gradient sum,
// c.G[conv1W]; derived to a derived tensor, c.D[conv2T].
func paramOf(field string) *jen.Statement { return jen.Id("c").Dot("P").Index(jen.Id(field)) }
func sumOf(field string) *jen.Statement   { return jen.Id("c").Dot("G").Index(jen.Id(field)) }
func derived(name string) *jen.Statement  { return jen.Id("c").Dot("D").Index(jen.Id(name)) }

// scratch is the worker's scratch memory, c.Scratch.
func scratch() *jen.Statement { return jen.Id("c").Dot("Scratch") }

// run is one buffer in an interior loop: its layout, the buffer, and the
// name of the slice over its current run of values.
type run struct {
	l    layout
	buf  *jen.Statement
	name string
}

// rowsLoop emits body over rows [lo, hi) of buffers of the same H×W×C shape,
// each seen through a slice of one row named after it.
func rowsLoop(g *jen.Group, runs []run, body ...jen.Code) {
	rowsBetween(g, runs, jen.Id("lo"), jen.Id("hi"), body...)
}

// rowsBetween is rowsLoop over rows [from, to).
func rowsBetween(g *jen.Group, runs []run, from, to jen.Code, body ...jen.Code) {
	l := runs[0].l
	var decls []jen.Code
	for _, r := range runs {
		decls = append(decls, window(r.name, r.buf, r.l.at(v("y", 1), k(0), k(0)), l.W*l.C))
	}
	g.For(jen.Id("y").Op(":=").Add(from), jen.Id("y").Op("<").Add(to), jen.Id("y").Op("++")).Block(append(decls, body...)...)
}

// f32 renders a float32 constant.
func f32(x float64) jen.Code { return jen.Lit(float32(x)) }
