package plan

import (
	"math"
	"sort"

	"github.com/cnnc/cnnc/ir"
)

// place gives every value its view. Concats come first, the last one first
// so that a concat read by another is placed in that one's buffer before its
// own branches are placed in it: each branch is written straight into its
// channel slice of the concat's buffer where that is legal (see canSlice),
// else copied there by a copy step at the concat. Every other written value
// gets a buffer of its own; an alias shares its value's view.
func (b *builder) place() {
	g, p := b.g, b.p
	b.into = map[*ir.Value]*ir.Node{}
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		if _, ok := n.Op.(*ir.Concat); !ok {
			continue
		}
		out := p.Value(n.Output)
		if !out.View.Ok() {
			out.View = b.newBuffer(out)
		}
		c0 := 0
		for j, u := range n.Inputs {
			if b.canSlice(n, j, u) {
				b.into[u] = n
				p.Value(u).View = View{Buf: out.View.Buf, C0: out.View.C0 + c0, C: u.Shape.C}
			} else {
				p.Steps = append(p.Steps, &Step{Kind: Copy, Node: n, In: []*ir.Value{u}, Out: n.Output, C0: c0, pos: n.ID})
			}
			c0 += u.Shape.C
		}
	}
	for _, v := range p.Values {
		if (v.Kind == Input || v.Kind == Stored) && !v.View.Ok() {
			v.View = b.newBuffer(v)
		}
	}
	for _, v := range p.Values {
		if v.Kind == Alias {
			r := v.Of
			for r.Kind == Alias {
				r = r.Of
			}
			v.View = r.View
		}
	}
}

func (b *builder) newBuffer(v *Value) View {
	s := v.V.Shape
	buf := &Buffer{ID: len(b.p.Buffers), Layout: Layout{H: s.H, W: s.W, C: s.C, Flat: s.Flat}, Owner: v}
	b.p.Buffers = append(b.p.Buffers, buf)
	return View{Buf: buf, C: s.C}
}

// canSlice reports whether u, input j of concat c, can live in its slice of
// c's buffer: it is written by a step that can write slices (see
// Options.SliceOut) or is another concat's output, it
// is in no other slice and is not the network's input or output, no alias
// shares it, j is its first place in c, and every other node that reads it
// reads slices (see readsSlice). In training, every other reader must also
// run before anything reads c's buffer: then, in backward, the gradient of
// c is complete before those readers add theirs to u's slice of it.
func (b *builder) canSlice(c *ir.Node, j int, u *ir.Value) bool {
	pu := b.p.Value(u)
	if pu.Kind != Stored && pu.Kind != Joined || pu.View.Ok() || u == b.g.Output {
		return false
	}
	if out := b.p.Options.SliceOut; pu.Kind == Stored && u.Shape.H*u.Shape.W > 1 && out != nil && !out(pu.Step) {
		return false
	}
	for k := range j {
		if c.Inputs[k] == u {
			return false
		}
	}
	first := b.firstUse(c.Output)
	seen := false
	for _, r := range u.Readers {
		if r == c && !seen {
			seen = true // the slice itself
			continue
		}
		pos := r.ID // a concat's copy step, which reads slices
		if _, ok := r.Op.(*ir.Concat); !ok {
			s := b.stepOf[r.ID]
			if s == nil || !readsSlice(s, u) {
				return false // an alias (dropout in inference), or a reader of whole pixels
			}
			pos = s.pos
		}
		if b.train && pos >= first {
			return false
		}
	}
	return true
}

// firstUse returns the position of the first step that reads v's data:
// through its readers, or through the readers of the concat whose slice it
// is; MaxInt when nothing does (the output).
func (b *builder) firstUse(v *ir.Value) int {
	first := math.MaxInt
	sliced := false
	for _, r := range v.Readers {
		if !sliced && b.into[v] == r {
			sliced = true
			first = min(first, b.firstUse(r.Output))
			continue
		}
		if s := b.stepOf[r.ID]; s != nil {
			first = min(first, s.pos)
		} else {
			first = min(first, r.ID) // a concat's copy, an alias
		}
	}
	return first
}

// sliced reports whether v lives in a slice of another value's buffer.
func (v *Value) sliced() bool { return v.View.Ok() && v.View.Buf.Owner != v && v.Kind != Alias }

// order sorts the steps into the order they run, each at the last node it
// covers (a copy at its concat, in channel order), and numbers them. A
// step's inputs are written by steps at earlier nodes, so the order is
// topological.
func (b *builder) order() {
	sort.SliceStable(b.p.Steps, func(i, j int) bool {
		si, sj := b.p.Steps[i], b.p.Steps[j]
		if si.pos != sj.pos {
			return si.pos < sj.pos
		}
		return si.C0 < sj.C0
	})
	for i, s := range b.p.Steps {
		s.ID = i
	}
}
