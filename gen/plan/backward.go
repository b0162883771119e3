package plan

import (
	"slices"

	"github.com/cnnc/cnnc/ir"
)

// Back is the backward pass of one step.
type Back struct {
	Step *Step
	// Need is Always when the step has parameters or an input whose
	// gradient is always needed, Dx when it runs only for the network
	// input's gradient.
	Need Need
	// Params says it computes the gradients of the step's parameters.
	Params bool
	// ActGrad says it first multiplies the output gradient by the fused
	// activation's derivative (false when the reader did it:
	// Step.ActGradInReader).
	ActGrad bool
	// Grads are the gradients it produces, one per value the step reads
	// (Step.In, then Step.Skip, as Step.Reads). It produces them in the
	// reverse of the forward's order: the Skip gradients (the fused add's)
	// first, then those of In; Acc follows that order (a conv whose skip
	// is its own input, conv(x) + x, writes dx at the add and adds the
	// conv's input gradient to it).
	Grads []Grad
	// Reads are the forward values it reads.
	Reads []*ir.Value
}

// Grad is one gradient a backward step produces.
type Grad struct {
	V    *ir.Value
	Need Need
	// Acc says it is added to what earlier backward steps (or the
	// gradient of the concat whose slice V is) wrote; else this step
	// writes it first, and every later contribution adds to it.
	Acc bool
}

// Aux is a buffer a step keeps beside its values: a max pool's indices
// (int32, one per output value; a global max pool's too, fused or not) or
// dropout's mask (float32, one per input value), for its backward.
type Aux struct {
	Step        *Step
	Node        *ir.Node // the pool or dropout in Step
	Kind        string   // "index" or "mask"
	Len         int
	First, Last int
}

// backward plans training's backward pass: when each value's gradient is
// needed, the gradient buffers (a gradient lives in the same channels of a
// gradient buffer as its value in the value's buffer, so that the gradient
// of a concat's slice is the slice of its gradient), which step applies a
// fused activation's derivative, and each step's backward in reverse order.
func (b *builder) backward() {
	g, p := b.g, b.p
	need := make([]Need, len(g.Values))
	need[g.Input.ID] = Dx
	for _, n := range g.Nodes {
		m := Never
		for _, v := range n.Inputs {
			m = max(m, need[v.ID])
		}
		if len(n.Params()) > 0 {
			m = Always
		}
		need[n.Output.ID] = m
	}
	grads := map[*Buffer]*Buffer{}
	for _, v := range p.Values {
		v.Need = need[v.V.ID]
		if v.Kind == Fused || v.Need == Never {
			continue
		}
		fb := v.View.Buf
		gb := grads[fb]
		if gb == nil {
			l := fb.Layout
			l.PH, l.PW = 0, 0
			gb = &Buffer{ID: len(p.Buffers), Grad: true, Layout: l, Owner: fb.Owner}
			p.Buffers = append(p.Buffers, gb)
			grads[fb] = gb
		}
		v.Grad = View{Buf: gb, C0: v.View.C0, C: v.View.C}
	}
	for _, s := range p.Steps {
		if s.Act == nil || len(s.Out.Readers) != 1 || s.Out == g.Output || p.Value(s.Out).sliced() {
			continue
		}
		r := b.stepOf[s.Out.Readers[0].ID]
		s.ActGradInReader = r != nil && r.Node == s.Out.Readers[0] && r.In[0] == s.Out && actGradInReader(s, r)
	}
	contributed := map[*ir.Value]bool{g.Output: true}
	for i := len(p.Steps) - 1; i >= 0; i-- {
		s := p.Steps[i]
		bk := &Back{Step: s, Params: s.Kind == Compute && len(s.Node.Params()) > 0}
		if bk.Params {
			bk.Need = Always
		}
		reads := s.Reads()
		bk.Grads = make([]Grad, len(reads))
		for _, i := range backOrder(s) {
			v, pv := reads[i], p.Value(reads[i])
			bk.Grads[i] = Grad{V: v, Need: pv.Need, Acc: contributed[v] || pv.sliced()}
			contributed[v] = true
			bk.Need = max(bk.Need, pv.Need)
		}
		if bk.Need == Never {
			continue
		}
		bk.ActGrad = s.Act != nil && !s.ActGradInReader
		bk.Reads = backReads(s)
		if len(s.In) > 0 {
			if w := p.Value(s.In[0]).Step; w != nil && w.ActGradInReader && w.Out == s.In[0] && !isConv(s.Node) {
				bk.Reads = append(bk.Reads, s.Out) // a max pool's output tells relu's derivative
			}
		}
		bk.Reads = dedupe(bk.Reads)
		p.Backward = append(p.Backward, bk)
	}
}

// aux lists the buffers steps keep beside their values: where each maximum
// of a max pool or global max pool came from (the kernels write it in
// inference too), and dropout's mask (training). Forward-only, they live
// for their step; in training until its backward.
func (b *builder) aux() {
	p := b.p
	for _, s := range p.Steps {
		if s.Kind != Compute {
			continue
		}
		for _, n := range s.Nodes() {
			var a *Aux
			switch op := n.Op.(type) {
			case *ir.Pool:
				if op.Mode == ir.Max {
					a = &Aux{Kind: "index", Len: n.Out().Size()}
				}
			case *ir.GlobalPool:
				if op.Mode == ir.Max {
					a = &Aux{Kind: "index", Len: n.Out().Size()}
				}
			case *ir.Dropout:
				a = &Aux{Kind: "mask", Len: n.In().Size()}
			}
			if a == nil {
				continue
			}
			a.Step, a.Node, a.First, a.Last = s, n, p.Time(s.ID), p.Time(s.ID)
			if b.train {
				a.Last = p.BackTime(s.ID)
			}
			p.Aux = append(p.Aux, a)
		}
	}
}

// dedupe removes repeated values, keeping the first of each.
func dedupe(vs []*ir.Value) []*ir.Value {
	var out []*ir.Value
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// backOrder returns the indices of s.Reads() in the order s's backward
// produces their gradients: Skip first, then In.
func backOrder(s *Step) []int {
	var order []int
	for i := range s.Skip {
		order = append(order, len(s.In)+i)
	}
	for i := range s.In {
		order = append(order, i)
	}
	return order
}
