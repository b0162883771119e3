//go:build !purego

package runtime

import "unsafe"

// The asm kernels are AVX2+FMA micro-kernels written in Go's assembler:
// the same 4 pixels × 16 channels tiles as the AVX2 set, for builds without
// Go's SIMD experiment (a production build, usually) on amd64 CPUs that
// have AVX2. The loops that call them are the AVX2 set's, in Go.

var asmKernels = kernelSet{
	name:           "asm-avx2",
	convForward:    convForwardAsm,
	convWeightGrad: convWeightGradAsm,
	dot:            dotAsm,
	axpy:           axpyAsm,
	fc:             fcForwardAsm,
	rows8:          rowsY,
	maxPoolForward: maxPoolForwardAsm,
	maxPool:        maxPoolAsm,
	math:           asmMath,
	reluGrad:       reluGradAsm,
	addRows:        addRowsAsm,
	winoIn:         winoInAVX2,
	winoOut:        winoOutAVX2,
	winoGradOut:    winoGradOutAVX2,
	winoGradW:      winoGradWAVX2,
	dwTaps:         dwTapsAsm,
	dwGrad:         dwGradAsm,
}

func init() {
	registerKernels(&asmKernels)
}

//go:noescape
func convTile4x16(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8)

//go:noescape
func convTile1x16(out, in, w unsafe.Pointer, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8)

// wgradRows4x16 and wgradRows1x16 add, over rows rows of n positions each,
// the window values at in (4, or 1, contiguous) times the 16 gradients at
// dout to the weight gradients at dw. Strides are in bytes; rows and n are
// at least 1.
//
//go:noescape
func wgradRows4x16(dw unsafe.Pointer, ks uintptr, in unsafe.Pointer, px uintptr, dout unsafe.Pointer, dk, n, rows, inRow, doutRow uintptr)

//go:noescape
func wgradRows1x16(dw, in unsafe.Pointer, px uintptr, dout unsafe.Pointer, dk, n, rows, inRow, doutRow uintptr)

//go:noescape
func dot32(x, y unsafe.Pointer, n uintptr) float32

// dotAsm is Σ x[i]·y[i]: dot32 over the multiples of 32, then the rest in
// order. Unlike gonum's Dot, which first steps to an aligned address, its
// sums do not depend on where x and y lie, so that a sample's fc outputs
// are the same bits whichever buffer holds its input.
func dotAsm(x, y []float32) float32 {
	n := len(x) &^ 31
	var sum float32
	if n > 0 {
		sum = dot32(ptr(x, 0), ptr(y[:n], 0), uintptr(n))
	}
	for i := n; i < len(x); i++ {
		sum += x[i] * y[i]
	}
	return sum
}

func ptr(s []float32, i int) unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(unsafe.SliceData(s)), uintptr(i)*4)
}

// convForwardAsm runs 4×16 tiles along rows for each group of 16 channels.
func convForwardAsm(g *ConvGeom, s *Scratch, out, in, w, bias []float32, y0, y1 int) {
	convForward16(g, s, out, in, w, bias, y0, y1, convTile4x16Asm, convTile1x16Asm)
}

func convTile4x16Asm(g *ConvGeom, out, in, w unsafe.Pointer, bs *[16]float32, outStride int) {
	convTile4x16(out, in, w, uintptr(outStride)*4, uintptr(g.SW*g.inPix())*4, uintptr(g.InRow)*4, uintptr(g.T()), uintptr(g.FH), uintptr(g.KB)*4,
		unsafe.Pointer(bs), g.storeAct())
}

func convTile1x16Asm(g *ConvGeom, out, in, w unsafe.Pointer, bs *[16]float32, _ int) {
	convTile1x16(out, in, w, uintptr(g.InRow)*4, uintptr(g.T()), uintptr(g.FH), uintptr(g.KB)*4, unsafe.Pointer(bs), g.storeAct())
}

// convWeightGradAsm accumulates 4 window values × 16 channels at a time
// (weightGradWalk orders the work).
func convWeightGradAsm(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, u0, u1 int) {
	weightGradWalk(g, s, dw, db, in, dout, u0, u1, weightGradGroupAsm)
}

// weightGradGroupAsm runs one channel group, in halves of 16, over
// positions [x0, x1) of rows [y0, y1).
func weightGradGroupAsm(g *ConvGeom, dwi, in, dout []float32, i, h, k0, width, lanes, y0, y1, x0, x1 int) {
	T := g.T()
	px, dk, ks := uintptr(g.SW*g.inPix())*4, uintptr(g.dOutPix())*4, uintptr(g.KB)*4
	n := uintptr(x1 - x0)
	for half := 0; half < width; half += 16 {
		valid := min(16, lanes-half)
		if valid <= 0 {
			return
		}
		if valid < 16 {
			weightGradLanes(g, dwi, in, dout, i, h+half, k0+half, valid, y0, y1, x0, x1)
			continue
		}
		src := (y0*g.SH+i)*g.InRow + x0*g.SW*g.inPix()
		d := ptr(dout, g.DOutOff+y0*g.DOutRow+x0*g.dOutPix()+k0+half)
		rows, inRow, dRow := uintptr(y1-y0), uintptr(g.SH*g.InRow)*4, uintptr(g.DOutRow)*4
		t := 0
		for ; t+4 <= T; t += 4 {
			wgradRows4x16(ptr(dwi, t*g.KB+h+half), ks, ptr(in, src+t), px, d, dk, n, rows, inRow, dRow)
		}
		for ; t < T; t++ {
			wgradRows1x16(ptr(dwi, t*g.KB+h+half), ptr(in, src+t), px, d, dk, n, rows, inRow, dRow)
		}
	}
}
