package interp

import (
	"math/rand/v2"
	"testing"

	"github.com/cnnc/cnnc/ir"
)

// Add sums its inputs and hands dy to each; concat of a 1x2x1 and a 1x2x2
// map, two samples, puts each sample's channels side by side and slices dy
// back the same way.
func TestMergesByHand(t *testing.T) {
	y := addForward([][]float64{{1, 2, 3}, {10, 20, 30}, {100, 200, 300}})
	expectClose(t, "add y", y, []float64{111, 222, 333})
	dxs := addBackward(3, []float64{1, -2, 3})
	for _, dx := range dxs {
		expectClose(t, "add dx", dx, []float64{1, -2, 3})
	}
	dxs[0][0] = 99 // each input gets its own copy
	if dxs[1][0] == 99 || dxs[2][0] == 99 {
		t.Fatalf("add's gradients share memory")
	}

	ins := []ir.Shape{ir.Map(1, 2, 1), ir.Map(1, 2, 2)}
	a := []float64{1, 2, 3, 4}                // [2, 1, 1, 2]
	b := []float64{5, 6, 7, 8, 9, 10, 11, 12} // [2, 2, 1, 2]
	y = concatForward(ins, [][]float64{a, b}, 2)
	expectClose(t, "concat y", y, []float64{1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12})
	dxs = concatBackward(ins, seq(12), 2)
	expectClose(t, "concat da", dxs[0], []float64{1, 2, 7, 8})
	expectClose(t, "concat db", dxs[1], []float64{3, 4, 5, 6, 9, 10, 11, 12})

	// Flat features join the same way: [2, 2] and [2, 1] give [2, 3].
	flat := []ir.Shape{ir.Flat(2), ir.Flat(1)}
	y = concatForward(flat, [][]float64{{1, 2, 3, 4}, {5, 6}}, 2)
	expectClose(t, "flat concat y", y, []float64{1, 2, 5, 3, 4, 6})
}

func TestMergeGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 15))
	n := 2
	t.Run("add", func(t *testing.T) {
		sh := ir.Map(2, 3, 2)
		xs := [][]float64{normals(r, n*sh.Size()), normals(r, n*sh.Size()), normals(r, n*sh.Size())}
		dy := normals(r, n*sh.Size())
		dxs := addBackward(3, dy)
		f := func() float64 { return dot(addForward(xs), dy) }
		checkKernelGradients(t, r, f, fdVar{"x0", xs[0], dxs[0]}, fdVar{"x1", xs[1], dxs[1]}, fdVar{"x2", xs[2], dxs[2]})
	})
	t.Run("concat", func(t *testing.T) {
		ins := []ir.Shape{ir.Map(2, 3, 2), ir.Map(2, 3, 1), ir.Map(2, 3, 3)}
		var xs [][]float64
		for _, in := range ins {
			xs = append(xs, normals(r, n*in.Size()))
		}
		dy := normals(r, n*(2+1+3)*2*3)
		dxs := concatBackward(ins, dy, n)
		f := func() float64 { return dot(concatForward(ins, xs, n), dy) }
		checkKernelGradients(t, r, f, fdVar{"x0", xs[0], dxs[0]}, fdVar{"x1", xs[1], dxs[1]}, fdVar{"x2", xs[2], dxs[2]})
	})
}
