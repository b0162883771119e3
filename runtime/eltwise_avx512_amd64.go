//go:build goexperiment.simd

package runtime

import (
	"simd/archsimd"
	"unsafe"
)

// The avx512 path's loops for batchnorm and the elementwise steps (see
// opsSet): 16 channels a vector, a last group of 8 on the AVX2 loops, and
// fewer through masked loads and stores. A clamp is two blends, which
// keep a NaN where Max and Min would not (the compiler may swap their
// operands, and VMAXPS returns its second when either is NaN). The sums
// run channel-group outermost, their accumulators in registers down the
// pixels. Every access has been bounded by the caller's check of the
// buffers.

func init() {
	avx512Kernels.ops = opsSet{scaleShift: scaleShiftAVX512, add: addAVX512,
		sqDev: sqDevAVX512, gradSums: gradSumsAVX512, bnGrad: bnGradAVX512}
}

// clamp16 and clamp8 clamp r to [lo, hi] when on, a NaN kept.
func clamp16(r, lo, hi f16, on bool) f16 {
	if !on {
		return r
	}
	r = lo.Merge(r, r.Less(lo))
	return hi.Merge(r, r.Greater(hi))
}

// tail16 splits n channels for the AVX-512 loops: groups of 16 up to v,
// one group of 8 (with the AVX2 loops) up to w, then fewer than 8 through
// masked loads and stores, slower.
func tail16(n int) (v, w int) {
	v = n &^ 15
	if n-v >= 8 {
		return v, v + 8
	}
	return v, v
}

// boundRuns is s cut to count runs of n values st apart, the bounds
// checked once (nil stays nil).
func boundRuns(s []float32, count, st, n int) []float32 {
	if s == nil {
		return nil
	}
	return s[:(count-1)*st+n]
}

// atOrNil is at(s, i), or nil for a nil s.
func atOrNil(s []float32, i int) unsafe.Pointer {
	if s == nil {
		return nil
	}
	return at(s, i)
}

// gradPart16 is the gradient of run p in channels [v, n) (a last partial
// group), masked by y where y is not nil.
func gradPart16(d, y []float32, p, ds, ys, v, n int, lo, hi f16) f16 {
	dv := part16(run16(d, p, ds, v, n))
	if y != nil {
		yv := part16(run16(y, p, ys, v, n))
		dv = dv.Masked(yv.Greater(lo).And(yv.Less(hi)))
	}
	return dv
}

func part16(s []float32) f16 { return archsimd.LoadFloat32x16SlicePart(s) }

// run16 is the part of run p (stride st) of s in channels [i, n): a
// last partial group.
func run16(s []float32, p, st, i, n int) []float32 { return s[p*st+i : p*st+n] }

func scaleShiftAVX512(out, in, scale, shift []float32, count, os, is int, lo, hi float32) {
	n := len(scale)
	out, in, shift = out[:(count-1)*os+n], in[:(count-1)*is+n], shift[:n]
	vlo, vhi, on := archsimd.BroadcastFloat32x16(lo), archsimd.BroadcastFloat32x16(hi), clamps(lo, hi)
	lo8, hi8 := archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi)
	v, w := tail16(n)
	if w == n {
		// No masked tail: every pixel in one call.
		scaleShift16(at(out, 0), at(in, 0), at(scale, 0), at(shift, 0), v/16, w > v, count, os*4, is*4, vlo, vhi, lo8, hi8, on)
		return
	}
	for p := range count {
		o, x := p*os, p*is
		scaleShift16(at(out, o), at(in, x), at(scale, 0), at(shift, 0), v/16, w > v, 1, 0, 0, vlo, vhi, lo8, hi8, on)
		r := part16(in[x+w:x+n]).MulAdd(part16(scale[w:]), part16(shift[w:]))
		clamp16(r, vlo, vhi, on).StoreSlicePart(out[o+w : o+n])
	}
}

// scaleShift16 runs count pixels (strides in bytes) of groups of 16
// channels and, if eight, one group of 8 after them, pointers walking: few
// live values, so that the loops keep them all in registers.
func scaleShift16(o, x, sc, sh unsafe.Pointer, groups int, eight bool, count, os, is int, lo, hi f16, lo8, hi8 f8, on bool) {
	for range count {
		po, px, psc, psh := o, x, sc, sh
		for range groups {
			st16(clamp16(ld16(px).MulAdd(ld16(psc), ld16(psh)), lo, hi, on), po)
			po, px, psc, psh = unsafe.Add(po, 64), unsafe.Add(px, 64), unsafe.Add(psc, 64), unsafe.Add(psh, 64)
		}
		if eight {
			st8(clamp8(ld8(px).MulAdd(ld8(psc), ld8(psh)), lo8, hi8, on), po)
		}
		o, x = unsafe.Add(o, os), unsafe.Add(x, is)
	}
}

