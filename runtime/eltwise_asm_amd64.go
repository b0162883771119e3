//go:build !purego

package runtime

import "unsafe"

// The asm-avx2 path's loops for batchnorm and the elementwise steps,
// eltwise_amd64.s: 8 values a vector, the rest of each run one at a time.

func init() {
	asmKernels.ops = opsSet{scaleShift: scaleShiftAsm, add: addAsm}
}

//go:noescape
func scaleShiftRuns(out, in, scale, shift unsafe.Pointer, n, count, os, is uintptr, relu bool)

//go:noescape
func addRuns(out, a, b unsafe.Pointer, n, count, os, as, bs uintptr, relu bool)

func scaleShiftAsm(out, in, scale, shift []float32, count, os, is int, relu bool) {
	n := len(scale)
	// The bounds, checked once: the loops below stay within them.
	out, in, shift = out[:(count-1)*os+n], in[:(count-1)*is+n], shift[:n]
	scaleShiftRuns(ptr(out, 0), ptr(in, 0), ptr(scale, 0), ptr(shift, 0),
		uintptr(n), uintptr(count), uintptr(os)*4, uintptr(is)*4, relu)
}

func addAsm(out, a, b []float32, n, count, os, as, bs int, relu bool) {
	out, a, b = out[:(count-1)*os+n], a[:(count-1)*as+n], b[:(count-1)*bs+n]
	addRuns(ptr(out, 0), ptr(a, 0), ptr(b, 0), uintptr(n), uintptr(count),
		uintptr(os)*4, uintptr(as)*4, uintptr(bs)*4, relu)
}
