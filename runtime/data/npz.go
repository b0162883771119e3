package data

import (
	"fmt"
	"math"
	"slices"

	"github.com/cnnc/cnnc/runtime"
)

// checkArrays checks the arrays of an .npz (or .safetensors) file as a
// data set for spec and returns its training and held-out samples. The
// file holds
//
//	x      [N, C, H, W]  float32 or float64
//	y      [N]           integer class labels 0 to F-1, for a classifier
//	       [N, ...]      float targets shaped like the output, otherwise
//	x_val  [M, C, H, W]  optional held-out samples,
//	y_val                with their labels or targets
//
// val is nil without x_val. Every problem is checked before any value is
// used: a missing or unexpected array, a shape that does not fit the
// network, samples and labels that differ in number, labels that are not
// integers or out of range, targets that are not floats, NaN or infinite
// values. The error then lists each problem as a *runtime.FileError, one a
// line.
func checkArrays(file string, arrays []*runtime.Array, spec Spec) (train, val *Set, err error) {
	c := &dataCheck{file: file, input: spec.Input, output: spec.Output, classifier: spec.Classifier, byName: map[string]*runtime.Array{}}
	for _, a := range arrays {
		switch {
		case !slices.Contains([]string{"x", "y", "x_val", "y_val"}, a.Name):
			c.problem(a.Name, "unexpected array (shape %v); a dataset holds x, y and optionally x_val, y_val", a.Shape)
		case c.byName[a.Name] != nil:
			c.problem(a.Name, "appears more than once")
		default:
			c.byName[a.Name] = a
		}
	}
	train = c.split("x", "y", true)
	if c.byName["x_val"] != nil || c.byName["y_val"] != nil {
		val = c.split("x_val", "y_val", false)
	}
	if len(c.errs) > 0 {
		return nil, nil, errList(c.errs)
	}
	train.Source = file
	if val != nil {
		val.Source = "x_val and y_val of " + file
	}
	return train, val, nil
}

// dataCheck collects the problems of one dataset file.
type dataCheck struct {
	file          string
	input, output []int
	classifier    bool
	byName        map[string]*runtime.Array
	errs          []error
}

func (c *dataCheck) problem(entry, format string, args ...any) {
	c.errs = append(c.errs, &runtime.FileError{File: c.file, Entry: entry, Msg: fmt.Sprintf(format, args...)})
}

// split checks one pair of samples and labels (or targets) and returns
// them, or nil after recording its problems. The training pair is required.
func (c *dataCheck) split(xName, yName string, required bool) *Set {
	xa, ya := c.byName[xName], c.byName[yName]
	before := len(c.errs)
	for _, m := range []struct {
		name string
		a    *runtime.Array
		want string
	}{{xName, xa, c.xWant()}, {yName, ya, c.yWant()}} {
		if m.a == nil {
			verb := "missing"
			if !required {
				verb = fmt.Sprintf("missing (%s and %s come together)", xName, yName)
			}
			c.problem(m.name, "%s: want %s", verb, m.want)
		}
	}
	if xa == nil || ya == nil {
		return nil
	}
	d := &Set{}
	d.X = c.samples(xa)
	if c.classifier {
		d.Labels = c.labels(ya)
	} else {
		d.Targets = c.targets(ya)
	}
	if len(c.errs) > before {
		return nil
	}
	if xa.Shape[0] != ya.Shape[0] {
		c.problem(yName, "%s for %s in %s", plural(ya.Shape[0], c.yWhat()), plural(xa.Shape[0], "sample"), xName)
		return nil
	}
	d.N = xa.Shape[0]
	return d
}

// xWant and yWant describe the arrays the network wants.
func (c *dataCheck) xWant() string {
	return fmt.Sprintf("samples [N %s] of float32 or float64", dims(c.input))
}

func (c *dataCheck) yWant() string {
	if c.classifier {
		return fmt.Sprintf("integer class labels [N] from 0 to %d (the network ends in softmax over %s)", c.classes()-1, plural(c.classes(), "class"))
	}
	return fmt.Sprintf("float targets [N %s] (the network does not end in softmax, so it trains on targets with squared error)", dims(c.output))
}

func (c *dataCheck) yWhat() string {
	if c.classifier {
		return "label"
	}
	return "target"
}

func (c *dataCheck) classes() int { return c.output[0] }

// samples checks an array of input samples and returns its values.
func (c *dataCheck) samples(a *runtime.Array) []float32 {
	if a.DType() == "int64" {
		c.problem(a.Name, "holds integers: want %s (scale pixel values to floats first)", c.xWant())
		return nil
	}
	if len(a.Shape) != len(c.input)+1 || !slices.Equal(a.Shape[1:], c.input) {
		c.problem(a.Name, "shape %v does not fit the network: want %s", a.Shape, c.xWant())
		return nil
	}
	if a.Shape[0] == 0 {
		c.problem(a.Name, "holds no samples")
		return nil
	}
	return c.finite(a)
}

// labels checks an array of class labels and returns them.
func (c *dataCheck) labels(a *runtime.Array) []int32 {
	if a.DType() != "int64" {
		c.problem(a.Name, "holds %s values: want %s", a.DType(), c.yWant())
		return nil
	}
	if len(a.Shape) != 1 {
		c.problem(a.Name, "shape %v: want %s", a.Shape, c.yWant())
		return nil
	}
	labels := make([]int32, len(a.I64))
	bad, first := 0, -1
	for i, l := range a.I64 {
		if l < 0 || l >= int64(c.classes()) {
			if bad == 0 {
				first = i
			}
			bad++
			continue
		}
		labels[i] = int32(l)
	}
	if bad > 0 {
		c.problem(a.Name, "label %d of sample %d is out of range: the network has %d classes, 0 to %d (%d labels out of range)",
			a.I64[first], first, c.classes(), c.classes()-1, bad)
		return nil
	}
	return labels
}

// targets checks an array of regression targets and returns their values.
func (c *dataCheck) targets(a *runtime.Array) []float32 {
	if a.DType() == "int64" {
		c.problem(a.Name, "holds integers: want %s", c.yWant())
		return nil
	}
	if len(a.Shape) != len(c.output)+1 || !slices.Equal(a.Shape[1:], c.output) {
		c.problem(a.Name, "shape %v does not fit the network: want %s", a.Shape, c.yWant())
		return nil
	}
	return c.finite(a)
}

// finite returns the values of a as float32, recording a problem if one is
// NaN or infinite (also after rounding to float32).
func (c *dataCheck) finite(a *runtime.Array) []float32 {
	v := a.Float32s()
	size := len(v) / max(a.Shape[0], 1)
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			what := fmt.Sprint(x)
			if a.F64 != nil && !math.IsInf(a.F64[i], 0) && !math.IsNaN(a.F64[i]) {
				what = fmt.Sprintf("%g, beyond float32", a.F64[i])
			}
			c.problem(a.Name, "sample %d holds %s (value %d of the array); every value must be a finite number", i/size, what, i)
			return nil
		}
	}
	return v
}
