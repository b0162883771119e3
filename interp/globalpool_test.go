package interp

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cnnc/cnnc/ir"
)

// Worked by hand on one 2x2 map of four channels, in the order PyTorch's
// adaptive_max_pool2d resolves them: 1 3 / 3 2 ties at 3 and the first 3
// (index 1) wins; 1 NaN / 3 NaN gives NaN from the last NaN (index 3);
// a channel of −∞ gives −∞ from its first value; 4 −1 / 0 5 is plain.
// The means are 9/4, NaN, −∞ and 2.
func TestGlobalPoolByHand(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	in := ir.Map(2, 2, 4)
	x := []float64{1, 3, 3, 2, 1, nan, 3, nan, -inf, -inf, -inf, -inf, 4, -1, 0, 5}
	y, argmax := globalMaxPoolForward(in, x, 1)
	expectClose(t, "max y", y, []float64{3, nan, -inf, 5})
	if want := []int{1, 7, 8, 15}; !slices.Equal(argmax, want) {
		t.Errorf("argmax %v, want %v", argmax, want)
	}
	dx := globalMaxPoolBackward(in, argmax, []float64{10, 20, 30, 40}, 1)
	expectClose(t, "max dx", dx, []float64{0, 10, 0, 0, 0, 0, 0, 20, 30, 0, 0, 0, 0, 0, 0, 40})

	expectClose(t, "avg y", globalAvgPoolForward(in, x, 1), []float64{2.25, nan, -inf, 2})
	dx = globalAvgPoolBackward(in, []float64{4, 8, 12, 16}, 1)
	expectClose(t, "avg dx", dx, []float64{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4})
}

// Both pools over a batch, checked by finite differences. The input is
// drawn until every channel's top two values are kinkMargin apart, so no
// step of fdStep changes a maximum.
func TestGlobalPoolGradients(t *testing.T) {
	in, n := ir.Map(3, 4, 3), 2
	r := rand.New(rand.NewPCG(3, 15))
	var x []float64
	for apart := false; !apart; {
		x = normals(r, n*in.Size())
		apart = true
		for o := range n * in.C {
			if top, second := topTwo(x, seqFrom(o*in.H*in.W, in.H*in.W)); top-second < kinkMargin {
				apart = false
			}
		}
	}
	dy := normals(r, n*in.C)
	t.Run("max", func(t *testing.T) {
		_, argmax := globalMaxPoolForward(in, x, n)
		dx := globalMaxPoolBackward(in, argmax, dy, n)
		f := func() float64 { y, _ := globalMaxPoolForward(in, x, n); return dot(y, dy) }
		checkKernelGradients(t, r, f, fdVar{"x", x, dx})
	})
	t.Run("avg", func(t *testing.T) {
		dx := globalAvgPoolBackward(in, dy, n)
		f := func() float64 { return dot(globalAvgPoolForward(in, x, n), dy) }
		checkKernelGradients(t, r, f, fdVar{"x", x, dx})
	})
}

// seqFrom returns start, start+1, ..., start+n-1.
func seqFrom(start, n int) []int {
	v := make([]int, n)
	for i := range v {
		v[i] = start + i
	}
	return v
}
