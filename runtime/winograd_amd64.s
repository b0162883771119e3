//go:build !purego

#include "textflag.h"

// AVX2 transforms of Winograd's F(2×2, 3×3), 8 channels (one YMM vector)
// at a time; see winograd.go for the maths and winograd_amd64.go for the
// Go loops around them. Strides are in bytes; each function runs groups
// (at least one) of 8 channels, 32 bytes apart in every operand, and does
// the additions in the order of the portable transforms.

// WINO_IN_ROW stores a row e (Y0-Y3) of Bᵀ d times B at DX, R10 bytes
// apart: e0-e2, e1+e2, e2-e1, e1-e3 (R12 = 3·R10).
#define WINO_IN_ROW \
	VSUBPS  Y2, Y0, Y12; \
	VMOVUPS Y12, (DX); \
	VADDPS  Y2, Y1, Y13; \
	VMOVUPS Y13, (DX)(R10*1); \
	VSUBPS  Y1, Y2, Y14; \
	VMOVUPS Y14, (DX)(R10*2); \
	VSUBPS  Y3, Y1, Y15; \
	VMOVUPS Y15, (DX)(R12*1)

// func winoIn8(v, in unsafe.Pointer, groups, row, px, st uintptr)
TEXT ·winoIn8(SB), NOSPLIT, $0-48
	MOVQ v+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ groups+16(FP), CX
	MOVQ row+24(FP), R8
	MOVQ px+32(FP), R9
	MOVQ st+40(FP), R10
	LEAQ (R9)(R9*2), R11
	LEAQ (R10)(R10*2), R12
	LEAQ (SI)(R8*1), R13
	LEAQ (R13)(R8*1), R14
	LEAQ (R14)(R8*1), BX
	MOVQ R10, AX
	SHLQ $2, AX

in8:
	// Input rows 1 (Y4-Y7) and 2 (Y8-Y11) serve three rows of Bᵀ d.
	VMOVUPS (R13), Y4
	VMOVUPS (R13)(R9*1), Y5
	VMOVUPS (R13)(R9*2), Y6
	VMOVUPS (R13)(R11*1), Y7
	VMOVUPS (R14), Y8
	VMOVUPS (R14)(R9*1), Y9
	VMOVUPS (R14)(R9*2), Y10
	VMOVUPS (R14)(R11*1), Y11
	MOVQ    DI, DX

	// d0 - d2
	VMOVUPS (SI), Y0
	VSUBPS  Y8, Y0, Y0
	VMOVUPS (SI)(R9*1), Y1
	VSUBPS  Y9, Y1, Y1
	VMOVUPS (SI)(R9*2), Y2
	VSUBPS  Y10, Y2, Y2
	VMOVUPS (SI)(R11*1), Y3
	VSUBPS  Y11, Y3, Y3
	WINO_IN_ROW
	ADDQ    AX, DX

	// d1 + d2
	VADDPS Y8, Y4, Y0
	VADDPS Y9, Y5, Y1
	VADDPS Y10, Y6, Y2
	VADDPS Y11, Y7, Y3
	WINO_IN_ROW
	ADDQ   AX, DX

	// d2 - d1
	VSUBPS Y4, Y8, Y0
	VSUBPS Y5, Y9, Y1
	VSUBPS Y6, Y10, Y2
	VSUBPS Y7, Y11, Y3
	WINO_IN_ROW
	ADDQ   AX, DX

	// d1 - d3
	VSUBPS (BX), Y4, Y0
	VSUBPS (BX)(R9*1), Y5, Y1
	VSUBPS (BX)(R9*2), Y6, Y2
	VSUBPS (BX)(R11*1), Y7, Y3
	WINO_IN_ROW

	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R13
	ADDQ $32, R14
	ADDQ $32, BX
	DECQ CX
	JNZ  in8
	VZEROUPPER
	RET

// WINO_OUT_COL puts a column of Aᵀ M in S0 (x0+x1+x2) and S1 (x1-x2-x3),
// M's values at X0..X3.
#define WINO_OUT_COL(X0, X1, X2, X3, S0, S1) \
	VMOVUPS X1, Y8; \
	VMOVUPS X2, Y9; \
	VMOVUPS X0, S0; \
	VADDPS  Y8, S0, S0; \
	VADDPS  Y9, S0, S0; \
	VSUBPS  Y9, Y8, S1; \
	VSUBPS  X3, S1, S1

