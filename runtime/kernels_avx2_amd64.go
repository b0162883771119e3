//go:build goexperiment.simd

package runtime

import (
	"simd/archsimd"
	"unsafe"
)

// The AVX2 kernels mirror the AVX-512 ones with 8-lane vectors: a tile of 4
// output pixels × 16 channels is 8 Float32x8 accumulators, plus 2 weight
// vectors and a broadcast value, 11 of the 16 YMM registers. They serve
// CPUs without AVX-512, chosen at run time.

var avx2Kernels = kernelSet{
	name:           "avx2",
	convForward:    convForwardAVX2,
	convWeightGrad: convWeightGradAVX2,
	dot:            dotAVX2,
	axpy:           axpyAVX2,
	maxPoolForward: maxPoolForwardAVX2,
	maxPool:        maxPoolAsm,
	math:           asmMath,
	reluGrad:       reluGradAVX2,
	addRows:        addRowsAVX2,
	winoIn:         winoInAVX2,
	winoOut:        winoOutAVX2,
	winoGradOut:    winoGradOutAVX2,
	winoGradW:      winoGradWAVX2,
	dwTaps:         dwTapsVec,
	dwGrad:         dwGradVec,
}

func init() {
	registerKernels(&avx2Kernels)
}

type f8 = archsimd.Float32x8

func ld8(p unsafe.Pointer) f8    { return archsimd.LoadFloat32x8((*[8]float32)(p)) }
func bc8(p unsafe.Pointer) f8    { return archsimd.BroadcastFloat32x8(*(*float32)(p)) }
func st8(v f8, p unsafe.Pointer) { v.Store((*[8]float32)(p)) }

// convForwardAVX2 runs 4×16 tiles along rows for each group of 16 channels
// of each weight block (KB is a multiple of 16).
func convForwardAVX2(g *ConvGeom, s *Scratch, out, in, w, bias []float32, y0, y1 int) {
	convForward16(g, s, out, in, w, bias, y0, y1, convTile4x16AVX2, convTile1x16AVX2)
}

func convTile4x16AVX2(g *ConvGeom, out, in, w unsafe.Pointer, bs *[16]float32, outStride int) {
	conv4x16AVX2(out, outStride, in, g.SW*g.inPix(), g.InRow, g.T(), g.FH, w, g.KB, ld8(unsafe.Pointer(bs)), ld8(unsafe.Pointer(&bs[8])), g.storeAct())
}

func convTile1x16AVX2(g *ConvGeom, out, in, w unsafe.Pointer, bs *[16]float32, _ int) {
	conv1x16AVX2(out, in, g.InRow, g.T(), g.FH, w, g.KB, ld8(unsafe.Pointer(bs)), ld8(unsafe.Pointer(&bs[8])), g.storeAct())
}

func conv4x16AVX2(out unsafe.Pointer, outStride int, in unsafe.Pointer, px, rowLen, T, FH int, w unsafe.Pointer, wStride int, b0, b1 f8, act uint8) {
	a00, a01, a10, a11, a20, a21, a30, a31 := b0, b1, b0, b1, b0, b1, b0, b1
	ps := uintptr(px) * 4
	ws := uintptr(wStride) * 4
	for i := 0; i < FH; i++ {
		p := unsafe.Add(in, uintptr(i*rowLen)*4)
		for t := 0; t < T; t++ {
			w0 := ld8(w)
			w1 := ld8(unsafe.Add(w, 32))
			x0 := bc8(p)
			a00 = x0.MulAdd(w0, a00)
			a01 = x0.MulAdd(w1, a01)
			x1 := bc8(unsafe.Add(p, ps))
			a10 = x1.MulAdd(w0, a10)
			a11 = x1.MulAdd(w1, a11)
			x2 := bc8(unsafe.Add(p, 2*ps))
			a20 = x2.MulAdd(w0, a20)
			a21 = x2.MulAdd(w1, a21)
			x3 := bc8(unsafe.Add(p, 3*ps))
			a30 = x3.MulAdd(w0, a30)
			a31 = x3.MulAdd(w1, a31)
			w = unsafe.Add(w, ws)
			p = unsafe.Add(p, 4)
		}
	}
	if act != 0 {
		var z f8
		a00, a01, a10, a11 = a00.Max(z), a01.Max(z), a10.Max(z), a11.Max(z)
		a20, a21, a30, a31 = a20.Max(z), a21.Max(z), a30.Max(z), a31.Max(z)
		if act == 2 {
			six := archsimd.BroadcastFloat32x8(6)
			a00, a01, a10, a11 = a00.Min(six), a01.Min(six), a10.Min(six), a11.Min(six)
			a20, a21, a30, a31 = a20.Min(six), a21.Min(six), a30.Min(six), a31.Min(six)
		}
	}
	os := uintptr(outStride) * 4
	st8(a00, out)
	st8(a01, unsafe.Add(out, 32))
	st8(a10, unsafe.Add(out, os))
	st8(a11, unsafe.Add(out, os+32))
	st8(a20, unsafe.Add(out, 2*os))
	st8(a21, unsafe.Add(out, 2*os+32))
	st8(a30, unsafe.Add(out, 3*os))
	st8(a31, unsafe.Add(out, 3*os+32))
}

