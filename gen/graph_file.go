package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
	gplan "github.com/cnnc/cnnc/gen/plan"
)

// file emits the whole package.
func (g *graphGen) file() {
	opening(g.f, g.cfg, g.packageDoc())
	guardVersion(g.f)
	g.sizes()
	g.model()
	g.indexes()
	g.program()
	for _, d := range g.decls {
		d(g.f)
		g.f.Line()
	}
}

// packageDoc is the package comment: the network's nodes as a table.
func (g *graphGen) packageDoc() string {
	gr := g.g
	var b strings.Builder
	b.WriteString(docIntro(g.cfg, gr.Name))
	rows := [][]string{{"node", "layer", "output", "params"}, {"", "input " + gr.Input.Shape.String(), gr.Input.Shape.String(), ""}}
	var params, macs int64
	for _, n := range gr.Nodes {
		np := int64(0)
		for _, t := range n.Params() {
			np += t.Size64()
		}
		cell := ""
		if np > 0 {
			cell = compiler.BigCount(np)
		}
		params += np
		macs += n.MACs
		rows = append(rows, []string{n.Name, n.Text, n.Out().String(), cell})
	}
	b.WriteString(table(rows))
	fmt.Fprintf(&b, "\n%s parameters, %s multiply-adds a sample forward.\n\n", compiler.BigCount(params), compiler.BigCount(macs))
	b.WriteString(`Tensors at this package's API are PyTorch-shaped: Input holds one sample in
C×H×W order, Output the network's output in the same order (or its
features, when the network ends flat), and parameters and buffers have
PyTorch's names and shapes, so a PyTorch state_dict saved with numpy.savez
or safetensors loads as it is. Inside, values are laid out H×W×C for speed.

The network runs on cnnc's engine (runtime/engine), which this package
hands its steps, tensors and buffers as one engine.Program, planned twice
(gen/plan): for inference, batchnorm folded into the convs before it and
residual adds into their stores; for training, batchnorm with the batch's
statistics, layer by layer over the batch. A backward pass in inference
mode runs the training plan's forward in inference mode: as the forward
of a forward-backward pass, or again first in Backward after Forward.
Model is not safe for concurrent use; its batch methods use every core.`)
	return b.String()
}

// sizes emits the sizes of the public tensors and the Input and Output
// types.
func (g *graphGen) sizes() {
	f := g.f
	in, out := g.g.Input.Shape, g.g.Output.Shape
	var params int64
	for _, t := range g.g.Params() {
		params += t.Size64()
	}
	f.Comment("Sizes of one sample, baked in at compile time.")
	f.Const().DefsFunc(func(d *jen.Group) {
		d.List(jen.Id("InputC"), jen.Id("InputH"), jen.Id("InputW")).Op("=").List(jen.Lit(in.C), jen.Lit(in.H), jen.Lit(in.W))
		d.Id("InputSize").Op("=").Lit(in.Size()).Comment("C·H·W")
		if out.Flat {
			d.Id("OutputSize").Op("=").Lit(out.Size()).Comment("features")
		} else {
			d.List(jen.Id("OutputC"), jen.Id("OutputH"), jen.Id("OutputW")).Op("=").List(jen.Lit(out.C), jen.Lit(out.H), jen.Lit(out.W))
			d.Id("OutputSize").Op("=").Lit(out.Size()).Comment("C·H·W")
		}
		d.Id("NumParams").Op("=").Lit(int(params)).Comment("learnable values")
	})
	f.Line()
	f.Comment("Input is one sample in PyTorch's C×H×W order.")
	f.Type().Id("Input").Index(jen.Id("InputSize")).Float32()
	if out.Flat {
		f.Comment("Output is the network's output for one sample: its features.")
	} else {
		f.Comment("Output is the network's output for one sample, in C×H×W order.")
	}
	f.Type().Id("Output").Index(jen.Id("OutputSize")).Float32()
	f.Line()
	f.Comment("The sizes above must stay consistent with each other; this fails to")
	f.Comment("compile if they do not.")
	guard := jen.Id("InputSize").Op("-").Id("InputC").Op("*").Id("InputH").Op("*").Id("InputW")
	if !out.Flat {
		guard = guard.Op("+").Id("OutputSize").Op("-").Id("OutputC").Op("*").Id("OutputH").Op("*").Id("OutputW")
	}
	f.Var().Id("_").Op("=").Index(jen.Lit(1)).Struct().Values().Index(guard)
	f.Line()
}

