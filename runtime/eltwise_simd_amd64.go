//go:build goexperiment.simd

package runtime

import (
	"simd/archsimd"
	"unsafe"
)

// The avx512 and avx2 paths' loops for batchnorm and the elementwise
// steps (see opsSet): 16 (or 8) channels a vector. The AVX-512 loops take
// a last partial group of channels through masked loads and stores; the
// AVX2 ones leave it to the portable loops (a masked store is slow on
// AMD's AVX2). A clamp is two blends, which keep a NaN where Max and Min
// would not (the compiler may swap their operands, and VMAXPS returns its
// second when either is NaN). The sums run channel-group outermost, their
// accumulators in registers down the pixels. Every access has been
// bounded by the caller's check of the buffers.

func init() {
	avx512Kernels.ops = opsSet{scaleShift: scaleShiftAVX512, add: addAVX512,
		sqDev: sqDevAVX512, gradSums: gradSumsAVX512, bnGrad: bnGradAVX512}
	avx2Kernels.ops = opsSet{scaleShift: scaleShiftAVX2, add: addAVX2,
		sqDev: sqDevAVX2, gradSums: gradSumsAVX2, bnGrad: bnGradAVX2}
}

func clamp16(r, lo, hi f16, on bool) f16 {
	if !on {
		return r
	}
	r = lo.Merge(r, r.Less(lo))
	return hi.Merge(r, r.Greater(hi))
}

func clamp8(r, lo, hi f8, on bool) f8 {
	if !on {
		return r
	}
	r = lo.Merge(r, r.Less(lo))
	return hi.Merge(r, r.Greater(hi))
}

func part16(s []float32) f16 { return archsimd.LoadFloat32x16SlicePart(s) }

// run16 is the part of run p (stride st) of s in channels [i, n): a
// last partial group.
func run16(s []float32, p, st, i, n int) []float32 { return s[p*st+i : p*st+n] }

func scaleShiftAVX512(out, in, scale, shift []float32, count, os, is int, lo, hi float32) {
	n := len(scale)
	out, in, shift = out[:(count-1)*os+n], in[:(count-1)*is+n], shift[:n]
	vlo, vhi, on := archsimd.BroadcastFloat32x16(lo), archsimd.BroadcastFloat32x16(hi), clamps(lo, hi)
	v := n &^ 15
	for p := range count {
		o, x := p*os, p*is
		for i := 0; i < v; i += 16 {
			r := ld16(at(in, x+i)).MulAdd(ld16(at(scale, i)), ld16(at(shift, i)))
			st16(clamp16(r, vlo, vhi, on), at(out, o+i))
		}
		if v < n {
			r := part16(in[x+v:x+n]).MulAdd(part16(scale[v:]), part16(shift[v:]))
			clamp16(r, vlo, vhi, on).StoreSlicePart(out[o+v : o+n])
		}
	}
}

func addAVX512(out, a, b []float32, n, count, os, as, bs int, lo, hi float32) {
	out, a, b = out[:(count-1)*os+n], a[:(count-1)*as+n], b[:(count-1)*bs+n]
	vlo, vhi, on := archsimd.BroadcastFloat32x16(lo), archsimd.BroadcastFloat32x16(hi), clamps(lo, hi)
	v := n &^ 15
	for p := range count {
		o, x, y := p*os, p*as, p*bs
		for i := 0; i < v; i += 16 {
			st16(clamp16(ld16(at(a, x+i)).Add(ld16(at(b, y+i))), vlo, vhi, on), at(out, o+i))
		}
		if v < n {
			r := part16(a[x+v : x+n]).Add(part16(b[y+v : y+n]))
			clamp16(r, vlo, vhi, on).StoreSlicePart(out[o+v : o+n])
		}
	}
}

func sqDevAVX512(acc, x, mean []float32, count, xs int) {
	n := len(mean)
	acc, x = acc[:n], x[:(count-1)*xs+n]
	v := n &^ 15
	for i := 0; i < v; i += 16 {
		s, m, px := ld16(at(acc, i)), ld16(at(mean, i)), at(x, i)
		for range count {
			d := ld16(px).Sub(m)
			s = d.MulAdd(d, s)
			px = unsafe.Add(px, xs*4)
		}
		st16(s, at(acc, i))
	}
	if v < n {
		s, m := part16(acc[v:]), part16(mean[v:])
		for p := range count {
			d := part16(run16(x, p, xs, v, n)).Sub(m)
			s = d.MulAdd(d, s)
		}
		s.StoreSlicePart(acc[v:])
	}
}

// masked16 is d where lo < y < hi, else 0, read at py when mask is set.
func masked16(d f16, py unsafe.Pointer, lo, hi f16, mask bool) f16 {
	if !mask {
		return d
	}
	y := ld16(py)
	return d.Masked(y.Greater(lo).And(y.Less(hi)))
}

