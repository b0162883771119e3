//go:build !purego

#include "textflag.h"

// The asm-avx2 path's level-1 loops (vecops_amd64.go): 8 values a vector,
// the last few one at a time, in the portable loops' order of operations.

// func reluGrad8(d, y unsafe.Pointer, n uintptr)
// d[i] = 0 where y[i] <= 0 (a NaN y keeps d).
TEXT ·reluGrad8(SB), NOSPLIT, $0-24
	MOVQ   d+0(FP), DI
	MOVQ   y+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y15, Y15, Y15
	MOVQ   CX, R8
	SHRQ   $5, R8
	JZ     rg8

rg32:
	VCMPPS  $0x1D, (SI), Y15, Y0 // 0 >= y: y <= 0, not a NaN
	VCMPPS  $0x1D, 32(SI), Y15, Y1
	VCMPPS  $0x1D, 64(SI), Y15, Y2
	VCMPPS  $0x1D, 96(SI), Y15, Y3
	VANDNPS (DI), Y0, Y0
	VANDNPS 32(DI), Y1, Y1
	VANDNPS 64(DI), Y2, Y2
	VANDNPS 96(DI), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	DECQ    R8
	JNZ     rg32

rg8:
	MOVQ CX, R8
	ANDQ $31, R8
	SHRQ $3, R8
	JZ   rg1

rg8loop:
	VCMPPS  $0x1D, (SI), Y15, Y0
	VANDNPS (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    R8
	JNZ     rg8loop

rg1:
	ANDQ $7, CX
	JZ   rgdone

rg1loop:
	VCMPSS  $0x1D, (SI), X15, X0
	VANDNPS (DI), X0, X0
	VMOVSS  X0, (DI)
	ADDQ    $4, SI
	ADDQ    $4, DI
	DECQ    CX
	JNZ     rg1loop

rgdone:
	VZEROUPPER
	RET

// func axpy8(alpha float32, x, y unsafe.Pointer, n uintptr)
// y[i] += alpha·x[i], fused (one rounding), the last few too.
TEXT ·axpy8(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Y15
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DI
	MOVQ         n+24(FP), CX
	MOVQ         CX, R8
	SHRQ         $5, R8
	JZ           ax8

ax32:
	VMOVUPS     (DI), Y0
	VMOVUPS     32(DI), Y1
	VMOVUPS     64(DI), Y2
	VMOVUPS     96(DI), Y3
	VFMADD231PS (SI), Y15, Y0
	VFMADD231PS 32(SI), Y15, Y1
	VFMADD231PS 64(SI), Y15, Y2
	VFMADD231PS 96(SI), Y15, Y3
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, 32(DI)
	VMOVUPS     Y2, 64(DI)
	VMOVUPS     Y3, 96(DI)
	ADDQ        $128, SI
	ADDQ        $128, DI
	DECQ        R8
	JNZ         ax32

ax8:
	MOVQ CX, R8
	ANDQ $31, R8
	SHRQ $3, R8
	JZ   ax1

ax8loop:
	VMOVUPS     (DI), Y0
	VFMADD231PS (SI), Y15, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        R8
	JNZ         ax8loop

ax1:
	ANDQ $7, CX
	JZ   axdone

ax1loop:
	VMOVSS      (DI), X0
	VFMADD231SS (SI), X15, X0
	VMOVSS      X0, (DI)
	ADDQ        $4, SI
	ADDQ        $4, DI
	DECQ        CX
	JNZ         ax1loop

axdone:
	VZEROUPPER
	RET

// func addRows8(acc, x unsafe.Pointer, n, stride, count uintptr)
// acc[i] += x[p·stride + i] for p = 0, 1, ..., count−1 in turn; stride in
// bytes, count at least 1.
TEXT ·addRows8(SB), NOSPLIT, $0-40
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ stride+24(FP), R9
	MOVQ count+32(FP), R10
	MOVQ CX, R8
	SHRQ $5, R8
	JZ   ar8

ar32:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	MOVQ    SI, AX
	MOVQ    R10, DX

ar32row:
	VADDPS (AX), Y0, Y0
	VADDPS 32(AX), Y1, Y1
	VADDPS 64(AX), Y2, Y2
	VADDPS 96(AX), Y3, Y3
	ADDQ   R9, AX
	DECQ   DX
	JNZ    ar32row
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	DECQ    R8
	JNZ     ar32

ar8:
	MOVQ CX, R8
	ANDQ $31, R8
	SHRQ $3, R8
	JZ   ar1

ar8loop:
	VMOVUPS (DI), Y0
	MOVQ    SI, AX
	MOVQ    R10, DX

ar8row:
	VADDPS (AX), Y0, Y0
	ADDQ   R9, AX
	DECQ   DX
	JNZ    ar8row
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    R8
	JNZ     ar8loop

ar1:
	ANDQ $7, CX
	JZ   ardone

ar1loop:
	VMOVSS (DI), X0
	MOVQ   SI, AX
	MOVQ   R10, DX

ar1row:
	VADDSS (AX), X0, X0
	ADDQ   R9, AX
	DECQ   DX
	JNZ    ar1row
	VMOVSS X0, (DI)
	ADDQ   $4, SI
	ADDQ   $4, DI
	DECQ   CX
	JNZ    ar1loop

ardone:
	VZEROUPPER
	RET
