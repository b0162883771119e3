package plan

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cnnc/cnnc/ir"
)

// sim replays a plan over its slots, two passes in a row, and reports every
// read of data that is not there: a value whose buffer another buffer of its
// slot has overwritten, a channel holding another value, padding a reader
// needs that another buffer has dirtied, a gradient read before all its
// contributions are summed, written over a contribution, or added to
// garbage. It knows the graph's semantics, not the planner's reasoning.
type sim struct {
	p        *Plan
	occupant map[int]*Buffer        // slot -> buffer last written there
	data     map[*Buffer][]string   // buffer -> per channel: what it holds
	sums     map[*Buffer][][]string // gradient buffer -> per channel: the contributions summed
	dirty    map[*Buffer]bool       // padding no longer zero
	problems []string
}

func simulate(p *Plan) []string {
	s := &sim{p: p, occupant: map[int]*Buffer{}, data: map[*Buffer][]string{}, sums: map[*Buffer][][]string{}, dirty: map[*Buffer]bool{}}
	for pass := 1; pass <= 2; pass++ {
		s.pass(pass)
	}
	return s.problems
}

func (s *sim) bad(format string, args ...any) {
	if len(s.problems) < 20 {
		s.problems = append(s.problems, fmt.Sprintf(format, args...))
	}
}

// take makes b the occupant of its slot: every other buffer there is
// overwritten, its padding included.
func (s *sim) take(b *Buffer) {
	if s.occupant[b.Slot] == b {
		return
	}
	s.occupant[b.Slot] = b
	for _, o := range s.p.Slots[b.Slot].Buffers {
		if o != b {
			s.dirty[o] = true
			delete(s.data, o)
			delete(s.sums, o)
		}
	}
	if s.data[b] == nil {
		s.data[b] = make([]string, b.Layout.C)
		s.sums[b] = make([][]string, b.Layout.C)
	}
}

// expect returns what each channel of v's view must hold: the value that
// wrote it, or for a concat its branches' data in order.
func (s *sim) expect(v *ir.Value) []string {
	pv := s.p.Value(v)
	switch pv.Kind {
	case Alias:
		return s.expect(pv.Of.V)
	case Joined:
		var out []string
		for _, u := range v.Producer.Inputs {
			out = append(out, s.expect(u)...)
		}
		return out
	}
	out := make([]string, v.Shape.C)
	for i := range out {
		out[i] = pv.Name()
	}
	return out
}

func (s *sim) write(what string, v View, data []string) {
	if !v.Ok() {
		s.bad("%s: writes no storage", what)
		return
	}
	s.take(v.Buf)
	if v.Buf.ZeroPad {
		s.dirty[v.Buf] = false
	}
	copy(s.data[v.Buf][v.C0:v.C0+v.C], data)
}

func (s *sim) read(what string, v *ir.Value, padH, padW int) {
	pv := s.p.Value(v)
	view := pv.View
	if !view.Ok() {
		s.bad("%s: reads %s, which has no storage", what, pv.Name())
		return
	}
	b := view.Buf
	if s.occupant[b.Slot] != b {
		s.bad("%s: reads %s from %s, overwritten by %v", what, pv.Name(), b.Name(), s.occupant[b.Slot].Name())
		return
	}
	if got, want := s.data[b][view.C0:view.C0+view.C], s.expect(v); !slices.Equal(got, want) {
		s.bad("%s: reads %s from %s: holds %v, want %v", what, pv.Name(), view, compact(got), compact(want))
	}
	if padH > b.Layout.PH || padW > b.Layout.PW {
		s.bad("%s: reads %s with padding %dx%d from %s", what, pv.Name(), padH, padW, b.Layout)
	}
	if (padH > 0 || padW > 0) && s.dirty[b] {
		s.bad("%s: reads %s padded from %s, whose padding another buffer overwrote", what, pv.Name(), b.Name())
	}
}

// compact shortens a channel list for messages: "v3×16 v9×8".
func compact(cs []string) string {
	var parts []string
	for i := 0; i < len(cs); {
		j := i
		for j < len(cs) && cs[j] == cs[i] {
			j++
		}
		parts = append(parts, fmt.Sprintf("%q×%d", cs[i], j-i))
		i = j
	}
	return strings.Join(parts, " ")
}

