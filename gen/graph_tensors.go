package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/ir"
)

// roleSuffix names a tensor's index constant after its node's stem:
// conv1W, conv1B, bn1W, bn1B, bn1Mean, bn1Var, bn1Count.
var roleSuffix = map[ir.Role]string{
	ir.Weight: "W", ir.Bias: "B", ir.Scale: "W", ir.Shift: "B",
	ir.RunningMean: "Mean", ir.RunningVar: "Var", ir.NumBatchesTracked: "Count",
}

// tensorNames names every tensor's index constant.
func (g *graphGen) tensorNames() {
	g.tensorID = map[*ir.Tensor]string{}
	for _, n := range g.g.Nodes {
		for _, t := range n.Tensors {
			g.tensorID[t] = g.unique(g.nodeName[n] + roleSuffix[t.Role])
		}
	}
}

// tensorOf returns the index constant of node n's tensor of role r, "" if
// it has none (a conv without bias).
func (g *graphGen) tensorOf(n *ir.Node, r ir.Role) string {
	for _, t := range n.Tensors {
		if t.Role == r {
			return g.tensorID[t]
		}
	}
	return ""
}

// isDepthwise reports whether conv op, on c input channels, is depthwise.
func isDepthwise(op *ir.Conv, c int) bool { return op.Groups > 1 && op.Groups == c && op.K == c }

// packing returns the engine.Packing of tensor t of node n and a note on
// how it is stored; nil when it is stored in PyTorch's layout.
func packing(n *ir.Node, t *ir.Tensor) (jen.Code, string) {
	if t.Role != ir.Weight {
		return nil, ""
	}
	switch op := n.Op.(type) {
	case *ir.Conv:
		kb := convKB(op)
		switch {
		case isDepthwise(op, n.In().C):
			return eng("Depthwise").Values(), "stored [FH][FW][C]"
		case op.Groups > 1:
			return eng("Grouped").Values(jen.Id("Groups").Op(":").Lit(op.Groups), jen.Id("KB").Op(":").Lit(kb)),
				fmt.Sprintf("a pack a group, in blocks of %d channels", kb)
		}
		return eng("ConvBlocks").Values(jen.Id("KB").Op(":").Lit(kb)), fmt.Sprintf("packed in blocks of %d channels", kb)
	case *ir.FC:
		if in := n.In(); in.H*in.W > 1 {
			return eng("FCInput").Values(jen.Id("H").Op(":").Lit(in.H), jen.Id("W").Op(":").Lit(in.W), jen.Id("C").Op(":").Lit(in.C)),
				"the input in H, W, C order"
		}
	}
	return nil, ""
}

// tensorTable returns the engine.Tensor table, in state_dict order.
func (g *graphGen) tensorTable() jen.Code {
	return jen.Index().Add(eng("Tensor")).ValuesFunc(func(vs *jen.Group) {
		for _, n := range g.g.Nodes {
			for _, t := range n.Tensors {
				fs := []jen.Code{field("Name", jen.Lit(t.Name)), field("Shape", ints(t.Shape))}
				switch {
				case t.Role == ir.NumBatchesTracked:
					fs = append(fs, field("Kind", eng("Count")))
				case t.Buffer:
					fs = append(fs, field("Kind", eng("Stat")))
				}
				switch t.Init.Kind {
				case ir.HeNormal:
					fs = append(fs, field("FanIn", jen.Lit(t.Init.FanIn)))
				case ir.Ones:
					fs = append(fs, field("Init", jen.Lit(1)))
				}
				if p, _ := packing(n, t); p != nil {
					fs = append(fs, field("Packing", p))
				}
				vs.Line().Id(g.tensorID[t]).Op(":").Values(fs...)
			}
		}
		vs.Line()
	})
}

// gderived is one weight tensor the engine computes from the others.
type gderived struct {
	name, doc string
	len       int
	lenCode   jen.Code // the length when it is known at run time only
	use       jen.Code
	update    string // the function that computes it
}

// addDerived declares a derived tensor whose update function has body.
func (g *graphGen) addDerived(stem, doc string, n int, use jen.Code, body func(b *jen.Group)) string {
	name := g.unique(stem)
	fn := g.unique(stem + "Update")
	g.derived = append(g.derived, &gderived{name: name, doc: doc, len: n, use: use, update: fn})
	code := jen.Func().Id(fn).Params(jen.Id("w").Op("*").Add(eng("Weights")), jen.Id("d").Index().Float32()).BlockFunc(body)
	g.decl(fmt.Sprintf("%s computes %s.", fn, doc), func(f *jen.File) { f.Add(code) })
	g.register(fn, "computes "+doc+".")
	return name
}

// wP refers to a tensor in an update function, w.P[conv1W]; wD to a
// derived tensor.
func wP(name string) *jen.Statement { return jen.Id("w").Dot("P").Index(jen.Id(name)) }
func wD(name string) *jen.Statement { return jen.Id("w").Dot("D").Index(jen.Id(name)) }

