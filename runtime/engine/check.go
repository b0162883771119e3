package engine

import (
	"errors"
	"fmt"
)

// entry is one phase of a pass and the index of its step.
type entry struct {
	*Phase
	step int
}

// schedule is the order in which passes of one mode (inference or
// training) run the program's phases.
type schedule struct {
	fwd, bwd []entry
	// fwdFrom[i] is the index in fwd of step i's first phase (and
	// fwdFrom[len(Steps)] is len(fwd)); nil in the reforward schedule,
	// whose forward is one step's backward phases.
	fwdFrom []int
	// lossFrom is the index in bwd where the backward pass from the loss
	// starts: the phases before it are those of the steps it skips.
	lossFrom int
	// fwdBatch and bwdBatch say a phase of the direction needs the batch.
	fwdBatch, bwdBatch bool
	// zero and lossZero list the gradient buffers a full backward pass,
	// and one from the loss, clear first: their first writer adds to them.
	zero, lossZero []int
	// use is the derived tensors the forward phases read.
	use Use
}

// modes indexes a program's schedules: inference, training, and the
// forward and backward in inference mode of a program with a Reforward
// step (which is the inference schedule for other programs).
const (
	inference = 0
	training  = 1
	reforward = 2
)

// compile checks p and returns its schedules (by mode). An inconsistent
// program is a bug in the code that made it: New panics with the error.
func compile(p *Program) ([3]schedule, error) {
	var s [3]schedule
	if err := p.check(); err != nil {
		return s, fmt.Errorf("engine: invalid program: %w", err)
	}
	for _, mode := range []int{inference, training} {
		s[mode] = p.schedule(mode)
	}
	s[inference].use, s[training].use = InferenceForward, TrainingForward
	s[reforward] = s[inference]
	if n := len(p.Steps); n > 0 && p.Steps[n-1].Reforward {
		s[reforward] = s[inference].reforward(n - 1)
	}
	return s, nil
}

// reforward returns the schedule of a forward and backward pass in
// inference mode of a program whose step last is a Reforward step: the
// inference schedule's backward phases of that step, which come first, as
// its forward, and the rest as its backward.
func (s schedule) reforward(last int) schedule {
	k := 0
	for k < len(s.bwd) && s.bwd[k].step == last {
		k++
	}
	s.fwd, s.bwd, s.fwdFrom = s.bwd[:k:k], s.bwd[k:], nil
	s.lossFrom -= k
	s.use = Backward
	s.fwdBatch, s.bwdBatch = false, false
	for _, e := range s.fwd {
		s.fwdBatch = s.fwdBatch || e.Batch
	}
	for _, e := range s.bwd {
		s.bwdBatch = s.bwdBatch || e.Batch
	}
	return s
}

func (p *Program) schedule(mode int) schedule {
	runs := func(ph *Phase) bool {
		return ph.Mode == Always || ph.Mode == Training && mode == training || ph.Mode == Inference && mode == inference
	}
	var s schedule
	for i := range p.Steps {
		s.fwdFrom = append(s.fwdFrom, len(s.fwd))
		for j := range p.Steps[i].Forward {
			if ph := &p.Steps[i].Forward[j]; runs(ph) {
				s.fwd = append(s.fwd, entry{ph, i})
				s.fwdBatch = s.fwdBatch || ph.Batch
			}
		}
	}
	s.fwdFrom = append(s.fwdFrom, len(s.fwd))
	for i := len(p.Steps) - 1; i >= 0; i-- {
		if i == p.Loss.Steps-1 {
			s.lossFrom = len(s.bwd)
		}
		for j := range p.Steps[i].Backward {
			if ph := &p.Steps[i].Backward[j]; runs(ph) {
				s.bwd = append(s.bwd, entry{ph, i})
				s.bwdBatch = s.bwdBatch || ph.Batch
			}
		}
	}
	if p.Loss.Steps == 0 {
		s.lossFrom = len(s.bwd)
	}
	s.zero = p.cleared(len(p.Steps), p.OutputGrad.Buf)
	lossGrad := p.OutputGrad.Buf
	if p.Loss.Classifier {
		lossGrad = p.Loss.ScoresGrad.Buf
	}
	s.lossZero = p.cleared(p.Loss.Steps, lossGrad)
	return s
}

// cleared lists the gradient buffers whose first writer in a backward pass
// over Steps[:n], which starts with the gradient in buffer start, adds to
// them.
func (p *Program) cleared(n, start int) []int {
	seen := map[int]bool{start: true}
	var out []int
	for i := n - 1; i >= 0; i-- {
		for _, r := range p.Steps[i].In {
			if r.Grad < 0 || seen[r.Grad] {
				continue
			}
			seen[r.Grad] = true
			if r.Acc {
				out = append(out, r.Grad)
			}
		}
	}
	return out
}

