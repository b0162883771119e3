package plan

import (
	"math"
	"slices"
	"sort"
)

// pad gives each buffer the widest padding its readers need: a conv's or
// mean pool's input is padded by its padding, a conv's output gradient (in
// training) by what its transposed convolution reads around it. A value in
// a concat's slice shares the concat buffer's padding.
func (b *builder) pad() {
	widen := func(v View, ph, pw int) {
		if v.Ok() {
			v.Buf.Layout.PH = max(v.Buf.Layout.PH, ph)
			v.Buf.Layout.PW = max(v.Buf.Layout.PW, pw)
		}
	}
	for _, s := range b.p.Steps {
		if s.Kind != Compute {
			continue
		}
		ph, pw := padNeed(s.Node)
		widen(b.p.Value(s.In[0]).View, ph, pw)
		ph, pw = gradPad(s)
		widen(b.p.Value(s.Out).Grad, ph, pw)
	}
}

// lifetimes sets each buffer's First and Last: the times of the first
// write and the last read of any view of it, forward and (training)
// backward.
func (b *builder) lifetimes() {
	p := b.p
	for _, buf := range p.Buffers {
		buf.First, buf.Last = math.MaxInt, math.MinInt
	}
	touch := func(v View, t int) {
		if v.Ok() {
			v.Buf.First = min(v.Buf.First, t)
			v.Buf.Last = max(v.Buf.Last, t)
		}
	}
	touch(p.Value(b.g.Input).View, 0)
	for i, s := range p.Steps {
		t := p.Time(s.ID)
		touch(p.Value(s.Out).View, t)
		if p.InvertedResidual(i) {
			// One kernel runs the block: it reads the input until the
			// projection's last row.
			t = p.Time(p.Steps[i+2].ID)
		}
		for _, v := range s.Reads() {
			touch(p.Value(v).View, t)
		}
	}
	out := p.Value(b.g.Output)
	touch(out.View, p.End())
	touch(out.Grad, p.End())
	for _, bk := range p.Backward {
		t := p.BackTime(bk.Step.ID)
		touch(p.Value(bk.Step.Out).Grad, t)
		for _, gr := range bk.Grads {
			if gr.Need != Never {
				touch(p.Value(gr.V).Grad, t)
			}
		}
		for _, v := range bk.Reads {
			touch(p.Value(v).View, t)
		}
	}
	touch(p.Value(b.g.Input).Grad, p.Done())
}

// assignSlots shares memory between buffers whose lifetimes do not overlap.
// The network's input buffer is in slot 0 and its output buffer in slot 1
// (slot 0 when the output is the input) in every plan of a graph, so that
// the engine finds them at the same place whatever the plan; other buffers
// share those slots too when their lifetimes allow. The buffers are
// coloured four ways (longest first or earliest first, letting the pinned
// slots grow or not) and the colouring that needs least memory is kept (the
// first of equals).
func (b *builder) assignSlots() {
	p := b.p
	var pinned, rest []*Buffer
	for _, v := range []*Value{p.Value(b.g.Input), p.Value(b.g.Output)} {
		if buf := v.View.Buf; !slices.Contains(pinned, buf) {
			pinned = append(pinned, buf)
		}
	}
	for _, buf := range p.Buffers {
		if !slices.Contains(pinned, buf) {
			rest = append(rest, buf)
		}
	}
	for _, less := range []func(a, b *Buffer) bool{bySize, byTime} {
		for _, grow := range []bool{true, false} {
			if c := colour(pinned, rest, less, grow); p.Slots == nil || total(c) < total(p.Slots) {
				p.Slots = c
			}
		}
	}
	for _, s := range p.Slots {
		sort.SliceStable(s.Buffers, func(i, j int) bool { return s.Buffers[i].First < s.Buffers[j].First })
		s.Grad = true
		for _, buf := range s.Buffers {
			buf.Slot = s.ID
			buf.ZeroPad = buf.Layout.Padded() && len(s.Buffers) > 1
			s.Grad = s.Grad && buf.Grad
		}
	}
}

// bySize orders buffers longest first; byTime in the order they are first
// written.
func bySize(a, b *Buffer) bool { return a.Layout.Len() > b.Layout.Len() }
func byTime(a, b *Buffer) bool { return a.First < b.First }

// colour gives each pinned buffer a slot of its own, then puts the others,
// in the order less gives, each into a slot none of whose buffers it
// overlaps: the shortest that is long enough, else the longest, made
// longer (a pinned slot only if grow is set); else a new slot.
func colour(pinned, rest []*Buffer, less func(a, b *Buffer) bool, grow bool) []*Slot {
	var slots []*Slot
	for _, buf := range pinned {
		slots = append(slots, &Slot{ID: len(slots), Len: buf.Layout.Len(), Buffers: []*Buffer{buf}})
	}
	bufs := append([]*Buffer(nil), rest...)
	sort.SliceStable(bufs, func(i, j int) bool { return less(bufs[i], bufs[j]) })
	for _, buf := range bufs {
		n := buf.Layout.Len()
		var best *Slot
		for _, s := range slots {
			if overlaps(s, buf) || !grow && s.ID < len(pinned) && s.Len < n {
				continue
			}
			fits, bestFits := s.Len >= n, best != nil && best.Len >= n
			if best == nil || fits && (!bestFits || s.Len < best.Len) || !fits && !bestFits && s.Len > best.Len {
				best = s
			}
		}
		if best == nil {
			best = &Slot{ID: len(slots)}
			slots = append(slots, best)
		}
		best.Len = max(best.Len, n)
		best.Buffers = append(best.Buffers, buf)
	}
	return slots
}

func total(slots []*Slot) int {
	n := 0
	for _, s := range slots {
		n += s.Len
	}
	return n
}

func overlaps(s *Slot, b *Buffer) bool {
	for _, o := range s.Buffers {
		if o.First <= b.Last && b.First <= o.Last {
			return true
		}
	}
	return false
}

// Memory is a plan's per-sample memory, in float32 values (Aux in values
// of 4 bytes too: int32 indices and float32 masks).
type Memory struct {
	// Buffers is the sum of every buffer's length: the memory without
	// reuse. Slots is the memory with it; Peak the most buffer values
	// alive at one time, which no assignment of slots can beat.
	Buffers, Slots, Peak int
	Aux                  int
}

// Memory returns the plan's per-sample memory.
func (p *Plan) Memory() Memory {
	var m Memory
	events := map[int]int{}
	for _, b := range p.Buffers {
		m.Buffers += b.Layout.Len()
		events[b.First] += b.Layout.Len()
		events[b.Last+1] -= b.Layout.Len()
	}
	for _, s := range p.Slots {
		m.Slots += s.Len
	}
	for _, a := range p.Aux {
		m.Aux += a.Len
	}
	times := make([]int, 0, len(events))
	for t := range events {
		times = append(times, t)
	}
	sort.Ints(times)
	live := 0
	for _, t := range times {
		live += events[t]
		m.Peak = max(m.Peak, live)
	}
	return m
}
