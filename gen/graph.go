package gen

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"github.com/dave/jennifer/jen"

	gplan "github.com/cnnc/cnnc/gen/plan"
	"github.com/cnnc/cnnc/ir"
)

// GraphFile returns the Go source of the package that runs g, any network
// the compiler checks (blocks, batchnorm, grouped and depthwise convs, the
// activations and pools of round 2), on runtime/engine. The graph must be
// complete (no shape errors); the options are File's. The code holds two
// plans of the graph (see gen/plan) as one engine.Program:
//
//   - The inference plan runs forward passes in inference mode: batchnorm
//     folded into the conv before it (weights refolded by the engine
//     whenever the tensors change, engine.Derived), residual adds and
//     activations fused into the conv stores, concats written in place.
//   - The training plan runs training mode, forward and backward: batchnorm
//     with the batch's statistics (its phases need the whole batch, so such
//     passes run layer-major), running statistics and num_batches_tracked
//     updated as PyTorch does, and backward through the statistics.
//   - A backward pass in inference mode (ForwardBackwardN without
//     SetTraining, cnnc run --dy) runs the training plan's forward in
//     inference mode before going backward through it, as the inference
//     plan keeps none of the values backward reads: a forward-backward
//     pass runs it instead of the inference plan (whose output it then
//     gives, equal to the inference plan's but for rounding), Backward
//     after Forward runs it again first (engine.Step.Reforward).
func GraphFile(g *ir.Graph, opts ...Option) ([]byte, error) {
	if g == nil || g.Incomplete {
		return nil, fmt.Errorf("gen: the network has errors")
	}
	c, err := newConfig(g.Name, g.File, opts)
	if err != nil {
		return nil, err
	}
	gg, err := newGraphGen(g, c)
	if err != nil {
		return nil, err // "the code generator does not support …", for the user
	}
	gg.file()
	var buf bytes.Buffer
	if err := gg.f.Render(&buf); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	src, err := share(buf.Bytes(), gg.shared, gg.indexConsts(), gg.geomTypes(), gg.unique)
	if err != nil {
		return nil, &FormatError{Err: err, Source: buf.Bytes()}
	}
	return finish(src, c)
}

// graphGen generates the package of a graph network.
type graphGen struct {
	cfg          config
	g            *ir.Graph
	train, infer *gplan.Plan
	// scores is the input of the final softmax of a classifier, nil for
	// a network that does not end in softmax.
	scores *ir.Value
	f      *jen.File

	bufs  []*ebuf
	bufOf map[*gplan.Buffer]*ebuf
	// tmp is a gradient buffer for kernels that can only set a gradient
	// that must be added to (nil until needed).
	tmp *ebuf

	names    map[string]bool       // package-level identifiers taken
	nodeName map[*ir.Node]string   // identifier stem of each node
	tensorID map[*ir.Tensor]string // index constant of each tensor
	ints     []gint                // int32 buffers: max-pool indices
	intOf    map[*ir.Node]string
	masks    map[*ir.Node]*ebuf // dropout masks
	batch    []gbatch           // batch buffers: batch statistics
	statsOf  map[*ir.Node]string
	derived  []*gderived
	evalOf   map[*ir.Node]string      // batchnorm's inference coefficients (derived)
	foldTmp  string                   // derived scratch for folding, "" if none
	padOf    map[*gplan.Buffer]string // the runtime.Padding of a buffer's border
	fcStaged map[*gplan.Step]*ebuf    // the unpadded copies of fc inputs (see fcInput)

	steps []*gstep
	decls []func(*jen.File) // geometries and phase functions, in order
	geoms map[string]string // the name of each geometry, by its literal

	// cur is the plan step whose phases are being generated; shared are
	// the phase and update functions, which share merges (graph_share.go).
	cur    *gplan.Step
	shared []*shareFn
}

// gint is an int32 buffer of a sample; gbatch a float32 buffer of a batch.
type gint struct {
	name, doc string
	len       int
}

type gbatch struct {
	name, doc string
	len       int
}

