//go:build !purego

package runtime

import "unsafe"

// The asm-avx2 path's loops for batchnorm and the elementwise steps,
// eltwise_amd64.s: 8 values a vector. scaleShift and add take a run's last
// few one at a time in assembly; the others leave the channels past the
// last multiple of 8 to the portable loops (channel counts are multiples
// of 8 in most networks).

func init() {
	asmKernels.ops = opsSet{scaleShift: scaleShiftAsm, add: addAsm,
		sqDev: sqDevAsm, gradSums: gradSumsAsm, bnGrad: bnGradAsm}
}

//go:noescape
func scaleShiftRuns(out, in, scale, shift unsafe.Pointer, n, count, os, is uintptr, lo, hi float32)

//go:noescape
func addRuns(out, a, b unsafe.Pointer, n, count, os, as, bs uintptr, lo, hi float32)

//go:noescape
func sqDevRuns(acc, x, mean unsafe.Pointer, n, count, xs uintptr)

//go:noescape
func gradSumsRuns(sdy, sdyx, x, d, y, mean unsafe.Pointer, n, count, xs, ds, ys uintptr, lo, hi float32, mask bool)

//go:noescape
func bnGradRuns(out, d, x, y, k unsafe.Pointer, n, count, os, ds, xs, ys uintptr, lo, hi float32, mask, acc bool)

func scaleShiftAsm(out, in, scale, shift []float32, count, os, is int, lo, hi float32) {
	n := len(scale)
	// The bounds, checked once: the loops below stay within them.
	out, in, shift = out[:(count-1)*os+n], in[:(count-1)*is+n], shift[:n]
	scaleShiftRuns(ptr(out, 0), ptr(in, 0), ptr(scale, 0), ptr(shift, 0),
		uintptr(n), uintptr(count), uintptr(os)*4, uintptr(is)*4, lo, hi)
}

func addAsm(out, a, b []float32, n, count, os, as, bs int, lo, hi float32) {
	out, a, b = out[:(count-1)*os+n], a[:(count-1)*as+n], b[:(count-1)*bs+n]
	addRuns(ptr(out, 0), ptr(a, 0), ptr(b, 0), uintptr(n), uintptr(count),
		uintptr(os)*4, uintptr(as)*4, uintptr(bs)*4, lo, hi)
}

func sqDevAsm(acc, x, mean []float32, count, xs int) {
	n := len(mean)
	if n8 := n &^ 7; n8 > 0 {
		acc, x = acc[:n], x[:(count-1)*xs+n]
		sqDevRuns(ptr(acc, 0), ptr(x, 0), ptr(mean, 0), uintptr(n8), uintptr(count), uintptr(xs)*4)
		acc, x, mean = acc[n8:], x[n8:], mean[n8:]
	}
	if len(mean) > 0 {
		sqDevPortable(acc, x, mean, count, xs)
	}
}

func gradSumsAsm(sdy, sdyx, x, d, y, mean []float32, count, xs, ds, ys int, lo, hi float32) {
	n := len(mean)
	if n8 := n &^ 7; n8 > 0 {
		sdy, sdyx, x, d = sdy[:n], sdyx[:n], x[:(count-1)*xs+n], d[:(count-1)*ds+n]
		yp := unsafe.Pointer(nil)
		if y != nil {
			y = y[:(count-1)*ys+n]
			yp = ptr(y, 0)
		}
		gradSumsRuns(ptr(sdy, 0), ptr(sdyx, 0), ptr(x, 0), ptr(d, 0), yp, ptr(mean, 0),
			uintptr(n8), uintptr(count), uintptr(xs)*4, uintptr(ds)*4, uintptr(ys)*4, lo, hi, y != nil)
		sdy, sdyx, x, d, mean = sdy[n8:], sdyx[n8:], x[n8:], d[n8:], mean[n8:]
		if y != nil {
			y = y[n8:]
		}
	}
	if len(mean) > 0 {
		gradSumsPortable(sdy, sdyx, x, d, y, mean, count, xs, ds, ys, lo, hi)
	}
}

func bnGradAsm(out, d, x, y, k []float32, n, count, os, ds, xs, ys int, lo, hi float32, acc bool) {
	n8 := n &^ 7
	if n8 > 0 {
		out, d, x, k = out[:(count-1)*os+n], d[:(count-1)*ds+n], x[:(count-1)*xs+n], k[:4*bnChunk]
		yp := unsafe.Pointer(nil)
		if y != nil {
			y = y[:(count-1)*ys+n]
			yp = ptr(y, 0)
		}
		bnGradRuns(ptr(out, 0), ptr(d, 0), ptr(x, 0), yp, ptr(k, 0), uintptr(n8), uintptr(count),
			uintptr(os)*4, uintptr(ds)*4, uintptr(xs)*4, uintptr(ys)*4, lo, hi, y != nil, acc)
	}
	if n8 < n {
		if y != nil {
			y = y[n8:]
		}
		bnGradPortable(out[n8:], d[n8:], x[n8:], y, k[n8:], n-n8, count, os, ds, xs, ys, lo, hi, acc)
	}
}

// bnGradRuns reads the coefficient block's vectors 1024 bytes apart.
var _ [bnChunk - 256]struct{}
var _ [256 - bnChunk]struct{}
