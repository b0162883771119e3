package plan

import (
	"math"
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
	for _, s := range p.Steps {
		t := p.Time(s.ID)
		touch(p.Value(s.Out).View, t)
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
// It colours the intervals twice, longest buffer first and earliest first,
// and keeps the colouring that needs less memory (the first if equal).
func (b *builder) assignSlots() {
	p := b.p
	p.Slots = bySize(p.Buffers)
	if other := byTime(p.Buffers); total(other) < total(p.Slots) {
		p.Slots = other
	}
	for _, s := range p.Slots {
		sort.SliceStable(s.Buffers, func(i, j int) bool { return s.Buffers[i].First < s.Buffers[j].First })
		for _, buf := range s.Buffers {
			buf.Slot = s.ID
			buf.ZeroPad = buf.Layout.Padded() && len(s.Buffers) > 1
		}
	}
}

// bySize puts the longest buffers first, each into the shortest slot none
// of whose buffers it overlaps (every slot made before is at least as
// long), else into a new slot.
func bySize(buffers []*Buffer) []*Slot {
	bufs := append([]*Buffer(nil), buffers...)
	sort.SliceStable(bufs, func(i, j int) bool { return bufs[i].Layout.Len() > bufs[j].Layout.Len() })
	var slots []*Slot
	for _, buf := range bufs {
		var best *Slot
		for _, s := range slots {
			if (best == nil || s.Len < best.Len) && !overlaps(s, buf) {
				best = s
			}
		}
		if best == nil {
			best = &Slot{ID: len(slots), Len: buf.Layout.Len()}
			slots = append(slots, best)
		}
		best.Buffers = append(best.Buffers, buf)
	}
	return slots
}

// byTime puts the buffers in the order they are first written, each into a
// slot whose buffers are all dead by then: the shortest that is long
// enough, else the longest, made longer; else a new slot.
func byTime(buffers []*Buffer) []*Slot {
	bufs := append([]*Buffer(nil), buffers...)
	sort.SliceStable(bufs, func(i, j int) bool { return bufs[i].First < bufs[j].First })
	var slots []*Slot
	last := map[*Slot]int{}
	for _, buf := range bufs {
		n := buf.Layout.Len()
		var best *Slot
		for _, s := range slots {
			if last[s] >= buf.First {
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
		last[best] = buf.Last
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
