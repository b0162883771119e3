package runtime

import (
	"gonum.org/v1/gonum/blas"
	gonumblas "gonum.org/v1/gonum/blas/gonum"
)

var sgemm gonumblas.Implementation

// portableGemm computes the matrix product c = a·b (m × n, rows of ldc), or
// adds it to c: a is m × k with rows of lda, or, transposed, stored k × m;
// b is k × n with rows of ldb. The portable kernels' products go through
// it. It is gemmGonum where gonum has assembly inner loops (amd64), else
// gemmGo (gemm_gonum.go, gemm_go.go). m ≤ 64 and n ≤ 192 (see gemmGonum).
//
// BenchmarkGemm, 64×192×256 on one core (3 runs each): gonum's Sgemm 20-21
// GFLOP/s with its SSE assembly, 3.1-3.5 without (pure Go, as on other
// platforms, -tags noasm); gemmGo 7.5-9.3 either way.

// gemmGonum is portableGemm by gonum's Sgemm. It multiplies in parallel,
// starting goroutines and allocating, from 4 blocks of 64×64: 64 × 192 is
// the widest product it runs serially.
func gemmGonum(trans bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, add bool) {
	ta, beta := blas.NoTrans, float32(0)
	if trans {
		ta = blas.Trans
	}
	if add {
		beta = 1
	}
	sgemm.Sgemm(ta, blas.NoTrans, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}

// gemmGo is portableGemm in Go: each row of c gets four rows of b at a time,
// scaled by their four values of a, in one pass (a scalar loop, which one
// load and store of c serves for four multiply-adds; gonum's pure-Go Sgemm
// adds one row at a time). Every row of c is computed the same way whatever
// m is, which keeps a conv's bits independent of how its tiles are split
// into calls (TestConvForwardWinogradSplit caught a variant that paired
// rows and left an odd one to a plainer loop; it gained nothing either).
func gemmGo(trans bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, add bool) {
	ai, al := lda, 1 // a(i, l) = a[i·ai + l·al]
	if trans {
		ai, al = 1, lda
	}
	for i := range m {
		cr := c[i*ldc:][:n]
		if !add {
			clear(cr)
		}
		ar := a[i*ai:]
		l := 0
		for ; l+4 <= k; l += 4 {
			x0, x1, x2, x3 := ar[l*al], ar[(l+1)*al], ar[(l+2)*al], ar[(l+3)*al]
			b0, b1, b2, b3 := b[l*ldb:][:n], b[(l+1)*ldb:][:n], b[(l+2)*ldb:][:n], b[(l+3)*ldb:][:n]
			for j := range cr {
				cr[j] += x0*b0[j] + x1*b1[j] + x2*b2[j] + x3*b3[j]
			}
		}
		for ; l < k; l++ {
			x, bl := ar[l*al], b[l*ldb:][:n]
			for j := range cr {
				cr[j] += x * bl[j]
			}
		}
	}
}
