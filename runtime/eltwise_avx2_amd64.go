//go:build goexperiment.simd

package runtime

import (
	"simd/archsimd"
	"unsafe"
)

// The avx2 path's loops for batchnorm and the elementwise steps, as the
// avx512 path's (eltwise_avx512_amd64.go) with 8 channels a vector; they
// leave the channels past the last multiple of 8 to the portable loops (a
// masked store is slow on AMD's AVX2).

func init() {
	avx2Kernels.ops = opsSet{scaleShift: scaleShiftAVX2, add: addAVX2,
		sqDev: sqDevAVX2, gradSums: gradSumsAVX2, bnGrad: bnGradAVX2}
}

func clamp8(r, lo, hi f8, on bool) f8 {
	if !on {
		return r
	}
	r = lo.Merge(r, r.Less(lo))
	return hi.Merge(r, r.Greater(hi))
}

func scaleShiftAVX2(out, in, scale, shift []float32, count, os, is int, lo, hi float32) {
	n := len(scale)
	out, in, shift = out[:(count-1)*os+n], in[:(count-1)*is+n], shift[:n]
	vlo, vhi, on := archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi), clamps(lo, hi)
	v := n &^ 7
	if v == n {
		scaleShift8(at(out, 0), at(in, 0), at(scale, 0), at(shift, 0), v/8, count, os*4, is*4, vlo, vhi, on)
		return
	}
	for p := range count {
		o, x := p*os, p*is
		if v > 0 {
			scaleShift8(at(out, o), at(in, x), at(scale, 0), at(shift, 0), v/8, 1, 0, 0, vlo, vhi, on)
		}
		for i := v; i < n; i++ {
			out[o+i] = clampf(in[x+i]*scale[i]+shift[i], lo, hi)
		}
	}
}

// scaleShift8 is scaleShift16's twin: count pixels of groups of 8.
func scaleShift8(o, x, sc, sh unsafe.Pointer, groups, count, os, is int, lo, hi f8, on bool) {
	for range count {
		po, px, psc, psh := o, x, sc, sh
		for range groups {
			st8(clamp8(ld8(px).MulAdd(ld8(psc), ld8(psh)), lo, hi, on), po)
			po, px, psc, psh = unsafe.Add(po, 32), unsafe.Add(px, 32), unsafe.Add(psc, 32), unsafe.Add(psh, 32)
		}
		o, x = unsafe.Add(o, os), unsafe.Add(x, is)
	}
}

func addAVX2(out, a, b []float32, n, count, os, as, bs int, lo, hi float32) {
	out, a, b = out[:(count-1)*os+n], a[:(count-1)*as+n], b[:(count-1)*bs+n]
	vlo, vhi, on := archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi), clamps(lo, hi)
	v := n &^ 7
	for p := range count {
		o, x, y := p*os, p*as, p*bs
		if v > 0 {
			add8(at(out, o), at(a, x), at(b, y), v/8, vlo, vhi, on)
		}
		for i := v; i < n; i++ {
			out[o+i] = clampf(a[x+i]+b[y+i], lo, hi)
		}
	}
}

func add8(o, a, b unsafe.Pointer, groups int, lo, hi f8, on bool) {
	for range groups {
		st8(clamp8(ld8(a).Add(ld8(b)), lo, hi, on), o)
		o, a, b = unsafe.Add(o, 32), unsafe.Add(a, 32), unsafe.Add(b, 32)
	}
}

func sqDevAVX2(acc, x, mean []float32, count, xs int) {
	n := len(mean)
	acc, x = acc[:n], x[:(count-1)*xs+n]
	v := n &^ 7
	for i := 0; i < v; i += 8 {
		sqDev8(at(acc, i), at(mean, i), at(x, i), count, xs*4)
	}
	if v < n {
		sqDevPortable(acc[v:], x[v:], mean[v:], count, xs)
	}
}

func sqDev8(acc, mean, px unsafe.Pointer, count, xs int) {
	s, m := ld8(acc), ld8(mean)
	for range count {
		d := ld8(px).Sub(m)
		s = d.MulAdd(d, s)
		px = unsafe.Add(px, xs)
	}
	st8(s, acc)
}

