package ir

import (
	"strconv"
	"strings"
)

// ErrorKind says which rule a ShapeError breaks, so that a front end can
// word it in its own terms.
type ErrorKind int

// The kinds of shape errors.
const (
	// Arity: the wrong number of inputs.
	Arity ErrorKind = iota
	// FlatInput: the operation needs a feature map, its input is flat.
	FlatInput
	// Geometry: a conv's or pool's output size is not a whole number of at
	// least 1 (Detail shows the arithmetic and, in Fix, a change that works).
	Geometry
	// Attribute: an attribute is out of range (a stride below 1, ...).
	Attribute
	// Groups: the input channels are not divisible by a conv's groups.
	Groups
	// Mismatch: the inputs of a merge (add, concat) do not fit together.
	Mismatch
)

// ShapeError is a shape rule that fails: the input shapes, what is wrong
// (Detail, lowercase, without the operation's text) and, for Geometry, the
// nearest fix found.
type ShapeError struct {
	Kind   ErrorKind
	In     []Shape
	Detail string
	// Fix is an option that makes the shape valid ("p1", "s1") and FixOut
	// the shape it gives; Fix is empty when nothing nearby works.
	Fix    string
	FixOut Shape
	// Axis is the failing axis of a Geometry error: 0 height, 1 width, -1
	// both alike.
	Axis int
}

// Error returns Detail, with the fix when there is one: "(3 - 2 + 0)/2 + 1 =
// 1.5 is not a whole number ...; s1 would give 2x2x4".
func (e *ShapeError) Error() string {
	if e.Fix == "" {
		return e.Detail
	}
	return e.Detail + "; " + e.Fix + " would give " + e.FixOut.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

// shapeList formats shapes as "8x8x4, 4x4x4".
func shapeList(in []Shape) string {
	parts := make([]string, len(in))
	for i, s := range in {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}
