//go:build !purego

#include "textflag.h"

// tanh, sigmoid and their derivatives, 8 values a vector (vecmath.go
// gives the formulas and their accuracy). The constants are rows of 8
// equal lanes in vmathK, one row 32 bytes.

#define ABS ·vmathK+0(SB)
#define SIGN ·vmathK+32(SB)
#define BIAS ·vmathK+64(SB)
#define ONE ·vmathK+96(SB)
#define HALF ·vmathK+128(SB)
#define T_CLAMP ·vmathK+160(SB)
#define T_NCLAMP ·vmathK+192(SB)
#define T_TINY ·vmathK+224(SB)
#define T_A1 ·vmathK+256(SB)
#define T_A3 ·vmathK+288(SB)
#define T_A5 ·vmathK+320(SB)
#define T_A7 ·vmathK+352(SB)
#define T_A9 ·vmathK+384(SB)
#define T_A11 ·vmathK+416(SB)
#define T_A13 ·vmathK+448(SB)
#define T_B0 ·vmathK+480(SB)
#define T_B2 ·vmathK+512(SB)
#define T_B4 ·vmathK+544(SB)
#define T_B6 ·vmathK+576(SB)
#define E_HI ·vmathK+608(SB)
#define E_LO ·vmathK+640(SB)
#define E_LOG2E ·vmathK+672(SB)
#define E_C1 ·vmathK+704(SB)
#define E_C2 ·vmathK+736(SB)
#define E_P0 ·vmathK+768(SB)
#define E_P1 ·vmathK+800(SB)
#define E_P2 ·vmathK+832(SB)
#define E_P3 ·vmathK+864(SB)
#define E_P4 ·vmathK+896(SB)
#define E_P5 ·vmathK+928(SB)

// func tanh8(o, v unsafe.Pointer, n uintptr)
// tanh(x) ≈ x·P(x²)/Q(x²) on x clamped to ±7.9053 (where it is 1 in
// float32 already), x itself below 0.0004; a NaN stays NaN (the clamps
// return their second source, x, when it is a NaN).
TEXT ·tanh8(SB), NOSPLIT, $0-24
	MOVQ o+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   tanhdone

tanhloop:
	VMOVUPS     (SI), Y0
	VMOVUPS     T_CLAMP, Y1
	VMINPS      Y0, Y1, Y1
	VMOVUPS     T_NCLAMP, Y2
	VMAXPS      Y1, Y2, Y1        // x clamped
	VMULPS      Y1, Y1, Y2        // x²
	VMOVUPS     T_A13, Y3
	VFMADD213PS T_A11, Y2, Y3
	VFMADD213PS T_A9, Y2, Y3
	VFMADD213PS T_A7, Y2, Y3
	VFMADD213PS T_A5, Y2, Y3
	VFMADD213PS T_A3, Y2, Y3
	VFMADD213PS T_A1, Y2, Y3
	VMULPS      Y1, Y3, Y3        // P
	VMOVUPS     T_B6, Y4
	VFMADD213PS T_B4, Y2, Y4
	VFMADD213PS T_B2, Y2, Y4
	VFMADD213PS T_B0, Y2, Y4      // Q
	VDIVPS      Y4, Y3, Y3
	VANDPS      ABS, Y0, Y5
	VMOVUPS     T_TINY, Y6
	VCMPPS      $0x11, Y6, Y5, Y5 // |x| < tiny
	VBLENDVPS   Y5, Y0, Y3, Y3
	VMOVUPS     Y3, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         tanhloop

tanhdone:
	VZEROUPPER
	RET

// func sigmoid8(o, v unsafe.Pointer, n uintptr)
// 1/(1 + e^−x), e^t as Cephes' expf: t clamped to [−87.34, 88.38],
// t = k·ln2 + r with k = floor(t·log₂e + ½) and ln2 in two parts, e^r by a
// polynomial, 2^k built in the exponent bits.
TEXT ·sigmoid8(SB), NOSPLIT, $0-24
	MOVQ o+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   sigdone

