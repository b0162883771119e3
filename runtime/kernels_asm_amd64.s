//go:build !purego

#include "textflag.h"

// AVX2+FMA micro-kernels for builds without Go's SIMD experiment. Strides
// are in bytes. See kernels_asm_amd64.go.

// func convTile4x16(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8)
TEXT ·convTile4x16(SB), NOSPLIT, $0-81
	MOVQ out+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ outStride+24(FP), R8
	MOVQ px+32(FP), R9
	MOVQ rowLen+40(FP), R10
	MOVQ T+48(FP), R11
	MOVQ FH+56(FP), R12
	MOVQ wStride+64(FP), R13
	MOVQ bias+72(FP), AX
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y1, Y3
	VMOVAPS Y0, Y4
	VMOVAPS Y1, Y5
	VMOVAPS Y0, Y6
	VMOVAPS Y1, Y7
	LEAQ (R9)(R9*2), R14

rows4:
	MOVQ SI, BX
	MOVQ R11, CX

loop4:
	VMOVUPS (DX), Y8
	VMOVUPS 32(DX), Y9
	VBROADCASTSS (BX), Y10
	VFMADD231PS Y8, Y10, Y0
	VFMADD231PS Y9, Y10, Y1
	VBROADCASTSS (BX)(R9*1), Y11
	VFMADD231PS Y8, Y11, Y2
	VFMADD231PS Y9, Y11, Y3
	VBROADCASTSS (BX)(R9*2), Y12
	VFMADD231PS Y8, Y12, Y4
	VFMADD231PS Y9, Y12, Y5
	VBROADCASTSS (BX)(R14*1), Y13
	VFMADD231PS Y8, Y13, Y6
	VFMADD231PS Y9, Y13, Y7
	ADDQ R13, DX
	ADDQ $4, BX
	DECQ CX
	JNZ  loop4
	ADDQ R10, SI
	DECQ R12
	JNZ  rows4

	MOVBLZX act+80(FP), AX
	TESTQ   AX, AX
	JZ      store4
	VXORPS  Y14, Y14, Y14
	VMAXPS  Y14, Y0, Y0
	VMAXPS  Y14, Y1, Y1
	VMAXPS  Y14, Y2, Y2
	VMAXPS  Y14, Y3, Y3
	VMAXPS  Y14, Y4, Y4
	VMAXPS  Y14, Y5, Y5
	VMAXPS  Y14, Y6, Y6
	VMAXPS  Y14, Y7, Y7
	CMPQ    AX, $2
	JNE     store4
	MOVL    $0x40c00000, AX // 6.0
	VMOVD   AX, X14
	VBROADCASTSS X14, Y14
	VMINPS  Y14, Y0, Y0
	VMINPS  Y14, Y1, Y1
	VMINPS  Y14, Y2, Y2
	VMINPS  Y14, Y3, Y3
	VMINPS  Y14, Y4, Y4
	VMINPS  Y14, Y5, Y5
	VMINPS  Y14, Y6, Y6
	VMINPS  Y14, Y7, Y7

store4:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, (DI)(R8*1)
	VMOVUPS Y3, 32(DI)(R8*1)
	VMOVUPS Y4, (DI)(R8*2)
	VMOVUPS Y5, 32(DI)(R8*2)
	LEAQ    (R8)(R8*2), AX
	VMOVUPS Y6, (DI)(AX*1)
	VMOVUPS Y7, 32(DI)(AX*1)
	VZEROUPPER
	RET

// func convTile1x16(out, in, w unsafe.Pointer, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8)
TEXT ·convTile1x16(SB), NOSPLIT, $0-65
	MOVQ out+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ rowLen+24(FP), R10
	MOVQ T+32(FP), R11
	MOVQ FH+40(FP), R12
	MOVQ wStride+48(FP), R13
	MOVQ bias+56(FP), AX
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1

rows1:
	MOVQ SI, BX
	MOVQ R11, CX

loop1:
	VBROADCASTSS (BX), Y10
	VFMADD231PS  (DX), Y10, Y0
	VFMADD231PS  32(DX), Y10, Y1
	ADDQ         R13, DX
	ADDQ         $4, BX
	DECQ         CX
	JNZ          loop1
	ADDQ         R10, SI
	DECQ         R12
	JNZ          rows1

	MOVBLZX act+64(FP), AX
	TESTQ   AX, AX
	JZ      store1
	VXORPS  Y14, Y14, Y14
	VMAXPS  Y14, Y0, Y0
	VMAXPS  Y14, Y1, Y1
	CMPQ    AX, $2
	JNE     store1
	MOVL    $0x40c00000, AX // 6.0
	VMOVD   AX, X14
	VBROADCASTSS X14, Y14
	VMINPS  Y14, Y0, Y0
	VMINPS  Y14, Y1, Y1

