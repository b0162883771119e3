package interp

import "testing"

// fc 2 on a 4-value input, w = [[1 2 3 4] [-1 0 1 0.5]], b = [0.5 -1], for
// a batch of two samples:
//
//	x1 = [1 2 3 4]:  y = [1+4+9+16+0.5, -1+0+3+2-1] = [30.5 3]
//	x2 = [0 1 0 1]:  y = [2+4+0.5, 0+0.5-1]          = [6.5 -0.5]
//
// Backward with dy1 = [1 2], dy2 = [3 -1]:
//
//	dx1 = 1·w[0] + 2·w[1]  = [-1 2 5 5]
//	dx2 = 3·w[0] - 1·w[1]  = [4 6 8 11.5]
//	dw  = dy1ᵀx1 + dy2ᵀx2  = [[1 2 3 4] [2 4 6 8]] + [[0 3 0 3] [0 -1 0 -1]]
//	                       = [[1 5 3 7] [2 3 6 7]]
//	db  = dy1 + dy2        = [4 1]
func TestFCByHand(t *testing.T) {
	m := mustModel(t, "input 1x2x2\nfc 2\n")
	if err := m.SetParams(map[string][]float64{
		"fc1.weight": {1, 2, 3, 4, -1, 0, 1, 0.5},
		"fc1.bias":   {0.5, -1},
	}); err != nil {
		t.Fatal(err)
	}
	p := mustForward(t, m, []float64{1, 2, 3, 4, 0, 1, 0, 1}, 2, Options{})
	expectClose(t, "y", p.Output(), []float64{30.5, 3, 6.5, -0.5})
	dx, grads := mustBackward(t, p, []float64{1, 2, 3, -1})
	expectClose(t, "dx", dx, []float64{-1, 2, 5, 5, 4, 6, 8, 11.5})
	expectClose(t, "dw", grads[0], []float64{1, 5, 3, 7, 2, 3, 6, 7})
	expectClose(t, "db", grads[1], []float64{4, 1})
}

// fc flattens its input in C, H, W order. A 1x1 conv with two filters that
// scale by 1 and 10 turns the 2x2 input 1..4 into channel 0 = [1 2 3 4] and
// channel 1 = [10 20 30 40]; flattened C, H, W that is
// [1 2 3 4 10 20 30 40], so the fc weight picking feature 5 (channel 1,
// row 0, column 1) gives 20. (H, W, C order would have given 30.)
func TestFCFlattensCHW(t *testing.T) {
	m := mustModel(t, "input 2x2x1\nconv 1x1x2\nfc 1\n")
	copy(m.Params[0], []float64{1, 10})
	m.Params[2][5] = 1
	p := mustForward(t, m, seq(4), 1, Options{})
	expectClose(t, "y", p.Output(), []float64{20})
}
