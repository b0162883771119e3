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
