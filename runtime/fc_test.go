package runtime

import (
	"fmt"
	"math"
	"testing"
)

// fcCases are fc shapes (n inputs, k outputs) that exercise the tiles'
// edges: no whole vector (n < 8), a tail past the last vector, rows and
// samples that do not fill a tile.
var fcCases = [][2]int{{3, 5}, {16, 8}, {40, 6}, {120, 84}, {400, 120}, {512, 19}, {1000, 11}}

// naiveFC is the fc layer's definition in float64: out[j][o] = b[o] +
// Σ_i w[o][i]·in[j][i].
func naiveFC(in, w, b []float32, n, k, m int) []float64 {
	out := make([]float64, m*k)
	for j := range m {
		for o := range k {
			s := float64(b[o])
			for i := range n {
				s += float64(w[o*n+i]) * float64(in[j*n+i])
			}
			out[j*k+o] = s
		}
	}
	return out
}

// checkNear fails unless got is within a float32 sum's rounding of want:
// n terms of magnitude up to scale each.
func checkNear(t *testing.T, what string, got []float32, want []float64, n int, scale float64) {
	t.Helper()
	tol := 1e-6 * float64(n) * scale
	for i, v := range got {
		if d := math.Abs(float64(v) - want[i]); !(d <= tol) {
			t.Fatalf("%s: value %d = %g, want %g (off by %g, tolerance %g)", what, i, v, want[i], d, tol)
		}
	}
}

// TestFCForward checks FCForward over split output ranges and
// FCForwardBatch over 1 to 9 samples against naiveFC on every kernel path,
// and that both give each sample's outputs the same bits.
func TestFCForward(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for ci, c := range fcCases {
			n, k := c[0], c[1]
			r := NewRand(uint64(ci + 1))
			const m = 9
			in, w, b := randSlice(r, m*n), randSlice(r, k*n), randSlice(r, k)
			want := naiveFC(in, w, b, n, k, m)
			single := make([]float32, m*k)
			for j := range m {
				// Outputs in uneven ranges, as workers split them.
				for o0 := 0; o0 < k; o0 += 3 + j {
					FCForward(single[j*k:], in[j*n:], w, b, n, o0, min(o0+3+j, k))
				}
			}
			checkNear(t, fmt.Sprintf("FCForward %dx%d", n, k), single, want, n, 1)
			for mm := 1; mm <= m; mm++ {
				out := make([]float32, mm*k)
				FCForwardBatch(out, in, w, b, n, k, mm)
				for i, v := range out {
					if v != single[i] {
						t.Fatalf("FCForwardBatch %dx%d, %d samples: value %d = %g, FCForward gives %g", n, k, mm, i, v, single[i])
					}
				}
			}
		}
	})
}
