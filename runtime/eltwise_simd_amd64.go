//go:build goexperiment.simd

package runtime

import (
	"simd/archsimd"
)

// The avx512 and avx2 paths' loops for batchnorm and the elementwise
// steps: 16 (or 8) values a vector, a run's last few through a partial
// load and store. A relu sets the values ≤ 0 to 0, a blend that keeps a
// NaN, where Max would not (the compiler may swap Max's operands, and
// VMAXPS returns its second when either is NaN).

func init() {
	avx512Kernels.ops = opsSet{scaleShift: scaleShiftAVX512, add: addAVX512}
	avx2Kernels.ops = opsSet{scaleShift: scaleShiftAVX2, add: addAVX2}
}

// relu16 and relu8 are max(r, 0) with a NaN kept, when relu is set.
func relu16(r f16, relu bool) f16 {
	if !relu {
		return r
	}
	var z f16
	return z.Merge(r, r.LessEqual(z))
}

func relu8(r f8, relu bool) f8 {
	if !relu {
		return r
	}
	var z f8
	return z.Merge(r, r.LessEqual(z))
}

func scaleShiftAVX512(out, in, scale, shift []float32, count, os, is int, relu bool) {
	n := len(scale)
	// The bounds, checked once: the loops below stay within them.
	out, in, shift = out[:(count-1)*os+n], in[:(count-1)*is+n], shift[:n]
	v := n &^ 15
	for p := range count {
		o, x := p*os, p*is
		for i := 0; i < v; i += 16 {
			r := ld16(at(in, x+i)).MulAdd(ld16(at(scale, i)), ld16(at(shift, i)))
			st16(relu16(r, relu), at(out, o+i))
		}
		if v < n {
			r := archsimd.LoadFloat32x16SlicePart(in[x+v:x+n]).MulAdd(
				archsimd.LoadFloat32x16SlicePart(scale[v:]), archsimd.LoadFloat32x16SlicePart(shift[v:]))
			relu16(r, relu).StoreSlicePart(out[o+v : o+n])
		}
	}
}

func addAVX512(out, a, b []float32, n, count, os, as, bs int, relu bool) {
	out, a, b = out[:(count-1)*os+n], a[:(count-1)*as+n], b[:(count-1)*bs+n]
	v := n &^ 15
	for p := range count {
		o, x, y := p*os, p*as, p*bs
		for i := 0; i < v; i += 16 {
			st16(relu16(ld16(at(a, x+i)).Add(ld16(at(b, y+i))), relu), at(out, o+i))
		}
		if v < n {
			r := archsimd.LoadFloat32x16SlicePart(a[x+v : x+n]).Add(archsimd.LoadFloat32x16SlicePart(b[y+v : y+n]))
			relu16(r, relu).StoreSlicePart(out[o+v : o+n])
		}
	}
}

func scaleShiftAVX2(out, in, scale, shift []float32, count, os, is int, relu bool) {
	n := len(scale)
	out, in, shift = out[:(count-1)*os+n], in[:(count-1)*is+n], shift[:n]
	v := n &^ 7
	for p := range count {
		o, x := p*os, p*is
		for i := 0; i < v; i += 8 {
			r := ld8(at(in, x+i)).MulAdd(ld8(at(scale, i)), ld8(at(shift, i)))
			st8(relu8(r, relu), at(out, o+i))
		}
		if v < n {
			r := archsimd.LoadFloat32x8SlicePart(in[x+v:x+n]).MulAdd(
				archsimd.LoadFloat32x8SlicePart(scale[v:]), archsimd.LoadFloat32x8SlicePart(shift[v:]))
			relu8(r, relu).StoreSlicePart(out[o+v : o+n])
		}
	}
}

func addAVX2(out, a, b []float32, n, count, os, as, bs int, relu bool) {
	out, a, b = out[:(count-1)*os+n], a[:(count-1)*as+n], b[:(count-1)*bs+n]
	v := n &^ 7
	for p := range count {
		o, x, y := p*os, p*as, p*bs
		for i := 0; i < v; i += 8 {
			st8(relu8(ld8(at(a, x+i)).Add(ld8(at(b, y+i))), relu), at(out, o+i))
		}
		if v < n {
			r := archsimd.LoadFloat32x8SlicePart(a[x+v : x+n]).Add(archsimd.LoadFloat32x8SlicePart(b[y+v : y+n]))
			relu8(r, relu).StoreSlicePart(out[o+v : o+n])
		}
	}
}
