package ir

import "fmt"

// Shape is the shape of one sample: C channels of H×W. A flat vector of C
// features (after fc or softmax) has H = W = 1 and Flat set.
type Shape struct {
	H, W, C int
	Flat    bool
}

// Map returns the feature-map shape HxWxC.
func Map(h, w, c int) Shape { return Shape{H: h, W: w, C: c} }

// Flat returns the shape of a flat vector of n features.
func Flat(n int) Shape { return Shape{H: 1, W: 1, C: n, Flat: true} }

// Size returns the number of values, H·W·C.
func (s Shape) Size() int { return s.H * s.W * s.C }

// Size64 returns the number of values without overflow for any valid sizes.
func (s Shape) Size64() int64 { return int64(s.H) * int64(s.W) * int64(s.C) }

// String formats s as the language writes it, "224x224x3", or a flat shape as
// its feature count, "1000".
func (s Shape) String() string {
	if s.Flat {
		return fmt.Sprint(s.C)
	}
	return fmt.Sprintf("%dx%dx%d", s.H, s.W, s.C)
}

// Dims returns the PyTorch shape of one sample: [C H W], or [F] when flat.
func (s Shape) Dims() []int {
	if s.Flat {
		return []int{s.C}
	}
	return []int{s.C, s.H, s.W}
}

// valid reports whether s is a shape a value can have.
func (s Shape) valid() bool {
	return s.H >= 1 && s.W >= 1 && s.C >= 1 && (!s.Flat || s.H == 1 && s.W == 1)
}