sigloop:
	VMOVUPS      (SI), Y0
	VXORPS       SIGN, Y0, Y0      // t = −x
	VMOVUPS      E_HI, Y1
	VMINPS       Y0, Y1, Y1
	VMOVUPS      E_LO, Y2
	VMAXPS       Y1, Y2, Y0        // t clamped, a NaN kept
	VMOVUPS      E_LOG2E, Y1
	VFMADD213PS  HALF, Y0, Y1
	VROUNDPS     $1, Y1, Y1        // k = floor(t·log₂e + ½)
	VFNMADD231PS E_C1, Y1, Y0      // r = t − k·C1
	VFNMADD231PS E_C2, Y1, Y0      //     − k·C2
	VMULPS       Y0, Y0, Y2        // r²
	VMOVUPS      E_P0, Y3
	VFMADD213PS  E_P1, Y0, Y3
	VFMADD213PS  E_P2, Y0, Y3
	VFMADD213PS  E_P3, Y0, Y3
	VFMADD213PS  E_P4, Y0, Y3
	VFMADD213PS  E_P5, Y0, Y3
	VFMADD213PS  Y0, Y2, Y3        // p·r² + r
	VADDPS       ONE, Y3, Y3       // e^r
	VCVTTPS2DQ   Y1, Y1
	VPADDD       BIAS, Y1, Y1
	VPSLLD       $23, Y1, Y1       // 2^k
	VMULPS       Y1, Y3, Y3        // e^t
	VADDPS       ONE, Y3, Y3
	VMOVUPS      ONE, Y4
	VDIVPS       Y3, Y4, Y4
	VMOVUPS      Y4, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DI
	DECQ         CX
	JNZ          sigloop

sigdone:
	VZEROUPPER
	RET