// WINO_OUT_ROW computes in O0 and O1 the two outputs of a row s (A..D) of
// Aᵀ M, plus the bias Y10.
#define WINO_OUT_ROW(A, B, C, D, O0, O1) \
	VADDPS B, A, O0; \
	VADDPS C, O0, O0; \
	VADDPS Y10, O0, O0; \
	VSUBPS C, B, O1; \
	VSUBPS D, O1, O1; \
	VADDPS Y10, O1, O1

// func winoOut8(out, m unsafe.Pointer, groups, st, row, px uintptr, bias unsafe.Pointer, bstep uintptr, relu bool)
TEXT ·winoOut8(SB), NOSPLIT, $0-65
	MOVQ    out+0(FP), DI
	MOVQ    m+8(FP), SI
	MOVQ    groups+16(FP), CX
	MOVQ    st+24(FP), R8
	MOVQ    row+32(FP), R9
	MOVQ    px+40(FP), R10
	MOVQ    bias+48(FP), DX
	MOVBLZX relu+64(FP), AX
	LEAQ    (R8)(R8*2), R11
	MOVQ    R8, R12
	SHLQ    $2, R12
	LEAQ    (SI)(R12*1), R13
	LEAQ    (R13)(R12*1), R14
	LEAQ    (R14)(R12*1), BX
	VXORPS  Y15, Y15, Y15

out8:
	WINO_OUT_COL((SI), (R13), (R14), (BX), Y0, Y4)
	WINO_OUT_COL((SI)(R8*1), (R13)(R8*1), (R14)(R8*1), (BX)(R8*1), Y1, Y5)
	WINO_OUT_COL((SI)(R8*2), (R13)(R8*2), (R14)(R8*2), (BX)(R8*2), Y2, Y6)
	WINO_OUT_COL((SI)(R11*1), (R13)(R11*1), (R14)(R11*1), (BX)(R11*1), Y3, Y7)
	VMOVUPS (DX), Y10
	WINO_OUT_ROW(Y0, Y1, Y2, Y3, Y11, Y12)
	WINO_OUT_ROW(Y4, Y5, Y6, Y7, Y13, Y14)
	TESTQ   AX, AX
	JZ      out8store
	VMAXPS  Y15, Y11, Y11
	VMAXPS  Y15, Y12, Y12
	VMAXPS  Y15, Y13, Y13
	VMAXPS  Y15, Y14, Y14

out8store:
	VMOVUPS Y11, (DI)
	VMOVUPS Y12, (DI)(R10*1)
	LEAQ    (DI)(R9*1), R12
	VMOVUPS Y13, (R12)
	VMOVUPS Y14, (R12)(R10*1)

	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R13
	ADDQ $32, R14
	ADDQ $32, BX
	ADDQ bstep+56(FP), DX
	DECQ CX
	JNZ  out8
	VZEROUPPER
	RET

// WINO_GRAD_OUT_ROW stores a row (P, Q) of A dY times Aᵀ at DX, R8 bytes
// apart: p, p+q, p-q, -q (R11 = 3·R8, Y15 = 0).
#define WINO_GRAD_OUT_ROW(P, Q) \
	VMOVUPS P, (DX); \
	VADDPS  Q, P, Y8; \
	VMOVUPS Y8, (DX)(R8*1); \
	VSUBPS  Q, P, Y9; \
	VMOVUPS Y9, (DX)(R8*2); \
	VSUBPS  Q, Y15, Y10; \
	VMOVUPS Y10, (DX)(R11*1)

// func winoGradOut8(z, dout unsafe.Pointer, groups, st, row, px uintptr)
TEXT ·winoGradOut8(SB), NOSPLIT, $0-48
	MOVQ   z+0(FP), DI
	MOVQ   dout+8(FP), SI
	MOVQ   groups+16(FP), CX
	MOVQ   st+24(FP), R8
	MOVQ   row+32(FP), R9
	MOVQ   px+40(FP), R10
	LEAQ   (R8)(R8*2), R11
	MOVQ   R8, AX
	SHLQ   $2, AX
	LEAQ   (R9)(R10*1), R12
	VXORPS Y15, Y15, Y15