func conv1x16AVX2(out, in unsafe.Pointer, rowLen, T, FH int, w unsafe.Pointer, wStride int, b0, b1 f8, act uint8) {
	a0, a1 := b0, b1
	ws := uintptr(wStride) * 4
	for i := 0; i < FH; i++ {
		p := unsafe.Add(in, uintptr(i*rowLen)*4)
		for t := 0; t < T; t++ {
			x := bc8(p)
			a0 = x.MulAdd(ld8(w), a0)
			a1 = x.MulAdd(ld8(unsafe.Add(w, 32)), a1)
			w = unsafe.Add(w, ws)
			p = unsafe.Add(p, 4)
		}
	}
	if act != 0 {
		var z f8
		a0, a1 = a0.Max(z), a1.Max(z)
		if act == 2 {
			six := archsimd.BroadcastFloat32x8(6)
			a0, a1 = a0.Min(six), a1.Min(six)
		}
	}
	st8(a0, out)
	st8(a1, unsafe.Add(out, 32))
}

// convWeightGradAVX2 accumulates 4 window values × 16 channels at a time
// (weightGradWalk orders the work).
func convWeightGradAVX2(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, u0, u1 int) {
	weightGradWalk(g, s, dw, db, in, dout, u0, u1, weightGradGroupAVX2)
}

// weightGradGroupAVX2 runs one channel group, in halves of 16, over
// positions [x0, x1) of row y.
func weightGradGroupAVX2(g *ConvGeom, dwi, in, dout []float32, i, h, k0, width, lanes, y0, y1, x0, x1 int) {
	T := g.T()
	for half := 0; half < width; half += 16 {
		valid := min(16, lanes-half)
		if valid <= 0 {
			return
		}
		if valid < 16 {
			weightGradLanes(g, dwi, in, dout, i, h+half, k0+half, valid, y0, y1, x0, x1)
			continue
		}
		t := 0
		for ; t+4 <= T; t += 4 {
			weightGrad4x16AVX2(g, at(dwi, t*g.KB+h+half), in, dout, i, t, k0+half, y0, y1, x0, x1)
		}
		for ; t < T; t++ {
			weightGrad1x16AVX2(g, at(dwi, t*g.KB+h+half), in, dout, i, t, k0+half, y0, y1, x0, x1)
		}
	}
}

func weightGrad4x16AVX2(g *ConvGeom, dw unsafe.Pointer, in, dout []float32, i, t, k0, y0, y1, x0, x1 int) {
	ks := uintptr(g.KB) * 4
	a00, a01 := ld8(dw), ld8(unsafe.Add(dw, 32))
	a10, a11 := ld8(unsafe.Add(dw, ks)), ld8(unsafe.Add(dw, ks+32))
	a20, a21 := ld8(unsafe.Add(dw, 2*ks)), ld8(unsafe.Add(dw, 2*ks+32))
	a30, a31 := ld8(unsafe.Add(dw, 3*ks)), ld8(unsafe.Add(dw, 3*ks+32))
	px := uintptr(g.SW*g.inPix()) * 4
	dk := uintptr(g.dOutPix()) * 4
	for y := y0; y < y1; y++ {
		p := at(in, (y*g.SH+i)*g.InRow+x0*g.SW*g.inPix()+t)
		d := at(dout, g.DOutOff+y*g.DOutRow+x0*g.dOutPix()+k0)
		for x := x0; x < x1; x++ {
			d0, d1 := ld8(d), ld8(unsafe.Add(d, 32))
			x0 := bc8(p)
			a00 = x0.MulAdd(d0, a00)
			a01 = x0.MulAdd(d1, a01)
			x1 := bc8(unsafe.Add(p, 4))
			a10 = x1.MulAdd(d0, a10)
			a11 = x1.MulAdd(d1, a11)
			x2 := bc8(unsafe.Add(p, 8))
			a20 = x2.MulAdd(d0, a20)
			a21 = x2.MulAdd(d1, a21)
			x3 := bc8(unsafe.Add(p, 12))
			a30 = x3.MulAdd(d0, a30)
			a31 = x3.MulAdd(d1, a31)
			p = unsafe.Add(p, px)
			d = unsafe.Add(d, dk)
		}
	}
	st8(a00, dw)
	st8(a01, unsafe.Add(dw, 32))
	st8(a10, unsafe.Add(dw, ks))
	st8(a11, unsafe.Add(dw, ks+32))
	st8(a20, unsafe.Add(dw, 2*ks))
	st8(a21, unsafe.Add(dw, 2*ks+32))
	st8(a30, unsafe.Add(dw, 3*ks))
	st8(a31, unsafe.Add(dw, 3*ks+32))
}

