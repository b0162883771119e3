package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// buffer is one per-sample buffer of the generated program: its index
// constant, length and what it holds.
type buffer struct {
	name string
	len  int
	grad bool
	doc  string
}

// buffers lists the float32 buffers of one sample: each tensor's values
// (x0 the input), the dropout masks, then each tensor's gradient (d0 the
// input's).
func (g *generator) buffers() []buffer {
	var bs []buffer
	for i, t := range g.tensors {
		bs = append(bs, buffer{t.Value(), t.F.Len(), false, g.tensorDoc(i, t, t.F)})
	}
	for _, s := range g.steps {
		if s.L.Kind == compiler.Dropout {
			bs = append(bs, buffer{maskName(s), s.In.F.Size(), false, fmt.Sprintf("the mask of %s: 0 or 1/(1-p)", s.Name())})
		}
	}
	for _, t := range g.tensors {
		doc := "gradient of " + t.Value()
		if t.G.Padded() {
			doc += fmt.Sprintf(", padded to %dx%dx%d", t.G.H+2*t.G.PH, t.G.W+2*t.G.PW, t.G.C)
		}
		bs = append(bs, buffer{t.Grad(), t.G.Len(), true, doc})
	}
	return bs
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

// indexes emits the constants that number the tensors, derived weights and
// buffers, which the steps use as indexes into their engine.Ctx.
func (g *generator) indexes() {
	consts := func(doc string, names, docs []string) {
		if len(names) == 0 {
			return
		}
		for _, line := range strings.Split(doc, "\n") {
			g.f.Comment(line)
		}
		g.f.Const().DefsFunc(func(d *jen.Group) {
			for i, name := range names {
				c := d.Id(name)
				if i == 0 {
					c.Op("=").Iota()
				}
				if docs != nil && docs[i] != "" {
					c.Comment(docs[i])
				}
			}
		})
	}
	var names, docs []string
	for _, p := range g.params() {
		names, docs = append(names, p.field), append(docs, p.doc)
	}
	consts("The tensors, in PyTorch's order: c.P[i], and their gradient sums c.G[i].", names, docs)
	names, docs = nil, nil
	for _, d := range g.derivedTensors() {
		names, docs = append(names, d.name), append(docs, d.doc)
	}
	consts("The derived weights, which the engine recomputes when the tensors change: c.D[i].", names, docs)
	names, docs = nil, nil
	for _, b := range g.buffers() {
		names, docs = append(names, b.name), append(docs, b.doc)
	}
	consts("The buffers of one sample in flight, H×W×C with padding where a layer reads\n"+
		"with padding: c.F[i].", names, docs)
	names, docs = nil, nil
	for _, s := range g.stepsWhere(func(s *step) bool { return s.L.Kind == compiler.MaxPool }) {
		names = append(names, idxName(s))
		docs = append(docs, fmt.Sprintf("where each maximum of %s came from, as an offset in %s", s.Name(), s.In.Grad()))
	}
	consts("The int32 buffers of one sample: c.I[i].", names, docs)
	names, docs = nil, nil
	for _, s := range g.stashSteps() {
		names = append(names, stashName(s))
		docs = append(docs, fmt.Sprintf("the samples whose %s weight gradient waits for the end of a run", s.Name()))
	}
	consts("The stashes of a worker: c.Stashes[i].", names, docs)
}

// stashSteps lists the fc steps, each of which keeps a stash.
func (g *generator) stashSteps() []*step {
	return g.stepsWhere(func(s *step) bool { return s.L.Kind == compiler.FC })
}

// bufferTable returns the engine.Buffer table, and intTable the lengths of
// the int32 buffers.
//
//	[]engine.Buffer{x0: {Len: 147}, ..., d0: {Len: 75, Grad: true}, ...}
func (g *generator) bufferTable() jen.Code {
	return jen.Index().Add(eng("Buffer")).ValuesFunc(func(vs *jen.Group) {
		for _, b := range g.buffers() {
			fields := []jen.Code{field("Len", jen.Lit(b.len))}
			if b.grad {
				fields = append(fields, field("Grad", jen.True()))
			}
			vs.Line().Id(b.name).Op(":").Values(fields...)
		}
		vs.Line()
	})
}

func (g *generator) intTable() jen.Code {
	pools := g.stepsWhere(func(s *step) bool { return s.L.Kind == compiler.MaxPool })
	if len(pools) == 0 {
		return nil
	}
	return jen.Index().Int().ValuesFunc(func(vs *jen.Group) {
		for _, s := range pools {
			vs.Id(idxName(s)).Op(":").Lit(s.Out.F.Size())
		}
	})
}