// derivedTable returns the engine.Derived table, nil when there is none.
func (g *graphGen) derivedTable() jen.Code {
	if len(g.derived) == 0 {
		return nil
	}
	return jen.Index().Add(eng("Derived")).ValuesFunc(func(vs *jen.Group) {
		for _, d := range g.derived {
			vs.Line().Id(d.name).Op(":").Values(field("Name", jen.Lit(d.name)), field("Use", d.use),
				field("Len", jen.Func().Params().Int().Op("{").Return(d.lenOf()).Op("}")), field("Update", jen.Id(d.update)))
		}
		vs.Line()
	})
}

// bnEval returns the derived tensor that holds batchnorm n's inference
// coefficients (mean, 1/std, scale and shift from the running statistics:
// runtime.BatchNormEval), declaring it on first use.
func (g *graphGen) bnEval(n *ir.Node, geom string) string {
	if name, ok := g.evalOf[n]; ok {
		return name
	}
	c := n.In().C
	name := g.addDerived(g.nodeName[n]+"Coef", n.Name+"'s inference-mode coefficients (running statistics)", 4*c,
		eng("InferenceForward").Op("|").Add(eng("Backward")), func(b *jen.Group) {
			b.Id("v").Op(":=").Id("bnVecs").Call(jen.Id("w"), jen.Id(g.tensorOf(n, ir.Scale)), jen.Lit(c), jen.Id("d"))
			b.Add(rt("BatchNormEval")).Call(jen.Op("&").Id(geom), jen.Op("&").Id("v"))
		})
	if g.evalOf == nil {
		g.evalOf = map[*ir.Node]string{}
	}
	g.evalOf[n] = name
	return name
}

// bnStats returns the batch buffer that holds batchnorm n's batch
// statistics in training mode (mean, 1/std, scale and shift), declaring
// it on first use.
func (g *graphGen) bnStats(n *ir.Node) string {
	if name, ok := g.statsOf[n]; ok {
		return name
	}
	name := g.unique(g.nodeName[n] + "Batch")
	g.batch = append(g.batch, gbatch{name: name, len: 4 * n.In().C, doc: n.Name + "'s batch statistics: mean, 1/std, scale, shift"})
	if g.statsOf == nil {
		g.statsOf = map[*ir.Node]string{}
	}
	g.statsOf[n] = name
	return name
}

// foldScratch returns the derived tensor the folding functions unpack a
// conv's weights into, declaring it with room for n values (growing it on
// later calls).
func (g *graphGen) foldScratch(n int) string {
	if g.foldTmp == "" {
		g.foldTmp = g.addDerived("foldScratch", "nothing: it is the folding functions' scratch memory", n, eng("InferenceForward"), func(*jen.Group) {})
		// It must come first: the folding functions write it.
		last := g.derived[len(g.derived)-1]
		copy(g.derived[1:], g.derived[:len(g.derived)-1])
		g.derived[0] = last
	}
	for _, d := range g.derived {
		if d.name == g.foldTmp {
			d.len = max(d.len, n)
		}
	}
	return g.foldTmp
}

// bnVecsFunc declares the helper the batchnorm phases build their
// runtime.BNVecs with.
func (g *graphGen) bnVecsFunc() {
	g.decl("bnVecs returns the vectors of the batchnorm whose weight is tensor t (its bias,\n"+
		"running mean and running variance follow it), with the statistics s of its\n"+
		"c channels: mean, 1/std, scale and shift.", func(f *jen.File) {
		s := func(i int) jen.Code {
			return jen.Id("s").Index(jen.Lit(i).Op("*").Id("c").Op(":").Lit(i + 1).Op("*").Id("c"))
		}
		p := func(i int) jen.Code {
			if i == 0 {
				return jen.Id("w").Dot("P").Index(jen.Id("t"))
			}
			return jen.Id("w").Dot("P").Index(jen.Id("t").Op("+").Lit(i))
		}
		f.Func().Id("bnVecs").Params(jen.Id("w").Op("*").Add(eng("Weights")), jen.List(jen.Id("t"), jen.Id("c")).Int(), jen.Id("s").Index().Float32()).
			Add(rt("BNVecs")).Block(jen.Return(rt("BNVecs").Values(
			field("Gamma", p(0)), field("Beta", p(1)), field("RunMean", p(2)), field("RunVar", p(3)),
			jen.Line().Add(field("Mean", s(0))), field("InvStd", s(1)), field("Scale", s(2)), field("Shift", s(3)),
			jen.Line(),
		)))
	})
}

func (d *gderived) lenOf() jen.Code {
	if d.lenCode != nil {
		return d.lenCode
	}
	return jen.Lit(d.len)
}

// winograd declares the derived tensor holding the Winograd transform of
// the conv weights src (runtime.WinogradWeights for geometry geom), whose
// length the kernels chosen at start-up decide.
func (g *graphGen) winograd(stem, doc, geom string, src jen.Code, use jen.Code) string {
	name := g.addDerived(stem, doc, 0, use, func(b *jen.Group) {
		b.Add(rt("WinogradWeights")).Call(jen.Op("&").Id(geom), jen.Id("d"), src)
	})
	g.derived[len(g.derived)-1].lenCode = rt("WinogradLen").Call(jen.Op("&").Id(geom))
	return name
}