// model emits the Model type, New and ParamSpecs.
func (g *graphGen) model() {
	f := g.f
	f.Comment("Model runs the network. Its methods are engine.Model's, typed with Input")
	f.Comment("and Output (Forward, Backward, ForwardBatch, ForwardBackwardBatch,")
	f.Comment("TrainBatch, Evaluate), and engine.Engine's (ZeroGrad, Step, SetThreads,")
	f.Comment("SetTraining, Params, Grads, SetParams, LoadWeights, SaveWeights and the")
	f.Comment("flat-slice methods of runtime.Network).")
	f.Type().Id("Model").Struct(eng("Model").Types(jen.Id("Input"), jen.Id("Output")))
	f.Line()
	f.Var().Id("_").Add(rt("Network")).Op("=").Parens(jen.Op("*").Id("Model")).Parens(jen.Nil())
	f.Line()
	f.Comment("New returns a model whose weights are He-normal values drawn from seed,")
	f.Comment("whose biases are zero and whose batchnorms start as PyTorch's (γ 1, β 0,")
	f.Comment("running mean 0, running variance 1), exactly as cnnc's interpreter")
	f.Comment("initialises the same network: one runtime.NewRand(seed) fills each weight")
	f.Comment("in PyTorch order. Its batch methods use runtime.Threads() workers.")
	f.Func().Id("New").Params(jen.Id("seed").Uint64()).Op("*").Id("Model").Block(
		jen.Return(jen.Op("&").Id("Model").Values(eng("NewModel").Types(jen.Id("Input"), jen.Id("Output")).Call(jen.Op("&").Id("program"), jen.Id("seed")))),
	)
	f.Line()
	f.Comment("ParamSpecs returns every parameter's and buffer's PyTorch name and shape, in")
	f.Comment("state_dict order.")
	f.Func().Id("ParamSpecs").Params().Index().Add(rt("ParamSpec")).Block(jen.Return(jen.Id("program").Dot("ParamSpecs").Call()))
	f.Line()
}

// indexes emits the index constants of the tensors, derived tensors,
// buffers, int32 buffers and batch buffers.
func (g *graphGen) indexes() {
	f := g.f
	enum := func(doc string, consts [][2]string) {
		if len(consts) == 0 {
			return
		}
		for _, line := range strings.Split(doc, "\n") {
			f.Comment(line)
		}
		f.Const().DefsFunc(func(d *jen.Group) {
			for i, c := range consts {
				s := d.Id(c[0])
				if i == 0 {
					s.Op("=").Iota()
				}
				if c[1] != "" {
					s.Comment(c[1])
				}
			}
		})
		f.Line()
	}
	var tensors, derived, bufs, ints, batch [][2]string
	for _, n := range g.g.Nodes {
		for _, t := range n.Tensors {
			doc := fmt.Sprintf("%s %v", t.Name, t.Shape)
			if _, how := packing(n, t); how != "" {
				doc += ", " + how
			}
			tensors = append(tensors, [2]string{g.tensorID[t], doc})
		}
	}
	for _, d := range g.derived {
		derived = append(derived, [2]string{d.name, d.doc})
	}
	for _, e := range g.bufs {
		bufs = append(bufs, [2]string{e.name, e.doc})
	}
	for _, n := range g.ints {
		ints = append(ints, [2]string{n.name, n.doc})
	}
	for _, n := range g.batch {
		batch = append(batch, [2]string{n.name, n.doc})
	}
	enum("The tensors, in state_dict order: c.P[i] (c.Counts[i] for num_batches_tracked),\nand their gradient sums c.G[i].", tensors)
	enum("The derived tensors, computed from the tensors when they change: c.D[i].", derived)
	enum("The buffers of one sample in flight, H×W×C with padding where a step reads\nwith padding, each shared by values whose lifetimes do not overlap: c.F[i].", bufs)
	enum("The int32 buffers of one sample: c.I[i].", ints)
	enum("The buffers of a batch: c.B[i].", batch)
}

// engView renders the engine.View of a plan view.
func (g *graphGen) engView(v gplan.View) jen.Code {
	m := v.Map()
	return eng("View").Values(field("Buf", jen.Id(g.bufOf[v.Buf].name)), field("Map", eng("Map").Values(
		field("H", jen.Lit(m.H)), field("W", jen.Lit(m.W)), field("C", jen.Lit(m.C)),
		field("Pix", jen.Lit(m.Pix)), field("Row", jen.Lit(m.Row)), field("Off", jen.Lit(m.Off)))))
}

