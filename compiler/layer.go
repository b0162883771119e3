package compiler

import (
	"fmt"
	"math"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/dsl"
)

// layer checks one layer statement, for one copy of its enclosing repeats,
// and appends the layer to the net while shapes are known. Problems of the
// statement itself are reported only on its first visit (first is true);
// shape problems, which may differ between copies, on every visit.
func (c *checker) layer(s dsl.Stmt, first bool) {
	c.layers++
	l, ok := c.build(s, first)
	if !ok {
		c.shapeKnown = false
		return
	}
	if !c.hasInput {
		if first && c.declared != nil && c.layers == 1 {
			c.errorf(l.Pos, "structure", "%s comes before the input (at %s); the input must come first", l.Text, lineCol(c.declared.Pos))
		}
		return
	}
	c.warnings(l) // repeated for each copy: the previous layer may differ
	c.lastKind, c.lastText = l.Kind, l.Text
	if !c.shapeKnown {
		return
	}
	l.In = c.cur
	if !c.infer(l) {
		l.Failed = true
		c.net.Layers = append(c.net.Layers, l)
		c.shapeKnown = false
		return
	}
	c.counts[l.Kind]++
	l.Name = fmt.Sprintf("%s%d", l.Kind, c.counts[l.Kind])
	l.Params = params(l)
	l.MACs = macs(l)
	c.cur = l.Out
	c.net.Layers = append(c.net.Layers, l)
}

// build turns a statement into a layer with its static attributes (kind,
// sizes, options), checking them.
func (c *checker) build(s dsl.Stmt, first bool) (*Layer, bool) {
	l := &Layer{Pos: s.Position(), Text: fmt.Sprint(s), Copy: append([]Copy(nil), c.copies...)}
	report := c
	if !first {
		report = &checker{} // static problems were reported on the first visit
	}
	switch s := s.(type) {
	case *dsl.Conv:
		l.Kind = Conv
		v, ok := report.sizes(l.Pos, l.Text, "every size", "FhxFwxK, such as 3x3x64", s.Dims, 3, 1)
		if !ok {
			return l, false
		}
		l.FH, l.FW, l.K = v[0], v[1], v[2]
		return l, report.options(l, s.Opts, true)
	case *dsl.Pool:
		l.Kind = MaxPool
		if s.Op != "max" {
			l.Kind = MeanPool
		}
		v, ok := report.sizes(l.Pos, l.Text, "every size", "FhxFw, such as 2x2", s.Dims, 2, 1)
		if !ok {
			return l, false
		}
		l.FH, l.FW = v[0], v[1]
		return l, report.options(l, s.Opts, false)
	case *dsl.FC:
		l.Kind = FC
		v, ok := report.sizes(l.Pos, l.Text, "the number of outputs", "a number of outputs, such as 10", s.N, 1, 1)
		if !ok {
			return l, false
		}
		l.K = v[0]
	case *dsl.Activation:
		l.Kind = map[string]Kind{"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky": Leaky}[s.Kind]
		if s.Kind == "leaky" {
			l.Alpha = 0.01
		}
		if s.Slope != nil {
			if s.Kind != "leaky" {
				report.errorf(l.Pos, "range", "%s takes no argument; only leaky has a slope", s.Kind)
				return l, false
			}
			if s.Slope.Bad || math.IsInf(s.Slope.Value, 0) || math.IsNaN(s.Slope.Value) {
				report.errorf(l.Pos, "range", "%s: the slope must be a finite number, got %s", l.Text, s.Slope.Text)
				return l, false
			}
			l.Alpha = s.Slope.Value
		}
	case *dsl.Dropout:
		l.Kind = Dropout
		l.Alpha = s.P.Value
		if s.P.Bad || !(s.P.Value >= 0 && s.P.Value < 1) {
			report.errorf(l.Pos, "range", "%s: the probability must be in [0, 1), got %s", l.Text, s.P.Text)
			return l, false
		}
	case *dsl.Softmax:
		l.Kind = Softmax
	}
	return l, true
}

// options applies the stride and padding options of a conv (isConv) or pool.
// A pool's stride defaults to its window, a conv's to 1; paddings to 0.
func (c *checker) options(l *Layer, opts []*dsl.Option, isConv bool) bool {
	l.SH, l.SW = 1, 1
	if !isConv {
		l.SH, l.SW = l.FH, l.FW
	}
	var stride, pad *dsl.Option
	ok := true
	for _, o := range opts {
		switch {
		case o.Stride != nil:
			if stride != nil {
				c.errorf(o.Pos, "option", "%s: stride given twice (%s and %s)", l.Text, stride, o)
				ok = false
				continue
			}
			stride = o
			v, good := c.pair(o.Pos, l.Text, "a stride", o.Stride, 1)
			if good {
				l.SH, l.SW = v[0], v[1]
			}
			ok = ok && good
		default:
			if pad != nil {
				c.errorf(o.Pos, "option", "%s: padding given twice (%s and %s)", l.Text, pad, o)
				ok = false
				continue
			}
			pad = o
			if o.Same {
				good := c.same(l, o, isConv)
				ok = ok && good
				continue
			}
			v, good := c.pair(o.Pos, l.Text, "a padding", o.Pad, 0)
			if good {
				l.PH, l.PW = v[0], v[1]
			}
			ok = ok && good
		}
	}
	if ok && !isConv && (2*l.PH > l.FH || 2*l.PW > l.FW) {
		c.errorf(pad.Pos, "range", "%s: padding %s is larger than half the window %dx%d (at most %s)",
			l.Text, pairOption("p", l.PH, l.PW), l.FH, l.FW, pairOption("p", l.FH/2, l.FW/2))
		ok = false
	}
	return ok
}