gout8:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R10*1), Y1
	VMOVUPS (SI)(R9*1), Y2
	VMOVUPS (SI)(R12*1), Y3
	MOVQ    DI, DX
	WINO_GRAD_OUT_ROW(Y0, Y1)
	ADDQ    AX, DX
	VADDPS  Y2, Y0, Y4
	VADDPS  Y3, Y1, Y5
	WINO_GRAD_OUT_ROW(Y4, Y5)
	ADDQ    AX, DX
	VSUBPS  Y2, Y0, Y4
	VSUBPS  Y3, Y1, Y5
	WINO_GRAD_OUT_ROW(Y4, Y5)
	ADDQ    AX, DX
	VSUBPS  Y2, Y15, Y4
	VSUBPS  Y3, Y15, Y5
	WINO_GRAD_OUT_ROW(Y4, Y5)

	ADDQ $32, DI
	ADDQ $32, SI
	DECQ CX
	JNZ  gout8
	VZEROUPPER
	RET

// WINO_GRAD_W_COL puts a column of Gᵀ dU in H0 (u0 + m), H1 ((u1-u2)·½) and
// H2 (m + u3), m = (u1+u2)·½, dU's values at U0..U3; Y14 = ½.
#define WINO_GRAD_W_COL(U0, U1, U2, U3, H0, H1, H2) \
	VMOVUPS U1, Y12; \
	VMOVUPS U2, Y13; \
	VADDPS  Y13, Y12, H2; \
	VMULPS  Y14, H2, H2; \
	VADDPS  U0, H2, H0; \
	VSUBPS  Y13, Y12, H1; \
	VMULPS  Y14, H1, H1; \
	VADDPS  U3, H2, H2

// WINO_GRAD_W_ROW adds a row (A..D) of Gᵀ dU times G to the three filter
// positions at P, R9 bytes apart: a + m, (b-c)·½, m + d, m = (b+c)·½.
#define WINO_GRAD_W_ROW(A, B, C, D, P) \
	VADDPS  C, B, Y12; \
	VMULPS  Y14, Y12, Y12; \
	VADDPS  Y12, A, Y13; \
	VADDPS  (P), Y13, Y13; \
	VMOVUPS Y13, (P); \
	VSUBPS  C, B, Y13; \
	VMULPS  Y14, Y13, Y13; \
	VADDPS  (P)(R9*1), Y13, Y13; \
	VMOVUPS Y13, (P)(R9*1); \
	VADDPS  D, Y12, Y13; \
	VADDPS  (P)(R9*2), Y13, Y13; \
	VMOVUPS Y13, (P)(R9*2)

// func winoGradW8(dw, du unsafe.Pointer, groups, st, row uintptr)
TEXT ·winoGradW8(SB), NOSPLIT, $0-40
	MOVQ         dw+0(FP), DI
	MOVQ         du+8(FP), SI
	MOVQ         groups+16(FP), CX
	MOVQ         st+24(FP), R8
	MOVQ         row+32(FP), R9
	LEAQ         (R8)(R8*2), R11
	MOVQ         R8, AX
	SHLQ         $2, AX
	LEAQ         (SI)(AX*1), R12
	LEAQ         (R12)(AX*1), R13
	LEAQ         (R13)(AX*1), BX
	LEAQ         (R9)(R9*2), AX
	LEAQ         (DI)(AX*1), DX
	LEAQ         (DX)(AX*1), R14
	MOVL         $0x3f000000, R10
	MOVQ         R10, X14
	VBROADCASTSS X14, Y14