func (s *sim) pass(n int) {
	p := s.p
	g := p.Graph
	for _, d := range s.data {
		for k := range d {
			d[k] = "stale"
		}
	}
	s.write("load", p.Value(g.Input).View, s.expect(g.Input))
	for _, st := range p.Steps {
		what := fmt.Sprintf("pass %d s%d %s", n, st.ID, st.Name())
		for i, v := range st.Reads() {
			ph, pw := 0, 0
			if i == 0 && st.Kind == Compute {
				ph, pw = refPad(st.Node)
			}
			s.read(what, v, ph, pw)
		}
		out := p.Value(st.Out).View
		data := s.expect(st.Out)
		if st.Kind == Copy {
			out.C0 += st.C0
			out.C = st.In[0].Shape.C
			data = s.expect(st.In[0])
		}
		s.write(what, out, data)
	}
	s.read(fmt.Sprintf("pass %d output", n), g.Output, 0, 0)
	if p.Options.Mode == Training {
		s.backward(n)
	}
}

// refPad is the padding a node reads its input with: the graph's own
// attributes, restated here (conv, and mean pool which counts zeros).
func refPad(n *ir.Node) (int, int) {
	switch op := n.Op.(type) {
	case *ir.Conv:
		return op.PH, op.PW
	case *ir.Pool:
		if op.Mode == ir.Mean {
			return op.PH, op.PW
		}
	}
	return 0, 0
}

// contributions returns the full set of gradient contributions channel k of
// v's gradient must hold before v's producer reads it: one per graph reader
// (node, input index), a concat's read replaced by what the concat's own
// gradient holds in that channel when v is written in its slice.
func (s *sim) contributions(v *ir.Value, k int) []string {
	var out []string
	if v == s.p.Graph.Output {
		out = append(out, "dy")
	}
	var seen []*ir.Node
	for _, r := range v.Readers {
		if slices.Contains(seen, r) {
			continue
		}
		seen = append(seen, r)
		for i, u := range r.Inputs {
			if u != v {
				continue
			}
			if _, ok := r.Op.(*ir.Concat); ok && s.inSlice(v, r, i) {
				out = append(out, s.contributions(r.Output, offset(r, i)+k)...)
			} else {
				out = append(out, tag(r, i))
			}
		}
	}
	sort.Strings(out)
	return out
}

// inSlice reports whether input i of concat c, v, lives in its slice of c's
// buffer (rather than being copied there).
func (s *sim) inSlice(v *ir.Value, c *ir.Node, i int) bool {
	for _, st := range s.p.Steps {
		if st.Kind == Copy && st.Node == c && st.In[0] == v && st.C0 == offset(c, i) {
			return false
		}
	}
	return true
}

func offset(c *ir.Node, i int) int {
	off := 0
	for _, w := range c.Inputs[:i] {
		off += w.Shape.C
	}
	return off
}

func tag(r *ir.Node, i int) string { return fmt.Sprintf("%s#%d", r.Name, i) }

// readers returns the graph node and input index through which step st
// reads each of its Reads().
func readers(st *Step) []string {
	var tags []string
	if st.Kind == Copy {
		for i, u := range st.Node.Inputs {
			if u == st.In[0] && offset(st.Node, i) == st.C0 {
				return []string{tag(st.Node, i)}
			}
		}
	}
	used := map[string]bool{}
	pick := func(n *ir.Node, v *ir.Value) string {
		for i, u := range n.Inputs {
			if u == v && !used[tag(n, i)] {
				used[tag(n, i)] = true
				return tag(n, i)
			}
		}
		return "?"
	}
	for _, v := range st.In {
		tags = append(tags, pick(st.Node, v))
	}
	for _, v := range st.Skip {
		tags = append(tags, pick(st.Add, v))
	}
	return tags
}

// gradRead checks the gradient of v, channels [c0, c1) of it (nil: all), is
// complete.
func (s *sim) gradRead(what string, v *ir.Value, padH, padW int, part ...int) {
	pv := s.p.Value(v)
	c0, c1 := 0, pv.Grad.C
	if part != nil {
		c0, c1 = part[0], part[1]
	}
	b := pv.Grad.Buf
	if b == nil {
		s.bad("%s: reads the gradient of %s, which has none", what, pv.Name())
		return
	}
	if s.occupant[b.Slot] != b {
		s.bad("%s: reads the gradient of %s from %s, overwritten", what, pv.Name(), b.Name())
		return
	}
	for k := c0; k < c1; k++ {
		got := append([]string(nil), s.sums[b][pv.Grad.C0+k]...)
		sort.Strings(got)
		if want := s.contributions(v, k); !slices.Equal(got, want) {
			s.bad("%s: reads the gradient of %s channel %d holding %v, want %v", what, pv.Name(), k, got, want)
			return
		}
	}
	if padH > b.Layout.PH || padW > b.Layout.PW {
		s.bad("%s: reads the gradient of %s with padding %dx%d from %s", what, pv.Name(), padH, padW, b.Layout)
	}
	if (padH > 0 || padW > 0) && s.dirty[b] {
		s.bad("%s: reads the gradient of %s padded from %s, whose padding another buffer overwrote", what, pv.Name(), b.Name())
	}
}

