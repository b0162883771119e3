//go:build !purego

#include "textflag.h"

// Max pooling of one output pixel, 8 channels a vector (see pool_amd64.go).
// in points at channel 0 of the window's first input pixel; rows are inRow
// bytes apart, pixels px bytes. Each vector of the window is compared with
// the best so far: a greater value or a NaN replaces it (the first of a tie
// stays), as the portable loop does.

// func maxPool8(out, in unsafe.Pointer, chunks, nh, nw, inRow, px uintptr)
TEXT ·maxPool8(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ chunks+16(FP), CX
	MOVQ nh+24(FP), R8
	MOVQ nw+32(FP), R9
	MOVQ inRow+40(FP), R10
	MOVQ px+48(FP), R11

mpchunk:
	VMOVUPS (SI), Y0 // the best so far
	VXORPS  Y1, Y1, Y1 // the lanes that met a NaN
	MOVQ    SI, AX
	MOVQ    R8, R12

mprow:
	MOVQ AX, BX
	MOVQ R9, R13

mpcol:
	// max with the best as second source: a NaN best stays, a NaN value
	// is caught by the unordered compare.
	VMOVUPS (BX), Y2
	VMAXPS  Y0, Y2, Y0
	VCMPPS  $3, Y2, Y2, Y3
	VORPS   Y3, Y1, Y1
	ADDQ    R11, BX
	DECQ    R13
	JNZ     mpcol
	ADDQ    R10, AX
	DECQ    R12
	JNZ     mprow

	VORPS   Y1, Y0, Y0 // all ones: a NaN
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     mpchunk
	VZEROUPPER
	RET

// func maxPoolIdx8(out, idx, in unsafe.Pointer, chunks, nh, nw, inRow, px, d0, dRow, dPix uintptr)
// idx receives, lane by lane, d0 + i·dRow + j·dPix + c for the value chosen
// at window row i, column j, channel c.
TEXT ·maxPoolIdx8(SB), NOSPLIT, $0-88
	MOVQ         out+0(FP), DI
	MOVQ         idx+8(FP), DX
	MOVQ         in+16(FP), SI
	MOVQ         chunks+24(FP), CX
	MOVQ         nh+32(FP), R8
	MOVQ         nw+40(FP), R9
	MOVQ         inRow+48(FP), R10
	MOVQ         px+56(FP), R11
	MOVQ         dRow+72(FP), AX
	MOVQ         AX, X9
	VPBROADCASTD X9, Y9 // a row's step
	MOVQ         dPix+80(FP), AX
	MOVQ         AX, X8
	VPBROADCASTD X8, Y8 // a pixel's step
	MOVL         $8, AX
	MOVQ         AX, X10
	VPBROADCASTD X10, Y10 // a chunk's step
	VMOVDQU      ·iotaAsm(SB), Y15 // 0, 1, ..., 7: each lane's channel
	MOVQ         d0+64(FP), AX
	MOVQ         AX, X6
	VPBROADCASTD X6, Y6
	VPADDD       Y6, Y15, Y15 // d0 + lane

idxchunk:
	VMOVUPS Y15, Y7 // the offset of each lane's first value
	VMOVUPS (SI), Y0
	VMOVUPS Y7, Y1  // the offset of the best
	MOVQ    SI, AX
	MOVQ    R8, R12

idxrow:
	MOVQ AX, BX
	MOVQ R9, R13
	VMOVUPS Y7, Y5

idxcol:
	VMOVUPS   (BX), Y2
	VCMPPS    $0x1E, Y0, Y2, Y3 // greater than the best
	VCMPPS    $3, Y2, Y2, Y4    // or a NaN
	VORPS     Y4, Y3, Y3
	VBLENDVPS Y3, Y2, Y0, Y0
	VBLENDVPS Y3, Y5, Y1, Y1
	VPADDD    Y8, Y5, Y5
	ADDQ      R11, BX
	DECQ      R13
	JNZ       idxcol
	VPADDD    Y9, Y7, Y7
	ADDQ      R10, AX
	DECQ      R12
	JNZ       idxrow

	VMOVUPS Y0, (DI)
	VMOVDQU Y1, (DX)
	VPADDD  Y10, Y15, Y15
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     idxchunk
	VZEROUPPER
	RET

DATA ·iotaAsm+0(SB)/4, $0
DATA ·iotaAsm+4(SB)/4, $1
DATA ·iotaAsm+8(SB)/4, $2
DATA ·iotaAsm+12(SB)/4, $3
DATA ·iotaAsm+16(SB)/4, $4
DATA ·iotaAsm+20(SB)/4, $5
DATA ·iotaAsm+24(SB)/4, $6
DATA ·iotaAsm+28(SB)/4, $7
GLOBL ·iotaAsm(SB), RODATA|NOPTR, $32
