//go:build goexperiment.simd

package runtime

import (
	"simd/archsimd"
	"unsafe"
)

// The AVX-512 kernels keep their accumulators in registers: a tile of 4
// output pixels × 32 channels is 8 Float32x16 accumulators, plus 2 weight
// vectors and a broadcast input value, 11 live vectors, under the 15 that
// Go's register allocator uses (Z0–Z14) before it spills. They use unsafe
// pointer arithmetic in the inner loops: every access has been bounded by
// the caller's check of the buffers against the geometry.

var avx512Kernels = kernelSet{
	name:           "avx512",
	convForward:    convForwardAVX512,
	convWeightGrad: convWeightGradAVX512,
	convPix:        convPixAVX512,
	pixWidth:       16,
	dot:            dotAVX512,
	axpy:           axpyAVX512,
	maxPoolForward: maxPoolForwardAVX512,
	maxPool:        maxPoolAsm,
	math:           asmMath,
	reluGrad:       reluGradAVX512,
	addRows:        addRowsAVX512,
	winoIn:         winoInAVX512,
	winoOut:        winoOutAVX512,
	winoGradOut:    winoGradOutAVX512,
	winoGradW:      winoGradWAVX512,
	winoB4:         winoB4AVX512,
	winoA4:         winoA4AVX512,
	dwTaps:         dwTapsVec,
	dwGrad:         dwGradVec,
}

func init() {
	registerKernels(&avx512Kernels)
}

type f16 = archsimd.Float32x16

func ld16(p unsafe.Pointer) f16    { return archsimd.LoadFloat32x16((*[16]float32)(p)) }
func bc16(p unsafe.Pointer) f16    { return archsimd.BroadcastFloat32x16(*(*float32)(p)) }
func st16(v f16, p unsafe.Pointer) { v.Store((*[16]float32)(p)) }

// at returns a pointer to s[i] without a bounds check.
func at(s []float32, i int) unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(unsafe.SliceData(s)), uintptr(i)*4)
}

// convForwardAVX512 runs, for each weight block and each group of 32 (or
// 16) channels in it, tiles of 4 (or 8) pixels along each output row.
func convForwardAVX512(g *ConvGeom, _ *Scratch, out, in, w, bias []float32, y0, y1 int) {
	ffc := g.FH * g.T()
	var zero [32]float32
	for b := range g.Blocks() {
		wb := w[b*ffc*g.KB:]
		for h := 0; h < g.KB; {
			width, k0, lanes := g.group(b, h)
			if lanes <= 0 {
				break
			}
			bs := zero[:]
			if bias != nil {
				bs = bias[k0:]
			}
			switch {
			case lanes < width:
				convLanesAVX512(g, out, in, wb, bs, b, h, lanes, y0, y1)
			case width == 32:
				convRows32(g, out, in, wb, bs, h, k0, y0, y1)
			default:
				convRows16(g, out, in, wb, bs, h, k0, y0, y1)
			}
			h += width
		}
	}
}

// zArgs are the strides of g in bytes, as the assembly tiles take them.
func (g *ConvGeom) zArgs() (outStride, px, rowLen, T, FH, wStride uintptr) {
	return uintptr(g.outPix()) * 4, uintptr(g.SW*g.inPix()) * 4, uintptr(g.InRow) * 4, uintptr(g.T()), uintptr(g.FH), uintptr(g.KB) * 4
}

// maxTileZ is the widest tile of conv32Z: 14 pixels, 28 accumulators.
const maxTileZ = 14

// convRows32 runs the assembly's tiles of up to 14 pixels × 32 channels
// along rows [y0, y1), each row cut into as few tiles as it takes, of
// widths that differ by at most one (13 pixels: one tile; 27: 14 and 13):
// the wider the tile, the fewer times the weights are loaded for a pixel,
// and no row ends in a tile of one or two pixels, whose few accumulators
// leave the FMA units waiting on their latency. Without the assembly it
// runs the Go tiles, 4×32, then a 2×32 tile and a single pixel for what is
// left.
func convRows32(g *ConvGeom, out, in, wb, bs []float32, h, k0, y0, y1 int) {
	T := g.T()
	b0, b1 := ld16(at(bs, 0)), ld16(at(bs, 16))
	os, px, row, zt, fh, ws := g.zArgs()
	act := g.storeAct()
	tiles := (g.OW + maxTileZ - 1) / maxTileZ
	for y := y0; y < y1; y++ {
		o := g.OutOff + y*g.OutRow + k0
		base := y * g.SH * g.InRow
		x := 0
		if zAsm {
			for i := range tiles {
				n := g.OW / tiles
				if i < g.OW%tiles {
					n++
				}
				conv32Z(n, at(out, o+x*g.outPix()), at(in, base+x*g.SW*g.inPix()), at(wb, h), os, px, row, zt, fh, ws, at(bs, 0), act)
				x += n
			}
		}
		for ; x+4 <= g.OW; x += 4 {
			conv4x32(at(out, o+x*g.outPix()), g.outPix(), at(in, base+x*g.SW*g.inPix()), g.SW*g.inPix(), g.InRow, T, g.FH, at(wb, h), g.KB, b0, b1, act)
		}
		if x+2 <= g.OW {
			conv2x32(at(out, o+x*g.outPix()), g.outPix(), at(in, base+x*g.SW*g.inPix()), g.SW*g.inPix(), g.InRow, T, g.FH, at(wb, h), g.KB, b0, b1, g.storeAct())
			x += 2
		}
		for ; x < g.OW; x++ {
			conv1x32(at(out, o+x*g.outPix()), at(in, base+x*g.SW*g.inPix()), g.InRow, T, g.FH, at(wb, h), g.KB, b0, b1, g.storeAct())
		}
	}
}

