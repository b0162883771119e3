//go:build !purego

#include "textflag.h"

// AVX2+FMA loops of the depthwise convs; see conv_depthwise_amd64.go. The
// argument is a *dwArgs or a *dwGradArgs (in R12), whose fields are read at
// the offsets listed by their declarations. R9 is the offset of the current
// 16-channel chunk, SI the end of the chunks; both kernels of a kind share
// their set-up, chunk loop and row loop through the macros below.

// Y0..Y7 from or to 4 pixels of 16 channels at p, s and s3 = 3·s apart.
#define LOAD4PX(p, s, s3) \
	VMOVUPS (p), Y0; VMOVUPS 32(p), Y1; VMOVUPS (p)(s*1), Y2; VMOVUPS 32(p)(s*1), Y3; \
	VMOVUPS (p)(s*2), Y4; VMOVUPS 32(p)(s*2), Y5; VMOVUPS (p)(s3*1), Y6; VMOVUPS 32(p)(s3*1), Y7
#define STORE4PX(p, s, s3) \
	VMOVUPS Y0, (p); VMOVUPS Y1, 32(p); VMOVUPS Y2, (p)(s*1); VMOVUPS Y3, 32(p)(s*1); \
	VMOVUPS Y4, (p)(s*2); VMOVUPS Y5, 32(p)(s*2); VMOVUPS Y6, (p)(s3*1); VMOVUPS Y7, 32(p)(s3*1)

// op (VMAXPS, VMINPS) with v on Y0..Y7, or on Y0, Y1.
#define CLAMP8(op, v) \
	op v, Y0, Y0; op v, Y1, Y1; op v, Y2, Y2; op v, Y3, Y3; \
	op v, Y4, Y4; op v, Y5, Y5; op v, Y6, Y6; op v, Y7, Y7
#define CLAMP2(op, v) op v, Y0, Y0; op v, Y1, Y1

// The chunk loop: SI = chunks·64, R9 = 0.
#define CHUNKS \
	MOVQ a+0(FP), R12; MOVQ 96(R12), SI; SHLQ $6, SI; XORQ R9, R9

// dwTaps' walk over the taps: R13, R14 the filter row's input and weights,
// CX rows to go; DI, R8 the column strides (inCol, wCol).
#define TAPS \
	MOVQ 8(R12), R13; ADDQ R9, R13; MOVQ 16(R12), R14; ADDQ R9, R14; \
	MOVQ 80(R12), CX; MOVQ 56(R12), DI; MOVQ 72(R12), R8
#define TAPROW MOVQ R13, BX; MOVQ R14, AX; MOVQ 88(R12), DX
#define NEXTTAP ADDQ DI, BX; ADDQ R8, AX; DECQ DX
#define NEXTROW ADDQ 48(R12), R13; ADDQ 64(R12), R14; DECQ CX

// The clamp of mode AX (dwMax, dwMin) on the accumulators, by CLAMP.
#define CLAMPMODE(CLAMP, nomax, nomin) \
	MOVQ 104(R12), AX; TESTQ $4, AX; JZ nomax; VBROADCASTSS 112(R12), Y8; CLAMP(VMAXPS, Y8); \
nomax: \
	TESTQ $8, AX; JZ nomin; VBROADCASTSS 116(R12), Y9; CLAMP(VMINPS, Y9); \
nomin:

// func dwTaps4x16(a *dwArgs)
// Four pixels, inPx and outPx apart, 16 channels a chunk: 8 accumulators.
TEXT ·dwTaps4x16(SB), NOSPLIT, $0-8
	CHUNKS
	MOVQ 40(R12), R10         // inPx
	LEAQ (R10)(R10*2), R11    // 3·inPx

chunk4:
	MOVQ   104(R12), AX
	TESTQ  $2, AX
	JNZ    fromout4
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	TESTQ  $1, AX
	JZ     copy4
	MOVQ   24(R12), BX
	VMOVUPS (BX)(R9*1), Y0
	VMOVUPS 32(BX)(R9*1), Y1

copy4:
	VMOVAPS Y0, Y2
	VMOVAPS Y1, Y3
	VMOVAPS Y0, Y4
	VMOVAPS Y1, Y5
	VMOVAPS Y0, Y6
	VMOVAPS Y1, Y7
	JMP     taps4

fromout4:
	MOVQ 0(R12), DI
	ADDQ R9, DI
	MOVQ 32(R12), R8
	LEAQ (R8)(R8*2), DX
	LOAD4PX(DI, R8, DX)

taps4:
	TAPS

row4:
	TAPROW

col4:
	VMOVUPS     (AX), Y8
	VMOVUPS     32(AX), Y9
	VFMADD231PS (BX), Y8, Y0
	VFMADD231PS 32(BX), Y9, Y1
	VFMADD231PS (BX)(R10*1), Y8, Y2
	VFMADD231PS 32(BX)(R10*1), Y9, Y3
	VFMADD231PS (BX)(R10*2), Y8, Y4
	VFMADD231PS 32(BX)(R10*2), Y9, Y5
	VFMADD231PS (BX)(R11*1), Y8, Y6
	VFMADD231PS 32(BX)(R11*1), Y9, Y7
	NEXTTAP
	JNZ         col4
	NEXTROW
	JNZ         row4

	CLAMPMODE(CLAMP8, nomax4, nomin4)
	MOVQ 0(R12), DI
	ADDQ R9, DI
	MOVQ 32(R12), R8
	LEAQ (R8)(R8*2), DX
	STORE4PX(DI, R8, DX)
	ADDQ $64, R9
	CMPQ R9, SI
	JLT  chunk4
	VZEROUPPER
	RET

