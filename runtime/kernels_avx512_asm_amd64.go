//go:build goexperiment.simd && !purego

package runtime

import "unsafe"

//go:generate go run gentiles.go

// The AVX-512 path's conv tiles in assembly (kernels_avx512_amd64.s): Go's
// compiler keeps SIMD values in Z0-Z14 and moves them between registers
// (and to the stack: conv8x16's 8 accumulators and 8 broadcasts) at every
// step of the reduction; the assembly keeps 16 accumulators, the weights
// and the broadcasts in registers. Each pixel's sum runs in the same order
// as in the Go tiles (t ascending, one fused multiply-add each), so the
// results are the same bits.
//
// Each computes pixels (input windows px bytes apart, outputs outStride
// bytes apart) × channels from the biases at bias, over FH rows (rowLen
// bytes apart) of T window values, the weights wStride bytes apart from one
// window value to the next; act: 0 none, 1 relu, 2 relu6.

//go:noescape
func conv8x32Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8)

//go:noescape
func conv4x32Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8)

// conv2x32Z and conv1x32Z are the tails of a row (2 pixels, 1 pixel) of
// 32 channels; conv1x32Z ignores outStride.
//
//go:noescape
func conv2x32Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8)

//go:noescape
func conv1x32Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8)

//go:noescape
func conv8x16Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8)

// wgrad4x32Z adds, over rows rows of n positions each (both at least 1),
// the 4 window values at in (contiguous; the next position's px bytes on,
// the next row's inRow) times the 32 gradients at dout (dk, doutRow) to
// the weight gradients at dw (4 rows of 32, ks bytes apart): weightGrad4x32
// in assembly, the same fused multiply-adds in the same order.
//
//go:noescape
func wgrad4x32Z(dw unsafe.Pointer, ks uintptr, in unsafe.Pointer, px uintptr, dout unsafe.Pointer, dk, n, rows, inRow, doutRow uintptr)

// convPix16x8Z is convPix16x8 (conv_small_avx512_amd64.go) in
// assembly (conv_small_avx512_amd64.s), scattering the first n channels
// of pixel p to out[idx[p]+k]; rowLen and wStride are in bytes.
//
//go:noescape
func convPix16x8Z(out, in, w unsafe.Pointer, rowLen, FH, FW, wStride uintptr, bias, idx unsafe.Pointer, n uintptr, act uint8)

// conv2x16Z is the tail of a row of 16 channels, 2 pixels
// (conv_small_avx512_amd64.s).
//
//go:noescape
func conv2x16Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8)

// zAsm says the tiles above exist (not in a purego build).
const zAsm = true