// convRows16 runs 8×16 tiles along rows [y0, y1), then single pixels.
func convRows16(g *ConvGeom, out, in, wb, bs []float32, h, k0, y0, y1 int) {
	T := g.T()
	b0 := ld16(at(bs, 0))
	for y := y0; y < y1; y++ {
		o := g.OutOff + y*g.OutRow + k0
		base := y * g.SH * g.InRow
		x := 0
		if zAsm {
			os, px, row, zt, fh, ws := g.zArgs()
			for ; x+8 <= g.OW; x += 8 {
				conv8x16Z(at(out, o+x*g.outPix()), at(in, base+x*g.SW*g.inPix()), at(wb, h), os, px, row, zt, fh, ws, at(bs, 0), g.storeAct())
			}
			for ; x+2 <= g.OW; x += 2 {
				conv2x16Z(at(out, o+x*g.outPix()), at(in, base+x*g.SW*g.inPix()), at(wb, h), os, px, row, zt, fh, ws, at(bs, 0), g.storeAct())
			}
		}
		for ; x+8 <= g.OW; x += 8 {
			conv8x16(at(out, o+x*g.outPix()), g.outPix(), at(in, base+x*g.SW*g.inPix()), g.SW*g.inPix(), g.InRow, T, g.FH, at(wb, h), g.KB, b0, g.storeAct())
		}
		for ; x < g.OW; x++ {
			conv1x16(at(out, o+x*g.outPix()), at(in, base+x*g.SW*g.inPix()), g.InRow, T, g.FH, at(wb, h), g.KB, b0, g.storeAct())
		}
	}
}

// conv8x16 computes 8 pixels × 16 channels: 8 accumulators.
func conv8x16(out unsafe.Pointer, outStride int, in unsafe.Pointer, px, rowLen, T, FH int, w unsafe.Pointer, wStride int, b0 f16, act uint8) {
	a0, a1, a2, a3, a4, a5, a6, a7 := b0, b0, b0, b0, b0, b0, b0, b0
	ps := uintptr(px) * 4
	ws := uintptr(wStride) * 4
	for i := 0; i < FH; i++ {
		p := unsafe.Add(in, uintptr(i*rowLen)*4)
		for t := 0; t < T; t++ {
			wv := ld16(w)
			a0 = bc16(p).MulAdd(wv, a0)
			a1 = bc16(unsafe.Add(p, ps)).MulAdd(wv, a1)
			a2 = bc16(unsafe.Add(p, 2*ps)).MulAdd(wv, a2)
			a3 = bc16(unsafe.Add(p, 3*ps)).MulAdd(wv, a3)
			a4 = bc16(unsafe.Add(p, 4*ps)).MulAdd(wv, a4)
			a5 = bc16(unsafe.Add(p, 5*ps)).MulAdd(wv, a5)
			a6 = bc16(unsafe.Add(p, 6*ps)).MulAdd(wv, a6)
			a7 = bc16(unsafe.Add(p, 7*ps)).MulAdd(wv, a7)
			w = unsafe.Add(w, ws)
			p = unsafe.Add(p, 4)
		}
	}
	if act != 0 {
		var z f16
		a0, a1, a2, a3 = a0.Max(z), a1.Max(z), a2.Max(z), a3.Max(z)
		a4, a5, a6, a7 = a4.Max(z), a5.Max(z), a6.Max(z), a7.Max(z)
		if act == 2 {
			six := archsimd.BroadcastFloat32x16(6)
			a0, a1, a2, a3 = a0.Min(six), a1.Min(six), a2.Min(six), a3.Min(six)
			a4, a5, a6, a7 = a4.Min(six), a5.Min(six), a6.Min(six), a7.Min(six)
		}
	}
	os := uintptr(outStride) * 4
	st16(a0, out)
	st16(a1, unsafe.Add(out, os))
	st16(a2, unsafe.Add(out, 2*os))
	st16(a3, unsafe.Add(out, 3*os))
	st16(a4, unsafe.Add(out, 4*os))
	st16(a5, unsafe.Add(out, 5*os))
	st16(a6, unsafe.Add(out, 6*os))
	st16(a7, unsafe.Add(out, 7*os))
}

// conv1x16 computes one pixel × 16 channels.
func conv1x16(out, in unsafe.Pointer, rowLen, T, FH int, w unsafe.Pointer, wStride int, b0 f16, act uint8) {
	a := b0
	ws := uintptr(wStride) * 4
	for i := 0; i < FH; i++ {
		p := unsafe.Add(in, uintptr(i*rowLen)*4)
		for t := 0; t < T; t++ {
			a = bc16(p).MulAdd(ld16(w), a)
			w = unsafe.Add(w, ws)
			p = unsafe.Add(p, 4)
		}
	}
	if act != 0 {
		var z f16
		a = a.Max(z)
		if act == 2 {
			six := archsimd.BroadcastFloat32x16(6)
			a = a.Min(six)
		}
	}
	st16(a, out)
}