// func tanhGrad8(d, y unsafe.Pointer, n uintptr)
// d = (1 − y·y)·d
TEXT ·tanhGrad8(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   tgdone
	VMOVUPS ONE, Y15

tgloop:
	VMOVUPS (SI), Y0
	VMULPS  Y0, Y0, Y0
	VSUBPS  Y0, Y15, Y0
	VMULPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     tgloop

tgdone:
	VZEROUPPER
	RET

// func sigmoidGrad8(d, y unsafe.Pointer, n uintptr)
// d = y·(1 − y)·d
TEXT ·sigmoidGrad8(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   sgdone
	VMOVUPS ONE, Y15

sgloop:
	VMOVUPS (SI), Y0
	VSUBPS  Y0, Y15, Y1
	VMULPS  Y1, Y0, Y0
	VMULPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     sgloop

sgdone:
	VZEROUPPER
	RET

DATA ·vmathK+0(SB)/8, $0x7fffffff7fffffff
DATA ·vmathK+8(SB)/8, $0x7fffffff7fffffff
DATA ·vmathK+16(SB)/8, $0x7fffffff7fffffff
DATA ·vmathK+24(SB)/8, $0x7fffffff7fffffff
DATA ·vmathK+32(SB)/8, $0x8000000080000000
DATA ·vmathK+40(SB)/8, $0x8000000080000000
DATA ·vmathK+48(SB)/8, $0x8000000080000000
DATA ·vmathK+56(SB)/8, $0x8000000080000000
DATA ·vmathK+64(SB)/8, $0x0000007f0000007f
DATA ·vmathK+72(SB)/8, $0x0000007f0000007f
DATA ·vmathK+80(SB)/8, $0x0000007f0000007f
DATA ·vmathK+88(SB)/8, $0x0000007f0000007f
DATA ·vmathK+96(SB)/8, $0x3f8000003f800000
DATA ·vmathK+104(SB)/8, $0x3f8000003f800000
DATA ·vmathK+112(SB)/8, $0x3f8000003f800000
DATA ·vmathK+120(SB)/8, $0x3f8000003f800000
DATA ·vmathK+128(SB)/8, $0x3f0000003f000000
DATA ·vmathK+136(SB)/8, $0x3f0000003f000000
DATA ·vmathK+144(SB)/8, $0x3f0000003f000000
DATA ·vmathK+152(SB)/8, $0x3f0000003f000000
DATA ·vmathK+160(SB)/8, $0x40fcf84f40fcf84f
DATA ·vmathK+168(SB)/8, $0x40fcf84f40fcf84f
DATA ·vmathK+176(SB)/8, $0x40fcf84f40fcf84f
DATA ·vmathK+184(SB)/8, $0x40fcf84f40fcf84f
DATA ·vmathK+192(SB)/8, $0xc0fcf84fc0fcf84f
DATA ·vmathK+200(SB)/8, $0xc0fcf84fc0fcf84f
DATA ·vmathK+208(SB)/8, $0xc0fcf84fc0fcf84f
DATA ·vmathK+216(SB)/8, $0xc0fcf84fc0fcf84f
DATA ·vmathK+224(SB)/8, $0x39d1b71739d1b717
DATA ·vmathK+232(SB)/8, $0x39d1b71739d1b717
DATA ·vmathK+240(SB)/8, $0x39d1b71739d1b717
DATA ·vmathK+248(SB)/8, $0x39d1b71739d1b717
DATA ·vmathK+256(SB)/8, $0x3ba059dc3ba059dc
DATA ·vmathK+264(SB)/8, $0x3ba059dc3ba059dc
DATA ·vmathK+272(SB)/8, $0x3ba059dc3ba059dc
DATA ·vmathK+280(SB)/8, $0x3ba059dc3ba059dc
DATA ·vmathK+288(SB)/8, $0x3a270ded3a270ded
DATA ·vmathK+296(SB)/8, $0x3a270ded3a270ded
DATA ·vmathK+304(SB)/8, $0x3a270ded3a270ded
DATA ·vmathK+312(SB)/8, $0x3a270ded3a270ded
DATA ·vmathK+320(SB)/8, $0x3779434a3779434a
DATA ·vmathK+328(SB)/8, $0x3779434a3779434a
DATA ·vmathK+336(SB)/8, $0x3779434a3779434a
DATA ·vmathK+344(SB)/8, $0x3779434a3779434a
DATA ·vmathK+352(SB)/8, $0x335c0041335c0041
DATA ·vmathK+360(SB)/8, $0x335c0041335c0041
DATA ·vmathK+368(SB)/8, $0x335c0041335c0041
DATA ·vmathK+376(SB)/8, $0x335c0041335c0041
DATA ·vmathK+384(SB)/8, $0xaebd37ffaebd37ff
DATA ·vmathK+392(SB)/8, $0xaebd37ffaebd37ff
DATA ·vmathK+400(SB)/8, $0xaebd37ffaebd37ff
DATA ·vmathK+408(SB)/8, $0xaebd37ffaebd37ff
DATA ·vmathK+416(SB)/8, $0x2a61337e2a61337e
DATA ·vmathK+424(SB)/8, $0x2a61337e2a61337e
DATA ·vmathK+432(SB)/8, $0x2a61337e2a61337e
DATA ·vmathK+440(SB)/8, $0x2a61337e2a61337e
DATA ·vmathK+448(SB)/8, $0xa59f25c0a59f25c0
DATA ·vmathK+456(SB)/8, $0xa59f25c0a59f25c0
DATA ·vmathK+464(SB)/8, $0xa59f25c0a59f25c0
DATA ·vmathK+472(SB)/8, $0xa59f25c0a59f25c0
DATA ·vmathK+480(SB)/8, $0x3ba059dd3ba059dd
DATA ·vmathK+488(SB)/8, $0x3ba059dd3ba059dd
DATA ·vmathK+496(SB)/8, $0x3ba059dd3ba059dd
DATA ·vmathK+504(SB)/8, $0x3ba059dd3ba059dd
DATA ·vmathK+512(SB)/8, $0x3b14aa053b14aa05
DATA ·vmathK+520(SB)/8, $0x3b14aa053b14aa05
DATA ·vmathK+528(SB)/8, $0x3b14aa053b14aa05
DATA ·vmathK+536(SB)/8, $0x3b14aa053b14aa05
DATA ·vmathK+544(SB)/8, $0x38f895d638f895d6
DATA ·vmathK+552(SB)/8, $0x38f895d638f895d6
DATA ·vmathK+560(SB)/8, $0x38f895d638f895d6
DATA ·vmathK+568(SB)/8, $0x38f895d638f895d6
DATA ·vmathK+576(SB)/8, $0x35a0d3d835a0d3d8
DATA ·vmathK+584(SB)/8, $0x35a0d3d835a0d3d8
DATA ·vmathK+592(SB)/8, $0x35a0d3d835a0d3d8
DATA ·vmathK+600(SB)/8, $0x35a0d3d835a0d3d8
DATA ·vmathK+608(SB)/8, $0x42b0c0a542b0c0a5
DATA ·vmathK+616(SB)/8, $0x42b0c0a542b0c0a5
DATA ·vmathK+624(SB)/8, $0x42b0c0a542b0c0a5
DATA ·vmathK+632(SB)/8, $0x42b0c0a542b0c0a5
DATA ·vmathK+640(SB)/8, $0xc2aeac4fc2aeac4f
DATA ·vmathK+648(SB)/8, $0xc2aeac4fc2aeac4f
DATA ·vmathK+656(SB)/8, $0xc2aeac4fc2aeac4f
DATA ·vmathK+664(SB)/8, $0xc2aeac4fc2aeac4f
DATA ·vmathK+672(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA ·vmathK+680(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA ·vmathK+688(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA ·vmathK+696(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA ·vmathK+704(SB)/8, $0x3f3180003f318000
DATA ·vmathK+712(SB)/8, $0x3f3180003f318000
DATA ·vmathK+720(SB)/8, $0x3f3180003f318000
DATA ·vmathK+728(SB)/8, $0x3f3180003f318000
DATA ·vmathK+736(SB)/8, $0xb95e8083b95e8083
DATA ·vmathK+744(SB)/8, $0xb95e8083b95e8083
DATA ·vmathK+752(SB)/8, $0xb95e8083b95e8083
DATA ·vmathK+760(SB)/8, $0xb95e8083b95e8083
DATA ·vmathK+768(SB)/8, $0x3950696739506967
DATA ·vmathK+776(SB)/8, $0x3950696739506967
DATA ·vmathK+784(SB)/8, $0x3950696739506967
DATA ·vmathK+792(SB)/8, $0x3950696739506967
DATA ·vmathK+800(SB)/8, $0x3ab743ce3ab743ce
DATA ·vmathK+808(SB)/8, $0x3ab743ce3ab743ce
DATA ·vmathK+816(SB)/8, $0x3ab743ce3ab743ce
DATA ·vmathK+824(SB)/8, $0x3ab743ce3ab743ce
DATA ·vmathK+832(SB)/8, $0x3c0889083c088908
DATA ·vmathK+840(SB)/8, $0x3c0889083c088908
DATA ·vmathK+848(SB)/8, $0x3c0889083c088908
DATA ·vmathK+856(SB)/8, $0x3c0889083c088908
DATA ·vmathK+864(SB)/8, $0x3d2aa9c13d2aa9c1
DATA ·vmathK+872(SB)/8, $0x3d2aa9c13d2aa9c1
DATA ·vmathK+880(SB)/8, $0x3d2aa9c13d2aa9c1
DATA ·vmathK+888(SB)/8, $0x3d2aa9c13d2aa9c1
DATA ·vmathK+896(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA ·vmathK+904(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA ·vmathK+912(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA ·vmathK+920(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA ·vmathK+928(SB)/8, $0x3f0000003f000000
DATA ·vmathK+936(SB)/8, $0x3f0000003f000000
DATA ·vmathK+944(SB)/8, $0x3f0000003f000000
DATA ·vmathK+952(SB)/8, $0x3f0000003f000000
GLOBL ·vmathK(SB), RODATA|NOPTR, $960
