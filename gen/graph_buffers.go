package gen

import (
	"fmt"
	"strings"

	gplan "github.com/cnnc/cnnc/gen/plan"
	"github.com/cnnc/cnnc/runtime"
)

// ebuf is one per-sample float32 buffer of the engine (engine.Buffer): the
// memory of one slot of the training plan, of one of the inference plan,
// or of both, which never run in the same pass but one after the other.
type ebuf struct {
	name string
	len  int
	// grad marks a buffer that holds gradients only, which the engine
	// allocates with the first backward pass.
	grad bool
	// holds are the plan buffers it holds, training plan's first.
	holds []*gplan.Buffer
	doc   string
}

// group is plan buffers that share memory: a slot, or part of one.
type group struct {
	bufs []*gplan.Buffer
}

func (g *group) len() int {
	n := 0
	for _, b := range g.bufs {
		n = max(n, b.Layout.Len())
	}
	return n
}

// assignBuffers gives every plan buffer of both plans its engine buffer.
//
// The network's input has a buffer of its own, the same in both plans
// (padded as the wider of the two needs it), so that nothing ever writes
// its padding and an inference-mode backward pass, which runs the training
// plan's forward again after the inference plan's, still finds it. The
// gradients the engine reads or writes (the input's, the output's, the
// loss's scores') have buffers of their own. Every other slot of the
// training plan is one engine buffer, marked Grad: only backward and
// training-mode passes use it, and the engine allocates it with the first
// of them, so that inference alone holds the inference plan's memory only
// (ResNet-50: 2 M values a sample against the training plan's 24 M). The
// inference plan's slots are engine buffers of their own, but for the
// output's and the scores', which the engine reads from one place: they
// share the training plan's, which are not marked Grad.
func (g *graphGen) assignBuffers() error {
	tr, in := g.train, g.infer
	inT, inI := tr.Value(g.g.Input).View.Buf, in.Value(g.g.Input).View.Buf
	ph, pw := max(inT.Layout.PH, inI.Layout.PH), max(inT.Layout.PW, inI.Layout.PW)
	inT.Layout.PH, inT.Layout.PW, inI.Layout.PH, inI.Layout.PW = ph, pw, ph, pw
	g.bufOf = map[*gplan.Buffer]*ebuf{}

	own := map[*gplan.Buffer]bool{inT: true, inI: true}
	exclusive := []*gplan.Buffer{tr.Value(g.g.Input).Grad.Buf, tr.Value(g.g.Output).Grad.Buf}
	if g.scores != nil {
		exclusive = append(exclusive, tr.Value(g.scores).Grad.Buf)
	}
	for _, b := range exclusive {
		own[b] = true
	}
	slotGroups := func(p *gplan.Plan) []*group {
		var gs []*group
		for _, s := range p.Slots {
			var rest group
			for _, b := range s.Buffers {
				if !own[b] {
					rest.bufs = append(rest.bufs, b)
				}
			}
			if len(rest.bufs) > 0 {
				gs = append(gs, &rest)
			}
		}
		return gs
	}
	add := func(grp *group, grad bool) *ebuf {
		e := &ebuf{grad: grad}
		g.bufs = append(g.bufs, e)
		g.join(e, grp)
		return e
	}
	g.join(add(&group{bufs: []*gplan.Buffer{inT}}, false), &group{bufs: []*gplan.Buffer{inI}})
	shared := map[*gplan.Buffer]*gplan.Buffer{tr.Value(g.g.Output).View.Buf: in.Value(g.g.Output).View.Buf}
	if g.scores != nil {
		shared[g.scoresBuf(tr)] = g.scoresBuf(in)
	}
	holds := func(grp *group, bufs map[*gplan.Buffer]*gplan.Buffer) *gplan.Buffer {
		for _, b := range grp.bufs {
			if _, ok := bufs[b]; ok {
				return b
			}
		}
		return nil
	}
	for _, grp := range slotGroups(tr) {
		add(grp, holds(grp, shared) == nil)
	}
	for _, b := range exclusive {
		if g.bufOf[b] == nil {
			add(&group{bufs: []*gplan.Buffer{b}}, true)
		}
	}
	// The inference plan's slots: the output's and the scores' into the
	// training plan's buffers of the same values.
	toTrain := map[*gplan.Buffer]*gplan.Buffer{}
	for t, i := range shared {
		toTrain[i] = t
	}
	taken := map[*ebuf]bool{}
	for _, grp := range slotGroups(in) {
		b := holds(grp, toTrain)
		if b == nil {
			add(grp, false)
			continue
		}
		to := g.bufOf[toTrain[b]]
		if taken[to] {
			return fmt.Errorf("the output and the scores before the softmax share a buffer")
		}
		taken[to] = true
		g.join(to, grp)
	}
	for i, e := range g.bufs {
		e.name = fmt.Sprintf("f%d", i)
		e.doc = g.bufDoc(e)
	}
	return g.checkViews()
}

