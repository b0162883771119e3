//go:build !purego

package runtime

import "unsafe"

func init() { asmKernels.sgd = sgdAsm }

// sgdAsm is SGDStep's loop on the asm-avx2 path: 8 values at a time in
// assembly (sgd_amd64.s), the rest in Go; both round alike.
func sgdAsm(w, g, v []float32, c sgdCoeffs) {
	n := len(w) &^ 7
	if n > 0 {
		g := g[:n] // the bounds, checked once
		vp, mode := unsafe.Pointer(nil), uintptr(0)
		if c.Momentum != 0 {
			vp, mode = unsafe.Pointer(&v[:n][0]), 2
			if c.First {
				mode = 1
			}
		}
		sgd8(unsafe.Pointer(&w[0]), unsafe.Pointer(&g[0]), vp, uintptr(n), &c, mode)
	}
	if c.Momentum != 0 {
		v = v[n:]
	}
	sgdPortable(w[n:], g[n:], v, c)
}

// sgd8 runs SGDStep's update on n values (a multiple of 8, at least 8):
// without momentum (mode 0; vp unused), on the first step with momentum
// (mode 1: v = g') or after it (mode 2: v = μ·v + g').
//
//go:noescape
func sgd8(wp, gp, vp unsafe.Pointer, n uintptr, c *sgdCoeffs, mode uintptr)
