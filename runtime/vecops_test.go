package runtime

import (
	"fmt"
	"math"
	"testing"
)

// vecLengths cover each vector loop of the kernels (32, 8 and 1 at a
// time) and their mixes.
var vecLengths = []int{0, 1, 7, 8, 9, 31, 32, 33, 40, 47, 100, 1027}

// TestReLUGradDefinition: d[i] becomes 0 where y[i] <= 0 (−0 included) and
// is kept elsewhere (a NaN y included), on every kernel path; values past
// len(d) untouched.
func TestReLUGradDefinition(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		r := NewRand(8)
		special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(-1)), float32(math.Inf(1)), 1e-40, -1e-40}
		for _, n := range vecLengths {
			d, y := randSlice(r, n+3), randSlice(r, n+3)
			for i := range y {
				if r.Uint64()%4 == 0 {
					y[i] = special[r.Uint64()%uint64(len(special))]
				}
			}
			want := append([]float32(nil), d...)
			for i := range n {
				if y[i] <= 0 {
					want[i] = 0
				}
			}
			ReLUGrad(d[:n], y)
			for i := range d {
				if !sameValue(d[i], want[i]) {
					t.Fatalf("n=%d: d[%d] = %v (y %v), want %v", n, i, d[i], y[i], want[i])
				}
			}
		}
	})
}

// TestAxpyFused: y[i] + alpha·x[i] rounded once (float64 holds the
// product exactly), on every vector path, the last few values too; the
// portable path (gonum's loops) rounds twice: within an ulp of each term.
func TestAxpyFused(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		r := NewRand(9)
		for _, n := range vecLengths {
			x, y := randSlice(r, n), randSlice(r, n+2)
			alpha := float32(r.Normal())
			want := append([]float32(nil), y...)
			for i := range x {
				want[i] = float32(float64(alpha)*float64(x[i]) + float64(y[i]))
			}
			Axpy(alpha, x, y)
			for i := range y {
				tol := 0.0 // fused: exact
				if kernels == &portableKernels && i < n {
					// two roundings: within an ulp of each term
					tol = 1.2e-7 * (math.Abs(float64(alpha*x[i])) + math.Abs(float64(want[i])))
				}
				if math.Abs(float64(y[i]-want[i])) > tol {
					t.Fatalf("n=%d: y[%d] = %v, want %v", n, i, y[i], want[i])
				}
			}
		}
	})
}

// TestAddRows: acc[i] += x[p·stride+i] for p in turn, in float32 (the
// order every path keeps), for strides wider than a row and rows that
// overlap (stride 0: a value added count times).
func TestAddRows(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		r := NewRand(10)
		for _, n := range vecLengths {
			for _, sc := range [][2]int{{n, 1}, {n + 5, 3}, {0, 2}, {n + 1, 7}} {
				stride, count := sc[0], sc[1]
				acc, x := randSlice(r, n), randSlice(r, (count-1)*stride+n)
				want := append([]float32(nil), acc...)
				for p := range count {
					for i := range want {
						want[i] += x[p*stride+i]
					}
				}
				kernels.addRows(acc, x, stride, count)
				for i := range acc {
					if acc[i] != want[i] {
						t.Fatalf("%s: acc[%d] = %v, want %v", fmt.Sprint("n=", n, " stride=", stride, " count=", count), i, acc[i], want[i])
					}
				}
			}
		}
	})
}
