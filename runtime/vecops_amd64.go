//go:build !purego

package runtime

import "unsafe"

// The asm-avx2 path's relu gradient, axpy and row sums (vecops_amd64.s);
// the kernel set's callers have sliced the buffers to their lengths.

//go:noescape
func reluGrad8(d, y unsafe.Pointer, n uintptr)

//go:noescape
func axpy8(alpha float32, x, y unsafe.Pointer, n uintptr)

//go:noescape
func addRows8(acc, x unsafe.Pointer, n, stride, count uintptr)

func reluGradAsm(d, y []float32) {
	if len(d) > 0 {
		y = y[:len(d)]
		reluGrad8(ptr(d, 0), ptr(y, 0), uintptr(len(d)))
	}
}

func axpyAsm(alpha float32, x, y []float32) {
	if len(x) > 0 {
		y = y[:len(x)]
		axpy8(alpha, ptr(x, 0), ptr(y, 0), uintptr(len(x)))
	}
}

func addRowsAsm(acc, x []float32, stride, count int) {
	n := len(acc)
	if n == 0 || count == 0 {
		return
	}
	x = x[:(count-1)*stride+n] // the bounds, checked once
	addRows8(ptr(acc, 0), ptr(x, 0), uintptr(n), uintptr(stride)*4, uintptr(count))
}