// conv4x32 computes 4 pixels (input windows px apart) × 32 channels,
// weights wStride values apart from one window value to the next.
func conv4x32(out unsafe.Pointer, outStride int, in unsafe.Pointer, px, rowLen, T, FH int, w unsafe.Pointer, wStride int, b0, b1 f16, act uint8) {
	a00, a01, a10, a11, a20, a21, a30, a31 := b0, b1, b0, b1, b0, b1, b0, b1
	ps := uintptr(px) * 4
	ws := uintptr(wStride) * 4
	for i := 0; i < FH; i++ {
		p := unsafe.Add(in, uintptr(i*rowLen)*4)
		for t := 0; t < T; t++ {
			w0 := ld16(w)
			w1 := ld16(unsafe.Add(w, 64))
			x0 := bc16(p)
			a00 = x0.MulAdd(w0, a00)
			a01 = x0.MulAdd(w1, a01)
			x1 := bc16(unsafe.Add(p, ps))
			a10 = x1.MulAdd(w0, a10)
			a11 = x1.MulAdd(w1, a11)
			x2 := bc16(unsafe.Add(p, 2*ps))
			a20 = x2.MulAdd(w0, a20)
			a21 = x2.MulAdd(w1, a21)
			x3 := bc16(unsafe.Add(p, 3*ps))
			a30 = x3.MulAdd(w0, a30)
			a31 = x3.MulAdd(w1, a31)
			w = unsafe.Add(w, ws)
			p = unsafe.Add(p, 4)
		}
	}
	if act != 0 {
		var z f16
		a00, a01, a10, a11 = a00.Max(z), a01.Max(z), a10.Max(z), a11.Max(z)
		a20, a21, a30, a31 = a20.Max(z), a21.Max(z), a30.Max(z), a31.Max(z)
		if act == 2 {
			six := archsimd.BroadcastFloat32x16(6)
			a00, a01, a10, a11 = a00.Min(six), a01.Min(six), a10.Min(six), a11.Min(six)
			a20, a21, a30, a31 = a20.Min(six), a21.Min(six), a30.Min(six), a31.Min(six)
		}
	}
	os := uintptr(outStride) * 4
	st16(a00, out)
	st16(a01, unsafe.Add(out, 64))
	st16(a10, unsafe.Add(out, os))
	st16(a11, unsafe.Add(out, os+64))
	st16(a20, unsafe.Add(out, 2*os))
	st16(a21, unsafe.Add(out, 2*os+64))
	st16(a30, unsafe.Add(out, 3*os))
	st16(a31, unsafe.Add(out, 3*os+64))
}

// conv2x32 computes 2 pixels × 32 channels, for the end of a row: 4
// accumulators, enough to keep the FMA unit busy. Each pixel's sum runs in
// the same order as in conv4x32 and conv1x32.
func conv2x32(out unsafe.Pointer, outStride int, in unsafe.Pointer, px, rowLen, T, FH int, w unsafe.Pointer, wStride int, b0, b1 f16, act uint8) {
	a00, a01, a10, a11 := b0, b1, b0, b1
	ps := uintptr(px) * 4
	ws := uintptr(wStride) * 4
	for i := 0; i < FH; i++ {
		p := unsafe.Add(in, uintptr(i*rowLen)*4)
		for t := 0; t < T; t++ {
			w0 := ld16(w)
			w1 := ld16(unsafe.Add(w, 64))
			x0 := bc16(p)
			a00 = x0.MulAdd(w0, a00)
			a01 = x0.MulAdd(w1, a01)
			x1 := bc16(unsafe.Add(p, ps))
			a10 = x1.MulAdd(w0, a10)
			a11 = x1.MulAdd(w1, a11)
			w = unsafe.Add(w, ws)
			p = unsafe.Add(p, 4)
		}
	}
	if act != 0 {
		var z f16
		a00, a01, a10, a11 = a00.Max(z), a01.Max(z), a10.Max(z), a11.Max(z)
		if act == 2 {
			six := archsimd.BroadcastFloat32x16(6)
			a00, a01, a10, a11 = a00.Min(six), a01.Min(six), a10.Min(six), a11.Min(six)
		}
	}
	os := uintptr(outStride) * 4
	st16(a00, out)
	st16(a01, unsafe.Add(out, 64))
	st16(a10, unsafe.Add(out, os))
	st16(a11, unsafe.Add(out, os+64))
}

// conv1x32 computes one pixel × 32 channels, for the end of a row.
func conv1x32(out, in unsafe.Pointer, rowLen, T, FH int, w unsafe.Pointer, wStride int, b0, b1 f16, act uint8) {
	a0, a1 := b0, b1
	ws := uintptr(wStride) * 4
	for i := 0; i < FH; i++ {
		p := unsafe.Add(in, uintptr(i*rowLen)*4)
		for t := 0; t < T; t++ {
			x := bc16(p)
			a0 = x.MulAdd(ld16(w), a0)
			a1 = x.MulAdd(ld16(unsafe.Add(w, 64)), a1)
			w = unsafe.Add(w, ws)
			p = unsafe.Add(p, 4)
		}
	}
	if act != 0 {
		var z f16
		a0, a1 = a0.Max(z), a1.Max(z)
		if act == 2 {
			six := archsimd.BroadcastFloat32x16(6)
			a0, a1 = a0.Min(six), a1.Min(six)
		}
	}
	st16(a0, out)
	st16(a1, unsafe.Add(out, 64))
}

