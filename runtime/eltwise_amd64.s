//go:build !purego

#include "textflag.h"

// The asm-avx2 path's loops for batchnorm and the elementwise steps (see
// eltwise_asm_amd64.go and opsSet). Each runs over count runs (pixels),
// strides in bytes. A clamp to [lo, hi] (Y14, Y15) is a VMAXPS and a
// VMINPS ordered so that a NaN value is kept: they return their second
// source when either is NaN. A mask by y passes d where lo < y < hi.

// MASK zeroes the lanes of the gradient in Y0 where y (at addr) is not
// within (lo, hi): GT_OQ and LT_OQ are false for a NaN.
#define MASK(addr) \
	VMOVUPS addr, Y3 \
	VCMPPS  $0x1E, Y14, Y3, Y4 \
	VCMPPS  $0x11, Y15, Y3, Y5 \
	VANDPS  Y5, Y4, Y4 \
	VANDPS  Y4, Y0, Y0

// func scaleShiftRuns(out, in, scale, shift unsafe.Pointer, n, count, os, is uintptr, lo, hi float32)
TEXT ·scaleShiftRuns(SB), NOSPLIT, $0-72
	MOVQ         out+0(FP), DI
	MOVQ         in+8(FP), SI
	MOVQ         scale+16(FP), R8
	MOVQ         shift+24(FP), R9
	MOVQ         n+32(FP), CX
	MOVQ         count+40(FP), DX
	MOVQ         os+48(FP), R10
	MOVQ         is+56(FP), R11
	VBROADCASTSS lo+64(FP), Y14
	VBROADCASTSS hi+68(FP), Y15
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
	VMAXPS      Y0, Y14, Y0
	VMINPS      Y0, Y15, Y0
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
	VMAXSS      X0, X14, X0
	VMINSS      X0, X15, X0
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

// func addRuns(out, a, b unsafe.Pointer, n, count, os, as, bs uintptr, lo, hi float32)
TEXT ·addRuns(SB), NOSPLIT, $0-72
	MOVQ         out+0(FP), DI
	MOVQ         a+8(FP), SI
	MOVQ         b+16(FP), R8
	MOVQ         n+24(FP), CX
	MOVQ         count+32(FP), DX
	MOVQ         os+40(FP), R10
	MOVQ         as+48(FP), R11
	MOVQ         bs+56(FP), R9
	VBROADCASTSS lo+64(FP), Y14
	VBROADCASTSS hi+68(FP), Y15
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
	VMAXPS  Y0, Y14, Y0
	VMAXPS  Y1, Y14, Y1
	VMAXPS  Y2, Y14, Y2
	VMAXPS  Y3, Y14, Y3
	VMINPS  Y0, Y15, Y0
	VMINPS  Y1, Y15, Y1
	VMINPS  Y2, Y15, Y2
	VMINPS  Y3, Y15, Y3
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
	VMAXPS  Y0, Y14, Y0
	VMINPS  Y0, Y15, Y0
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
	VMAXSS X0, X14, X0
	VMINSS X0, X15, X0
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