func gradSumsAVX512(sdy, sdyx, x, d, y, mean []float32, count, xs, ds, ys int, lo, hi float32) {
	n := len(mean)
	sdy, sdyx, x, d = sdy[:n], sdyx[:n], x[:(count-1)*xs+n], d[:(count-1)*ds+n]
	mask := y != nil
	if mask {
		y = y[:(count-1)*ys+n]
	}
	vlo, vhi := archsimd.BroadcastFloat32x16(lo), archsimd.BroadcastFloat32x16(hi)
	v := n &^ 15
	for i := 0; i < v; i += 16 {
		s1, s2, m := ld16(at(sdy, i)), ld16(at(sdyx, i)), ld16(at(mean, i))
		px, pd, py := at(x, i), at(d, i), unsafe.Pointer(nil)
		if mask {
			py = at(y, i)
		}
		for range count {
			dv := masked16(ld16(pd), py, vlo, vhi, mask)
			s1 = s1.Add(dv)
			s2 = dv.MulAdd(ld16(px).Sub(m), s2)
			px, pd = unsafe.Add(px, xs*4), unsafe.Add(pd, ds*4)
			if mask {
				py = unsafe.Add(py, ys*4)
			}
		}
		st16(s1, at(sdy, i))
		st16(s2, at(sdyx, i))
	}
	if v < n {
		s1, s2, m := part16(sdy[v:]), part16(sdyx[v:]), part16(mean[v:])
		for p := range count {
			dv := part16(run16(d, p, ds, v, n))
			if mask {
				yv := part16(run16(y, p, ys, v, n))
				dv = dv.Masked(yv.Greater(vlo).And(yv.Less(vhi)))
			}
			s1 = s1.Add(dv)
			s2 = dv.MulAdd(part16(run16(x, p, xs, v, n)).Sub(m), s2)
		}
		s1.StoreSlicePart(sdy[v:])
		s2.StoreSlicePart(sdyx[v:])
	}
}

func bnGradAVX512(out, d, x, y, k []float32, n, count, os, ds, xs, ys int, lo, hi float32, acc bool) {
	out, d, x, k = out[:(count-1)*os+n], d[:(count-1)*ds+n], x[:(count-1)*xs+n], k[:4*bnChunk]
	mask := y != nil
	if mask {
		y = y[:(count-1)*ys+n]
	}
	vlo, vhi := archsimd.BroadcastFloat32x16(lo), archsimd.BroadcastFloat32x16(hi)
	v := n &^ 15
	for i := 0; i < v; i += 16 {
		m, a, b, e := ld16(at(k, i)), ld16(at(k, bnChunk+i)), ld16(at(k, 2*bnChunk+i)), ld16(at(k, 3*bnChunk+i))
		po, px, pd, py := at(out, i), at(x, i), at(d, i), unsafe.Pointer(nil)
		if mask {
			py = at(y, i)
		}
		for range count {
			r := masked16(ld16(pd), py, vlo, vhi, mask).MulAdd(a, e)
			r = ld16(px).Sub(m).MulAdd(b, r)
			if acc {
				r = r.Add(ld16(po))
			}
			st16(r, po)
			po, px, pd = unsafe.Add(po, os*4), unsafe.Add(px, xs*4), unsafe.Add(pd, ds*4)
			if mask {
				py = unsafe.Add(py, ys*4)
			}
		}
	}
	if v < n {
		m, a, b, e := part16(k[v:n]), part16(k[bnChunk+v:bnChunk+n]), part16(k[2*bnChunk+v:2*bnChunk+n]), part16(k[3*bnChunk+v:3*bnChunk+n])
		for p := range count {
			dv := part16(run16(d, p, ds, v, n))
			if mask {
				yv := part16(run16(y, p, ys, v, n))
				dv = dv.Masked(yv.Greater(vlo).And(yv.Less(vhi)))
			}
			r := dv.MulAdd(a, e)
			r = part16(run16(x, p, xs, v, n)).Sub(m).MulAdd(b, r)
			o := run16(out, p, os, v, n)
			if acc {
				r = r.Add(part16(o))
			}
			r.StoreSlicePart(o)
		}
	}
}

func scaleShiftAVX2(out, in, scale, shift []float32, count, os, is int, lo, hi float32) {
	n := len(scale)
	out, in, shift = out[:(count-1)*os+n], in[:(count-1)*is+n], shift[:n]
	vlo, vhi, on := archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi), clamps(lo, hi)
	v := n &^ 7
	for p := range count {
		o, x := p*os, p*is
		for i := 0; i < v; i += 8 {
			r := ld8(at(in, x+i)).MulAdd(ld8(at(scale, i)), ld8(at(shift, i)))
			st8(clamp8(r, vlo, vhi, on), at(out, o+i))
		}
		for i := v; i < n; i++ {
			out[o+i] = clampf(in[x+i]*scale[i]+shift[i], lo, hi)
		}
	}
}

