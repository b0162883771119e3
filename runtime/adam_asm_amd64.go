//go:build !purego

package runtime

import "unsafe"

func init() { asmKernels.adam = adamAsm }

// adamAsm is AdamStep's loop on the asm-avx2 path: 8 values at a time in
// assembly (adam_amd64.s), the rest in Go; both round alike.
func adamAsm(w, g, m, v []float32, c *AdamCoeffs) {
	n := len(w) &^ 7
	if n > 0 {
		g, m, v := g[:n], m[:n], v[:n] // the bounds, checked once
		adam8(unsafe.Pointer(&w[0]), unsafe.Pointer(&g[0]), unsafe.Pointer(&m[0]), unsafe.Pointer(&v[0]), uintptr(n), c,
			c.Shrink != 1, c.Decay != 0)
	}
	adamPortable(w[n:], g[n:], m[n:], v[n:], c)
}

// adam8 runs AdamStep's update on n values (a multiple of 8, at least 8),
// multiplying the weights by c.Shrink when shrink is set and adding
// c.Decay times them to the gradients when decay is.
//
//go:noescape
func adam8(wp, gp, mp, vp unsafe.Pointer, n uintptr, c *AdamCoeffs, shrink, decay bool)
