//go:build !purego

#include "textflag.h"

// The asm-avx2 path's loops for batchnorm and the elementwise steps (see
// eltwise_asm_amd64.go). Each runs over count runs of n values, strides in
// bytes. A relu is a max with a floor held in Y15: 0 for relu, −∞ (which
// changes nothing) without; the operands are ordered so that a NaN value
// is kept (VMAXPS returns its second source when either is NaN).

// func scaleShiftRuns(out, in, scale, shift unsafe.Pointer, n, count, os, is uintptr, relu bool)
TEXT ·scaleShiftRuns(SB), NOSPLIT, $0-65
	MOVQ out+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ scale+16(FP), R8
	MOVQ shift+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ count+40(FP), DX
	MOVQ os+48(FP), R10
	MOVQ is+56(FP), R11
	MOVL         $0xFF800000, R13
	MOVBLZX      relu+64(FP), AX
	TESTQ        AX, AX
	JZ           ssfloor
	XORL         R13, R13

ssfloor:
	MOVQ         R13, X15
	VBROADCASTSS X15, Y15
	TESTQ        DX, DX
	JZ           ssdone

sspixel:
	XORQ BX, BX
	MOVQ CX, R12
	SHRQ $3, R12
	JZ   sstail

ssvec:
	VMOVUPS     (SI)(BX*1), Y0
	VMOVUPS     (R8)(BX*1), Y1
	VFMADD213PS (R9)(BX*1), Y1, Y0
	VMAXPS      Y0, Y15, Y0
	VMOVUPS     Y0, (DI)(BX*1)
	ADDQ        $32, BX
	DECQ        R12
	JNZ         ssvec

sstail:
	MOVQ CX, R12
	ANDQ $7, R12
	JZ   ssnext

ssone:
	VMOVSS      (SI)(BX*1), X0
	VMOVSS      (R8)(BX*1), X1
	VFMADD213SS (R9)(BX*1), X1, X0
	VMAXSS      X0, X15, X0
	VMOVSS      X0, (DI)(BX*1)
	ADDQ        $4, BX
	DECQ        R12
	JNZ         ssone

ssnext:
	ADDQ R10, DI
	ADDQ R11, SI
	DECQ DX
	JNZ  sspixel

ssdone:
	VZEROUPPER
	RET

// func addRuns(out, a, b unsafe.Pointer, n, count, os, as, bs uintptr, relu bool)
TEXT ·addRuns(SB), NOSPLIT, $0-65
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ count+32(FP), DX
	MOVQ os+40(FP), R10
	MOVQ as+48(FP), R11
	MOVQ bs+56(FP), R9
	MOVL         $0xFF800000, R13
	MOVBLZX      relu+64(FP), AX
	TESTQ        AX, AX
	JZ           addfloor
	XORL         R13, R13

addfloor:
	MOVQ         R13, X15
	VBROADCASTSS X15, Y15
	TESTQ        DX, DX
	JZ           adddone

addrun:
	XORQ BX, BX
	MOVQ CX, R12
	SHRQ $5, R12
	JZ   add8

add32:
	VMOVUPS (SI)(BX*1), Y0
	VMOVUPS 32(SI)(BX*1), Y1
	VMOVUPS 64(SI)(BX*1), Y2
	VMOVUPS 96(SI)(BX*1), Y3
	VADDPS  (R8)(BX*1), Y0, Y0
	VADDPS  32(R8)(BX*1), Y1, Y1
	VADDPS  64(R8)(BX*1), Y2, Y2
	VADDPS  96(R8)(BX*1), Y3, Y3
	VMAXPS  Y0, Y15, Y0
	VMAXPS  Y1, Y15, Y1
	VMAXPS  Y2, Y15, Y2
	VMAXPS  Y3, Y15, Y3
	VMOVUPS Y0, (DI)(BX*1)
	VMOVUPS Y1, 32(DI)(BX*1)
	VMOVUPS Y2, 64(DI)(BX*1)
	VMOVUPS Y3, 96(DI)(BX*1)
	ADDQ    $128, BX
	DECQ    R12
	JNZ     add32

add8:
	MOVQ CX, R12
	ANDQ $31, R12
	SHRQ $3, R12
	JZ   addtail

add8loop:
	VMOVUPS (SI)(BX*1), Y0
	VADDPS  (R8)(BX*1), Y0, Y0
	VMAXPS  Y0, Y15, Y0
	VMOVUPS Y0, (DI)(BX*1)
	ADDQ    $32, BX
	DECQ    R12
	JNZ     add8loop

addtail:
	MOVQ CX, R12
	ANDQ $7, R12
	JZ   addnext

addone:
	VMOVSS (SI)(BX*1), X0
	VADDSS (R8)(BX*1), X0, X0
	VMAXSS X0, X15, X0
	VMOVSS X0, (DI)(BX*1)
	ADDQ   $4, BX
	DECQ   R12
	JNZ    addone

addnext:
	ADDQ R10, DI
	ADDQ R11, SI
	ADDQ R9, R8
	DECQ DX
	JNZ  addrun

adddone:
	VZEROUPPER
	RET
