package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// param is one learnable tensor with its field in the generated params
// struct and how its internal layout maps to PyTorch's.
type param struct {
	compiler.Param
	field string // "conv1W"
	// dims are the loop extents in PyTorch order, and torch and internal
	// the offsets of one value, in terms of the loop variables.
	dims            []int
	vars            []string
	torch, internal lin
	doc             string
	// conv is the step of a conv weight, stored packed in blocks of
	// conv.KB channels (see runtime.PackConv); nil for other parameters.
	conv *step
	// stored is the number of values the params struct holds for it.
	stored int
}

// params lists the network's parameters with their layouts. A conv weight
// [K C Fh Fw] is stored [Fh][Fw][C][K]; an fc weight [out in] stays
// [out][in] but with the input in the H, W, C order of the tensor it reads.
func (g *generator) params() []param {
	var ps []param
	for _, s := range g.steps {
		l := s.L
		for _, p := range l.Params {
			q := param{Param: p, field: fieldName(p.Name), stored: p.Size()}
			switch {
			case strings.HasSuffix(p.Name, ".bias"):
				q.dims, q.vars = []int{l.K}, []string{"k"}
				q.torch, q.internal = v("k", 1), v("k", 1)
				q.doc = fmt.Sprintf("%s [%d]", p.Name, l.K)
			case l.Kind == compiler.Conv:
				K, C, FH, FW := l.K, l.In.C, l.FH, l.FW
				blocks := (K + s.KB - 1) / s.KB
				q.conv, q.stored = s, blocks*s.KB*FH*FW*C
				q.doc = fmt.Sprintf("%s, packed [K/%d][Fh][Fw][C][%d] = [%d][%d][%d][%d][%d]", p.Name, s.KB, s.KB, blocks, FH, FW, C, s.KB)
			default: // fc weight
				in := s.In.F
				q.dims, q.vars = []int{l.K, in.C, in.H, in.W}, []string{"o", "c", "y", "x"}
				n := in.Size()
				q.torch = v("o", n).plus(v("c", in.H*in.W)).plus(v("y", in.W)).plus(v("x", 1))
				q.internal = v("o", n).plus(v("y", in.W*in.C)).plus(v("x", in.C)).plus(v("c", 1))
				q.doc = fmt.Sprintf("%s, stored [out][in] = [%d][%d], the input in H, W, C order", p.Name, l.K, n)
				if !s.In.Map || in.H*in.W == 1 {
					q.dims, q.vars = []int{l.K, n}, []string{"o", "i"}
					q.torch, q.internal = v("o", n).plus(v("i", 1)), v("o", n).plus(v("i", 1))
					q.doc = fmt.Sprintf("%s [%d %d]", p.Name, l.K, n)
				}
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

// paramsType emits the params struct, its flat views and its specs.
func (g *generator) paramsType() {
	ps := g.params()
	g.f.Comment("params holds every parameter, laid out for the kernels that read it.")
	g.f.Type().Id("params").StructFunc(func(s *jen.Group) {
		for _, p := range ps {
			s.Id(p.field).Index(jen.Lit(p.stored)).Float32().Comment(p.doc)
		}
	})
	g.f.Comment("numTensors is the number of parameter tensors.")
	g.f.Const().Id("numTensors").Op("=").Lit(len(ps))
	g.f.Comment("slices returns every parameter as a slice, in order.")
	g.f.Func().Params(jen.Id("p").Op("*").Id("params")).Id("slices").Params().Index(jen.Id("numTensors")).Index().Float32().Block(
		jen.Return(jen.Index(jen.Id("numTensors")).Index().Float32().ValuesFunc(func(vs *jen.Group) {
			for _, p := range ps {
				vs.Id("p").Dot(p.field).Index(jen.Op(":"))
			}
		})),
	)
	g.f.Comment("paramSizes holds each parameter's number of values in PyTorch's layout.")
	g.f.Var().Id("paramSizes").Op("=").Index(jen.Id("numTensors")).Int().ValuesFunc(func(vs *jen.Group) {
		for _, p := range ps {
			vs.Lit(p.Size())
		}
	})
	g.f.Var().Id("paramSpecs").Op("=").Index().Add(rt("ParamSpec")).ValuesFunc(func(vs *jen.Group) {
		for _, p := range ps {
			vs.Values(jen.Dict{
				jen.Id("Name"):  jen.Lit(p.Name),
				jen.Id("Shape"): jen.Index().Int().ValuesFunc(func(d *jen.Group) { lits(d, p.Shape) }),
			})
		}
	})
}

func lits(g *jen.Group, ns []int) {
	for _, n := range ns {
		g.Lit(n)
	}
}

// paramsIO emits initialisation and the conversions between the internal
// layout and PyTorch's.
func (g *generator) paramsIO() {
	ps := g.params()
	largest := 0 // the most values of a weight drawn at random
	for _, p := range ps {
		if p.FanIn > 0 {
			largest = max(largest, p.Size())
		}
	}
	pr := jen.Id("p").Op("*").Id("params")

	g.f.Comment("init sets the weights to He-normal values drawn in PyTorch order from one")
	g.f.Comment("generator seeded with seed, and the biases to zero.")
	g.f.Func().Params(pr).Id("init").Params(jen.Id("seed").Uint64()).BlockFunc(func(b *jen.Group) {
		if largest == 0 {
			return // no weights to draw
		}
		b.Id("r").Op(":=").Add(rt("NewRand")).Call(jen.Id("seed"))
		b.Id("t").Op(":=").Make(jen.Index().Float32(), jen.Lit(largest))
		for i, p := range ps {
			if p.FanIn == 0 {
				continue
			}
			b.Add(rt("HeNormal32")).Call(jen.Id("r"), jen.Id("t").Index(jen.Op(":").Lit(p.Size())), jen.Lit(p.FanIn))
			b.Id("p").Dot("fromTorch").Call(jen.Lit(i), jen.Id("t").Index(jen.Op(":").Lit(p.Size())))
		}
	})

	for _, dir := range []string{"fromTorch", "toTorch"} {
		if dir == "fromTorch" {
			g.f.Comment("fromTorch sets parameter i from src, in PyTorch's layout.")
		} else {
			g.f.Comment("toTorch copies parameter i to dst, in PyTorch's layout.")
		}
		arg := map[string]string{"fromTorch": "src", "toTorch": "dst"}[dir]
		g.f.Func().Params(pr).Id(dir).Params(jen.Id("i").Int(), jen.Id(arg).Index().Float32()).Block(
			jen.Switch(jen.Id("i")).BlockFunc(func(sw *jen.Group) {
				for i, p := range ps {
					sw.Case(jen.Lit(i)).Add(convert(p, dir == "fromTorch"))
				}
			}),
		)
	}

	g.f.Comment("arrays returns a copy of every parameter in PyTorch's layout, each name")
	g.f.Comment("followed by suffix.")
	g.f.Func().Params(pr).Id("arrays").Params(jen.Id("suffix").String()).Index().Op("*").Add(rt("Array")).Block(
		jen.Id("out").Op(":=").Make(jen.Index().Op("*").Add(rt("Array")), jen.Len(jen.Id("paramSpecs"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("s")).Op(":=").Range().Id("paramSpecs")).Block(
			jen.Id("data").Op(":=").Make(jen.Index().Float32(), jen.Id("paramSizes").Index(jen.Id("i"))),
			jen.Id("p").Dot("toTorch").Call(jen.Id("i"), jen.Id("data")),
			jen.Id("out").Index(jen.Id("i")).Op("=").Add(rt("NewArray32")).Call(jen.Id("s").Dot("Name").Op("+").Id("suffix"), jen.Id("s").Dot("Shape"), jen.Id("data")),
		),
		jen.Return(jen.Id("out")),
	)
}

// convert emits the loops that copy p between PyTorch's layout and the
// internal one, or a copy when the two are the same.
func convert(p param, from bool) jen.Code {
	if s := p.conv; s != nil {
		l := s.L
		other := "src"
		if !from {
			other = "dst"
		}
		return rt("PackConv").Call(jen.Id("p").Dot(p.field).Index(jen.Op(":")), jen.Id(other),
			jen.Lit(l.K), jen.Lit(l.In.C), jen.Lit(l.FH), jen.Lit(l.FW), jen.Lit(s.KB), jen.Lit(!from))
	}
	if len(p.dims) == 1 || (len(p.dims) == 2 && p.vars[1] == "i") {
		if from {
			return jen.Copy(jen.Id("p").Dot(p.field).Index(jen.Op(":")), jen.Id("src"))
		}
		return jen.Copy(jen.Id("dst"), jen.Id("p").Dot(p.field).Index(jen.Op(":")))
	}
	var assign jen.Code
	if from {
		assign = jen.Id("p").Dot(p.field).Index(p.internal.code()).Op("=").Id("src").Index(p.torch.code())
	} else {
		assign = jen.Id("dst").Index(p.torch.code()).Op("=").Id("p").Dot(p.field).Index(p.internal.code())
	}
	body := assign
	for d := len(p.dims) - 1; d >= 0; d-- {
		body = loop(p.vars[d], p.dims[d], body)
	}
	return body
}

// transposedType emits the struct of the transposed conv weights, its
// constructor and the method that computes them from the parameters.
func (g *generator) transposedType() {
	g.f.Comment("transposed holds, for each stride-1 conv, the weights of the transposed")
	g.f.Comment("convolution that computes its input gradient (see runtime.TransposeConv).")
	convs := g.stepsWhere(func(s *step) bool { return s.Transposed })
	wino := g.winoTSteps()
	g.f.Type().Id("transposed").StructFunc(func(st *jen.Group) {
		for _, s := range convs {
			l := s.L
			n := (l.In.C + s.KBT - 1) / s.KBT * s.KBT * l.FH * l.FW * l.K
			st.Id(transposedField(s)).Index(jen.Lit(n)).Float32()
			if s.WinoT {
				st.Id(winoTField(s)).Index().Float32().Comment("Winograd's transform of " + transposedField(s))
			}
		}
	})
	if len(wino) > 0 {
		g.f.Comment("newTransposed allocates the transposed weights. The length of the Winograd")
		g.f.Comment("transforms depends on the scheme of the kernels chosen at run time.")
		g.winoConstructor("newTransposed", "transposed", wino, winoTField, backName)
	}
	g.f.Comment("update recomputes the transposed weights from p.")
	g.f.Func().Params(jen.Id("t").Op("*").Id("transposed")).Id("update").Params(jen.Id("p").Op("*").Id("params")).BlockFunc(func(b *jen.Group) {
		for _, s := range convs {
			l := s.L
			b.Add(rt("TransposeConv")).Call(jen.Id("t").Dot(transposedField(s)).Index(jen.Op(":")), jen.Id("p").Dot(weights(s)).Index(jen.Op(":")),
				jen.Lit(l.K), jen.Lit(l.In.C), jen.Lit(l.FH), jen.Lit(l.FW), jen.Lit(s.KB), jen.Lit(s.KBT))
			if s.WinoT {
				b.Add(rt("WinogradWeights")).Call(jen.Op("&").Id(backName(s)), jen.Id("t").Dot(winoTField(s)),
					jen.Id("t").Dot(transposedField(s)).Index(jen.Op(":")))
			}
		}
	})
}

// winoSteps lists the convs whose forward runs as Winograd's minimal
// filtering (runtime.ConvForwardWinograd), winoTSteps those whose
// transposed convolution does.
func (g *generator) winoSteps() []*step  { return g.stepsWhere(func(s *step) bool { return s.Wino }) }
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

// winoConstructor emits fn, which returns a new typ whose Winograd fields
// (field(s) of each of convs) are allocated as runtime.WinogradLen says
// for the conv's geometry (geom(s)).
func (g *generator) winoConstructor(fn, typ string, convs []*step, field, geom func(*step) string) {
	g.f.Func().Id(fn).Params().Op("*").Id(typ).BlockFunc(func(b *jen.Group) {
		b.Id("t").Op(":=").New(jen.Id(typ))
		for _, s := range convs {
			b.Id("t").Dot(field(s)).Op("=").Make(jen.Index().Float32(), rt("WinogradLen").Call(jen.Op("&").Id(geom(s))))
		}
		b.Return(jen.Id("t"))
	})
}

// winogradType emits, when some conv's forward runs as Winograd's minimal
// filtering, the struct of the transformed weights, its constructor and the
// method that computes them from the parameters.
func (g *generator) winogradType() {
	convs := g.winoSteps()
	if len(convs) == 0 {
		return
	}
	g.f.Comment("winograd holds, for each conv whose forward runs as Winograd's minimal")
	g.f.Comment("filtering, its weights transformed (see runtime.WinogradWeights).")
	g.f.Type().Id("winograd").StructFunc(func(st *jen.Group) {
		for _, s := range convs {
			st.Id(winoField(s)).Index().Float32()
		}
	})
	g.f.Comment("newWinograd allocates the transformed weights, whose length depends on the")
	g.f.Comment("scheme of the kernels chosen at run time.")
	g.winoConstructor("newWinograd", "winograd", convs, winoField, geomName)
	g.f.Comment("update recomputes the transformed weights from p.")
	g.f.Func().Params(jen.Id("t").Op("*").Id("winograd")).Id("update").Params(jen.Id("p").Op("*").Id("params")).BlockFunc(func(b *jen.Group) {
		for _, s := range convs {
			b.Add(rt("WinogradWeights")).Call(jen.Op("&").Id(geomName(s)), jen.Id("t").Dot(winoField(s)),
				jen.Id("p").Dot(weights(s)).Index(jen.Op(":")))
		}
	})
}
