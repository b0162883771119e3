//go:build goexperiment.simd

package runtime

import "simd/archsimd"

// F(4×4, 3×3)'s transforms on 16 channels at a time, for the AVX-512 path,
// which runs F(4×4, 3×3) forward where the transformed weights stay small
// (see wino4MaxCK): the same operations in the same order as winoB4 and
// winoA4, which take the channels beyond the last multiple of 16.

func winoB4AVX512(o0, o1, o2, o3, o4, o5, d0, d1, d2, d3, d4, d5 []float32) {
	n := len(o0)
	o1, o2, o3, o4, o5 = o1[:n], o2[:n], o3[:n], o4[:n], o5[:n]
	d0, d1, d2, d3, d4, d5 = d0[:n], d1[:n], d2[:n], d3[:n], d4[:n], d5[:n]
	two, four, five := archsimd.BroadcastFloat32x16(2), archsimd.BroadcastFloat32x16(4), archsimd.BroadcastFloat32x16(5)
	c := 0
	for ; c+16 <= n; c += 16 {
		x0, x1, x2 := ld16(at(d0, c)), ld16(at(d1, c)), ld16(at(d2, c))
		x3, x4, x5 := ld16(at(d3, c)), ld16(at(d4, c)), ld16(at(d5, c))
		a, b := x4.Sub(four.Mul(x2)), x3.Sub(four.Mul(x1))
		e, f := x4.Sub(x2), two.Mul(x3.Sub(x1))
		st16(four.Mul(x0).Sub(five.Mul(x2)).Add(x4), at(o0, c))
		st16(a.Add(b), at(o1, c))
		st16(a.Sub(b), at(o2, c))
		st16(e.Add(f), at(o3, c))
		st16(e.Sub(f), at(o4, c))
		st16(four.Mul(x1).Sub(five.Mul(x3)).Add(x5), at(o5, c))
	}
	if c < n {
		winoB4(o0[c:], o1[c:], o2[c:], o3[c:], o4[c:], o5[c:], d0[c:], d1[c:], d2[c:], d3[c:], d4[c:], d5[c:])
	}
}

func winoA4AVX512(y0, y1, y2, y3, m0, m1, m2, m3, m4, m5, bias []float32, relu bool) {
	n := len(y0)
	y1, y2, y3 = y1[:n], y2[:n], y3[:n]
	m0, m1, m2, m3, m4, m5, bias = m0[:n], m1[:n], m2[:n], m3[:n], m4[:n], m5[:n], bias[:n]
	two, four, eight := archsimd.BroadcastFloat32x16(2), archsimd.BroadcastFloat32x16(4), archsimd.BroadcastFloat32x16(8)
	zero := archsimd.BroadcastFloat32x16(0)
	k := 0
	for ; k+16 <= n; k += 16 {
		x1, x2, x3, x4 := ld16(at(m1, k)), ld16(at(m2, k)), ld16(at(m3, k)), ld16(at(m4, k))
		a, b := x1.Add(x2), x1.Sub(x2)
		c, d := x3.Add(x4), x3.Sub(x4)
		z := ld16(at(bias, k))
		r0 := ld16(at(m0, k)).Add(a).Add(c).Add(z)
		r1 := b.Add(two.Mul(d)).Add(z)
		r2 := a.Add(four.Mul(c)).Add(z)
		r3 := b.Add(eight.Mul(d)).Add(ld16(at(m5, k))).Add(z)
		if relu {
			r0, r1, r2, r3 = r0.Max(zero), r1.Max(zero), r2.Max(zero), r3.Max(zero)
		}
		st16(r0, at(y0, k))
		st16(r1, at(y1, k))
		st16(r2, at(y2, k))
		st16(r3, at(y3, k))
	}
	if k < n {
		winoA4(y0[k:], y1[k:], y2[k:], y3[k:], m0[k:], m1[k:], m2[k:], m3[k:], m4[k:], m5[k:], bias[k:], relu)
	}
}
