//go:build goexperiment.simd

package runtime

import (
	"simd/archsimd"
	"unsafe"
)

// convPixAVX512 computes output rows [y0, y1) of a conv that pixelConv(16)
// accepts: for each run of 16 pixels of a row (the last one ending at the
// row's end), 8 channels at a time, each pixel's sum in the order of the
// channel tiles (bias, then the taps row by row), so that both kernels
// give the same values.
func convPixAVX512(g *ConvGeom, out, in, w, bias []float32, y0, y1 int) {
	ffc := g.FH * g.FW
	act := g.storeAct()
	var tmp [8][16]float32
	var bs [8]float32
	var idx [16]int32
	for p := range idx {
		idx[p] = int32(p * g.outPix())
	}
	for k0 := 0; k0 < g.K; k0 += 8 {
		n := min(8, g.K-k0)
		b, h := k0/g.KB, k0%g.KB
		wb := at(w, b*ffc*g.KB+h)
		bs = [8]float32{}
		if bias != nil {
			copy(bs[:n], bias[k0:])
		}
		for y := y0; y < y1; y++ {
			base := y * g.SH * g.InRow
			o := g.OutOff + y*g.OutRow + k0
			for x := 0; x < g.OW; x += 16 {
				x0 := min(x, g.OW-16)
				dst := out[o+x0*g.outPix():][:15*g.outPix()+n]
				if zAsm {
					convPix16x8Z(at(dst, 0), at(in, base+x0), wb, uintptr(g.InRow)*4, uintptr(g.FH), uintptr(g.FW), uintptr(g.KB)*4,
						unsafe.Pointer(&bs), unsafe.Pointer(&idx), uintptr(n), act)
					continue
				}
				convPix16x8(&tmp, at(in, base+x0), g.InRow, g.FH, g.FW, wb, g.KB, &bs, act)
				interleave16(dst, &tmp, n, g.outPix())
			}
		}
	}
}

// interleave16 stores the first n channels of 16 pixels, tmp[k][p], into
// out[p·pix+k].
func interleave16(out []float32, tmp *[8][16]float32, n, pix int) {
	_ = out[15*pix+n-1]
	for p := range 16 {
		o := out[p*pix:][:n]
		for k := range o {
			o[k] = tmp[k][p]
		}
	}
}

