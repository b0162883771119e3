package runtime

import (
	"math"
	"testing"
)

// TestWinogradWeightsLoops: WinogradWeights' F(2×2, 3×3) loop of this
// build (the vector one on amd64) and the portable one compute G f Gᵀ as
// the matrix products written out here in float32 (G's coefficients are 0,
// ±½ and 1: every product is exact, the sums go in order), bit for bit, for
// blocks whose length leaves tails to the vector loop.
func TestWinogradWeightsLoops(t *testing.T) {
	G := [4][3]float32{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}
	naive := func(f [3][3]float32) (u [4][4]float32) {
		var gf [4][3]float32
		for i := range 4 {
			for j := range 3 {
				for k := range 3 {
					gf[i][j] += G[i][k] * f[k][j]
				}
			}
		}
		for i := range 4 {
			for j := range 4 {
				for k := range 3 {
					u[i][j] += gf[i][k] * G[j][k]
				}
			}
		}
		return u
	}
	r := NewRand(9)
	for _, loop := range []struct {
		name string
		f    func(u, w []float32, ckb, n int)
	}{{"build", winoWeights}, {"portable", winoWeightsPortable}} {
		for _, ckb := range []int{1, 7, 8, 9, 16, 24, 45, 128} {
			n := ckb + 3 // a stride longer than the block, as with several blocks
			w := randSlice(r, 9*ckb)
			u := make([]float32, 16*n)
			loop.f(u, w, ckb, n)
			for ck := range ckb {
				var f [3][3]float32
				for i := range 3 {
					for j := range 3 {
						f[i][j] = w[(3*i+j)*ckb+ck]
					}
				}
				want := naive(f)
				for i := range 4 {
					for j := range 4 {
						if got := u[(4*i+j)*n+ck]; math.Float32bits(got) != math.Float32bits(want[i][j]) {
							t.Fatalf("%s, ckb %d: u[%d][%d] of value %d = %v, want %v", loop.name, ckb, i, j, ck, got, want[i][j])
						}
					}
				}
			}
			for ck := ckb; ck < n; ck++ {
				for xi := range 16 {
					if u[xi*n+ck] != 0 {
						t.Fatalf("%s, ckb %d: wrote u[%d] past the block", loop.name, ckb, xi*n+ck)
					}
				}
			}
		}
	}
}
