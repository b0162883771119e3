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

// TestFCBackward checks FCInputGrad over split input ranges and the weight
// gradients of FCWeightGrad and FCStash (1 to 19 samples) against float64
// sums on every kernel path: the input gradient's bits must not depend on
// the split, nor the stash's on whether it ran (it adds 8 samples at a
// time) or FCWeightGrad ran sample after sample.
func TestFCBackward(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for ci, c := range fcCases {
			n, k := c[0], c[1]
			r := NewRand(uint64(ci + 100))
			const m = 19
			in, w, dout := randSlice(r, m*n), randSlice(r, k*n), randSlice(r, m*k)
			want := make([]float64, n)
			for i := range n {
				for o := range k {
					want[i] += float64(w[o*n+i]) * float64(dout[o])
				}
			}
			whole := make([]float32, n)
			FCInputGrad(whole, w, dout[:k], n, 0, n)
			checkNear(t, fmt.Sprintf("FCInputGrad %dx%d", n, k), whole, want, k, 1)
			for step := 1; step < n; step += 7 {
				part := make([]float32, n)
				for i0 := 0; i0 < n; i0 += step {
					i1 := min(i0+step, n)
					FCInputGrad(part[i0:], w, dout[:k], n, i0, i1)
				}
				for i, v := range part {
					if v != whole[i] {
						t.Fatalf("FCInputGrad %dx%d in ranges of %d: value %d = %g, in one range %g", n, k, step, i, v, whole[i])
					}
				}
			}
			for _, mm := range []int{1, 8, 9, m} {
				dw, db := randSlice(r, k*n), randSlice(r, k)
				wantW, wantB := make([]float64, k*n), make([]float64, k)
				for o := range k {
					wantB[o] = float64(db[o])
					for i := range n {
						wantW[o*n+i] = float64(dw[o*n+i])
					}
					for j := range mm {
						wantB[o] += float64(dout[j*k+o])
						for i := range n {
							wantW[o*n+i] += float64(dout[j*k+o]) * float64(in[j*n+i])
						}
					}
				}
				dw1, db1 := append([]float32(nil), dw...), append([]float32(nil), db...)
				var s FCStash
				for j := range mm {
					FCWeightGrad(dw1, db1, in[j*n:], dout[j*k:], n, 0, k)
					s.Add(in[j*n:][:n], dout[j*k:][:k])
				}
				s.Flush(dw, db, n)
				checkNear(t, fmt.Sprintf("FCWeightGrad %dx%d, %d samples", n, k, mm), dw1, wantW, mm, 1)
				checkNear(t, fmt.Sprintf("FCWeightGrad %dx%d bias", n, k), db1, wantB, mm, 1)
				for i, v := range dw {
					if v != dw1[i] {
						t.Fatalf("FCStash %dx%d, %d samples: weight gradient %d = %g, FCWeightGrad gives %g", n, k, mm, i, v, dw1[i])
					}
				}
				for o, v := range db {
					if v != db1[o] {
						t.Fatalf("FCStash %dx%d, %d samples: bias gradient %d = %g, FCWeightGrad gives %g", n, k, mm, o, v, db1[o])
					}
				}
			}
		}
	})
}