func addAVX2(out, a, b []float32, n, count, os, as, bs int, lo, hi float32) {
	out, a, b = out[:(count-1)*os+n], a[:(count-1)*as+n], b[:(count-1)*bs+n]
	vlo, vhi, on := archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi), clamps(lo, hi)
	v := n &^ 7
	for p := range count {
		o, x, y := p*os, p*as, p*bs
		for i := 0; i < v; i += 8 {
			st8(clamp8(ld8(at(a, x+i)).Add(ld8(at(b, y+i))), vlo, vhi, on), at(out, o+i))
		}
		for i := v; i < n; i++ {
			out[o+i] = clampf(a[x+i]+b[y+i], lo, hi)
		}
	}
}

func sqDevAVX2(acc, x, mean []float32, count, xs int) {
	n := len(mean)
	acc, x = acc[:n], x[:(count-1)*xs+n]
	v := n &^ 7
	for i := 0; i < v; i += 8 {
		s, m, px := ld8(at(acc, i)), ld8(at(mean, i)), at(x, i)
		for range count {
			d := ld8(px).Sub(m)
			s = d.MulAdd(d, s)
			px = unsafe.Add(px, xs*4)
		}
		st8(s, at(acc, i))
	}
	if v < n {
		sqDevPortable(acc[v:], x[v:], mean[v:], count, xs)
	}
}

func masked8(d f8, py unsafe.Pointer, lo, hi f8, mask bool) f8 {
	if !mask {
		return d
	}
	y := ld8(py)
	return d.Masked(y.Greater(lo).And(y.Less(hi)))
}

func gradSumsAVX2(sdy, sdyx, x, d, y, mean []float32, count, xs, ds, ys int, lo, hi float32) {
	n := len(mean)
	sdy, sdyx, x, d = sdy[:n], sdyx[:n], x[:(count-1)*xs+n], d[:(count-1)*ds+n]
	mask := y != nil
	if mask {
		y = y[:(count-1)*ys+n]
	}
	vlo, vhi := archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi)
	v := n &^ 7
	for i := 0; i < v; i += 8 {
		s1, s2, m := ld8(at(sdy, i)), ld8(at(sdyx, i)), ld8(at(mean, i))
		px, pd, py := at(x, i), at(d, i), unsafe.Pointer(nil)
		if mask {
			py = at(y, i)
		}
		for range count {
			dv := masked8(ld8(pd), py, vlo, vhi, mask)
			s1 = s1.Add(dv)
			s2 = dv.MulAdd(ld8(px).Sub(m), s2)
			px, pd = unsafe.Add(px, xs*4), unsafe.Add(pd, ds*4)
			if mask {
				py = unsafe.Add(py, ys*4)
			}
		}
		st8(s1, at(sdy, i))
		st8(s2, at(sdyx, i))
	}
	if v < n {
		if mask {
			y = y[v:]
		}
		gradSumsPortable(sdy[v:], sdyx[v:], x[v:], d[v:], y, mean[v:], count, xs, ds, ys, lo, hi)
	}
}

func bnGradAVX2(out, d, x, y, k []float32, n, count, os, ds, xs, ys int, lo, hi float32, acc bool) {
	out, d, x, k = out[:(count-1)*os+n], d[:(count-1)*ds+n], x[:(count-1)*xs+n], k[:4*bnChunk]
	mask := y != nil
	if mask {
		y = y[:(count-1)*ys+n]
	}
	vlo, vhi := archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi)
	v := n &^ 7
	for i := 0; i < v; i += 8 {
		m, a, b, e := ld8(at(k, i)), ld8(at(k, bnChunk+i)), ld8(at(k, 2*bnChunk+i)), ld8(at(k, 3*bnChunk+i))
		po, px, pd, py := at(out, i), at(x, i), at(d, i), unsafe.Pointer(nil)
		if mask {
			py = at(y, i)
		}
		for range count {
			r := masked8(ld8(pd), py, vlo, vhi, mask).MulAdd(a, e)
			r = ld8(px).Sub(m).MulAdd(b, r)
			if acc {
				r = r.Add(ld8(po))
			}
			st8(r, po)
			po, px, pd = unsafe.Add(po, os*4), unsafe.Add(px, xs*4), unsafe.Add(pd, ds*4)
			if mask {
				py = unsafe.Add(py, ys*4)
			}
		}
	}
	if v < n {
		if mask {
			y = y[v:]
		}
		bnGradPortable(out[v:], d[v:], x[v:], y, k[v:], n-v, count, os, ds, xs, ys, lo, hi, acc)
	}
}
