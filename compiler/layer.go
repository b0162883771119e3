package compiler

import (
	"errors"
	"fmt"
	"math"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/dsl"
	"github.com/cnnc/cnnc/ir"
)

// layer checks one layer statement, for one copy of its enclosing repeats,
// and adds its node to the graph while shapes are known. Problems of the
// statement itself are reported only on its first visit (first is true);
// shape problems, which may differ between copies, on every visit.
func (c *checker) layer(s dsl.Stmt, first bool) {
	c.layers++
	text := fmt.Sprint(s)
	op, w, ok := c.build(s, text, first)
	if !ok {
		c.cur = nil
		return
	}
	pos := s.Position()
	if !c.hasInput {
		if first && c.declared != nil && c.layers == 1 {
			c.errorf(pos, "structure", "%s comes before the input (at %s); the input must come first", text, lineCol(c.declared.Pos))
		}
		return
	}
	c.warnings(pos, text, op, w) // repeated for each copy: the previous layer may differ
	c.lastKind, c.lastText = op.Kind(), text
	if c.cur == nil {
		return
	}
	c.add(op, pos, text, c.cur)
}

// add adds a node applying op to inputs, named by its kind in the current
// scope, and makes its output current. On a shape error it reports it,
// records the failure and makes the shape unknown.
func (c *checker) add(op ir.Op, pos lexer.Position, text string, inputs ...*ir.Value) {
	in := make([]Shape, len(inputs))
	for i, v := range inputs {
		in[i] = v.Shape
	}
	if !c.fits(op, pos, text, in) {
		c.fail(op, pos, text, in)
		return
	}
	kind := op.Kind()
	name := fmt.Sprintf("%s%d", kind, c.scope.counts[kind]+1)
	if c.scope.path != "" {
		name = c.scope.path + "." + name
	}
	n, err := c.b.Add(op, ir.Meta{Name: name, Text: text, Pos: irPos(pos), Copy: c.copy}, inputs...)
	if err != nil { // fits ran the same shape rule
		panic("compiler: " + err.Error())
	}
	c.scope.counts[kind]++
	c.macs += n.MACs
	switch op.(type) {
	case *ir.FC:
		c.flatBy = name
	case *ir.Softmax:
		c.flatBy = "softmax"
	}
	c.cur = n.Output
}

// fits runs op's shape rule on inputs of shapes in and checks the output and
// every tensor against MaxValues, reporting what fails.
func (c *checker) fits(op ir.Op, pos lexer.Position, text string, in []Shape) bool {
	out, err := op.Infer(in)
	if err != nil {
		c.shapeError(pos, text, in, err)
		return false
	}
	if c.tooLarge(pos, text, out) {
		return false
	}
	for _, t := range op.Tensors(in) {
		if n := (&t).Size64(); n > MaxValues {
			c.errorf(pos, "limit", "%s: its %s has %s values, more than the %s a tensor may hold", text, t.Name, bigCount(n), bigCount(MaxValues))
			return false
		}
	}
	if m := c.macs + op.MACs(in, out); m > MaxMACs {
		c.errorf(pos, "limit", "%s%s: the network would do %s multiply-adds a sample up to here, more than the %s (2^61) cnnc counts",
			text, copyNote(c.copy), bigCount(m), bigCount(MaxMACs))
		return false
	}
	return true
}

// fail records the statement whose shape failed and makes the shape unknown.
func (c *checker) fail(op ir.Op, pos lexer.Position, text string, in []Shape) {
	if c.result.Failed == nil {
		c.result.Failed = &Failure{Op: op, Text: text, Pos: pos, Copy: c.copy, In: in}
	}
	c.cur = nil
}

// shapeError reports err, the shape rule's refusal, with the statement and
// the copy it is in: "pool max 2x2 s2 on 3x3x4: (3 - 2 + 0)/2 + 1 = 1.5 is
// not a whole number: ...; p1 would give 2x2x4".
func (c *checker) shapeError(pos lexer.Position, text string, in []Shape, err error) {
	var se *ir.ShapeError
	if errors.As(err, &se) && se.Kind == ir.FlatInput {
		features := "features"
		if in[0].C == 1 {
			features = "feature"
		}
		c.errorf(pos, "shape", "%s needs a feature map, but its input is %d flat %s (after %s)%s", text, in[0].C, features, c.flatBy, copyNote(c.copy))
		return
	}
	c.errorf(pos, "shape", "%s on %s%s: %v", text, shapeList(in), copyNote(c.copy), err)
}

