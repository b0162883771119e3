package runtime

import (
	"errors"
	"fmt"
	"testing"
)

func TestArrayConstructorsPanic(t *testing.T) {
	tests := []struct {
		f    func()
		want string
	}{
		{func() { NewArray32("w", []int{2, 3}, make([]float32, 5)) }, `runtime: shape mismatch: NewArray32 "w": 5 values for shape [2 3], want 6`},
		{func() { NewArray64("b", nil, nil) }, `runtime: shape mismatch: NewArray64 "b": 0 values for shape [], want 1`},
		{func() { NewArrayInt64("y", []int{-1}, nil) }, `runtime: shape mismatch: NewArrayInt64 "y": shape [-1] has a negative dimension`},
		{func() { (&Array{Name: "z"}).Float32s() }, `runtime: shape mismatch: array "z" has no data or more than one kind`},
		{func() { (&Array{Name: "z", Shape: []int{1 << 40, 1 << 40}}).Size() }, `runtime: shape mismatch: array "z": shape [1099511627776 1099511627776] is too large`},
	}
	for _, tt := range tests {
		got := catch(tt.f)
		if got == nil || got.Error() != tt.want || !errors.Is(got, ErrShape) {
			t.Errorf("panic %v, want %s", got, tt.want)
		}
	}
}

func catch(f func()) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = v.(error)
		}
	}()
	f()
	return nil
}

func TestArrayConversions(t *testing.T) {
	data := []float32{1.5, -2}
	a := NewArray32("a", []int{2}, data)
	if &a.Float32s()[0] != &data[0] {
		t.Error("Float32s copied float32 data")
	}
	if got := fmt.Sprintln(a.Float64s(), a.DType(), a.Size()); got != "[1.5 -2] float32 2\n" {
		t.Errorf("got %s", got)
	}
	b := NewArray64("b", []int{1, 2}, []float64{0.1, 3})
	if &b.Float64s()[0] != &b.F64[0] || b.Float32s()[0] != float32(0.1) {
		t.Error("float64 conversions")
	}
	c := NewArrayInt64("c", nil, []int64{7})
	if c.Float32s()[0] != 7 || c.Float64s()[0] != 7 || c.Size() != 1 || c.DType() != "int64" {
		t.Error("int64 conversions")
	}
	if e := NewArray32("e", []int{0}, nil); e.F32 == nil || e.DType() != "float32" {
		t.Error("empty array lost its dtype")
	}
	shape := []int{2}
	d := NewArray32("d", shape, data)
	shape[0] = 9
	if d.Shape[0] != 2 {
		t.Error("constructor kept the caller's shape slice")
	}
}
