package plan

import (
	"path/filepath"
	"testing"

	"github.com/cnnc/cnnc/ir"
)

// checkPlan asserts what every plan must satisfy: the simulation finds no
// bad read, no two buffers sharing a slot are alive at once, every view
// fits its buffer, and slices of one buffer do not overlap unless one holds
// the other (a concat inside a concat).
func checkPlan(t *testing.T, name string, p *Plan) {
	t.Helper()
	for _, msg := range simulate(p) {
		t.Errorf("%s (%s): %s", name, p.Options.Mode, msg)
	}
	in, out := p.Value(p.Graph.Input).View.Buf, p.Value(p.Graph.Output).View.Buf
	if in.Slot != 0 || out != in && out.Slot != 1 {
		t.Errorf("%s: the input is in slot %d, the output in slot %d", name, in.Slot, out.Slot)
	}
	for _, s := range p.Slots {
		grad := true
		for _, b := range s.Buffers {
			grad = grad && b.Grad
		}
		if s.Grad != grad {
			t.Errorf("%s: slot %d marked grad %v", name, s.ID, s.Grad)
		}
		for i, a := range s.Buffers {
			if a.Layout.Len() > s.Len {
				t.Errorf("%s: %s is longer than slot %d", name, a.Name(), s.ID)
			}
			for _, b := range s.Buffers[i+1:] {
				if a.First <= b.Last && b.First <= a.Last {
					t.Errorf("%s: %s (%d-%d) and %s (%d-%d) share slot %d", name, a.Name(), a.First, a.Last, b.Name(), b.First, b.Last, s.ID)
				}
			}
		}
	}
	for _, v := range p.Values {
		for _, view := range []View{v.View, v.Grad} {
			if !view.Ok() {
				continue
			}
			l := view.Buf.Layout
			if view.C0 < 0 || view.C0+view.C > l.C || l.H != v.V.Shape.H || l.W != v.V.Shape.W || view.C != v.V.Shape.C {
				t.Errorf("%s: %s %s does not fit %s %s", name, v.Name(), v.V.Shape, view, l)
			}
		}
		if v.Kind == Fused && (v.View.Ok() || v.V == p.Graph.Output) {
			t.Errorf("%s: fused %s has storage or is the output", name, v.Name())
		}
		for _, w := range p.Values[v.V.ID+1:] {
			a, b := v.View, w.View
			if !a.Ok() || a.Buf != b.Buf || v.Kind == Alias || w.Kind == Alias {
				continue
			}
			overlap := a.C0 < b.C0+b.C && b.C0 < a.C0+a.C
			nested := a.C0 <= b.C0 && b.C0+b.C <= a.C0+a.C || b.C0 <= a.C0 && a.C0+a.C <= b.C0+b.C
			if overlap && !(nested && (v.Kind == Joined || w.Kind == Joined)) {
				t.Errorf("%s: %s %s and %s %s overlap", name, v.Name(), a, w.Name(), b)
			}
		}
	}
}

// every graph node is in exactly one step, or is a concat, or (inference) a
// dropout.
func checkCover(t *testing.T, name string, p *Plan) {
	t.Helper()
	count := make([]int, len(p.Graph.Nodes))
	for _, s := range p.Steps {
		if s.Kind == Copy {
			continue
		}
		for _, n := range s.Nodes() {
			count[n.ID]++
		}
	}
	for _, n := range p.Graph.Nodes {
		_, concat := n.Op.(*ir.Concat)
		_, drop := n.Op.(*ir.Dropout)
		want := 1
		if concat || drop && p.Options.Mode == Inference {
			want = 0
		}
		if count[n.ID] != want {
			t.Errorf("%s: node %s is in %d steps", name, n.Name, count[n.ID])
		}
	}
}

func TestPlansHold(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.cnn")
	for _, f := range append(files, models(t)...) {
		g := compile(t, f)
		for _, opt := range []Options{{Mode: Inference}, {Mode: Inference, FuseGlobalPool: true}, {Mode: Training}} {
			p, err := Build(g, opt)
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, f, p)
			checkCover(t, f, p)
		}
	}
}

// TestSimCatches breaks plans on purpose and wants the simulation to notice:
// the checks above are only as good as that.
func TestSimCatches(t *testing.T) {
	build := func(f string, m Mode) *Plan {
		p, err := Build(compile(t, filepath.Join("testdata", f+".cnn")), Options{Mode: m})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	moveSlot := func(p *Plan, b, to *Buffer) {
		s := p.Slots[b.Slot]
		for i, o := range s.Buffers {
			if o == b {
				s.Buffers = append(s.Buffers[:i:i], s.Buffers[i+1:]...)
			}
		}
		b.Slot = to.Slot
		p.Slots[to.Slot].Buffers = append(p.Slots[to.Slot].Buffers, b)
	}
	cases := []struct {
		name  string
		file  string
		mode  Mode
		spoil func(p *Plan)
	}{
		{"live buffers share a slot", "basic_residual", Inference, func(p *Plan) {
			// The block's input (read by the add) and the body's first output.
			moveSlot(p, p.Value(p.Steps[1].Out).View.Buf, p.Value(p.Steps[0].Out).View.Buf)
		}},
		{"backward's input overwritten", "basic_residual", Training, func(p *Plan) {
			moveSlot(p, p.Value(p.Steps[2].Out).View.Buf, p.Value(p.Steps[0].Out).View.Buf)
		}},
		{"padding missing", "basic_residual", Inference, func(p *Plan) {
			p.Value(p.Steps[0].Out).View.Buf.Layout.PH = 0
		}},
		{"padding left dirty", "basic_residual", Inference, func(p *Plan) {
			for _, b := range p.Buffers {
				b.ZeroPad = false
			}
		}},
		{"gradient overwritten", "nested", Training, func(p *Plan) {
			for _, bk := range p.Backward {
				for i := range bk.Grads {
					bk.Grads[i].Acc = false
				}
			}
		}},
		{"gradient added to garbage", "basic_residual", Training, func(p *Plan) {
			p.Backward[0].Grads[0].Acc = true
		}},
		{"slice gradient written first", "dense", Training, func(p *Plan) {
			for _, bk := range p.Backward {
				for i, g := range bk.Grads {
					if p.Value(g.V).sliced() {
						bk.Grads[i].Acc = false
					}
				}
			}
		}},
		{"backward read dropped", "basic_residual", Training, func(p *Plan) {
			p.Backward[len(p.Backward)-1].Reads = nil
		}},
	}
	for _, c := range cases {
		p := build(c.file, c.mode)
		if msgs := simulate(p); len(msgs) > 0 {
			t.Fatalf("%s: unbroken plan fails: %v", c.name, msgs)
		}
		c.spoil(p)
		if msgs := simulate(p); len(msgs) == 0 {
			t.Errorf("%s: the simulation did not notice", c.name)
		} else {
			t.Logf("%s: %s", c.name, msgs[0])
		}
	}
}
