package runtime

import "testing"

// TestGemm holds both implementations of gemm, whichever the build
// uses, to the definition: plain and transposed a, set and added, with a
// reduction length that is not a multiple of 4 and leading dimensions
// longer than the rows.
func TestGemm(t *testing.T) {
	impls := map[string]func(bool, int, int, int, []float32, int, []float32, int, []float32, int, bool){
		"gonum": gemmGonum, "go": gemmGo,
	}
	for name, gemm := range impls {
		for _, sz := range [][3]int{{1, 1, 1}, {3, 5, 7}, {64, 192, 30}, {17, 33, 64}} {
			m, n, k := sz[0], sz[1], sz[2]
			for _, trans := range []bool{false, true} {
				for _, add := range []bool{false, true} {
					r := NewRand(uint64(m*1000 + n*10 + k))
					lda, ldb, ldc := k+3, n+2, n+5
					if trans {
						lda = m + 3
					}
					a, b := randSlice(r, max(m, k)*lda), randSlice(r, k*ldb)
					c := randSlice(r, m*ldc)
					want := append([]float32(nil), c...)
					for i := range m {
						for j := range n {
							var s float64
							for l := range k {
								x := a[i*lda+l]
								if trans {
									x = a[l*lda+i]
								}
								s += float64(x) * float64(b[l*ldb+j])
							}
							if add {
								s += float64(want[i*ldc+j])
							}
							want[i*ldc+j] = float32(s)
						}
					}
					gemm(trans, m, n, k, a, lda, b, ldb, c, ldc, add)
					if d, s := maxDiff(c, want); d > 1e-5*s {
						t.Errorf("%s %v trans %v add %v: max |diff| %g (scale %g)", name, sz, trans, add, d, s)
					}
				}
			}
		}
	}
}