// check returns an error describing every inconsistency in p: indexes out
// of range, views that do not fit their buffers, missing functions.
func (p *Program) check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	view := func(what string, v View, grad bool) {
		if v.Buf < 0 || v.Buf >= len(p.Buffers) {
			bad("%s: buffer %d of %d", what, v.Buf, len(p.Buffers))
			return
		}
		b := p.Buffers[v.Buf]
		if b.Grad != grad {
			bad("%s: buffer %d: Grad is %v", what, v.Buf, b.Grad)
		}
		m := v.Map
		if m.H < 0 || m.W < 0 || m.C < 0 || m.Pix < m.C || m.Row < m.W*m.Pix || m.Off < 0 || m.end() > b.Len {
			bad("%s: map %+v does not fit buffer %d of %d values", what, m, v.Buf, b.Len)
		}
	}
	view("Input", p.Input, false)
	view("InputGrad", p.InputGrad, true)
	view("Output", p.Output, false)
	view("OutputGrad", p.OutputGrad, true)
	if p.Input.Map.Size() != p.InputGrad.Map.Size() || p.Output.Map.Size() != p.OutputGrad.Map.Size() {
		bad("a gradient's size differs from its value's")
	}
	if p.Input.Map.Size() == 0 || p.Output.Map.Size() == 0 {
		bad("the input or output has no values")
	}
	for i, t := range p.Tensors {
		if t.Kind > Count || t.Kind == Count && t.Packing != nil || t.Size() < 1 || t.Len() < t.Size() {
			bad("tensor %d %q: kind %d, shape %v, stored length %d", i, t.Name, t.Kind, t.Shape, t.Len())
		}
	}
	for i, d := range p.Derived {
		if d.Len == nil || d.Update == nil || d.Use == 0 {
			bad("derived %d %q: Len, Update and Use must be set", i, d.Name)
		}
	}
	ref := func(where string, r Ref) {
		if r.Value < 0 || r.Value >= len(p.Buffers) || p.Buffers[r.Value].Grad {
			bad("%s: value buffer %d", where, r.Value)
		}
		if r.Grad >= len(p.Buffers) || r.Grad >= 0 && !p.Buffers[r.Grad].Grad {
			bad("%s: gradient buffer %d", where, r.Grad)
		}
	}
	for i, st := range p.Steps {
		for _, r := range st.In {
			ref(fmt.Sprintf("step %d %q input", i, st.Name), r)
		}
		for _, r := range st.Out {
			ref(fmt.Sprintf("step %d %q output", i, st.Name), r)
		}
		for _, ph := range append(append([]Phase(nil), st.Forward...), st.Backward...) {
			if ph.Run == nil || ph.N < 0 || ph.Mode > Inference || ph.Batch && ph.Sums {
				bad("step %d %q: phase %+v", i, st.Name, ph)
			}
		}
	}
	for i, st := range p.Steps {
		if st.Reforward && (i != len(p.Steps)-1 || len(st.Forward) > 0 || i < p.Loss.Steps) {
			bad("step %d %q: a Reforward step must be the last, have no forward phases and be outside Loss.Steps", i, st.Name)
		}
		for _, ph := range st.Backward {
			if st.Reforward && ph.Sums {
				bad("step %d %q: a Reforward step's phases cannot add to the gradient sums", i, st.Name)
			}
		}
	}
	if p.Loss.Steps < 0 || p.Loss.Steps > len(p.Steps) {
		bad("Loss.Steps %d of %d steps", p.Loss.Steps, len(p.Steps))
	}
	if p.Loss.Classifier {
		view("Loss.Scores", p.Loss.Scores, false)
		view("Loss.Probs", p.Loss.Probs, false)
		view("Loss.ScoresGrad", p.Loss.ScoresGrad, true)
	}
	if g := p.Group; g != nil {
		if g.Step < 0 || g.Step >= len(p.Steps) || g.Size < 1 || g.Run == nil ||
			g.In < 0 || g.In >= len(p.Buffers) || g.Out < 0 || g.Out >= len(p.Buffers) {
			bad("group %+v", *g)
		} else {
			for _, ph := range p.Steps[g.Step].Forward {
				if ph.Batch {
					bad("group step %d has a batch phase", g.Step)
				}
			}
		}
	}
	return errors.Join(errs...)
}
