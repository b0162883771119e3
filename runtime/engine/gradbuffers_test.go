package engine

import "testing"

// trainOnlyProgram is y = 2x in inference mode and y = 3x in training
// mode, the training mode's step keeping its value in a buffer marked
// Grad (memory inference never needs, see Buffer.Grad).
func trainOnlyProgram() *Program {
	const n = 4
	flat := Map{H: 1, W: 1, C: n, Pix: n, Row: n}
	scale := func(k float32, to int) func(c *Ctx, lo, hi int) {
		return func(c *Ctx, lo, hi int) {
			for i := lo; i < hi; i++ {
				c.F[to][i] = k * c.F[0][i]
			}
		}
	}
	copyOut := func(c *Ctx, lo, hi int) { copy(c.F[1][lo:hi], c.F[3][lo:hi]) }
	return &Program{
		Input: View{0, flat}, InputGrad: View{2, flat}, Output: View{1, flat}, OutputGrad: View{2, flat},
		Tensors: []Tensor{{Name: "unused", Shape: []int{1}}},
		Buffers: []Buffer{{Len: n}, {Len: n}, {Len: n, Grad: true}, {Len: n, Grad: true}},
		Steps: []Step{{Name: "scale", Forward: []Phase{
			{N: n, Run: scale(2, 1), Mode: Inference},
			{N: n, Run: scale(3, 3), Mode: Training}, {N: n, Run: copyOut, Mode: Training},
		}}},
		Loss: Loss{Steps: 1},
	}
}

// TestGradBuffersInTraining: a forward-only pass in training mode has the
// buffers marked Grad (a step of training mode may keep its values there),
// and one in inference mode runs without them.
func TestGradBuffersInTraining(t *testing.T) {
	e := New(trainOnlyProgram(), 1)
	x, y := []float32{1, 2, 3, 4}, make([]float32, 4)
	e.ForwardN(x, y)
	if f := e.workers[0].frame; f.F[3] != nil {
		t.Errorf("an inference pass allocated the buffers marked Grad")
	}
	if y[3] != 8 {
		t.Errorf("inference: y = %v, want 2x", y)
	}
	e.SetTraining(true, 1)
	e.ForwardN(x, y)
	if y[3] != 12 {
		t.Errorf("training: y = %v, want 3x", y)
	}
}