func newGraphGen(g *ir.Graph, c config) (*graphGen, error) {
	if err := supported(g); err != nil {
		return nil, err
	}
	gg := &graphGen{cfg: c, g: g, f: newFile(c), names: map[string]bool{}, padOf: map[*gplan.Buffer]string{}, geoms: map[string]string{}}
	if p := g.Output.Producer; p != nil {
		if _, ok := p.Op.(*ir.Softmax); ok {
			gg.scores = p.Inputs[0]
		}
	}
	var err error
	slices := func(s *gplan.Step) bool { return canSliceOut(s, false) }
	if gg.infer, err = gplan.Build(g, gplan.Options{Mode: gplan.Inference, SliceOut: slices}); err != nil {
		return nil, err
	}
	slices = func(s *gplan.Step) bool { return canSliceOut(s, true) }
	if gg.train, err = gplan.Build(g, gplan.Options{Mode: gplan.Training, SliceOut: slices}); err != nil {
		return nil, err
	}
	gg.nameNodes()
	if err := gg.assignBuffers(); err != nil {
		return nil, err
	}
	gg.tensorNames()
	if err := gg.buildSteps(); err != nil {
		return nil, err
	}
	return gg, nil
}

// supported returns an error naming the first node the generated code
// cannot run yet.
func supported(g *ir.Graph) error {
	for _, n := range g.Nodes {
		if op, ok := n.Op.(*ir.FC); ok && op.NoBias {
			return fmt.Errorf("the code generator does not support fc layers without a bias yet (%s at %d:%d)", n.Text, n.Pos.Line, n.Pos.Col)
		}
	}
	return nil
}

// canSliceOut reports whether step s's kernels can write its output into a
// channel slice of a wider buffer, and in training read its gradient from
// one (plan.Options.SliceOut): every kernel takes pixel strides but round
// 1's pools and, in training, the transposed convolution that computes a
// stride-1 dense conv's input gradient (it reads the output gradient as
// its input, whose pixels must be its channels apart).
func canSliceOut(s *gplan.Step, train bool) bool {
	if s.Kind == gplan.Copy {
		return true
	}
	switch op := s.Node.Op.(type) {
	case *ir.Conv:
		return !train || !(s.Transposed && convKindOf(op, s.Node.In().C) == kindDense)
	case *ir.Pool:
		return false
	}
	return true
}

// nameNodes gives every node an identifier stem: its PyTorch name with
// dots made underscores ("layer1_0_conv1"), unique in the file.
func (g *graphGen) nameNodes() {
	g.nodeName = map[*ir.Node]string{}
	for _, n := range g.g.Nodes {
		g.nodeName[n] = g.unique(ident(n.Name))
	}
}

// ident turns a dotted module path into an identifier stem.
func ident(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '.' || r == '-':
			b.WriteByte('_')
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'):
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" || unicode.IsDigit(rune(s[0])) || unicode.IsUpper(rune(s[0])) {
		s = "n" + s
	}
	return s
}

// unique returns stem, or stem with a number after it, not taken yet, and
// takes it.
func (g *graphGen) unique(stem string) string {
	name := stem
	for i := 2; g.names[name]; i++ {
		name = fmt.Sprintf("%s_%d", stem, i)
	}
	g.names[name] = true
	return name
}

// stepName is the identifier stem of a plan step: its first node's, or for
// a copy into a concat "concat1Copy16" (16 the first channel).
func (g *graphGen) stepName(s *gplan.Step) string {
	if s.Kind == gplan.Copy {
		return fmt.Sprintf("%sCopy%d", g.nodeName[s.Node], s.C0)
	}
	return g.nodeName[s.Node]
}

// jenStmt is jennifer's statement.
type jenStmt = jen.Statement

// cF refers to a buffer of the sample, c.F[f3]; cFs to that buffer of
// every sample of the batch, c.Batch.F(f3).
func cF(name string) *jen.Statement { return jen.Id("c").Dot("F").Index(jen.Id(name)) }
func cFs(name string) *jen.Statement {
	return jen.Id("c").Dot("Batch").Dot("F").Call(jen.Id(name))
}

// cP refers to a tensor, c.P[conv1W]; cG to its gradient sum; cD to a
// derived tensor; cI to an int32 buffer; cB to a batch buffer.
func cP(name string) *jen.Statement { return jen.Id("c").Dot("P").Index(jen.Id(name)) }
func cG(name string) *jen.Statement { return jen.Id("c").Dot("G").Index(jen.Id(name)) }
func cD(name string) *jen.Statement { return jen.Id("c").Dot("D").Index(jen.Id(name)) }
func cI(name string) *jen.Statement { return jen.Id("c").Dot("I").Index(jen.Id(name)) }
func cB(name string) *jen.Statement { return jen.Id("c").Dot("B").Index(jen.Id(name)) }

// from slices s from offset off: s[off:], or s itself for 0.
func from(s *jen.Statement, off int) *jen.Statement {
	if off == 0 {
		return s
	}
	return s.Clone().Index(jen.Lit(off).Op(":"))
}

// lohi are the arguments lo, hi.
func lohi() []jen.Code { return []jen.Code{jen.Id("lo"), jen.Id("hi")} }
