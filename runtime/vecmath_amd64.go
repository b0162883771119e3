//go:build !purego

package runtime

import "unsafe"

// asmMath runs vecmath_amd64.s on every vector path: the loops take 8
// values at a time, and the last few go through them too, copied into a
// vector on the stack, so that a value's result does not depend on where
// it lies in a slice.
var asmMath = mathSet{
	tanh:        func(o, v []float32) { unary8(opTanh, o, v) },
	sigmoid:     func(o, v []float32) { unary8(opSigmoid, o, v) },
	tanhGrad:    func(d, y []float32) { unary8(opTanhGrad, d, y) },
	sigmoidGrad: func(d, y []float32) { unary8(opSigmoidGrad, d, y) },
}

const (
	opTanh = iota
	opSigmoid
	opTanhGrad
	opSigmoidGrad
)

//go:noescape
func tanh8(o, v unsafe.Pointer, n uintptr)

//go:noescape
func sigmoid8(o, v unsafe.Pointer, n uintptr)

//go:noescape
func tanhGrad8(d, y unsafe.Pointer, n uintptr)

//go:noescape
func sigmoidGrad8(d, y unsafe.Pointer, n uintptr)

// unary8 runs loop op on a and b (of equal lengths): whole vectors in
// place, the rest through two stack vectors (called directly, not through
// a function value, through which they would escape to the heap).
func unary8(op int, a, b []float32) {
	b = b[:len(a)]
	n := len(a) &^ 7
	if n > 0 {
		run8(op, ptr(a, 0), ptr(b, 0), uintptr(n))
	}
	if n < len(a) {
		var ta, tb [8]float32
		copy(ta[:], a[n:])
		copy(tb[:], b[n:])
		run8(op, unsafe.Pointer(&ta), unsafe.Pointer(&tb), 8)
		copy(a[n:], ta[:])
	}
}

func run8(op int, a, b unsafe.Pointer, n uintptr) {
	switch op {
	case opTanh:
		tanh8(a, b, n)
	case opSigmoid:
		sigmoid8(a, b, n)
	case opTanhGrad:
		tanhGrad8(a, b, n)
	default:
		sigmoidGrad8(a, b, n)
	}
}