// convLanesAVX512 handles a last group of channels narrower than its group
// width (a K that is no multiple of 16 or 32), 16 channels at a time: tiles
// of 8 pixels into a temporary, storing only the valid lanes; a row's last
// pixels run a tile that ends at the row's end, overlapping the one before
// (its pixels computed again the same way), or, on rows shorter than 8,
// single pixels. Each pixel's sum runs in the same order in every tile.
func convLanesAVX512(g *ConvGeom, out, in, wb, bs []float32, b, h, lanes, y0, y1 int) {
	T := g.T()
	for off := 0; off < lanes; off += 16 {
		n := min(16, lanes-off)
		k0 := b*g.KB + h + off
		var bias [16]float32
		copy(bias[:], bs[off:][:n])
		b0 := ld16(at(bias[:], 0))
		var tmp [8 * 16]float32
		_, px, row, zt, fh, ws := g.zArgs()
		tile8 := func(x, base int) {
			if zAsm {
				conv8x16Z(at(tmp[:], 0), at(in, base+x*g.SW*g.inPix()), at(wb, h+off), 64, px, row, zt, fh, ws, at(bias[:], 0), g.storeAct())
				return
			}
			conv8x16(at(tmp[:], 0), 16, at(in, base+x*g.SW*g.inPix()), g.SW*g.inPix(), g.InRow, T, g.FH, at(wb, h+off), g.KB, b0, g.storeAct())
		}
		for y := y0; y < y1; y++ {
			o := g.OutOff + y*g.OutRow + k0
			base := y * g.SH * g.InRow
			if g.OW >= 8 {
				for x := 0; x < g.OW; x += 8 {
					x = min(x, g.OW-8)
					tile8(x, base)
					for j := range 8 {
						copy(out[o+(x+j)*g.outPix():][:n], tmp[16*j:][:n])
					}
				}
				continue
			}
			for x := range g.OW {
				conv1x16(at(tmp[:], 0), at(in, base+x*g.SW*g.inPix()), g.InRow, T, g.FH, at(wb, h+off), g.KB, b0, g.storeAct())
				copy(out[o+x*g.outPix():][:n], tmp[:n])
			}
		}
	}
}

// convWeightGradAVX512 accumulates each unit's T×KB block in tiles of 4 (or
// 3) window values × 32 channels, or 8 × 16, held in registers.
func convWeightGradAVX512(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, u0, u1 int) {
	if g.pixelConv(16) && g.FW <= 8 {
		weightGradPixAVX512(g, s, dw, db, in, dout, u0, u1)
		return
	}
	weightGradWalk(g, s, dw, db, in, dout, u0, u1, weightGradGroup)
}

// weightGradGroup runs the tiles of one channel group (of width 32 or 16,
// with lanes valid channels) over positions [x0, x1) of output rows
// [y0, y1).
func weightGradGroup(g *ConvGeom, dwi, in, dout []float32, i, h, k0, width, lanes, y0, y1, x0, x1 int) {
	T := g.T()
	t := 0
	switch {
	case lanes < width:
		weightGradLanes(g, dwi, in, dout, i, h, k0, lanes, y0, y1, x0, x1)
	case width == 32:
		if T%4 != 0 && T%3 == 0 {
			// Small filters on few channels (a first layer's 3x3 on RGB
			// has T = 9): tiles of 3 leave no tail.
			for ; t+3 <= T; t += 3 {
				weightGrad3x32(g, at(dwi, t*g.KB+h), in, dout, i, t, k0, y0, y1, x0, x1)
			}
		}
		for ; t+4 <= T; t += 4 {
			weightGrad4x32(g, at(dwi, t*g.KB+h), in, dout, i, t, k0, y0, y1, x0, x1)
		}
		for ; t < T; t++ {
			weightGrad1x32(g, at(dwi, t*g.KB+h), in, dout, i, t, k0, y0, y1, x0, x1)
		}
	default:
		for ; t+8 <= T; t += 8 {
			weightGrad8x16(g, at(dwi, t*g.KB+h), in, dout, i, t, k0, y0, y1, x0, x1)
		}
		for ; t < T; t++ {
			weightGrad1x16(g, at(dwi, t*g.KB+h), in, dout, i, t, k0, y0, y1, x0, x1)
		}
	}
}

func weightGrad8x16(g *ConvGeom, dw unsafe.Pointer, in, dout []float32, i, t, k0, y0, y1, x0, x1 int) {
	ks := uintptr(g.KB) * 4
	a0, a1, a2, a3 := ld16(dw), ld16(unsafe.Add(dw, ks)), ld16(unsafe.Add(dw, 2*ks)), ld16(unsafe.Add(dw, 3*ks))
	a4, a5, a6, a7 := ld16(unsafe.Add(dw, 4*ks)), ld16(unsafe.Add(dw, 5*ks)), ld16(unsafe.Add(dw, 6*ks)), ld16(unsafe.Add(dw, 7*ks))
	px := uintptr(g.SW*g.inPix()) * 4
	dk := uintptr(g.dOutPix()) * 4
	for y := y0; y < y1; y++ {
		p := at(in, (y*g.SH+i)*g.InRow+x0*g.SW*g.inPix()+t)
		d := at(dout, g.DOutOff+y*g.DOutRow+x0*g.dOutPix()+k0)
		for x := x0; x < x1; x++ {
			dv := ld16(d)
			a0 = bc16(p).MulAdd(dv, a0)
			a1 = bc16(unsafe.Add(p, 4)).MulAdd(dv, a1)
			a2 = bc16(unsafe.Add(p, 8)).MulAdd(dv, a2)
			a3 = bc16(unsafe.Add(p, 12)).MulAdd(dv, a3)
			a4 = bc16(unsafe.Add(p, 16)).MulAdd(dv, a4)
			a5 = bc16(unsafe.Add(p, 20)).MulAdd(dv, a5)
			a6 = bc16(unsafe.Add(p, 24)).MulAdd(dv, a6)
			a7 = bc16(unsafe.Add(p, 28)).MulAdd(dv, a7)
			p = unsafe.Add(p, px)
			d = unsafe.Add(d, dk)
		}
	}
	st16(a0, dw)
	st16(a1, unsafe.Add(dw, ks))
	st16(a2, unsafe.Add(dw, 2*ks))
	st16(a3, unsafe.Add(dw, 3*ks))
	st16(a4, unsafe.Add(dw, 4*ks))
	st16(a5, unsafe.Add(dw, 5*ks))
	st16(a6, unsafe.Add(dw, 6*ks))
	st16(a7, unsafe.Add(dw, 7*ks))
}