// convPix16x8 (convPix16x8Z in assembly, in builds that have it) computes 16 pixels of a row (input values at in onwards,
// window rows rowLen values apart) × 8 channels (weights at w, kb values
// apart from one tap to the next) into tmp, channel by channel.
func convPix16x8(tmp *[8][16]float32, in unsafe.Pointer, rowLen, FH, FW int, w unsafe.Pointer, kb int, bs *[8]float32, act uint8) {
	a0, a1, a2, a3 := bc16(at(bs[:], 0)), bc16(at(bs[:], 1)), bc16(at(bs[:], 2)), bc16(at(bs[:], 3))
	a4, a5, a6, a7 := bc16(at(bs[:], 4)), bc16(at(bs[:], 5)), bc16(at(bs[:], 6)), bc16(at(bs[:], 7))
	ws := uintptr(kb) * 4
	for i := 0; i < FH; i++ {
		p := unsafe.Add(in, uintptr(i*rowLen)*4)
		for j := 0; j < FW; j++ {
			v := ld16(p)
			a0 = v.MulAdd(bc16(w), a0)
			a1 = v.MulAdd(bc16(unsafe.Add(w, 4)), a1)
			a2 = v.MulAdd(bc16(unsafe.Add(w, 8)), a2)
			a3 = v.MulAdd(bc16(unsafe.Add(w, 12)), a3)
			a4 = v.MulAdd(bc16(unsafe.Add(w, 16)), a4)
			a5 = v.MulAdd(bc16(unsafe.Add(w, 20)), a5)
			a6 = v.MulAdd(bc16(unsafe.Add(w, 24)), a6)
			a7 = v.MulAdd(bc16(unsafe.Add(w, 28)), a7)
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
	st16(a0, unsafe.Pointer(&tmp[0]))
	st16(a1, unsafe.Pointer(&tmp[1]))
	st16(a2, unsafe.Pointer(&tmp[2]))
	st16(a3, unsafe.Pointer(&tmp[3]))
	st16(a4, unsafe.Pointer(&tmp[4]))
	st16(a5, unsafe.Pointer(&tmp[5]))
	st16(a6, unsafe.Pointer(&tmp[6]))
	st16(a7, unsafe.Pointer(&tmp[7]))
}

// weightGradPixAVX512 is ConvWeightGrad for units [u0, u1) of a conv that
// pixelConv(16) accepts with a filter at most 8 wide, vectorised over
// output pixels: the output gradient is transposed once, channel by
// channel (dT[k][y][x], rows zero-padded to whole vectors), and the input
// rows copied with zeros after them, so that for each channel k and filter
// row i, the 16-pixel runs of every output row multiply the input runs
// that start j values on, for all j < 8 at once, into 8 accumulators summed
// across their lanes at the end:
//
//	dw[k][i][j] += Σ_y Σ_x in[y·SH+i][x+j] · dout[y][x][k]
func weightGradPixAVX512(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, u0, u1 int) {
	owp := (g.OW + 15) / 16 * 16
	rowP := owp + 8
	rows := (g.OH-1)*g.SH + g.FH
	buf := s.get(rows*rowP + g.K*g.OH*owp)
	inP, dT := buf[:rows*rowP], buf[rows*rowP:]
	span := g.OW + g.FW - 1
	for r := range rows {
		dst := inP[r*rowP:][:rowP]
		copy(dst, in[r*g.InRow:][:span])
		clear(dst[span:])
	}
	for y := range g.OH {
		for k := range g.K {
			clear(dT[(k*g.OH+y)*owp+g.OW:][:owp-g.OW])
		}
		for x := range g.OW {
			d := dout[g.DOutOff+y*g.DOutRow+x*g.dOutPix():][:g.K]
			for k, v := range d {
				dT[(k*g.OH+y)*owp+x] = v
			}
		}
	}
	var sums [8]float32
	for u := u0; u < u1; u++ {
		b, i := u/g.FH, u%g.FH
		dwi := g.unitGrad(dw, b, i)
		for h := range min(g.KB, g.K-b*g.KB) {
			k := b*g.KB + h
			weightGradPix8(&sums, at(inP, i*rowP), uintptr(g.SH*rowP)*4, at(dT, k*g.OH*owp), g.OH, owp/16)
			for j := range g.FW {
				dwi[j*g.KB+h] += sums[j]
			}
		}
		if i == 0 && db != nil {
			// The bias gradient from the transposed gradient's rows
			// (zero past OW): no strided pass over dout.
			for h := range min(g.KB, g.K-b*g.KB) {
				k := b*g.KB + h
				db[k] += sum16(dT[k*g.OH*owp:][:g.OH*owp])
			}
		}
	}
}

// sum16 returns Σ x[i] over len(x), a multiple of 16, in 16 lanes summed
// in order at the end.
func sum16(x []float32) float32 {
	var a f16
	for i := 0; i < len(x); i += 16 {
		a = a.Add(ld16(at(x, i)))
	}
	return lanesSum(a)
}

// lanesSum returns the sum of a's lanes, in order.
func lanesSum(a f16) float32 {
	var t [16]float32
	st16(a, unsafe.Pointer(&t))
	var sum float32
	for _, v := range t {
		sum += v
	}
	return sum
}

// weightGradPix8 sets sums[j] to Σ over rows y < oh and pixels x < 16·nv of
// in[y·rowStride + x + j] · d[y·16·nv + x], for j < 8 (rowStride in bytes).
func weightGradPix8(sums *[8]float32, in unsafe.Pointer, rowStride uintptr, d unsafe.Pointer, oh, nv int) {
	var a0, a1, a2, a3, a4, a5, a6, a7 f16
	for range oh {
		p := in
		for range nv {
			v := ld16(d)
			a0 = ld16(p).MulAdd(v, a0)
			a1 = ld16(unsafe.Add(p, 4)).MulAdd(v, a1)
			a2 = ld16(unsafe.Add(p, 8)).MulAdd(v, a2)
			a3 = ld16(unsafe.Add(p, 12)).MulAdd(v, a3)
			a4 = ld16(unsafe.Add(p, 16)).MulAdd(v, a4)
			a5 = ld16(unsafe.Add(p, 20)).MulAdd(v, a5)
			a6 = ld16(unsafe.Add(p, 24)).MulAdd(v, a6)
			a7 = ld16(unsafe.Add(p, 28)).MulAdd(v, a7)
			p = unsafe.Add(p, 64)
			d = unsafe.Add(d, 64)
		}
		in = unsafe.Add(in, rowStride)
	}
	for j, a := range [8]f16{a0, a1, a2, a3, a4, a5, a6, a7} {
		sums[j] = lanesSum(a)
	}
}