// shapeList formats shapes as "8x8x4 and 4x4x4".
func shapeList(in []Shape) string {
	s := ""
	for i, x := range in {
		switch {
		case i == 0:
		case i == len(in)-1:
			s += " and "
		default:
			s += ", "
		}
		s += x.String()
	}
	return s
}

// window is the geometry options of a conv or pool as written.
type window struct{ FH, FW, SH, SW, PH, PW int }

// build turns a statement into its operation, checking its static
// attributes (sizes, options); text is the statement as fmt writes it.
func (c *checker) build(s dsl.Stmt, text string, first bool) (ir.Op, window, bool) {
	pos := s.Position()
	report := c
	if !first {
		report = &checker{} // static problems were reported on the first visit
	}
	var w window
	switch s := s.(type) {
	case *dsl.Conv:
		v, ok := report.sizes(pos, text, "every size", "FhxFwxK, such as 3x3x64", s.Dims, 3, 1)
		if !ok {
			return nil, w, false
		}
		w = window{FH: v[0], FW: v[1]}
		ok = report.options(&w, text, s.Opts, true)
		op := ir.NewConv(v[0], v[1], v[2])
		op.SH, op.SW, op.PH, op.PW = w.SH, w.SW, w.PH, w.PW
		return op, w, ok
	case *dsl.Pool:
		mode := ir.Max
		if s.Op != "max" {
			mode = ir.Mean
		}
		v, ok := report.sizes(pos, text, "every size", "FhxFw, such as 2x2", s.Dims, 2, 1)
		if !ok {
			return nil, w, false
		}
		w = window{FH: v[0], FW: v[1]}
		ok = report.options(&w, text, s.Opts, false)
		return &ir.Pool{Mode: mode, FH: w.FH, FW: w.FW, SH: w.SH, SW: w.SW, PH: w.PH, PW: w.PW}, w, ok
	case *dsl.FC:
		v, ok := report.sizes(pos, text, "the number of outputs", "a number of outputs, such as 10", s.N, 1, 1)
		if !ok {
			return nil, w, false
		}
		return &ir.FC{K: v[0]}, w, true
	case *dsl.Activation:
		f, _ := ir.FuncNamed(s.Kind)
		op := &ir.Activation{Func: f}
		if f == ir.Leaky {
			op.Alpha = 0.01
		}
		if s.Slope != nil {
			if f != ir.Leaky {
				report.errorf(pos, "range", "%s takes no argument; only leaky has a slope", s.Kind)
				return nil, w, false
			}
			if s.Slope.Bad || math.IsInf(s.Slope.Value, 0) || math.IsNaN(s.Slope.Value) {
				report.errorf(pos, "range", "%s: the slope must be a finite number, got %s", text, s.Slope.Text)
				return nil, w, false
			}
			op.Alpha = s.Slope.Value
		}
		return op, w, true
	case *dsl.Dropout:
		if s.P.Bad || !(s.P.Value >= 0 && s.P.Value < 1) {
			report.errorf(pos, "range", "%s: the probability must be in [0, 1), got %s", text, s.P.Text)
			return nil, w, false
		}
		return &ir.Dropout{P: s.P.Value}, w, true
	case *dsl.Softmax:
		return &ir.Softmax{}, w, true
	}
	panic(fmt.Sprintf("compiler: build: unexpected statement %T", s))
}

// warnings reports legal but suspicious uses of op, the statement text at
// pos, whose window is w.
func (c *checker) warnings(pos lexer.Position, text string, op ir.Op, w window) {
	switch op.(type) {
	case *ir.Conv, *ir.Pool:
		if w.SH > w.FH || w.SW > w.FW {
			c.warnf(pos, "stride-gap", "%s: stride %s is larger than the window %dx%d, so some input pixels are never seen",
				text, pairOption("s", w.SH, w.SW), w.FH, w.FW)
		}
	case *ir.Activation:
		if isActivation(c.lastKind) {
			c.warnf(pos, "double-activation", "%s directly after %s: two activations in a row", text, c.lastText)
		}
	}
}

// isActivation reports whether kind is an activation's.
func isActivation(kind string) bool {
	_, ok := ir.FuncNamed(kind)
	return ok
}