// same applies `p same`: the padding (F-1)/2 that keeps H and W at stride 1,
// which exists only for odd filter sizes.
func (c *checker) same(l *Layer, o *dsl.Option, isConv bool) bool {
	if !isConv {
		c.errorf(o.Pos, "option", "%s: p same is for conv only; give a pool's padding as pN or pNxN", l.Text)
		return false
	}
	if l.FH%2 == 0 || l.FW%2 == 0 {
		c.errorf(o.Pos, "option", "%s: p same needs an odd filter size: a %dx%d filter has no centre, so no padding keeps the size (it would be %s)",
			l.Text, l.FH, l.FW, samePad(l.FH, l.FW))
		return false
	}
	l.PH, l.PW = (l.FH-1)/2, (l.FW-1)/2
	return true
}

// samePad writes the fractional padding an even filter would need: "1.5".
func samePad(fh, fw int) string {
	h, w := formatDecimal(float64(fh-1)/2), formatDecimal(float64(fw-1)/2)
	if h == w {
		return h
	}
	return h + "x" + w
}

// pair checks the numbers of a stride or padding: one or two, each at least
// lo; one number stands for both axes.
func (c *checker) pair(pos lexer.Position, stmt, what string, p *dsl.Pair, lo int) ([]int, bool) {
	d := p.Dims
	if len(d.V) == 1 {
		d.V = []int{d.V[0], d.V[0]}
	}
	return c.sizes(pos, stmt, what, what[2:]+" N or NxN", d, 2, lo)
}

// warnings reports legal but suspicious uses of l.
func (c *checker) warnings(l *Layer) {
	if (l.Kind == Conv || l.Kind == MaxPool || l.Kind == MeanPool) && (l.SH > l.FH || l.SW > l.FW) {
		c.warnf(l.Pos, "stride-gap", "%s: stride %s is larger than the window %dx%d, so some input pixels are never seen",
			l.Text, pairOption("s", l.SH, l.SW), l.FH, l.FW)
	}
	if l.Kind.Activation() && c.lastKind >= 0 && c.lastKind.Activation() {
		c.warnf(l.Pos, "double-activation", "%s directly after %s: two activations in a row", l.Text, c.lastText)
	}
}

// infer computes l.Out from l.In, reporting a shape error when the output
// size is not a whole number of at least 1.
func (c *checker) infer(l *Layer) bool {
	in := l.In
	switch l.Kind {
	case Conv, MaxPool, MeanPool:
		if in.Flat {
			c.errorf(l.Pos, "shape", "%s needs a feature map, but its input is %d flat features (after %s)%s", l.Text, in.C, c.flatBy, c.copyNote())
			return false
		}
		g := geometry{{W: in.H, F: l.FH, S: l.SH, P: l.PH}, {W: in.W, F: l.FW, S: l.SW, P: l.PW}}
		h, w, bad := g.out()
		if bad >= 0 {
			c.shapeError(l, g, bad)
			return false
		}
		l.Out = Shape{H: h, W: w, C: in.C}
		if l.Kind == Conv {
			l.Out.C = l.K
		}
	case FC:
		l.Out = Shape{H: 1, W: 1, C: l.K, Flat: true}
		c.flatBy = fmt.Sprintf("fc%d", c.counts[FC]+1)
	case Softmax:
		l.Out = Shape{H: 1, W: 1, C: in.Size(), Flat: true}
		c.flatBy = "softmax"
	default:
		l.Out = in
	}
	if c.tooLarge(l.Pos, l.Text, l.Out) {
		return false
	}
	if l.Kind == FC && int64(in.Size())*int64(l.K) > MaxValues {
		c.errorf(l.Pos, "limit", "%s: its weight has %s values, more than the %s a tensor may hold", l.Text, bigCount(int64(in.Size())*int64(l.K)), bigCount(MaxValues))
		return false
	}
	if l.Kind == Conv && int64(l.K)*int64(in.C)*int64(l.FH)*int64(l.FW) > MaxValues {
		c.errorf(l.Pos, "limit", "%s: its weight has %s values, more than the %s a tensor may hold", l.Text, bigCount(int64(l.K)*int64(in.C)*int64(l.FH)*int64(l.FW)), bigCount(MaxValues))
		return false
	}
	return true
}

// shapeError reports an output size that is not whole or is below 1, with
// the arithmetic and, where one exists, a fix:
// "pool max 2x2 s2 on 3x3x4: (3 - 2 + 0)/2 + 1 = 1.5 is not a whole number; s1 would give 2x2x4".
func (c *checker) shapeError(l *Layer, g geometry, bad int) {
	msg := fmt.Sprintf("%s on %s%s: %s", l.Text, l.In, c.copyNote(), g.explain(bad))
	maxPad := [2]int{l.FH - 1, l.FW - 1}
	if l.Kind != Conv {
		maxPad = [2]int{l.FH / 2, l.FW / 2}
	}
	if opt, h, w, ok := g.fix(maxPad); ok {
		out := Shape{H: h, W: w, C: l.In.C}
		if l.Kind == Conv {
			out.C = l.K
		}
		msg += fmt.Sprintf("; %s would give %s", opt, out)
	}
	c.errorf(l.Pos, "shape", "%s", msg)
}
