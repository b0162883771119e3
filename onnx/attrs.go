package onnx

import (
	"math"
	"slices"
	"strconv"
)

// Attribute types (AttributeProto.AttributeType).
const (
	attrFloat  = 1
	attrInt    = 2
	attrString = 3
	attrTensor = 4
	attrFloats = 6
	attrInts   = 7
)

func (n *Node) attr(name string) *Attribute {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// attrInt returns an int attribute, def when absent.
func (n *Node) attrInt(name string, def int64) int64 {
	if a := n.attr(name); a != nil {
		return a.I
	}
	return def
}

// attrFloat returns a float attribute, def when absent.
func (n *Node) attrFloat(name string, def float32) float32 {
	if a := n.attr(name); a != nil {
		return a.F
	}
	return def
}

// attrString returns a string attribute, def when absent.
func (n *Node) attrString(name, def string) string {
	if a := n.attr(name); a != nil {
		return a.S
	}
	return def
}

// attrInts returns an ints attribute of length want (any length when want
// is 0), or def when absent.
func (n *Node) attrInts(name string, want int, def []int64) ([]int64, error) {
	a := n.attr(name)
	if a == nil {
		return def, nil
	}
	if want > 0 && len(a.Ints) != want {
		return nil, unsupported("attribute %s has %s, want %d", name, plural(len(a.Ints), "value"), want)
	}
	return a.Ints, nil
}

// ones returns n ones.
func ones(n int) []int64 {
	v := make([]int64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// smallInt converts an attribute value to an int in cnnc's range of sizes
// (1..2^20, or 0..2^20 when zero is allowed).
func smallInt(what string, v int64, min int64) (int, error) {
	if v < min || v > 1<<20 {
		return 0, unsupported("%s %d is out of range", what, v)
	}
	return int(v), nil
}

// axes normalises axes of a tensor of rank r (negative ones count from the
// end) and returns them sorted.
func axes(v []int64, r int) ([]int, error) {
	out := make([]int, len(v))
	for i, a := range v {
		if a < -int64(r) || a >= int64(r) {
			return nil, unsupported("axis %d is out of range for rank %d", a, r)
		}
		if a < 0 {
			a += int64(r)
		}
		out[i] = int(a)
	}
	slices.Sort(out)
	return out, nil
}

// near reports whether a is within a relative 1e-5 of b: constants stored
// as float32 (1/√2, 1/6) match their exact values that closely.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-5*math.Max(1, math.Abs(b)) }

// decimal writes a float32 attribute in the shortest form that reads back
// as the same float32 ("0.2" rather than 0.20000000298023224), and the
// float64 that text is, which is what the .cnn file will say.
func decimal(f float32) (string, float64) {
	s := strconv.FormatFloat(float64(f), 'g', -1, 32)
	v, _ := strconv.ParseFloat(s, 64)
	return s, v
}
