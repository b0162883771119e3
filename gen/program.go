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

// view returns the engine.View of tensor t held in layout l.
//
//	engine.View{Buf: x0, Map: engine.Map{H: 5, W: 5, C: 3, Pix: 3, Row: 21, Off: 24}}
func view(name string, l layout) jen.Code {
	return eng("View").Values(field("Buf", jen.Id(name)), field("Map", eng("Map").Values(
		field("H", jen.Lit(l.H)), field("W", jen.Lit(l.W)), field("C", jen.Lit(l.C)),
		field("Pix", jen.Lit(l.C)), field("Row", jen.Lit(l.RowLen())), field("Off", jen.Lit(l.Origin())))))
}

// program emits the engine.Program value that New hands the engine.
func (g *generator) program() {
	in, out := g.input(), g.output()
	fields := []jen.Code{
		field("Input", view(in.Value(), in.F)), field("InputGrad", view(in.Grad(), in.G)),
		field("Output", view(out.Value(), out.F)), field("OutputGrad", view(out.Grad(), out.G)),
		field("Tensors", g.tensorTable()),
	}
	optional := func(key string, value jen.Code) {
		if value != nil {
			fields = append(fields, field(key, value))
		}
	}
	optional("Derived", g.derived())
	fields = append(fields, field("Buffers", g.bufferTable()))
	optional("Ints", g.intTable())
	if n := len(g.stashSteps()); n > 0 {
		fields = append(fields, field("Stashes", jen.Lit(n)))
	}
	fields = append(fields, field("Steps", g.stepTable()), field("Loss", g.loss()))
	optional("Group", g.group())
	for i := range fields {
		fields[i] = jen.Line().Add(fields[i])
	}
	g.f.Comment("program is the network as the engine runs it.")
	g.f.Var().Id("program").Op("=").Add(eng("Program")).Values(append(fields, jen.Line())...)
}

// stepTable returns the engine.Step table: each step's buffers and phases.
func (g *generator) stepTable() jen.Code {
	ref := func(t *tensor) jen.Code {
		return jen.Index().Add(eng("Ref")).Values(jen.Values(field("Value", jen.Id(t.Value())), field("Grad", jen.Id(t.Grad()))))
	}
	phases := func(ps []phase) jen.Code {
		return jen.Index().Add(eng("Phase")).ValuesFunc(func(vs *jen.Group) {
			for _, p := range ps {
				fs := []jen.Code{field("N", jen.Lit(p.n)), field("Run", jen.Id(p.name))}
				if p.even {
					fs = append(fs, field("Even", jen.True()))
				}
				if p.sums {
					fs = append(fs, field("Sums", jen.True()))
				}
				vs.Values(fs...)
			}
		})
	}
	return jen.Index().Add(eng("Step")).ValuesFunc(func(vs *jen.Group) {
		for _, s := range g.steps {
			fs := []jen.Code{
				jen.Line().Add(field("Name", jen.Lit(layerName(s)))),
				jen.Line().Add(field("In", ref(s.In))), field("Out", ref(s.Out)),
				jen.Line().Add(field("Forward", phases(g.forwardPhases(s)))),
				jen.Line().Add(field("Backward", phases(g.backwardPhases(s)))),
			}
			if s.L.Kind == compiler.FC {
				fs = append(fs, jen.Line().Add(field("Flush", stashFlush(s))))
			}
			vs.Values(append(fs, jen.Line())...)
		}
	})
}

// loss returns the engine.Loss: cross-entropy on the scores before the final
// softmax, whose backward pass is then skipped, or squared error on the
// output.
func (g *generator) loss() jen.Code {
	if !g.classifier() {
		return eng("Loss").Values(field("Steps", jen.Lit(len(g.steps))))
	}
	last := g.steps[len(g.steps)-1]
	z := last.In
	return eng("Loss").Values(
		field("Classifier", jen.True()), field("Steps", jen.Lit(len(g.steps)-1)),
		jen.Line().Add(field("Scores", view(z.Value(), z.F))),
		jen.Line().Add(field("Probs", view(last.Out.Value(), last.Out.F))),
		jen.Line().Add(field("ScoresGrad", view(z.Grad(), z.G))),
		jen.Line(),
	)
}

// group returns the engine.Group literal of the grouped fc step, nil when
// there is none.
func (g *generator) group() jen.Code {
	s, at := g.groupStep()
	if s == nil {
		return nil
	}
	return jen.Op("&").Add(eng("Group")).Values(
		field("Step", jen.Lit(at)), field("Size", jen.Lit(fcGroupSize)),
		field("In", jen.Id(s.In.Value())), field("Out", jen.Id(s.Out.Value())), field("Run", jen.Id(groupName(s))))
}

// phases emits, step by step, the kernel geometry and the phase functions,
// then the grouped fc step's function.
func (g *generator) phases() {
	for _, s := range g.steps {
		g.geometry(s)
		for _, p := range g.forwardPhases(s) {
			g.emitPhase(p)
		}
		for _, p := range g.backwardPhases(s) {
			g.emitPhase(p)
		}
	}
	g.groupFunc()
}
