//go:build !purego

#include "textflag.h"

// func sgd8(wp, gp, vp unsafe.Pointer, n uintptr, c *sgdCoeffs, mode uintptr)
//
// The coefficients, at their offsets in sgdCoeffs: LR 0, Momentum 4,
// WeightDecay 8. Every product is rounded before its sum, as in Go.
TEXT ·sgd8(SB), NOSPLIT, $0-48
	MOVQ wp+0(FP), DI
	MOVQ gp+8(FP), SI
	MOVQ vp+16(FP), DX
	MOVQ n+24(FP), R8
	MOVQ c+32(FP), R9
	MOVQ mode+40(FP), R10
	VBROADCASTSS 0(R9), Y8  // LR
	VBROADCASTSS 4(R9), Y9  // Momentum
	VBROADCASTSS 8(R9), Y10 // WeightDecay

loop:
	VMOVUPS (DI), Y0      // w
	VMULPS  Y10, Y0, Y1   // wd·w
	VADDPS  (SI), Y1, Y1  // g' = g + wd·w
	CMPQ    R10, $1
	JB      update        // mode 0: no momentum
	JE      store         // mode 1: v = g'
	VMULPS  (DX), Y9, Y2  // μ·v
	VADDPS  Y1, Y2, Y1    // v = μ·v + g'

store:
	VMOVUPS Y1, (DX)
	ADDQ    $32, DX

update:
	VMULPS  Y8, Y1, Y1 // lr·v
	VSUBPS  Y1, Y0, Y0 // w - lr·v
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, R8
	JNZ     loop
	VZEROUPPER
	RET