// func dwTaps1x16(a *dwArgs)
// One pixel, 16 channels a chunk, the taps' products in two pairs of
// accumulators (even and odd filter columns) for twice the chains.
TEXT ·dwTaps1x16(SB), NOSPLIT, $0-8
	CHUNKS

chunk1:
	MOVQ   104(R12), AX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	TESTQ  $2, AX
	JNZ    fromout1
	TESTQ  $1, AX
	JZ     taps1
	MOVQ   24(R12), BX
	VMOVUPS (BX)(R9*1), Y0
	VMOVUPS 32(BX)(R9*1), Y1
	JMP    taps1

fromout1:
	MOVQ    0(R12), DI
	VMOVUPS (DI)(R9*1), Y0
	VMOVUPS 32(DI)(R9*1), Y1

taps1:
	TAPS

row1:
	TAPROW

col1:
	VMOVUPS     (AX), Y8
	VMOVUPS     32(AX), Y9
	VFMADD231PS (BX), Y8, Y0
	VFMADD231PS 32(BX), Y9, Y1
	NEXTTAP
	JZ          rowend1
	VMOVUPS     (AX), Y8
	VMOVUPS     32(AX), Y9
	VFMADD231PS (BX), Y8, Y2
	VFMADD231PS 32(BX), Y9, Y3
	NEXTTAP
	JNZ         col1

rowend1:
	NEXTROW
	JNZ  row1

	VADDPS Y2, Y0, Y0
	VADDPS Y3, Y1, Y1
	CLAMPMODE(CLAMP2, nomax1, nomin1)
	MOVQ    0(R12), DI
	VMOVUPS Y0, (DI)(R9*1)
	VMOVUPS Y1, 32(DI)(R9*1)
	ADDQ    $64, R9
	CMPQ    R9, SI
	JLT     chunk1
	VZEROUPPER
	RET

// dwGrad's walk over rows × pixels: R13, R14 the row's input and output
// gradient, CX rows to go; R8, DI the pixel strides (inPx, doutPx); Y6, Y7
// the bias gradient's sums; each pixel loads its 16 gradients into Y8, Y9.
#define GRADROWS \
	VXORPS Y6, Y6, Y6; VXORPS Y7, Y7, Y7; \
	MOVQ 8(R12), R13; ADDQ R9, R13; MOVQ 16(R12), R14; ADDQ R9, R14; \
	MOVQ 88(R12), CX; MOVQ 48(R12), R8; MOVQ 56(R12), DI
#define GRADROW MOVQ R13, BX; MOVQ R14, AX; MOVQ 80(R12), DX
#define GRADPX VMOVUPS (AX), Y8; VMOVUPS 32(AX), Y9; VADDPS Y8, Y6, Y6; VADDPS Y9, Y7, Y7
#define NEXTPX ADDQ R8, BX; ADDQ DI, AX; DECQ DX
#define NEXTGRADROW ADDQ 64(R12), R13; ADDQ 72(R12), R14; DECQ CX

// DI = the chunk's weight gradient.
#define DWCHUNK MOVQ 0(R12), DI; ADDQ R9, DI

// Adds Y6, Y7 to the chunk's bias gradient when db is not nil, and goes to
// the next chunk.
#define BIASNEXT(label, loop) \
	MOVQ 24(R12), BX; TESTQ BX, BX; JZ label; \
	VADDPS (BX)(R9*1), Y6, Y6; VADDPS 32(BX)(R9*1), Y7, Y7; \
	VMOVUPS Y6, (BX)(R9*1); VMOVUPS Y7, 32(BX)(R9*1); \
label: \
	ADDQ $64, R9; CMPQ R9, SI; JLT loop

// func dwGrad3x16(a *dwGradArgs)
// Three taps × 16 channels a chunk, and the bias gradient when db is not
// nil: 8 accumulators over rows × n pixels.
TEXT ·dwGrad3x16(SB), NOSPLIT, $0-8
	CHUNKS
	MOVQ 32(R12), R10         // dwCol
	MOVQ 40(R12), R11         // inCol

gchunk3:
	DWCHUNK
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS (DI)(R10*1), Y2
	VMOVUPS 32(DI)(R10*1), Y3
	VMOVUPS (DI)(R10*2), Y4
	VMOVUPS 32(DI)(R10*2), Y5
	GRADROWS

grow3:
	GRADROW

gpx3:
	GRADPX
	VFMADD231PS (BX), Y8, Y0
	VFMADD231PS 32(BX), Y9, Y1
	VFMADD231PS (BX)(R11*1), Y8, Y2
	VFMADD231PS 32(BX)(R11*1), Y9, Y3
	VFMADD231PS (BX)(R11*2), Y8, Y4
	VFMADD231PS 32(BX)(R11*2), Y9, Y5
	NEXTPX
	JNZ         gpx3
	NEXTGRADROW
	JNZ         grow3

	DWCHUNK
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, (DI)(R10*1)
	VMOVUPS Y3, 32(DI)(R10*1)
	VMOVUPS Y4, (DI)(R10*2)
	VMOVUPS Y5, 32(DI)(R10*2)
	BIASNEXT(gnext3, gchunk3)
	VZEROUPPER
	RET

// func dwGrad1x16(a *dwGradArgs)
// One tap × 16 channels a chunk, and the bias gradient when db is not nil.
TEXT ·dwGrad1x16(SB), NOSPLIT, $0-8
	CHUNKS

gchunk1:
	DWCHUNK
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	GRADROWS

grow1:
	GRADROW

gpx1:
	GRADPX
	VFMADD231PS (BX), Y8, Y0
	VFMADD231PS 32(BX), Y9, Y1
	NEXTPX
	JNZ         gpx1
	NEXTGRADROW
	JNZ         grow1

	DWCHUNK
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	BIASNEXT(gnext1, gchunk1)
	VZEROUPPER
	RET
