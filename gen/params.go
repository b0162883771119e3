package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// param is one learnable tensor, the name of its index constant and how
// the kernels store it.
type param struct {
	compiler.Param
	field string // "conv1W"
	// packing is its engine.Packing, nil when it is stored in PyTorch's
	// layout; doc says how it is stored.
	packing jen.Code
	doc     string
}

// params lists the network's parameters with their layouts. A conv weight
// [K C Fh Fw] is stored packed in blocks of output channels
// (engine.ConvBlocks); an fc weight [out in] stays [out][in] but with the
// input in the H, W, C order of the map it reads (engine.FCInput).
func (g *generator) params() []param {
	var ps []param
	for _, s := range g.steps {
		l := s.L
		for _, p := range l.Params {
			q := param{Param: p, field: fieldName(p.Name), doc: fmt.Sprintf("%s %v", p.Name, p.Shape)}
			switch {
			case strings.HasSuffix(p.Name, ".bias"):
			case l.Kind == compiler.Conv:
				q.packing = eng("ConvBlocks").Values(jen.Id("KB").Op(":").Lit(s.KB))
				q.doc += fmt.Sprintf(", packed in blocks of %d channels", s.KB)
			case s.In.Map && s.In.F.H*s.In.F.W > 1: // fc weight reading a map
				in := s.In.F
				q.packing = eng("FCInput").Values(jen.Id("H").Op(":").Lit(in.H), jen.Id("W").Op(":").Lit(in.W), jen.Id("C").Op(":").Lit(in.C))
				q.doc += ", the input in H, W, C order"
			}
			ps = append(ps, q)
		}
	}
	return ps
}

// fieldName turns "conv1.weight" into "conv1W".
func fieldName(name string) string {
	layer, kind, _ := strings.Cut(name, ".")
	return layer + strings.ToUpper(kind[:1])
}

// tensorTable returns the engine.Tensor table.
//
//	{Name: "conv1.weight", Shape: []int{2, 3, 3, 3}, FanIn: 27, Packing: engine.ConvBlocks{KB: 16}},
func (g *generator) tensorTable() jen.Code {
	return jen.Index().Add(eng("Tensor")).ValuesFunc(func(vs *jen.Group) {
		for _, p := range g.params() {
			fields := []jen.Code{field("Name", jen.Lit(p.Name)), field("Shape", ints(p.Shape))}
			if p.FanIn > 0 {
				fields = append(fields, field("FanIn", jen.Lit(p.FanIn)))
			}
			if p.packing != nil {
				fields = append(fields, field("Packing", p.packing))
			}
			vs.Line().Values(fields...)
		}
		vs.Line()
	})
}

// derivedTensor is one weight tensor the engine computes from the others
// (engine.Derived): transposed conv weights and Winograd transforms.
type derivedTensor struct {
	name, doc string
	len       jen.Code // its length
	use       jen.Code
	update    jen.Code // the statement that computes d from w
}

// derivedTensors lists them: each stride-1 conv's transposed weights,
// which its input gradient reads, and their Winograd transform when that
// runs so; each Winograd conv's transformed weights, which its forward
// passes read.
func (g *generator) derivedTensors() []derivedTensor {
	var ds []derivedTensor
	w := func(name string) *jen.Statement { return jen.Id("w").Dot("P").Index(jen.Id(name)) }
	winoLen := func(geom string) jen.Code { return rt("WinogradLen").Call(jen.Op("&").Id(geom)) }
	for _, s := range g.steps {
		l := s.L
		if s.Transposed {
			n := (l.In.C + s.KBT - 1) / s.KBT * s.KBT * l.FH * l.FW * l.K
			ds = append(ds, derivedTensor{transposedField(s), s.Name() + "'s weights transposed, for its input gradient", jen.Lit(n), eng("Backward"),
				rt("TransposeConv").Call(jen.Id("d"), w(weights(s)), jen.Lit(l.K), jen.Lit(l.In.C), jen.Lit(l.FH), jen.Lit(l.FW), jen.Lit(s.KB), jen.Lit(s.KBT))})
			if s.WinoT {
				ds = append(ds, derivedTensor{winoTField(s), "their Winograd transform", winoLen(backName(s)), eng("Backward"),
					rt("WinogradWeights").Call(jen.Op("&").Id(backName(s)), jen.Id("d"), jen.Id("w").Dot("D").Index(jen.Id(transposedField(s))))})
			}
		}
	}
	for _, s := range g.winoSteps() {
		ds = append(ds, derivedTensor{winoField(s), s.Name() + "'s weights, Winograd-transformed", winoLen(geomName(s)),
			eng("InferenceForward").Op("|").Add(eng("TrainingForward")),
			rt("WinogradWeights").Call(jen.Op("&").Id(geomName(s)), jen.Id("d"), w(weights(s)))})
	}
	return ds
}

// derived returns the engine.Derived table, nil when there is none.
//
//	{Name: "conv2T", Use: engine.Backward, Len: func() int { return 1152 },
//		Update: func(w *engine.Weights, d []float32) { runtime.TransposeConv(d, w.P[conv2W], ...) }},
func (g *generator) derived() jen.Code {
	ds := g.derivedTensors()
	if len(ds) == 0 {
		return nil
	}
	return jen.Index().Add(eng("Derived")).ValuesFunc(func(vs *jen.Group) {
		for _, d := range ds {
			// One-line function literals: jen's Block would break them.
			vs.Line().Id(d.name).Op(":").Values(
				jen.Line().Add(field("Name", jen.Lit(d.name))), field("Use", d.use),
				field("Len", jen.Func().Params().Int().Op("{").Return(d.len).Op("}")),
				jen.Line().Id("Update").Op(":").Func().Params(jen.Id("w").Op("*").Add(eng("Weights")), jen.Id("d").Index().Float32()).
					Op("{").Add(d.update).Op("}"),
				jen.Line(),
			)
		}
		vs.Line()
	})
}

// winoSteps lists the convs whose forward runs as Winograd's minimal
// filtering (runtime.ConvForwardWinograd or ConvForwardWinogradOdd), winoTSteps those whose
// transposed convolution does.
func (g *generator) winoSteps() []*step {
	return g.stepsWhere(func(s *step) bool { return s.Wino || s.WinoOdd })
}
func (g *generator) winoTSteps() []*step { return g.stepsWhere(func(s *step) bool { return s.WinoT }) }

func (g *generator) stepsWhere(keep func(*step) bool) []*step {
	var convs []*step
	for _, s := range g.steps {
		if keep(s) {
			convs = append(convs, s)
		}
	}
	return convs
}

// field renders `key: value` in a struct literal.
func field(key string, value jen.Code) jen.Code { return jen.Id(key).Op(":").Add(value) }

// ints renders []int{ns...}.
func ints(ns []int) jen.Code {
	return jen.Index().Int().ValuesFunc(func(g *jen.Group) { lits(g, ns) })
}

func lits(g *jen.Group, ns []int) {
	for _, n := range ns {
		g.Lit(n)
	}
}