// program emits the engine.Program.
func (g *graphGen) program() {
	tr := g.train
	in, out := tr.Value(g.g.Input), tr.Value(g.g.Output)
	fields := []jen.Code{
		field("Input", g.engView(in.View)), field("InputGrad", g.engView(in.Grad)),
		field("Output", g.engView(out.View)), field("OutputGrad", g.engView(out.Grad)),
		field("Tensors", g.tensorTable()),
	}
	if d := g.derivedTable(); d != nil {
		fields = append(fields, field("Derived", d))
	}
	fields = append(fields, field("Buffers", jen.Index().Add(eng("Buffer")).ValuesFunc(func(vs *jen.Group) {
		for _, e := range g.bufs {
			fs := []jen.Code{field("Len", jen.Lit(e.len))}
			if e.grad {
				fs = append(fs, field("Grad", jen.True()))
			}
			vs.Line().Id(e.name).Op(":").Values(fs...)
		}
		vs.Line()
	})))
	if len(g.ints) > 0 {
		fields = append(fields, field("Ints", jen.Index().Int().ValuesFunc(func(vs *jen.Group) {
			for _, n := range g.ints {
				vs.Id(n.name).Op(":").Lit(n.len)
			}
		})))
	}
	if len(g.batch) > 0 {
		fields = append(fields, field("BatchBuffers", jen.Index().Int().ValuesFunc(func(vs *jen.Group) {
			for _, n := range g.batch {
				vs.Id(n.name).Op(":").Lit(n.len)
			}
		})))
	}
	fields = append(fields, field("Steps", g.stepTable()), field("Loss", g.loss()))
	for i := range fields {
		fields[i] = jen.Line().Add(fields[i])
	}
	g.f.Comment("program is the network as the engine runs it. Its steps are the inference")
	g.f.Comment("plan's, then the training plan's; they list no values (engine.Ref): the plan")
	g.f.Comment("writes every gradient before anything adds to it, so the engine clears none.")
	g.f.Var().Id("program").Op("=").Add(eng("Program")).Values(append(fields, jen.Line())...)
	g.f.Line()
}

// stepTable renders the engine.Step table.
func (g *graphGen) stepTable() jen.Code {
	phases := func(es []gentry) jen.Code {
		return jen.Index().Add(eng("Phase")).ValuesFunc(func(vs *jen.Group) {
			for _, e := range es {
				fs := []jen.Code{field("N", jen.Lit(e.n)), field("Run", jen.Id(e.name))}
				for _, flag := range []struct {
					name string
					on   bool
				}{{"Even", e.even}, {"Sums", e.sums}, {"Batch", e.batch}} {
					if flag.on {
						fs = append(fs, field(flag.name, jen.True()))
					}
				}
				if e.mode != "" {
					fs = append(fs, field("Mode", eng(e.mode)))
				}
				vs.Line().Values(fs...)
			}
			vs.Line()
		})
	}
	return jen.Index().Add(eng("Step")).ValuesFunc(func(vs *jen.Group) {
		for _, s := range g.steps {
			fs := []jen.Code{field("Name", jen.Lit(s.name))}
			if len(s.fwd) > 0 {
				fs = append(fs, field("Forward", phases(s.fwd)))
			}
			if len(s.bwd) > 0 {
				fs = append(fs, field("Backward", phases(s.bwd)))
			}
			if s.reforward {
				fs = append(fs, field("Reforward", jen.True()))
			}
			vs.Line().Values(fs...)
		}
		vs.Line()
	})
}

// loss renders the engine.Loss: cross-entropy on the scores before the final
// softmax, whose backward is then skipped, or squared error on the output;
// either way the backward from the loss (training mode) skips the last
// step, which runs in inference mode only.
func (g *graphGen) loss() jen.Code {
	if g.scores == nil {
		return eng("Loss").Values(field("Steps", jen.Lit(len(g.steps)-1)))
	}
	tr := g.train
	sc := tr.Value(g.scores)
	return eng("Loss").Values(
		field("Classifier", jen.True()), field("Steps", jen.Lit(len(g.steps)-2)),
		jen.Line().Add(field("Scores", g.engView(sc.View))),
		jen.Line().Add(field("Probs", g.engView(tr.Value(g.g.Output).View))),
		jen.Line().Add(field("ScoresGrad", g.engView(sc.Grad))),
		jen.Line(),
	)
}
