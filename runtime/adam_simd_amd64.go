//go:build goexperiment.simd

package runtime

import "simd/archsimd"

func init() {
	avx2Kernels.adam = adamAVX2
	avx512Kernels.adam = adamAVX512
}

// adamAVX2 is AdamStep's loop with 8-lane vectors, the rest in Go; both
// round alike (AdamStep lists the operations).
func adamAVX2(w, g, m, v []float32, c *AdamCoeffs) {
	n := len(w) &^ 7
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	dec, shr := archsimd.BroadcastFloat32x8(c.Decay), archsimd.BroadcastFloat32x8(c.Shrink)
	b1, ob1 := archsimd.BroadcastFloat32x8(c.Beta1), archsimd.BroadcastFloat32x8(c.OneB1)
	b2, ob2 := archsimd.BroadcastFloat32x8(c.Beta2), archsimd.BroadcastFloat32x8(c.OneB2)
	bc, eps, ns := archsimd.BroadcastFloat32x8(c.BC2Sqrt), archsimd.BroadcastFloat32x8(c.Eps), archsimd.BroadcastFloat32x8(c.NegStep)
	shrink, decay := c.Shrink != 1, c.Decay != 0
	for i := 0; i < n; i += 8 {
		p, d := ld8(at(w, i)), ld8(at(g, i))
		if shrink {
			p = p.Mul(shr)
		}
		if decay {
			d = dec.MulAdd(p, d)
		}
		mi := ob1.MulAdd(d, ld8(at(m, i)).Mul(b1))
		vi := ob2.Mul(d).MulAdd(d, ld8(at(v, i)).Mul(b2))
		st8(mi, at(m, i))
		st8(vi, at(v, i))
		st8(p.Add(ns.Mul(mi).Div(vi.Sqrt().Div(bc).Add(eps))), at(w, i))
	}
	adamPortable(w[n:], g[n:], m[n:], v[n:], c)
}

// adamAVX512 is adamAVX2 with 16-lane vectors.
func adamAVX512(w, g, m, v []float32, c *AdamCoeffs) {
	n := len(w) &^ 15
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	dec, shr := archsimd.BroadcastFloat32x16(c.Decay), archsimd.BroadcastFloat32x16(c.Shrink)
	b1, ob1 := archsimd.BroadcastFloat32x16(c.Beta1), archsimd.BroadcastFloat32x16(c.OneB1)
	b2, ob2 := archsimd.BroadcastFloat32x16(c.Beta2), archsimd.BroadcastFloat32x16(c.OneB2)
	bc, eps, ns := archsimd.BroadcastFloat32x16(c.BC2Sqrt), archsimd.BroadcastFloat32x16(c.Eps), archsimd.BroadcastFloat32x16(c.NegStep)
	shrink, decay := c.Shrink != 1, c.Decay != 0
	for i := 0; i < n; i += 16 {
		p, d := ld16(at(w, i)), ld16(at(g, i))
		if shrink {
			p = p.Mul(shr)
		}
		if decay {
			d = dec.MulAdd(p, d)
		}
		mi := ob1.MulAdd(d, ld16(at(m, i)).Mul(b1))
		vi := ob2.Mul(d).MulAdd(d, ld16(at(v, i)).Mul(b2))
		st16(mi, at(m, i))
		st16(vi, at(v, i))
		st16(p.Add(ns.Mul(mi).Div(vi.Sqrt().Div(bc).Add(eps))), at(w, i))
	}
	adamAVX2(w[n:], g[n:], m[n:], v[n:], c)
}
