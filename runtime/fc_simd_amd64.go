//go:build goexperiment.simd && !purego

package runtime

// The SIMD experiment's kernel sets run the fc tiles in assembly too: the
// AVX-512 set its Z tiles, the AVX2 set the Y tiles of asm-avx2 (and
// their axpyRows8 kernels).
func init() {
	avx512Kernels.fc = fcForwardZ
	avx2Kernels.fc = fcForwardAsm
	avx512Kernels.rows8, avx2Kernels.rows8 = rowsZ, rowsY
}