//go:noinline
func gradSums8(sdy, sdyx, mean, px, pd, py unsafe.Pointer, count, xs, ds, ys int, lo, hi f8) {
	s1, s2, m := ld8(sdy), ld8(sdyx), ld8(mean)
	if py == nil {
		for range count {
			dv := ld8(pd)
			s1 = s1.Add(dv)
			s2 = dv.MulAdd(ld8(px).Sub(m), s2)
			px, pd = unsafe.Add(px, xs), unsafe.Add(pd, ds)
		}
	} else {
		for range count {
			y := ld8(py)
			dv := ld8(pd).Masked(y.Greater(lo).And(y.Less(hi)))
			s1 = s1.Add(dv)
			s2 = dv.MulAdd(ld8(px).Sub(m), s2)
			px, pd, py = unsafe.Add(px, xs), unsafe.Add(pd, ds), unsafe.Add(py, ys)
		}
	}
	st8(s1, sdy)
	st8(s2, sdyx)
}

func gradSumsAVX2(sdy, sdyx, x, d, y, mean []float32, count, xs, ds, ys int, lo, hi float32) {
	n := len(mean)
	sdy, sdyx, x, d = sdy[:n], sdyx[:n], x[:(count-1)*xs+n], d[:(count-1)*ds+n]
	y = boundRuns(y, count, ys, n)
	vlo, vhi := archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi)
	v := n &^ 7
	for i := 0; i < v; i += 8 {
		py := atOrNil(y, i)
		gradSums8(at(sdy, i), at(sdyx, i), at(mean, i), at(x, i), at(d, i), py, count, xs*4, ds*4, ys*4, vlo, vhi)
	}
	if v < n {
		if y != nil {
			y = y[v:]
		}
		gradSumsPortable(sdy[v:], sdyx[v:], x[v:], d[v:], y, mean[v:], count, xs, ds, ys, lo, hi)
	}
}

// bnGrad8 is bnGrad16's twin: count pixels of groups of 8.
//
//go:noinline
func bnGrad8(po, px, pd, py, k unsafe.Pointer, groups, count, os, xs, ds, ys int, lo, hi f8, acc bool) {
	for range count {
		o, x, d, y, c := po, px, pd, py, k
		for range groups {
			dv := ld8(d)
			if y != nil {
				yv := ld8(y)
				dv = dv.Masked(yv.Greater(lo).And(yv.Less(hi)))
				y = unsafe.Add(y, 32)
			}
			r := dv.MulAdd(ld8(unsafe.Add(c, 4*bnChunk)), ld8(unsafe.Add(c, 12*bnChunk)))
			r = ld8(x).Sub(ld8(c)).MulAdd(ld8(unsafe.Add(c, 8*bnChunk)), r)
			if acc {
				r = r.Add(ld8(o))
			}
			st8(r, o)
			o, x, d, c = unsafe.Add(o, 32), unsafe.Add(x, 32), unsafe.Add(d, 32), unsafe.Add(c, 32)
		}
		po, px, pd = unsafe.Add(po, os), unsafe.Add(px, xs), unsafe.Add(pd, ds)
		if py != nil {
			py = unsafe.Add(py, ys)
		}
	}
}

func bnGradAVX2(out, d, x, y, k []float32, n, count, os, ds, xs, ys int, lo, hi float32, acc bool) {
	out, d, x, k = out[:(count-1)*os+n], d[:(count-1)*ds+n], x[:(count-1)*xs+n], k[:4*bnChunk]
	y = boundRuns(y, count, ys, n)
	v := n &^ 7
	if v > 0 {
		bnGrad8(at(out, 0), at(x, 0), at(d, 0), atOrNil(y, 0), at(k, 0), v/8, count, os*4, xs*4, ds*4, ys*4,
			archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi), acc)
	}
	if v < n {
		if y != nil {
			y = y[v:]
		}
		bnGradPortable(out[v:], d[v:], x[v:], y, k[v:], n-v, count, os, ds, xs, ys, lo, hi, acc)
	}
}