func addAVX512(out, a, b []float32, n, count, os, as, bs int, lo, hi float32) {
	out, a, b = out[:(count-1)*os+n], a[:(count-1)*as+n], b[:(count-1)*bs+n]
	vlo, vhi, on := archsimd.BroadcastFloat32x16(lo), archsimd.BroadcastFloat32x16(hi), clamps(lo, hi)
	lo8, hi8 := archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi)
	v, w := tail16(n)
	for p := range count {
		o, x, y := p*os, p*as, p*bs
		if v > 0 {
			add16(at(out, o), at(a, x), at(b, y), v/16, vlo, vhi, on)
		}
		if w > v {
			add8(at(out, o+v), at(a, x+v), at(b, y+v), 1, lo8, hi8, on)
		}
		if w < n {
			r := part16(a[x+w : x+n]).Add(part16(b[y+w : y+n]))
			clamp16(r, vlo, vhi, on).StoreSlicePart(out[o+w : o+n])
		}
	}
}

func add16(o, a, b unsafe.Pointer, groups int, lo, hi f16, on bool) {
	for range groups {
		st16(clamp16(ld16(a).Add(ld16(b)), lo, hi, on), o)
		o, a, b = unsafe.Add(o, 64), unsafe.Add(a, 64), unsafe.Add(b, 64)
	}
}

func sqDevAVX512(acc, x, mean []float32, count, xs int) {
	n := len(mean)
	acc, x = acc[:n], x[:(count-1)*xs+n]
	v, w := tail16(n)
	for i := 0; i < v; i += 16 {
		sqDev16(at(acc, i), at(mean, i), at(x, i), count, xs*4)
	}
	if w > v {
		sqDev8(at(acc, v), at(mean, v), at(x, v), count, xs*4)
	}
	if v = w; v < n {
		s, m := part16(acc[v:]), part16(mean[v:])
		for p := range count {
			d := part16(run16(x, p, xs, v, n)).Sub(m)
			s = d.MulAdd(d, s)
		}
		s.StoreSlicePart(acc[v:])
	}
}

// sqDev16, gradSums16 and bnGrad16 run one group of 16 channels down
// count pixels (strides in bytes): small functions whose loops keep every
// value in registers. The masked ones (and their AVX2 twins) are not
// inlined: inlined into their callers, Go 1.26.8's SIMD experiment
// compiles the masked load into an invalid VPTERNLOGD and the build fails.
func sqDev16(acc, mean, px unsafe.Pointer, count, xs int) {
	s, m := ld16(acc), ld16(mean)
	for range count {
		d := ld16(px).Sub(m)
		s = d.MulAdd(d, s)
		px = unsafe.Add(px, xs)
	}
	st16(s, acc)
}

//go:noinline
func gradSums16(sdy, sdyx, mean, px, pd, py unsafe.Pointer, count, xs, ds, ys int, lo, hi f16) {
	s1, s2, m := ld16(sdy), ld16(sdyx), ld16(mean)
	if py == nil {
		for range count {
			dv := ld16(pd)
			s1 = s1.Add(dv)
			s2 = dv.MulAdd(ld16(px).Sub(m), s2)
			px, pd = unsafe.Add(px, xs), unsafe.Add(pd, ds)
		}
	} else {
		for range count {
			y := ld16(py)
			dv := ld16(pd).Masked(y.Greater(lo).And(y.Less(hi)))
			s1 = s1.Add(dv)
			s2 = dv.MulAdd(ld16(px).Sub(m), s2)
			px, pd, py = unsafe.Add(px, xs), unsafe.Add(pd, ds), unsafe.Add(py, ys)
		}
	}
	st16(s1, sdy)
	st16(s2, sdyx)
}