// func sqDevRuns(acc, x, mean unsafe.Pointer, n, count, xs uintptr)
// n is a positive multiple of 8.
TEXT ·sqDevRuns(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ mean+16(FP), R8
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	MOVQ count+32(FP), DX
	MOVQ xs+40(FP), R9
	TESTQ DX, DX
	JZ    sqdone

sqpixel:
	XORQ BX, BX

sqloop:
	VMOVUPS     (SI)(BX*1), Y0
	VSUBPS      (R8)(BX*1), Y0, Y0
	VFMADD213PS (DI)(BX*1), Y0, Y0
	VMOVUPS     Y0, (DI)(BX*1)
	ADDQ        $32, BX
	CMPQ        BX, CX
	JNE         sqloop
	ADDQ        R9, SI
	DECQ        DX
	JNZ         sqpixel

sqdone:
	VZEROUPPER
	RET

// func gradSumsRuns(sdy, sdyx, x, d, y, mean unsafe.Pointer, n, count, xs, ds, ys uintptr, lo, hi float32, mask bool)
// n is a positive multiple of 8.
TEXT ·gradSumsRuns(SB), NOSPLIT, $0-97
	MOVQ         sdy+0(FP), DI
	MOVQ         sdyx+8(FP), SI
	MOVQ         x+16(FP), R8
	MOVQ         d+24(FP), R9
	MOVQ         y+32(FP), R10
	MOVQ         mean+40(FP), R11
	MOVQ         n+48(FP), CX
	SHLQ         $2, CX
	MOVQ         count+56(FP), DX
	MOVQ         xs+64(FP), R12
	MOVQ         ds+72(FP), R13
	MOVQ         ys+80(FP), AX
	VBROADCASTSS lo+88(FP), Y14
	VBROADCASTSS hi+92(FP), Y15
	TESTQ        DX, DX
	JZ           gsdone

gspixel:
	XORQ BX, BX

gsloop:
	VMOVUPS (R9)(BX*1), Y0
	CMPB    mask+96(FP), $0
	JEQ     gsnomask
	MASK((R10)(BX*1))

gsnomask:
	VMOVUPS     (R8)(BX*1), Y1
	VSUBPS      (R11)(BX*1), Y1, Y1
	VADDPS      (DI)(BX*1), Y0, Y2
	VMOVUPS     Y2, (DI)(BX*1)
	VFMADD213PS (SI)(BX*1), Y0, Y1
	VMOVUPS     Y1, (SI)(BX*1)
	ADDQ        $32, BX
	CMPQ        BX, CX
	JNE         gsloop
	ADDQ        R12, R8
	ADDQ        R13, R9
	ADDQ        AX, R10
	DECQ        DX
	JNZ         gspixel

gsdone:
	VZEROUPPER
	RET

// func bnGradRuns(out, d, x, y, k unsafe.Pointer, n, count, os, ds, xs, ys uintptr, lo, hi float32, mask, acc bool)
// n is a positive multiple of 8; k holds mean, a, b and e, 1024 bytes
// (bnChunk values) apart.
TEXT ·bnGradRuns(SB), NOSPLIT, $0-98
	MOVQ         out+0(FP), DI
	MOVQ         d+8(FP), SI
	MOVQ         x+16(FP), R8
	MOVQ         y+24(FP), R9
	MOVQ         k+32(FP), R10
	MOVQ         n+40(FP), CX
	SHLQ         $2, CX
	MOVQ         count+48(FP), DX
	MOVQ         os+56(FP), R11
	MOVQ         ds+64(FP), R12
	MOVQ         xs+72(FP), R13
	MOVQ         ys+80(FP), AX
	VBROADCASTSS lo+88(FP), Y14
	VBROADCASTSS hi+92(FP), Y15
	TESTQ        DX, DX
	JZ           bgdone

bgpixel:
	XORQ BX, BX

bgloop:
	VMOVUPS (SI)(BX*1), Y0
	CMPB    mask+96(FP), $0
	JEQ     bgnomask
	MASK((R9)(BX*1))

bgnomask:
	VMOVUPS     (R8)(BX*1), Y1
	VSUBPS      (R10)(BX*1), Y1, Y1         // x − mean
	VMOVUPS     1024(R10)(BX*1), Y2
	VFMADD213PS 3072(R10)(BX*1), Y2, Y0     // d·a + e
	VFMADD231PS 2048(R10)(BX*1), Y1, Y0     // + (x − mean)·b
	CMPB        acc+97(FP), $0
	JEQ         bgstore
	VADDPS      (DI)(BX*1), Y0, Y0

bgstore:
	VMOVUPS Y0, (DI)(BX*1)
	ADDQ    $32, BX
	CMPQ    BX, CX
	JNE     bgloop
	ADDQ    R11, DI
	ADDQ    R12, SI
	ADDQ    R13, R8
	ADDQ    AX, R9
	DECQ    DX
	JNZ     bgpixel

bgdone:
	VZEROUPPER
	RET