// join puts the buffers of grp into e.
func (g *graphGen) join(e *ebuf, grp *group) {
	e.len = max(e.len, grp.len())
	for _, b := range grp.bufs {
		e.holds = append(e.holds, b)
		g.bufOf[b] = e
	}
}

// scoresBuf returns the buffer of the scores before the final softmax in
// plan p, nil for a network that does not end in softmax.
func (g *graphGen) scoresBuf(p *gplan.Plan) *gplan.Buffer {
	if g.scores == nil {
		return nil
	}
	return p.Value(g.scores).View.Buf
}

// checkViews checks that the engine sees the input, the output and the
// scores at the same place whichever plan wrote them.
func (g *graphGen) checkViews() error {
	same := func(what string, a, b gplan.View) error {
		if g.bufOf[a.Buf] != g.bufOf[b.Buf] || a.Map() != b.Map() {
			return fmt.Errorf("the %s is laid out differently in inference and in training (%v and %v)", what, a.Map(), b.Map())
		}
		return nil
	}
	if err := same("input", g.train.Value(g.g.Input).View, g.infer.Value(g.g.Input).View); err != nil {
		return err
	}
	if err := same("output", g.train.Value(g.g.Output).View, g.infer.Value(g.g.Output).View); err != nil {
		return err
	}
	if g.scores != nil {
		return same("scores before the softmax", g.train.Value(g.scores).View, g.infer.Value(g.scores).View)
	}
	return nil
}

// bufDoc describes what an engine buffer holds, for its constant's
// comment: "conv1 output 112x112x64 (training); conv1+bn1+relu1 output
// (inference)".
func (g *graphGen) bufDoc(e *ebuf) string {
	var tr, in []string
	for _, b := range e.holds {
		d := b.Owner.V.Shape.String()
		if n := b.Owner.V.Producer; n != nil {
			d = n.Name + " " + d
		} else {
			d = "input " + d
		}
		if b.Grad {
			d = "d(" + d + ")"
		}
		if b.Layout.Padded() {
			d += fmt.Sprintf(" p%dx%d", b.Layout.PH, b.Layout.PW)
		}
		if g.isTrain(b) {
			tr = append(tr, d)
		} else {
			in = append(in, d)
		}
	}
	var parts []string
	if len(tr) > 0 {
		parts = append(parts, "training: "+strings.Join(tr, ", "))
	}
	if len(in) > 0 {
		parts = append(parts, "inference: "+strings.Join(in, ", "))
	}
	return strings.Join(parts, "; ")
}

// isTrain reports whether b is a buffer of the training plan.
func (g *graphGen) isTrain(b *gplan.Buffer) bool {
	return b.ID < len(g.train.Buffers) && g.train.Buffers[b.ID] == b
}

// mustClear reports whether the steps that write plan buffer b clear its
// border as they write it (runtime.ClearPadding): whenever it has one. Only
// a buffer whose engine buffer holds others needs it (they dirty its
// border), but clearing the border of every padded buffer costs next to
// nothing and keeps the phases of equal layers equal, so that they share
// their code (see share).
func (g *graphGen) mustClear(b *gplan.Buffer) bool {
	return b.Layout.Padded()
}

// gview is a plan view as generated code reaches it: its engine buffer and
// its layout.
type gview struct {
	gplan.View
	e *ebuf
}

func (g *graphGen) view(v gplan.View) gview {
	if !v.Ok() {
		panic("gen: a value without storage")
	}
	return gview{View: v, e: g.bufOf[v.Buf]}
}

// of returns c.F[f3], the buffer of the sample being run.
func (v gview) of() *jenStmt { return cF(v.e.name) }

// layout is the view as the element-wise kernels take it.
func (v gview) layout() runtime.Layout { return v.View.Layout() }

// origin returns the offset of the padded pixel (-ph, -pw): where a kernel
// that reads ph rows and pw columns of padding around the map starts.
func (v gview) origin(ph, pw int) int { return v.Offset() - ph*v.Row() - pw*v.Pix() }

// values returns the views of step s's (first) input and of its output in
// plan p; grads those of their gradients in the training plan.
func (g *graphGen) values(p *gplan.Plan, s *gplan.Step) (in, out gview) {
	return g.view(p.Value(s.In[0]).View), g.view(p.Value(s.Out).View)
}

func (g *graphGen) grads(s *gplan.Step) (dIn, dOut gview) {
	return g.view(g.train.Value(s.In[0]).Grad), g.view(g.train.Value(s.Out).Grad)
}

// backViews returns, for the backward bk of a step with one input, the
// gradient it produces and the views of the input, the output and their
// gradients; ok is false when it produces no gradient.
func (g *graphGen) backViews(s *gplan.Step, bk *gplan.Back) (gr gplan.Grad, in, out, dIn, dOut gview, ok bool) {
	if gr, ok = gradAt(bk, 0); !ok {
		return gr, in, out, dIn, dOut, false
	}
	in, out = g.values(g.train, s)
	dIn, dOut = g.grads(s)
	return gr, in, out, dIn, dOut, true
}
