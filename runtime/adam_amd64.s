//go:build !purego

#include "textflag.h"

// func adam8(wp, gp, mp, vp unsafe.Pointer, n uintptr, c *AdamCoeffs, shrink, decay bool)
//
// The coefficients, at their offsets in AdamCoeffs: Decay 0, Shrink 4,
// Beta1 8, OneB1 12, Beta2 16, OneB2 20, BC2Sqrt 24, Eps 28, NegStep 32.
TEXT ·adam8(SB), NOSPLIT, $0-50
	MOVQ wp+0(FP), DI
	MOVQ gp+8(FP), SI
	MOVQ mp+16(FP), DX
	MOVQ vp+24(FP), CX
	MOVQ n+32(FP), R8
	MOVQ c+40(FP), R9
	MOVBQZX shrink+48(FP), R10
	MOVBQZX decay+49(FP), R11
	VBROADCASTSS 0(R9), Y8   // Decay
	VBROADCASTSS 4(R9), Y9   // Shrink
	VBROADCASTSS 8(R9), Y10  // Beta1
	VBROADCASTSS 12(R9), Y11 // OneB1
	VBROADCASTSS 16(R9), Y12 // Beta2
	VBROADCASTSS 20(R9), Y13 // OneB2
	VBROADCASTSS 24(R9), Y14 // BC2Sqrt
	VBROADCASTSS 28(R9), Y15 // Eps
	VBROADCASTSS 32(R9), Y7  // NegStep

loop:
	VMOVUPS (DI), Y0 // w
	VMOVUPS (SI), Y1 // g
	TESTQ   R10, R10
	JZ      noshrink
	VMULPS  Y9, Y0, Y0 // w·Shrink

noshrink:
	TESTQ       R11, R11
	JZ          nodecay
	VFMADD231PS Y8, Y0, Y1 // g' = w·Decay + g

nodecay:
	VMULPS      (DX), Y10, Y2 // m·β1
	VFMADD231PS Y11, Y1, Y2   // m = g'·(1−β1) + m·β1
	VMULPS      Y13, Y1, Y3   // (1−β2)·g'
	VMULPS      (CX), Y12, Y4 // v·β2
	VFMADD231PS Y3, Y1, Y4    // v = g'·((1−β2)·g') + v·β2
	VMOVUPS     Y2, (DX)
	VMOVUPS     Y4, (CX)
	VSQRTPS     Y4, Y5
	VDIVPS      Y14, Y5, Y5 // sqrt(v) / sqrt(1−β2^t)
	VADDPS      Y15, Y5, Y5 // + eps
	VMULPS      Y7, Y2, Y6  // NegStep·m
	VDIVPS      Y5, Y6, Y6  // / d
	VADDPS      Y6, Y0, Y0  // w + ...
	VMOVUPS     Y0, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, CX
	SUBQ        $8, R8
	JNZ         loop
	VZEROUPPER
	RET