func weightGrad1x16(g *ConvGeom, dw unsafe.Pointer, in, dout []float32, i, t, k0, y0, y1, x0, x1 int) {
	a := ld16(dw)
	px := uintptr(g.SW*g.inPix()) * 4
	dk := uintptr(g.dOutPix()) * 4
	for y := y0; y < y1; y++ {
		p := at(in, (y*g.SH+i)*g.InRow+x0*g.SW*g.inPix()+t)
		d := at(dout, g.DOutOff+y*g.DOutRow+x0*g.dOutPix()+k0)
		for x := x0; x < x1; x++ {
			a = bc16(p).MulAdd(ld16(d), a)
			p = unsafe.Add(p, px)
			d = unsafe.Add(d, dk)
		}
	}
	st16(a, dw)
}

func weightGrad4x32(g *ConvGeom, dw unsafe.Pointer, in, dout []float32, i, t, k0, y0, y1, x0, x1 int) {
	ks := uintptr(g.KB) * 4
	if zAsm {
		if y0 < y1 && x0 < x1 {
			wgrad4x32Z(dw, ks, at(in, (y0*g.SH+i)*g.InRow+x0*g.SW*g.inPix()+t), uintptr(g.SW*g.inPix())*4,
				at(dout, g.DOutOff+y0*g.DOutRow+x0*g.dOutPix()+k0), uintptr(g.dOutPix())*4, uintptr(x1-x0), uintptr(y1-y0),
				uintptr(g.SH*g.InRow)*4, uintptr(g.DOutRow)*4)
		}
		return
	}
	a00, a01 := ld16(dw), ld16(unsafe.Add(dw, 64))
	a10, a11 := ld16(unsafe.Add(dw, ks)), ld16(unsafe.Add(dw, ks+64))
	a20, a21 := ld16(unsafe.Add(dw, 2*ks)), ld16(unsafe.Add(dw, 2*ks+64))
	a30, a31 := ld16(unsafe.Add(dw, 3*ks)), ld16(unsafe.Add(dw, 3*ks+64))
	px := uintptr(g.SW*g.inPix()) * 4
	dk := uintptr(g.dOutPix()) * 4
	for y := y0; y < y1; y++ {
		p := at(in, (y*g.SH+i)*g.InRow+x0*g.SW*g.inPix()+t)
		d := at(dout, g.DOutOff+y*g.DOutRow+x0*g.dOutPix()+k0)
		for x := x0; x < x1; x++ {
			d0, d1 := ld16(d), ld16(unsafe.Add(d, 64))
			x0 := bc16(p)
			a00 = x0.MulAdd(d0, a00)
			a01 = x0.MulAdd(d1, a01)
			x1 := bc16(unsafe.Add(p, 4))
			a10 = x1.MulAdd(d0, a10)
			a11 = x1.MulAdd(d1, a11)
			x2 := bc16(unsafe.Add(p, 8))
			a20 = x2.MulAdd(d0, a20)
			a21 = x2.MulAdd(d1, a21)
			x3 := bc16(unsafe.Add(p, 12))
			a30 = x3.MulAdd(d0, a30)
			a31 = x3.MulAdd(d1, a31)
			p = unsafe.Add(p, px)
			d = unsafe.Add(d, dk)
		}
	}
	st16(a00, dw)
	st16(a01, unsafe.Add(dw, 64))
	st16(a10, unsafe.Add(dw, ks))
	st16(a11, unsafe.Add(dw, ks+64))
	st16(a20, unsafe.Add(dw, 2*ks))
	st16(a21, unsafe.Add(dw, 2*ks+64))
	st16(a30, unsafe.Add(dw, 3*ks))
	st16(a31, unsafe.Add(dw, 3*ks+64))
}

func weightGrad3x32(g *ConvGeom, dw unsafe.Pointer, in, dout []float32, i, t, k0, y0, y1, x0, x1 int) {
	ks := uintptr(g.KB) * 4
	a00, a01 := ld16(dw), ld16(unsafe.Add(dw, 64))
	a10, a11 := ld16(unsafe.Add(dw, ks)), ld16(unsafe.Add(dw, ks+64))
	a20, a21 := ld16(unsafe.Add(dw, 2*ks)), ld16(unsafe.Add(dw, 2*ks+64))
	px := uintptr(g.SW*g.inPix()) * 4
	dk := uintptr(g.dOutPix()) * 4
	for y := y0; y < y1; y++ {
		p := at(in, (y*g.SH+i)*g.InRow+x0*g.SW*g.inPix()+t)
		d := at(dout, g.DOutOff+y*g.DOutRow+x0*g.dOutPix()+k0)
		for x := x0; x < x1; x++ {
			d0, d1 := ld16(d), ld16(unsafe.Add(d, 64))
			x0 := bc16(p)
			a00 = x0.MulAdd(d0, a00)
			a01 = x0.MulAdd(d1, a01)
			x1 := bc16(unsafe.Add(p, 4))
			a10 = x1.MulAdd(d0, a10)
			a11 = x1.MulAdd(d1, a11)
			x2 := bc16(unsafe.Add(p, 8))
			a20 = x2.MulAdd(d0, a20)
			a21 = x2.MulAdd(d1, a21)
			p = unsafe.Add(p, px)
			d = unsafe.Add(d, dk)
		}
	}
	st16(a00, dw)
	st16(a01, unsafe.Add(dw, 64))
	st16(a10, unsafe.Add(dw, ks))
	st16(a11, unsafe.Add(dw, ks+64))
	st16(a20, unsafe.Add(dw, 2*ks))
	st16(a21, unsafe.Add(dw, 2*ks+64))
}

