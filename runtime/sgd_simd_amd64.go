//go:build goexperiment.simd

package runtime

import "simd/archsimd"

func init() {
	avx2Kernels.sgd = sgdAVX2
	avx512Kernels.sgd = sgdAVX512
}

// sgdAVX2 is SGDStep's loop with 8-lane vectors, the rest in Go; both
// round alike (no fused multiply-add).
func sgdAVX2(w, g, v []float32, c sgdCoeffs) {
	n := len(w) &^ 7
	g = g[:len(w)]
	lr, mom, wd := archsimd.BroadcastFloat32x8(c.LR), archsimd.BroadcastFloat32x8(c.Momentum), archsimd.BroadcastFloat32x8(c.WeightDecay)
	switch {
	case c.Momentum == 0:
		for i := 0; i < n; i += 8 {
			p := ld8(at(w, i))
			d := ld8(at(g, i)).Add(wd.Mul(p))
			st8(p.Sub(lr.Mul(d)), at(w, i))
		}
	case c.First:
		v = v[:len(w)]
		for i := 0; i < n; i += 8 {
			p := ld8(at(w, i))
			d := ld8(at(g, i)).Add(wd.Mul(p))
			st8(d, at(v, i))
			st8(p.Sub(lr.Mul(d)), at(w, i))
		}
	default:
		v = v[:len(w)]
		for i := 0; i < n; i += 8 {
			p := ld8(at(w, i))
			d := mom.Mul(ld8(at(v, i))).Add(ld8(at(g, i)).Add(wd.Mul(p)))
			st8(d, at(v, i))
			st8(p.Sub(lr.Mul(d)), at(w, i))
		}
	}
	if c.Momentum == 0 {
		v = nil
	} else {
		v = v[n:]
	}
	sgdPortable(w[n:], g[n:], v, c)
}

// sgdAVX512 is sgdAVX2 with 16-lane vectors.
func sgdAVX512(w, g, v []float32, c sgdCoeffs) {
	n := len(w) &^ 15
	g = g[:len(w)]
	lr, mom, wd := archsimd.BroadcastFloat32x16(c.LR), archsimd.BroadcastFloat32x16(c.Momentum), archsimd.BroadcastFloat32x16(c.WeightDecay)
	switch {
	case c.Momentum == 0:
		for i := 0; i < n; i += 16 {
			p := ld16(at(w, i))
			d := ld16(at(g, i)).Add(wd.Mul(p))
			st16(p.Sub(lr.Mul(d)), at(w, i))
		}
	case c.First:
		v = v[:len(w)]
		for i := 0; i < n; i += 16 {
			p := ld16(at(w, i))
			d := ld16(at(g, i)).Add(wd.Mul(p))
			st16(d, at(v, i))
			st16(p.Sub(lr.Mul(d)), at(w, i))
		}
	default:
		v = v[:len(w)]
		for i := 0; i < n; i += 16 {
			p := ld16(at(w, i))
			d := mom.Mul(ld16(at(v, i))).Add(ld16(at(g, i)).Add(wd.Mul(p)))
			st16(d, at(v, i))
			st16(p.Sub(lr.Mul(d)), at(w, i))
		}
	}
	if c.Momentum == 0 {
		v = nil
	} else {
		v = v[n:]
	}
	sgdPortable(w[n:], g[n:], v, c)
}