store1:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VZEROUPPER
	RET

// func wgradRows4x16(dw unsafe.Pointer, ks uintptr, in unsafe.Pointer, px uintptr, dout unsafe.Pointer, dk, n, rows, inRow, doutRow uintptr)
TEXT ·wgradRows4x16(SB), NOSPLIT, $0-80
	MOVQ dw+0(FP), DI
	MOVQ ks+8(FP), R8
	MOVQ in+16(FP), R11
	MOVQ px+24(FP), R9
	MOVQ dout+32(FP), R12
	MOVQ dk+40(FP), R10
	MOVQ rows+56(FP), R13
	LEAQ (R8)(R8*2), AX
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS (DI)(R8*1), Y2
	VMOVUPS 32(DI)(R8*1), Y3
	VMOVUPS (DI)(R8*2), Y4
	VMOVUPS 32(DI)(R8*2), Y5
	VMOVUPS (DI)(AX*1), Y6
	VMOVUPS 32(DI)(AX*1), Y7

wrows4:
	MOVQ n+48(FP), CX
	MOVQ R11, SI
	MOVQ R12, DX

wloop4:
	VMOVUPS      (DX), Y8
	VMOVUPS      32(DX), Y9
	VBROADCASTSS (SI), Y10
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VBROADCASTSS 4(SI), Y11
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VBROADCASTSS 8(SI), Y12
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VBROADCASTSS 12(SI), Y13
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         R9, SI
	ADDQ         R10, DX
	DECQ         CX
	JNZ          wloop4
	ADDQ         inRow+64(FP), R11
	ADDQ         doutRow+72(FP), R12
	DECQ         R13
	JNZ          wrows4
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, (DI)(R8*1)
	VMOVUPS Y3, 32(DI)(R8*1)
	VMOVUPS Y4, (DI)(R8*2)
	VMOVUPS Y5, 32(DI)(R8*2)
	VMOVUPS Y6, (DI)(AX*1)
	VMOVUPS Y7, 32(DI)(AX*1)
	VZEROUPPER
	RET

// func wgradRows1x16(dw, in unsafe.Pointer, px uintptr, dout unsafe.Pointer, dk, n, rows, inRow, doutRow uintptr)
TEXT ·wgradRows1x16(SB), NOSPLIT, $0-72
	MOVQ dw+0(FP), DI
	MOVQ in+8(FP), R11
	MOVQ px+16(FP), R9
	MOVQ dout+24(FP), R12
	MOVQ dk+32(FP), R10
	MOVQ rows+48(FP), R13
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1

wrows1:
	MOVQ n+40(FP), CX
	MOVQ R11, SI
	MOVQ R12, DX

wloop1:
	VBROADCASTSS (SI), Y10
	VFMADD231PS  (DX), Y10, Y0
	VFMADD231PS  32(DX), Y10, Y1
	ADDQ         R9, SI
	ADDQ         R10, DX
	DECQ         CX
	JNZ          wloop1
	ADDQ         inRow+56(FP), R11
	ADDQ         doutRow+64(FP), R12
	DECQ         R13
	JNZ          wrows1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VZEROUPPER
	RET

// func dot32(x, y unsafe.Pointer, n uintptr) float32
// Σ x[i]·y[i] over the first n values, n a multiple of 32, in four
// 8-lane sums with unaligned loads: the order of the additions does not
// depend on where x and y lie.
TEXT ·dot32(SB), NOSPLIT, $0-28
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DX
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	SHRQ   $5, CX
	JZ     dotdone

dotloop:
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VMOVUPS     64(SI), Y6
	VMOVUPS     96(SI), Y7
	VFMADD231PS (DX), Y4, Y0
	VFMADD231PS 32(DX), Y5, Y1
	VFMADD231PS 64(DX), Y6, Y2
	VFMADD231PS 96(DX), Y7, Y3
	ADDQ        $128, SI
	ADDQ        $128, DX
	DECQ        CX
	JNZ         dotloop

dotdone:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VMOVSS       X0, ret+24(FP)
	VZEROUPPER
	RET