func weightGrad1x32(g *ConvGeom, dw unsafe.Pointer, in, dout []float32, i, t, k0, y0, y1, x0, x1 int) {
	a0, a1 := ld16(dw), ld16(unsafe.Add(dw, 64))
	px := uintptr(g.SW*g.inPix()) * 4
	dk := uintptr(g.dOutPix()) * 4
	for y := y0; y < y1; y++ {
		p := at(in, (y*g.SH+i)*g.InRow+x0*g.SW*g.inPix()+t)
		d := at(dout, g.DOutOff+y*g.DOutRow+x0*g.dOutPix()+k0)
		for x := x0; x < x1; x++ {
			xv := bc16(p)
			a0 = xv.MulAdd(ld16(d), a0)
			a1 = xv.MulAdd(ld16(unsafe.Add(d, 64)), a1)
			p = unsafe.Add(p, px)
			d = unsafe.Add(d, dk)
		}
	}
	st16(a0, dw)
	st16(a1, unsafe.Add(dw, 64))
}

func dotAVX512(x, y []float32) float32 {
	n := len(x)
	var a0, a1, a2, a3 f16
	i := 0
	for ; i+64 <= n; i += 64 {
		a0 = ld16(at(x, i)).MulAdd(ld16(at(y, i)), a0)
		a1 = ld16(at(x, i+16)).MulAdd(ld16(at(y, i+16)), a1)
		a2 = ld16(at(x, i+32)).MulAdd(ld16(at(y, i+32)), a2)
		a3 = ld16(at(x, i+48)).MulAdd(ld16(at(y, i+48)), a3)
	}
	for ; i+16 <= n; i += 16 {
		a0 = ld16(at(x, i)).MulAdd(ld16(at(y, i)), a0)
	}
	var lanes [16]float32
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

func axpyAVX512(alpha float32, x, y []float32) {
	n := len(x)
	a := archsimd.BroadcastFloat32x16(alpha)
	i := 0
	for ; i+32 <= n; i += 32 {
		st16(a.MulAdd(ld16(at(x, i)), ld16(at(y, i))), at(y, i))
		st16(a.MulAdd(ld16(at(x, i+16)), ld16(at(y, i+16))), at(y, i+16))
	}
	for ; i+16 <= n; i += 16 {
		st16(a.MulAdd(ld16(at(x, i)), ld16(at(y, i))), at(y, i))
	}
	if i < n {
		// The tail too goes through the fused multiply-add, so that a value
		// is rounded the same whichever part of a split range it falls in.
		a.MulAdd(archsimd.LoadFloat32x16SlicePart(x[i:]), archsimd.LoadFloat32x16SlicePart(y[i:])).StoreSlicePart(y[i:n])
	}
}

var iota16 = [16]int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

// maxPoolForwardAVX512 takes 16 channels at a time; each lane follows the
// portable rule: a value replaces the maximum when it is larger or NaN.
func maxPoolForwardAVX512(g *PoolGeom, out []float32, idx []int32, in []float32, y0, y1 int) {
	if g.C%16 != 0 {
		maxPoolForwardPortable(g, out, idx, in, y0, y1)
		return
	}
	iota := archsimd.LoadInt32x16(&iota16)
	for y := y0; y < y1; y++ {
		ylo, yhi := max(y*g.SH-g.PH, 0), min(y*g.SH-g.PH+g.FH, g.H)
		for x := range g.OW {
			xlo, xhi := max(x*g.SW-g.PW, 0), min(x*g.SW-g.PW+g.FW, g.W)
			o := g.OutOff + y*g.OutRow + x*g.C
			ix := (y*g.OW + x) * g.C
			for c := 0; c < g.C; c += 16 {
				first := g.InOff + ylo*g.InRow + xlo*g.C + c
				best := ld16(at(in, first))
				where := archsimd.BroadcastInt32x16(int32(g.DInOff + ylo*g.DInRow + xlo*g.C + c)).Add(iota)
				for i := ylo; i < yhi; i++ {
					for j := xlo; j < xhi; j++ {
						v := ld16(at(in, g.InOff+i*g.InRow+j*g.C+c))
						m := v.Greater(best).Or(v.IsNaN())
						best = v.Merge(best, m)
						cand := archsimd.BroadcastInt32x16(int32(g.DInOff + i*g.DInRow + j*g.C + c)).Add(iota)
						where = cand.Merge(where, m)
					}
				}
				st16(best, at(out, o+c))
				where.Store((*[16]int32)(unsafe.Pointer(&idx[ix+c])))
			}
		}
	}
}

func reluGradAVX512(d, y []float32) {
	var z f16
	n := len(d)
	i := 0
	for ; i+16 <= n; i += 16 {
		m := ld16(at(y, i)).LessEqual(z)
		st16(z.Merge(ld16(at(d, i)), m), at(d, i))
	}
	for ; i < n; i++ {
		if y[i] <= 0 {
			d[i] = 0
		}
	}
}

// addRowsAVX512 keeps 32 (or 16) sums in registers down the rows.
func addRowsAVX512(acc, x []float32, stride, count int) {
	if count == 0 {
		return
	}
	n := len(acc)
	x = x[:(count-1)*stride+n] // the bounds, checked once
	i := 0
	for ; i+32 <= n; i += 32 {
		a0, a1, p := ld16(at(acc, i)), ld16(at(acc, i+16)), at(x, i)
		for range count {
			a0 = a0.Add(ld16(p))
			a1 = a1.Add(ld16(unsafe.Add(p, 64)))
			p = unsafe.Add(p, stride*4)
		}
		st16(a0, at(acc, i))
		st16(a1, at(acc, i+16))
	}
	for ; i+16 <= n; i += 16 {
		a, p := ld16(at(acc, i)), at(x, i)
		for range count {
			a = a.Add(ld16(p))
			p = unsafe.Add(p, stride*4)
		}
		st16(a, at(acc, i))
	}
	for ; i < n; i++ {
		for p := range count {
			acc[i] += x[p*stride+i]
		}
	}
}

// winoInAVX512 is winoInPortable 16 channels at a time: for each row r of
// Bᵀ d it loads the two input rows that row combines (two loads a value,
// so that no more than 12 vectors live at once), then applies B along it.
func winoInAVX512(g *ConvGeom, v, in []float32, first, n, stride int) {
	tw, C := g.OW/2, g.C
	c16 := C &^ 15
	if c16 < C {
		winoInPortable(g, v, in, first, n, stride) // the channel tail below
	}
	if c16 == 0 {
		return
	}
	_ = in[(2*((first+n-1)/tw)+3)*g.InRow+(2*((first+n-1)%tw)+4)*C-1]
	_ = v[15*stride+n*C-1]
	row, px, st := g.InRow*4, uintptr(C*4), uintptr(stride*4)
	for i := range n {
		t := first + i
		p := at(in, 2*(t/tw)*g.InRow+2*(t%tw)*C)
		o := at(v, i*C)
		for c := 0; c < c16; c += 16 {
			q := unsafe.Add(p, c*4)
			r0, r1, r2, r3 := q, unsafe.Add(q, row), unsafe.Add(q, 2*row), unsafe.Add(q, 3*row)
			w := unsafe.Add(o, c*4)
			winoInRow(r0, r2, px, w, st, false)                    // d0 - d2
			winoInRow(r1, r2, px, unsafe.Add(w, 4*st), st, true)   // d1 + d2
			winoInRow(r2, r1, px, unsafe.Add(w, 8*st), st, false)  // d2 - d1
			winoInRow(r1, r3, px, unsafe.Add(w, 12*st), st, false) // d1 - d3
		}
	}
}

// winoInRow stores the row e = a ± b of Bᵀ d (a and b input rows of 4
// pixels px bytes apart) times B: e0-e2, e1+e2, e2-e1, e1-e3, stride st
// bytes apart.
func winoInRow(a, b unsafe.Pointer, px uintptr, w unsafe.Pointer, st uintptr, add bool) {
	var e0, e1, e2, e3 f16
	if add {
		e0 = ld16(a).Add(ld16(b))
		e1 = ld16(unsafe.Add(a, px)).Add(ld16(unsafe.Add(b, px)))
		e2 = ld16(unsafe.Add(a, 2*px)).Add(ld16(unsafe.Add(b, 2*px)))
		e3 = ld16(unsafe.Add(a, 3*px)).Add(ld16(unsafe.Add(b, 3*px)))
	} else {
		e0 = ld16(a).Sub(ld16(b))
		e1 = ld16(unsafe.Add(a, px)).Sub(ld16(unsafe.Add(b, px)))
		e2 = ld16(unsafe.Add(a, 2*px)).Sub(ld16(unsafe.Add(b, 2*px)))
		e3 = ld16(unsafe.Add(a, 3*px)).Sub(ld16(unsafe.Add(b, 3*px)))
	}
	st16(e0.Sub(e2), w)
	st16(e1.Add(e2), unsafe.Add(w, st))
	st16(e2.Sub(e1), unsafe.Add(w, 2*st))
	st16(e1.Sub(e3), unsafe.Add(w, 3*st))
}

// winoOutAVX512 is winoOutPortable 16 channels at a time.
func winoOutAVX512(g *ConvGeom, out, m, bias []float32, first, n, stride int) {
	tw, K, P := g.OW/2, g.K, g.outPix()
	k16 := K &^ 15
	if k16 < K {
		winoOutPortable(g, out, m, bias, first, n, stride) // the channel tail below
	}
	if k16 == 0 {
		return
	}
	_ = m[15*stride+n*K-1]
	t := first + n - 1
	_ = out[g.OutOff+(2*(t/tw)+1)*g.OutRow+(2*(t%tw)+1)*P+K-1]
	var zero [16]float32
	st, row, px := uintptr(stride*4), uintptr(g.OutRow*4), uintptr(P*4)
	for i := range n {
		t := first + i
		o := at(out, g.OutOff+2*(t/tw)*g.OutRow+2*(t%tw)*P)
		src := at(m, i*K)
		for k := 0; k < k16; k += 16 {
			b := ld16(unsafe.Pointer(&zero))
			if bias != nil {
				b = ld16(at(bias, k))
			}
			q := unsafe.Add(src, k*4)
			// s = Aᵀ M, a column at a time: s0 = x0+x1+x2, s1 = x1-x2-x3.
			var s0, s1 [4]f16
			for j := range 4 {
				c := unsafe.Add(q, uintptr(j)*st)
				x0, x1 := ld16(c), ld16(unsafe.Add(c, 4*st))
				x2, x3 := ld16(unsafe.Add(c, 8*st)), ld16(unsafe.Add(c, 12*st))
				s0[j] = x0.Add(x1).Add(x2)
				s1[j] = x1.Sub(x2).Sub(x3)
			}
			y := unsafe.Add(o, k*4)
			winoOutRow(s0, b, y, px, g.ReLU)
			winoOutRow(s1, b, unsafe.Add(y, row), px, g.ReLU)
		}
	}
}

// winoOutRow stores the two outputs s·A of a row of Aᵀ M, plus the bias.
func winoOutRow(s [4]f16, b f16, y unsafe.Pointer, px uintptr, relu bool) {
	y0 := s[0].Add(s[1]).Add(s[2]).Add(b)
	y1 := s[1].Sub(s[2]).Sub(s[3]).Add(b)
	if relu {
		var zero f16
		y0, y1 = y0.Max(zero), y1.Max(zero)
	}
	st16(y0, y)
	st16(y1, unsafe.Add(y, px))
}

// winoGradWAVX512 is winoGradWPortable 16 values at a time (blocks hold
// C·KB values, a multiple of 16, contiguous in dU and in each filter
// position of dw): for each row i of Gᵀ dU it loads the rows of dU that row
// combines, then adds the row times G to dw.
func winoGradWAVX512(g *ConvGeom, dw, du []float32, b0, b1 int) {
	us, ckb := g.winoStride(), g.C*g.KB
	if b0 >= b1 {
		return
	}
	_ = du[15*us+b1*ckb-1]
	_ = dw[(b1*3)*3*ckb-1]
	st, row := uintptr(us*4), uintptr(ckb*4)
	half := archsimd.BroadcastFloat32x16(0.5)
	for b := b0; b < b1; b++ {
		for ck := 0; ck < ckb; ck += 16 {
			u := at(du, b*ckb+ck)
			w := at(dw, b*9*ckb+ck)
			// Gᵀ's rows: u0 + ½(u1+u2), ½(u1-u2), ½(u1+u2) + u3.
			var h0, h1, h2 [4]f16
			for j := range 4 {
				c := unsafe.Add(u, uintptr(j)*st)
				u0, u1 := ld16(c), ld16(unsafe.Add(c, 4*st))
				u2, u3 := ld16(unsafe.Add(c, 8*st)), ld16(unsafe.Add(c, 12*st))
				m := u1.Add(u2).Mul(half)
				h0[j], h1[j], h2[j] = u0.Add(m), u1.Sub(u2).Mul(half), m.Add(u3)
			}
			winoGradWRow(h0, half, w, row)
			winoGradWRow(h1, half, unsafe.Add(w, 3*row), row)
			winoGradWRow(h2, half, unsafe.Add(w, 6*row), row)
		}
	}
}

// winoGradWRow adds a row h of Gᵀ dU times G to the three filter positions
// of a filter row, row bytes apart at w.
func winoGradWRow(h [4]f16, half f16, w unsafe.Pointer, row uintptr) {
	m := h[1].Add(h[2]).Mul(half)
	w1, w2 := unsafe.Add(w, row), unsafe.Add(w, 2*row)
	st16(ld16(w).Add(h[0].Add(m)), w)
	st16(ld16(w1).Add(h[1].Sub(h[2]).Mul(half)), w1)
	st16(ld16(w2).Add(m.Add(h[3])), w2)
}

// winoGradOutAVX512 is winoGradOutPortable 16 channels at a time.
func winoGradOutAVX512(g *ConvGeom, z, dout []float32, first, n, stride int) {
	tw, K, P := g.OW/2, g.K, g.dOutPix()
	k16 := K &^ 15
	if k16 < K {
		winoGradOutPortable(g, z, dout, first, n, stride) // the channel tail below
	}
	if k16 == 0 {
		return
	}
	_ = z[15*stride+n*K-1]
	t := first + n - 1
	_ = dout[g.DOutOff+(2*(t/tw)+1)*g.DOutRow+(2*(t%tw)+1)*P+K-1]
	st, row, px := uintptr(stride*4), uintptr(g.DOutRow*4), uintptr(P*4)
	for i := range n {
		t := first + i
		p := at(dout, g.DOutOff+2*(t/tw)*g.DOutRow+2*(t%tw)*P)
		o := at(z, i*K)
		for k := 0; k < k16; k += 16 {
			q := unsafe.Add(p, k*4)
			a, b := ld16(q), ld16(unsafe.Add(q, px))
			c, d := ld16(unsafe.Add(q, row)), ld16(unsafe.Add(q, row+px))
			w := unsafe.Add(o, k*4)
			var zero f16
			winoGradOutRow(a, b, w, st)
			winoGradOutRow(a.Add(c), b.Add(d), unsafe.Add(w, 4*st), st)
			winoGradOutRow(a.Sub(c), b.Sub(d), unsafe.Add(w, 8*st), st)
			winoGradOutRow(zero.Sub(c), zero.Sub(d), unsafe.Add(w, 12*st), st)
		}
	}
}

// winoGradOutRow stores a row (p, q) of A dY times Aᵀ: p, p+q, p-q, -q.
func winoGradOutRow(p, q f16, w unsafe.Pointer, st uintptr) {
	var zero f16
	st16(p, w)
	st16(p.Add(q), unsafe.Add(w, st))
	st16(p.Sub(q), unsafe.Add(w, 2*st))
	st16(zero.Sub(q), unsafe.Add(w, 3*st))
}
