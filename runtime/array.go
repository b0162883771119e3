package runtime

import (
	"fmt"
	"math"
)

// Array is a named tensor as stored in a weight or tensor file: Shape in
// row-major (C) order, PyTorch's layout for parameters, and the values in
// exactly one of F32, F64 or I64, which also tells the stored dtype. Integer
// files (labels, BatchNorm's num_batches_tracked) of any width read into
// I64. A scalar has an empty Shape and one value. The zero Array is not
// valid; use a constructor or a reader.
type Array struct {
	Name  string
	Shape []int
	F32   []float32
	F64   []float64
	I64   []int64
}

// maxElems bounds the number of values in an array, so that its size in
// bytes fits in an int for every dtype. Larger shapes are rejected as
// corrupt rather than allocated.
const maxElems = math.MaxInt / 8

// NewArray32 returns a float32 Array holding data, which it keeps (no
// copy); shape is copied. It panics with ErrShape if a dimension is
// negative or len(data) is not the product of shape.
func NewArray32(name string, shape []int, data []float32) *Array {
	checkLen("NewArray32", name, shape, len(data))
	if data == nil {
		data = []float32{}
	}
	return &Array{Name: name, Shape: append([]int{}, shape...), F32: data}
}

// NewArray64 is like NewArray32 for float64 data.
func NewArray64(name string, shape []int, data []float64) *Array {
	checkLen("NewArray64", name, shape, len(data))
	if data == nil {
		data = []float64{}
	}
	return &Array{Name: name, Shape: append([]int{}, shape...), F64: data}
}

// NewArrayInt64 is like NewArray32 for integer data such as class labels.
func NewArrayInt64(name string, shape []int, data []int64) *Array {
	checkLen("NewArrayInt64", name, shape, len(data))
	if data == nil {
		data = []int64{}
	}
	return &Array{Name: name, Shape: append([]int{}, shape...), I64: data}
}

func checkLen(fn, name string, shape []int, n int) {
	size, err := shapeSize(shape)
	if err != nil {
		panic(fmt.Errorf("%w: %s %q: %v", ErrShape, fn, name, err))
	}
	if n != size {
		panic(fmt.Errorf("%w: %s %q: %d values for shape %v, want %d", ErrShape, fn, name, n, shape, size))
	}
}

// Size returns the number of values the shape holds, 1 for a scalar. It
// panics with ErrShape if a dimension is negative or the product overflows.
func (a *Array) Size() int {
	n, err := shapeSize(a.Shape)
	if err != nil {
		panic(fmt.Errorf("%w: array %q: %v", ErrShape, a.Name, err))
	}
	return n
}

// DType returns the stored dtype: "float32", "float64" or "int64", or ""
// for an Array with no data field set (or more than one).
func (a *Array) DType() string {
	switch {
	case a.F32 != nil && a.F64 == nil && a.I64 == nil:
		return "float32"
	case a.F64 != nil && a.F32 == nil && a.I64 == nil:
		return "float64"
	case a.I64 != nil && a.F32 == nil && a.F64 == nil:
		return "int64"
	}
	return ""
}

// Float32s returns the values as float32: F32 itself (not a copy) when the
// Array stores float32, otherwise a new slice of converted values (float64
// rounds to nearest; large integers lose precision). It panics with ErrShape
// if the Array has no data field set.
func (a *Array) Float32s() []float32 {
	switch a.DType() {
	case "float32":
		return a.F32
	case "float64":
		return convert[float32](a.F64)
	case "int64":
		return convert[float32](a.I64)
	}
	panic(fmt.Errorf("%w: array %q has no data or more than one kind", ErrShape, a.Name))
}

// Float64s is like Float32s for float64; converting float32 is exact.
func (a *Array) Float64s() []float64 {
	switch a.DType() {
	case "float32":
		return convert[float64](a.F32)
	case "float64":
		return a.F64
	case "int64":
		return convert[float64](a.I64)
	}
	panic(fmt.Errorf("%w: array %q has no data or more than one kind", ErrShape, a.Name))
}

func convert[To, From float32 | float64 | int64](src []From) []To {
	dst := make([]To, len(src))
	for i, v := range src {
		dst[i] = To(v)
	}
	return dst
}

// shapeSize returns the product of shape. It fails if a dimension is
// negative or the product of the non-zero dimensions exceeds maxElems, so
// that a shape with a zero dimension is judged like any other.
func shapeSize(shape []int) (int, error) {
	n, zero := 1, false
	for _, d := range shape {
		switch {
		case d < 0:
			return 0, fmt.Errorf("shape %v has a negative dimension", shape)
		case d == 0:
			zero = true
		case n > maxElems/d:
			return 0, fmt.Errorf("shape %v is too large", shape)
		default:
			n *= d
		}
	}
	if zero {
		return 0, nil
	}
	return n, nil
}

// check reports, as an error rather than a panic, what makes a unusable for
// writing: no data field or more than one, a bad shape, or a data length
// that does not match the shape.
func (a *Array) check() error {
	n, err := shapeSize(a.Shape)
	if err != nil {
		return &FileError{Entry: a.Name, Msg: err.Error()}
	}
	var got int
	switch a.DType() {
	case "float32":
		got = len(a.F32)
	case "float64":
		got = len(a.F64)
	case "int64":
		got = len(a.I64)
	default:
		return &FileError{Entry: a.Name, Msg: "exactly one of F32, F64 and I64 must be set"}
	}
	if got != n {
		return &FileError{Entry: a.Name, Msg: fmt.Sprintf("%d values for shape %v, want %d", got, a.Shape, n)}
	}
	return nil
}