func (s *sim) gradWrite(what string, v *ir.Value, t string, acc bool) {
	pv := s.p.Value(v)
	b := pv.Grad.Buf
	if b == nil {
		s.bad("%s: writes the gradient of %s, which has none", what, pv.Name())
		return
	}
	fresh := s.occupant[b.Slot] != b
	s.take(b)
	if b.ZeroPad && !acc {
		s.dirty[b] = false
	}
	for k := range pv.Grad.C {
		c := &s.sums[b][pv.Grad.C0+k]
		switch {
		case acc && (fresh || len(*c) == 0):
			s.bad("%s: adds to the gradient of %s in %s, which holds nothing of this pass", what, pv.Name(), b.Name())
			return
		case !acc && len(*c) > 0 && !fresh:
			s.bad("%s: writes the gradient of %s over %v", what, pv.Name(), *c)
			return
		case !acc:
			*c = nil
		}
		*c = append(*c, t)
	}
}

func (s *sim) backward(n int) {
	p := s.p
	g := p.Graph
	// A new pass: gradients of the last one are garbage now.
	for b := range s.sums {
		if b.Grad {
			for k := range s.sums[b] {
				s.sums[b][k] = nil
			}
		}
	}
	s.gradWrite("load dy", g.Output, "dy", false)
	for _, bk := range p.Backward {
		st := bk.Step
		what := fmt.Sprintf("pass %d backward s%d %s", n, st.ID, st.Name())
		for _, v := range requiredReads(st) {
			if !slices.Contains(bk.Reads, v) {
				s.bad("%s: does not list %s among its reads", what, p.Value(v).Name())
			}
		}
		for _, v := range bk.Reads {
			s.read(what, v, 0, 0)
		}
		gh, gw := 0, 0
		if st.Transposed {
			c := st.Node.Op.(*ir.Conv)
			gh, gw = c.DH*(c.FH-1)-c.PH, c.DW*(c.FW-1)-c.PW
		}
		if st.Kind == Copy {
			s.gradRead(what, st.Out, 0, 0, st.C0, st.C0+st.In[0].Shape.C)
		} else {
			s.gradRead(what, st.Out, gh, gw)
		}
		// The fused add's skips get their gradient at the store, before
		// the conv or fc computes its input's.
		tags := readers(st)
		order := make([]int, 0, len(bk.Grads))
		for i := range bk.Grads {
			if i >= len(st.In) {
				order = append(order, i)
			}
		}
		for i := range st.In {
			order = append(order, i)
		}
		for _, i := range order {
			if gr := bk.Grads[i]; gr.Need != Never {
				s.gradWrite(what, gr.V, tags[i], gr.Acc)
			}
		}
	}
	s.gradRead(fmt.Sprintf("pass %d dx", n), g.Input, 0, 0)
}

// requiredReads are the forward values a step's backward needs, restated
// from the maths: a conv's, fc's or batchnorm's input, softmax's output, an
// activation's output (sigmoid, tanh) or input (the others), and the output
// when an activation is fused into the step.
func requiredReads(st *Step) []*ir.Value {
	var vs []*ir.Value
	if st.Kind == Copy {
		return nil
	}
	switch op := st.Node.Op.(type) {
	case *ir.Conv, *ir.FC, *ir.BatchNorm:
		vs = append(vs, st.In[0])
	case *ir.Softmax:
		vs = append(vs, st.Out)
	case *ir.Activation:
		if op.Func == ir.Sigmoid || op.Func == ir.Tanh {
			vs = append(vs, st.Out)
		} else {
			vs = append(vs, st.In[0])
		}
	}
	if st.Act != nil {
		vs = append(vs, st.Out)
	}
	return vs
}
