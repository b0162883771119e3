package plan

import (
	"fmt"
	"strings"

	"github.com/cnnc/cnnc/ir"
)

// String dumps the plan as text, one line per step, value, buffer, slot and
// backward step, for tests to compare and people to read.
func (p *Plan) String() string {
	var w strings.Builder
	fmt.Fprintf(&w, "plan %s (%s", p.Graph.Name, p.Options.Mode)
	if p.Options.FuseGlobalPool {
		w.WriteString(", global pools fused")
	}
	w.WriteString(")\n\nsteps:\n")
	for _, s := range p.Steps {
		fmt.Fprintf(&w, "  s%d %s: %s\n", s.ID, s.Name(), p.stepLine(s))
	}
	w.WriteString("\nvalues:\n")
	for _, v := range p.Values {
		fmt.Fprintf(&w, "  %s %s %s", v.Name(), v.V.Shape, v.Kind)
		switch v.Kind {
		case Fused:
			fmt.Fprintf(&w, " in s%d", v.Step.ID)
		case Alias:
			fmt.Fprintf(&w, " of %s", v.Of.Name())
		case Stored:
			fmt.Fprintf(&w, " by s%d", v.Step.ID)
		}
		if v.View.Ok() {
			fmt.Fprintf(&w, " %s", v.View)
		}
		if v.Grad.Ok() {
			fmt.Fprintf(&w, " grad %s %s", v.Grad, v.Need)
		}
		w.WriteString("\n")
	}
	w.WriteString("\nbuffers:\n")
	for _, b := range p.Buffers {
		fmt.Fprintf(&w, "  %s %s len %d life %d-%d slot %d", b.Name(), b.Layout, b.Layout.Len(), b.First, b.Last, b.Slot)
		if b.ZeroPad {
			w.WriteString(" zeropad")
		}
		w.WriteString("\n")
	}
	w.WriteString("\nslots:\n")
	for _, s := range p.Slots {
		fmt.Fprintf(&w, "  slot %d len %d", s.ID, s.Len)
		if s.Grad {
			w.WriteString(" grad")
		}
		w.WriteString(":")
		for _, b := range s.Buffers {
			fmt.Fprintf(&w, " %s", b.Name())
		}
		w.WriteString("\n")
	}
	if len(p.Aux) > 0 {
		w.WriteString("\naux:\n")
		for _, a := range p.Aux {
			fmt.Fprintf(&w, "  s%d %s %s len %d life %d-%d\n", a.Step.ID, a.Node.Name, a.Kind, a.Len, a.First, a.Last)
		}
	}
	if p.Options.Mode == Training {
		w.WriteString("\nbackward:\n")
		for _, bk := range p.Backward {
			fmt.Fprintf(&w, "  s%d %s %s:%s\n", bk.Step.ID, bk.Step.Name(), bk.Need, backLine(bk))
		}
	}
	m := p.Memory()
	fmt.Fprintf(&w, "\nmemory per sample (values): buffers %d, slots %d, peak %d, aux %d\n", m.Buffers, m.Slots, m.Peak, m.Aux)
	return w.String()
}

// stepLine describes a step: its statements, what it reads and writes, and
// its flags.
func (p *Plan) stepLine(s *Step) string {
	var texts []string
	for _, n := range s.Nodes() {
		texts = append(texts, n.Text)
	}
	var reads []string
	for _, v := range s.In {
		reads = append(reads, p.ref(v))
	}
	line := strings.Join(texts, " | ") + ": " + strings.Join(reads, ", ")
	for _, v := range s.Skip {
		line += " + " + p.ref(v)
	}
	out := p.Value(s.Out).View
	if s.Kind == Copy {
		out.C0 += s.C0
		out.C = s.In[0].Shape.C
	}
	line += fmt.Sprintf(" -> %s %s", p.Value(s.Out).Name(), out)
	for _, f := range []struct {
		on   bool
		name string
	}{{s.Batch, "batch"}, {s.Transposed, "transposed"}, {s.ActGradInReader, "act-grad-in-reader"}} {
		if f.on {
			line += " [" + f.name + "]"
		}
	}
	return line
}

// ref names a value and where it is: "v3 b1".
func (p *Plan) ref(v *ir.Value) string {
	pv := p.Value(v)
	return pv.Name() + " " + pv.View.String()
}

// backLine describes a backward step: parameters, the activation's
// derivative, each gradient it writes (=) or adds (+=) and when, and the
// forward values it reads.
func backLine(bk *Back) string {
	var parts []string
	if bk.Params {
		parts = append(parts, "params")
	}
	if bk.ActGrad {
		parts = append(parts, "act grad")
	}
	for _, g := range bk.Grads {
		op := "="
		if g.Acc {
			op = "+="
		}
		parts = append(parts, fmt.Sprintf("dv%d %s %s", g.V.ID, op, g.Need))
	}
	if len(bk.Reads) > 0 {
		var rs []string
		for _, v := range bk.Reads {
			rs = append(rs, fmt.Sprintf("v%d", v.ID))
		}
		parts = append(parts, "reads "+strings.Join(rs, " "))
	}
	return " " + strings.Join(parts, "; ")
}