gw8:
	WINO_GRAD_W_COL((SI), (R12), (R13), (BX), Y0, Y4, Y8)
	WINO_GRAD_W_COL((SI)(R8*1), (R12)(R8*1), (R13)(R8*1), (BX)(R8*1), Y1, Y5, Y9)
	WINO_GRAD_W_COL((SI)(R8*2), (R12)(R8*2), (R13)(R8*2), (BX)(R8*2), Y2, Y6, Y10)
	WINO_GRAD_W_COL((SI)(R11*1), (R12)(R11*1), (R13)(R11*1), (BX)(R11*1), Y3, Y7, Y11)
	WINO_GRAD_W_ROW(Y0, Y1, Y2, Y3, DI)
	WINO_GRAD_W_ROW(Y4, Y5, Y6, Y7, DX)
	WINO_GRAD_W_ROW(Y8, Y9, Y10, Y11, R14)

	ADDQ $32, DI
	ADDQ $32, DX
	ADDQ $32, R14
	ADDQ $32, SI
	ADDQ $32, R12
	ADDQ $32, R13
	ADDQ $32, BX
	DECQ CX
	JNZ  gw8
	VZEROUPPER
	RET

// WINO_W_COL computes column j of G f, (T0, T1, T2, T3), from the
// column (A, B, C) of f: f0, ½((f0+f1)+f2), ½((f0−f1)+f2), f2.
#define WINO_W_COL(A, B, C, T0, T1, T2, T3) \
	VMOVUPS A, T0; \
	VMOVUPS C, T3; \
	VADDPS  B, T0, T1; \
	VADDPS  T3, T1, T1; \
	VMULPS  Y14, T1, T1; \
	VSUBPS  B, T0, T2; \
	VADDPS  T3, T2, T2; \
	VMULPS  Y14, T2, T2

// WINO_W_ROW stores row (R0, R1, R2) of G f times Gᵀ at P, P+R8, P+2·R8,
// P+R11: r0, ½((r0+r1)+r2), ½((r0−r1)+r2), r2.
#define WINO_W_ROW(R0, R1, R2, P) \
	VMOVUPS R0, (P); \
	VADDPS  R1, R0, Y12; \
	VADDPS  R2, Y12, Y12; \
	VMULPS  Y14, Y12, Y12; \
	VMOVUPS Y12, (P)(R8*1); \
	VSUBPS  R1, R0, Y13; \
	VADDPS  R2, Y13, Y13; \
	VMULPS  Y14, Y13, Y13; \
	VMOVUPS Y13, (P)(R8*2); \
	VMOVUPS R2, (P)(R11*1)

// func winoW8(u, w unsafe.Pointer, groups, ust, wst uintptr)
//
// WinogradWeights' transform of 8·groups consecutive values of a weight
// block: filter tap (i, j) at w + (3i+j)·wst, tile position ξ at
// u + ξ·ust (strides in bytes).
TEXT ·winoW8(SB), NOSPLIT, $0-40
	MOVQ         u+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         groups+16(FP), CX
	MOVQ         ust+24(FP), R8
	MOVQ         wst+32(FP), R9
	LEAQ         (R8)(R8*2), R11
	MOVQ         R8, AX
	SHLQ         $2, AX
	LEAQ         (DI)(AX*1), DX
	LEAQ         (DX)(AX*1), R14
	LEAQ         (R14)(AX*1), BX
	LEAQ         (R9)(R9*2), AX
	LEAQ         (SI)(AX*1), R12
	LEAQ         (R12)(AX*1), R13
	MOVL         $0x3f000000, R10
	MOVQ         R10, X14
	VBROADCASTSS X14, Y14

ww8:
	WINO_W_COL((SI), (R12), (R13), Y0, Y3, Y6, Y9)
	WINO_W_COL((SI)(R9*1), (R12)(R9*1), (R13)(R9*1), Y1, Y4, Y7, Y10)
	WINO_W_COL((SI)(R9*2), (R12)(R9*2), (R13)(R9*2), Y2, Y5, Y8, Y11)
	WINO_W_ROW(Y0, Y1, Y2, DI)
	WINO_W_ROW(Y3, Y4, Y5, DX)
	WINO_W_ROW(Y6, Y7, Y8, R14)
	WINO_W_ROW(Y9, Y10, Y11, BX)

	ADDQ $32, DI
	ADDQ $32, DX
	ADDQ $32, R14
	ADDQ $32, BX
	ADDQ $32, SI
	ADDQ $32, R12
	ADDQ $32, R13
	DECQ CX
	JNZ  ww8
	VZEROUPPER
	RET