func weightGrad1x16AVX2(g *ConvGeom, dw unsafe.Pointer, in, dout []float32, i, t, k0, y0, y1, x0, x1 int) {
	a0, a1 := ld8(dw), ld8(unsafe.Add(dw, 32))
	px := uintptr(g.SW*g.inPix()) * 4
	dk := uintptr(g.dOutPix()) * 4
	for y := y0; y < y1; y++ {
		p := at(in, (y*g.SH+i)*g.InRow+x0*g.SW*g.inPix()+t)
		d := at(dout, g.DOutOff+y*g.DOutRow+x0*g.dOutPix()+k0)
		for x := x0; x < x1; x++ {
			xv := bc8(p)
			a0 = xv.MulAdd(ld8(d), a0)
			a1 = xv.MulAdd(ld8(unsafe.Add(d, 32)), a1)
			p = unsafe.Add(p, px)
			d = unsafe.Add(d, dk)
		}
	}
	st8(a0, dw)
	st8(a1, unsafe.Add(dw, 32))
}

func dotAVX2(x, y []float32) float32 {
	n := len(x)
	var a0, a1, a2, a3 f8
	i := 0
	for ; i+32 <= n; i += 32 {
		a0 = ld8(at(x, i)).MulAdd(ld8(at(y, i)), a0)
		a1 = ld8(at(x, i+8)).MulAdd(ld8(at(y, i+8)), a1)
		a2 = ld8(at(x, i+16)).MulAdd(ld8(at(y, i+16)), a2)
		a3 = ld8(at(x, i+24)).MulAdd(ld8(at(y, i+24)), a3)
	}
	for ; i+8 <= n; i += 8 {
		a0 = ld8(at(x, i)).MulAdd(ld8(at(y, i)), a0)
	}
	var lanes [8]float32
	a0.Add(a1).Add(a2.Add(a3)).Store(&lanes)
	var sum float32
	for _, v := range lanes {
		sum += v
	}
	for ; i < n; i++ {
		sum += x[i] * y[i]
	}
	return sum
}

func axpyAVX2(alpha float32, x, y []float32) {
	n := len(x)
	a := archsimd.BroadcastFloat32x8(alpha)
	i := 0
	for ; i+8 <= n; i += 8 {
		st8(a.MulAdd(ld8(at(x, i)), ld8(at(y, i))), at(y, i))
	}
	if i < n {
		// Fused for the tail too, so that rounding does not depend on where
		// a split range starts.
		a.MulAdd(archsimd.LoadFloat32x8SlicePart(x[i:]), archsimd.LoadFloat32x8SlicePart(y[i:])).StoreSlicePart(y[i:n])
	}
}

var iota8 = [8]int32{0, 1, 2, 3, 4, 5, 6, 7}

func maxPoolForwardAVX2(g *PoolGeom, out []float32, idx []int32, in []float32, y0, y1 int) {
	if g.C%8 != 0 {
		maxPoolForwardPortable(g, out, idx, in, y0, y1)
		return
	}
	iota := archsimd.LoadInt32x8(&iota8)
	for y := y0; y < y1; y++ {
		ylo, yhi := max(y*g.SH-g.PH, 0), min(y*g.SH-g.PH+g.FH, g.H)
		for x := range g.OW {
			xlo, xhi := max(x*g.SW-g.PW, 0), min(x*g.SW-g.PW+g.FW, g.W)
			o := g.OutOff + y*g.OutRow + x*g.C
			ix := (y*g.OW + x) * g.C
			for c := 0; c < g.C; c += 8 {
				best := ld8(at(in, g.InOff+ylo*g.InRow+xlo*g.C+c))
				where := archsimd.BroadcastInt32x8(int32(g.DInOff + ylo*g.DInRow + xlo*g.C + c)).Add(iota)
				for i := ylo; i < yhi; i++ {
					for j := xlo; j < xhi; j++ {
						v := ld8(at(in, g.InOff+i*g.InRow+j*g.C+c))
						m := v.Greater(best).Or(v.IsNaN())
						best = v.Merge(best, m)
						cand := archsimd.BroadcastInt32x8(int32(g.DInOff + i*g.DInRow + j*g.C + c)).Add(iota)
						where = cand.Merge(where, m)
					}
				}
				st8(best, at(out, o+c))
				where.Store((*[8]int32)(unsafe.Pointer(&idx[ix+c])))
			}
		}
	}
}

func reluGradAVX2(d, y []float32) {
	var z f8
	n := len(d)
	i := 0
	for ; i+8 <= n; i += 8 {
		m := ld8(at(y, i)).LessEqual(z)
		st8(z.Merge(ld8(at(d, i)), m), at(d, i))
	}
	for ; i < n; i++ {
		if y[i] <= 0 {
			d[i] = 0
		}
	}
}

func addRowsAVX2(acc, x []float32, stride, count int) {
	if count == 0 {
		return
	}
	n := len(acc)
	x = x[:(count-1)*stride+n] // the bounds, checked once
	i := 0
	for ; i+8 <= n; i += 8 {
		a, p := ld8(at(acc, i)), at(x, i)
		for range count {
			a = a.Add(ld8(p))
			p = unsafe.Add(p, stride*4)
		}
		st8(a, at(acc, i))
	}
	for ; i < n; i++ {
		for p := range count {
			acc[i] += x[p*stride+i]
		}
	}
}
