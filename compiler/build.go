package compiler

import (
	"fmt"
	"math"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/dsl"
	"github.com/cnnc/cnnc/ir"
)

// build turns a layer statement into its operation, checking its static
// attributes (sizes, options, settings); text is the statement as fmt
// writes it. Problems are reported only when first is set (the statement's
// first visit).
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
		if ok && v[2]%w.G != 0 {
			report.errorf(w.GroupsPos, "range", "%s: %d groups do not divide the %d filters", text, w.G, v[2])
			ok = false
		}
		op := &ir.Conv{FH: w.FH, FW: w.FW, K: v[2], SH: w.SH, SW: w.SW, PH: w.PH, PW: w.PW, DH: w.DH, DW: w.DW, Groups: w.G, NoBias: w.NoBias}
		return op, w, ok
	case *dsl.Pool:
		mode := ir.Max
		if s.Op != "max" {
			mode = ir.Mean
		}
		if s.Global {
			return &ir.GlobalPool{Mode: mode}, w, true
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
	case *dsl.BatchNorm:
		op, ok := report.batchnorm(s, text)
		return op, w, ok
	case *dsl.Activation:
		op, ok := report.activation(s, text)
		return op, w, ok
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

// activation builds relu, leaky (with its slope, 0.01 by default) and the
// other activations, which take no argument.
func (c *checker) activation(s *dsl.Activation, text string) (ir.Op, bool) {
	f, _ := ir.FuncNamed(s.Kind)
	op := &ir.Activation{Func: f}
	if f == ir.Leaky {
		op.Alpha = 0.01
	}
	if s.Slope != nil {
		if f != ir.Leaky {
			c.errorf(s.Pos, "range", "%s takes no argument; only leaky has a slope", s.Kind)
			return nil, false
		}
		if s.Slope.Bad || math.IsInf(s.Slope.Value, 0) || math.IsNaN(s.Slope.Value) {
			c.errorf(s.Pos, "range", "%s: the slope must be a finite number, got %s", text, s.Slope.Text)
			return nil, false
		}
		op.Alpha = s.Slope.Value
	}
	return op, true
}

// batchnorm builds a batchnorm from its settings, each at most once: eps a
// finite number above 0 (1e-5 by default), momentum in [0, 1] (0.1).
func (c *checker) batchnorm(s *dsl.BatchNorm, text string) (ir.Op, bool) {
	op := ir.NewBatchNorm()
	given := map[string]*dsl.Setting{}
	ok := true
	for _, o := range s.Opts {
		if prev := given[o.Name]; prev != nil {
			c.errorf(o.Pos, "option", "%s: %s given twice (%s %s and %s %s)", text, o.Name, prev.Name, prev.Value.Text, o.Name, o.Value.Text)
			ok = false
			continue
		}
		given[o.Name] = o
		v := o.Value.Value
		switch {
		case o.Name == "eps" && (o.Value.Bad || !(v > 0) || math.IsInf(v, 0)):
			c.errorf(o.Pos, "range", "%s: eps must be a finite number above 0, got %s", text, o.Value.Text)
			ok = false
		case o.Name == "momentum" && (o.Value.Bad || !(v >= 0 && v <= 1)):
			c.errorf(o.Pos, "range", "%s: momentum must be in [0, 1], got %s", text, o.Value.Text)
			ok = false
		case o.Name == "eps":
			op.Eps = v
		default:
			op.Momentum = v
		}
	}
	return op, ok
}

// warnings reports legal but suspicious uses of op, the statement text at
// pos, whose window is w.
func (c *checker) warnings(pos lexer.Position, text string, op ir.Op, w window) {
	switch op.(type) {
	case *ir.Conv, *ir.Pool:
		// A projection shortcut subsamples on purpose (ResNet's 1x1 s2).
		if (w.SH > w.FH || w.SW > w.FW) && !c.inShortcut {
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