func gradSumsAVX512(sdy, sdyx, x, d, y, mean []float32, count, xs, ds, ys int, lo, hi float32) {
	n := len(mean)
	sdy, sdyx, x, d = sdy[:n], sdyx[:n], x[:(count-1)*xs+n], d[:(count-1)*ds+n]
	y = boundRuns(y, count, ys, n)
	vlo, vhi := archsimd.BroadcastFloat32x16(lo), archsimd.BroadcastFloat32x16(hi)
	v, w := tail16(n)
	for i := 0; i < w; i += 16 {
		py := atOrNil(y, i)
		if i < v {
			gradSums16(at(sdy, i), at(sdyx, i), at(mean, i), at(x, i), at(d, i), py, count, xs*4, ds*4, ys*4, vlo, vhi)
		} else {
			gradSums8(at(sdy, i), at(sdyx, i), at(mean, i), at(x, i), at(d, i), py, count, xs*4, ds*4, ys*4,
				archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi))
		}
	}
	if v = w; v < n {
		s1, s2, m := part16(sdy[v:]), part16(sdyx[v:]), part16(mean[v:])
		for p := range count {
			dv := gradPart16(d, y, p, ds, ys, v, n, vlo, vhi)
			s1 = s1.Add(dv)
			s2 = dv.MulAdd(part16(run16(x, p, xs, v, n)).Sub(m), s2)
		}
		s1.StoreSlicePart(sdy[v:])
		s2.StoreSlicePart(sdyx[v:])
	}
}

// bnGrad16 runs count pixels (strides in bytes) of groups of 16
// channels, pixel by pixel so that the outputs stream in order (not
// channel-group outermost as the sums: nothing to keep in registers); k
// points at the first group's mean, a, b and e follow bnChunk values
// apart.
//
//go:noinline
func bnGrad16(po, px, pd, py, k unsafe.Pointer, groups, count, os, xs, ds, ys int, lo, hi f16, acc bool) {
	for range count {
		o, x, d, y, c := po, px, pd, py, k
		for range groups {
			dv := ld16(d)
			if y != nil {
				yv := ld16(y)
				dv = dv.Masked(yv.Greater(lo).And(yv.Less(hi)))
				y = unsafe.Add(y, 64)
			}
			r := dv.MulAdd(ld16(unsafe.Add(c, 4*bnChunk)), ld16(unsafe.Add(c, 12*bnChunk)))
			r = ld16(x).Sub(ld16(c)).MulAdd(ld16(unsafe.Add(c, 8*bnChunk)), r)
			if acc {
				r = r.Add(ld16(o))
			}
			st16(r, o)
			o, x, d, c = unsafe.Add(o, 64), unsafe.Add(x, 64), unsafe.Add(d, 64), unsafe.Add(c, 64)
		}
		po, px, pd = unsafe.Add(po, os), unsafe.Add(px, xs), unsafe.Add(pd, ds)
		if py != nil {
			py = unsafe.Add(py, ys)
		}
	}
}

func bnGradAVX512(out, d, x, y, k []float32, n, count, os, ds, xs, ys int, lo, hi float32, acc bool) {
	out, d, x, k = out[:(count-1)*os+n], d[:(count-1)*ds+n], x[:(count-1)*xs+n], k[:4*bnChunk]
	y = boundRuns(y, count, ys, n)
	vlo, vhi := archsimd.BroadcastFloat32x16(lo), archsimd.BroadcastFloat32x16(hi)
	v, w := tail16(n)
	if v > 0 {
		bnGrad16(at(out, 0), at(x, 0), at(d, 0), atOrNil(y, 0), at(k, 0), v/16, count, os*4, xs*4, ds*4, ys*4, vlo, vhi, acc)
	}
	if w > v {
		bnGrad8(at(out, v), at(x, v), at(d, v), atOrNil(y, v), at(k, v), 1, count, os*4, xs*4, ds*4, ys*4,
			archsimd.BroadcastFloat32x8(lo), archsimd.BroadcastFloat32x8(hi), acc)
	}
	if v = w; v < n {
		m, a, b, e := part16(k[v:n]), part16(k[bnChunk+v:bnChunk+n]), part16(k[2*bnChunk+v:2*bnChunk+n]), part16(k[3*bnChunk+v:3*bnChunk+n])
		for p := range count {
			dv := gradPart16(d, y, p, ds, ys, v, n, vlo, vhi)
			r := part16(run16(x, p, xs, v, n)).Sub(m).MulAdd(b, dv.MulAdd(a, e))
			o := run16(out, p, os, v, n)
			if acc {
				r = r.Add(part16(o))
			}
			r.StoreSlicePart(o)
		}
	}
}
