//go:build !purego

package runtime

import "unsafe"

// The depthwise convs' AVX2+FMA loops (conv_depthwise_amd64.s) take 16
// channels a chunk and every chunk of a pixel's run in one call; the
// channels past the last multiple of 16 go through the portable loops.
// The avx2 and avx512 paths of Go's SIMD experiment use them too
// (dwTapsVec): AVX-512 would add nothing to a loop bound by memory.

//go:noescape
func dwTaps4x16(a *dwArgs)

//go:noescape
func dwTaps1x16(a *dwArgs)

//go:noescape
func dwGrad3x16(a *dwGradArgs)

//go:noescape
func dwGrad1x16(a *dwGradArgs)

var dwTapsVec, dwGradVec = dwTapsAsm, dwGradAsm

// dwTapsAsm runs tiles of 4 pixels, then single pixels.
func dwTapsAsm(a *dwArgs, n, c int) {
	if c16 := c &^ 15; c16 > 0 {
		out, in := a.out, a.in
		a.chunks = c16 / 16
		p := 0
		for ; p+4 <= n; p += 4 {
			a.out, a.in = unsafe.Add(out, p*a.outPx), unsafe.Add(in, p*a.inPx)
			dwTaps4x16(a)
		}
		for ; p < n; p++ {
			a.out, a.in = unsafe.Add(out, p*a.outPx), unsafe.Add(in, p*a.inPx)
			dwTaps1x16(a)
		}
		a.out, a.in = out, in
		if c16 < c {
			dwTail(a, n, c16, c, dwTapsPortable)
		}
		return
	}
	dwTapsPortable(a, n, c)
}

// dwTail runs f on channels [c16, c) of a run.
func dwTail(a *dwArgs, n, c16, c int, f func(a *dwArgs, n, c int)) {
	saved := *a
	a.out, a.in, a.w = unsafe.Add(a.out, c16*4), unsafe.Add(a.in, c16*4), unsafe.Add(a.w, c16*4)
	if a.bias != nil {
		a.bias = unsafe.Add(a.bias, c16*4)
	}
	f(a, n, c-c16)
	*a = saved
}

// dwGradAsm runs the taps three at a time, then one at a time, the bias
// gradient with the first.
func dwGradAsm(a *dwGradArgs, taps, c int) {
	c16 := c &^ 15
	if c16 == 0 {
		dwGradPortable(a, taps, c)
		return
	}
	saved := *a
	a.chunks = c16 / 16
	for t := 0; t < taps; {
		a.dw, a.in = unsafe.Add(saved.dw, t*a.dwCol), unsafe.Add(saved.in, t*a.inCol)
		if t > 0 {
			a.db = nil
		}
		if taps-t >= 3 {
			dwGrad3x16(a)
			t += 3
		} else {
			dwGrad1x16(a)
			t++
		}
	}
	*a = saved
	if c16 < c {
		a.dw, a.in, a.dout = unsafe.Add(a.dw, c16*4), unsafe.Add(a.in, c16*4), unsafe.Add(a.dout, c16*4)
		if a.db != nil {
			a.db = unsafe.Add(a.db, c16*4)
		}
		dwGradPortable(a, taps, c-c16)
		*a = saved
	}
}
