//go:build goexperiment.simd && !purego

#include "textflag.h"

// func convPix16x8Z(out, in, w unsafe.Pointer, rowLen, FH, FW, wStride uintptr, bias, idx unsafe.Pointer, n uintptr, act uint8)
//
// convPix16x8 in assembly (see conv_small_avx512_amd64.go): 16 pixels × 8
// channels, the accumulators in Z0-Z7, each tap's 16 input values in Z8 and
// the channels' weights broadcast from memory; the same fused
// multiply-adds in the same order. It scatters the first n (1 to 8)
// channels' vectors straight into the output: channel k of pixel p to
// out[idx[p]+k] (idx: 16 int32). rowLen and wStride are in bytes.
TEXT ·convPix16x8Z(SB), NOSPLIT, $0-81
	MOVQ out+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ rowLen+24(FP), R10
	MOVQ FH+32(FP), R12
	MOVQ FW+40(FP), R11
	MOVQ wStride+48(FP), R13
	MOVQ bias+56(FP), AX
	VBROADCASTSS 0(AX), Z0
	VBROADCASTSS 4(AX), Z1
	VBROADCASTSS 8(AX), Z2
	VBROADCASTSS 12(AX), Z3
	VBROADCASTSS 16(AX), Z4
	VBROADCASTSS 20(AX), Z5
	VBROADCASTSS 24(AX), Z6
	VBROADCASTSS 28(AX), Z7

convPix16x8Z_rows:
	MOVQ SI, BX
	MOVQ R11, CX

convPix16x8Z_loop:
	VMOVUPS (BX), Z8
	VFMADD231PS.BCST 0(DX), Z8, Z0
	VFMADD231PS.BCST 4(DX), Z8, Z1
	VFMADD231PS.BCST 8(DX), Z8, Z2
	VFMADD231PS.BCST 12(DX), Z8, Z3
	VFMADD231PS.BCST 16(DX), Z8, Z4
	VFMADD231PS.BCST 20(DX), Z8, Z5
	VFMADD231PS.BCST 24(DX), Z8, Z6
	VFMADD231PS.BCST 28(DX), Z8, Z7
	ADDQ R13, DX
	ADDQ $4, BX
	DECQ CX
	JNZ  convPix16x8Z_loop
	ADDQ R10, SI
	DECQ R12
	JNZ  convPix16x8Z_rows

	MOVBLZX act+80(FP), AX
	TESTQ   AX, AX
	JZ      convPix16x8Z_store
	VPXORD  Z31, Z31, Z31
	VMAXPS  Z31, Z0, Z0
	VMAXPS  Z31, Z1, Z1
	VMAXPS  Z31, Z2, Z2
	VMAXPS  Z31, Z3, Z3
	VMAXPS  Z31, Z4, Z4
	VMAXPS  Z31, Z5, Z5
	VMAXPS  Z31, Z6, Z6
	VMAXPS  Z31, Z7, Z7
	CMPQ    AX, $2
	JNE     convPix16x8Z_store
	MOVL    $0x40c00000, AX // 6.0
	VPBROADCASTD AX, Z31
	VMINPS  Z31, Z0, Z0
	VMINPS  Z31, Z1, Z1
	VMINPS  Z31, Z2, Z2
	VMINPS  Z31, Z3, Z3
	VMINPS  Z31, Z4, Z4
	VMINPS  Z31, Z5, Z5
	VMINPS  Z31, Z6, Z6
	VMINPS  Z31, Z7, Z7

convPix16x8Z_store:
	MOVQ    idx+64(FP), AX
	VMOVDQU32 (AX), Z9
	MOVQ    n+72(FP), CX
	KXNORW  K1, K1, K1
	VSCATTERDPS Z0, K1, (DI)(Z9*4)
	CMPQ    CX, $1
	JEQ     convPix16x8Z_done
	KXNORW  K1, K1, K1
	VSCATTERDPS Z1, K1, 4(DI)(Z9*4)
	CMPQ    CX, $2
	JEQ     convPix16x8Z_done
	KXNORW  K1, K1, K1
	VSCATTERDPS Z2, K1, 8(DI)(Z9*4)
	CMPQ    CX, $3
	JEQ     convPix16x8Z_done
	KXNORW  K1, K1, K1
	VSCATTERDPS Z3, K1, 12(DI)(Z9*4)
	CMPQ    CX, $4
	JEQ     convPix16x8Z_done
	KXNORW  K1, K1, K1
	VSCATTERDPS Z4, K1, 16(DI)(Z9*4)
	CMPQ    CX, $5
	JEQ     convPix16x8Z_done
	KXNORW  K1, K1, K1
	VSCATTERDPS Z5, K1, 20(DI)(Z9*4)
	CMPQ    CX, $6
	JEQ     convPix16x8Z_done
	KXNORW  K1, K1, K1
	VSCATTERDPS Z6, K1, 24(DI)(Z9*4)
	CMPQ    CX, $7
	JEQ     convPix16x8Z_done
	KXNORW  K1, K1, K1
	VSCATTERDPS Z7, K1, 28(DI)(Z9*4)

convPix16x8Z_done:
	VZEROUPPER
	RET

// func conv2x16Z(out, in, w unsafe.Pointer, outStride, px, rowLen, T, FH, wStride uintptr, bias unsafe.Pointer, act uint8)
//
// The tail of a row of 16 channels, 2 pixels (see conv8x16Z in
// kernels_avx512_amd64.s: the same arguments, the same fused multiply-adds
// in the same order): two chains of multiply-adds interleaved, where single
// pixels run one chain each at the multiply-add's latency.
TEXT ·conv2x16Z(SB), NOSPLIT, $0-81
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
	VMOVUPS (AX), Z0
	VMOVAPS Z0, Z1

conv2x16Z_rows:
	MOVQ SI, BX
	MOVQ R11, AX

conv2x16Z_loop:
	VMOVUPS (DX), Z28
	VFMADD231PS.BCST (BX), Z28, Z0
	VFMADD231PS.BCST (BX)(R9*1), Z28, Z1
	ADDQ R13, DX
	ADDQ $4, BX
	DECQ AX
	JNZ  conv2x16Z_loop
	ADDQ R10, SI
	DECQ R12
	JNZ  conv2x16Z_rows

	MOVBLZX act+80(FP), AX
	TESTQ   AX, AX
	JZ      conv2x16Z_store
	VPXORD  Z31, Z31, Z31
	VMAXPS  Z31, Z0, Z0
	VMAXPS  Z31, Z1, Z1
	CMPQ    AX, $2
	JNE     conv2x16Z_store
	MOVL    $0x40c00000, AX // 6.0
	VPBROADCASTD AX, Z31
	VMINPS  Z31, Z0, Z0
	VMINPS  Z31, Z1, Z1

conv2x16Z_store:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, (DI)(R8*1)
	VZEROUPPER
	RET
