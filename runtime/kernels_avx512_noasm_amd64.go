//go:build goexperiment.simd && purego

package runtime

import "unsafe"

// Without assembly the AVX-512 path runs its Go tiles only.
const zAsm = false

func conv32Z(n int, out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8) {
	panic("conv32Z: no assembly in this build")
}

func conv8x32Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8) {
	panic("conv8x32Z: no assembly in this build")
}

func conv4x32Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8) {
	panic("conv4x32Z: no assembly in this build")
}

func conv8x16Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8) {
	panic("conv8x16Z: no assembly in this build")
}

func wgrad4x32Z(dw unsafe.Pointer, ks uintptr, in unsafe.Pointer, px uintptr, dout unsafe.Pointer, dk, n, rows, inRow, doutRow uintptr) {
	panic("wgrad4x32Z: no assembly in this build")
}

func conv2x32Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8) {
	panic("conv2x32Z: no assembly in this build")
}

func conv1x32Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8) {
	panic("conv1x32Z: no assembly in this build")
}

func convPix16x8Z(out, in, w unsafe.Pointer, rowLen, FH, FW, wStride uintptr, bias, idx unsafe.Pointer, n uintptr, act uint8) {
	panic("convPix16x8Z: no assembly in this build")
}

func conv2x16Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8) {
	panic("conv2x16Z: no assembly in this build")
}
