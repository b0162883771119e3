package engine

import (
	"fmt"
	"testing"
)

// residualProgram is y = a + w2⊙a with a = w1⊙x, on vectors of 6: a has two
// readers (the second scale and the add), whose gradients are summed. The
// second scale always adds to a's gradient; the add, its first writer in a
// backward pass, adds too when addAcc is set, and then the engine must
// clear it first.
func residualProgram(addAcc bool) *Program {
	const n = 6
	flat := Map{H: 1, W: 1, C: n, Pix: n, Row: n}
	scale := func(w, in, out, din, dout int, acc bool) Step {
		return Step{
			Name: fmt.Sprintf("scale%d", w+1), In: []Ref{{in, din, acc}}, Out: []Ref{{out, dout, false}},
			Forward: []Phase{{N: n, Run: func(c *Ctx, lo, hi int) {
				for i := lo; i < hi; i++ {
					c.F[out][i] = c.P[w][i] * c.F[in][i]
				}
			}}},
			Backward: []Phase{{N: n, Sums: true, Run: func(c *Ctx, lo, hi int) {
				for i := lo; i < hi; i++ {
					c.G[w][i] += c.F[dout][i] * c.F[in][i]
				}
			}}, {N: n, Run: func(c *Ctx, lo, hi int) {
				if !c.NeedDx && in == 0 {
					return
				}
				for i := lo; i < hi; i++ {
					if acc {
						c.F[din][i] += c.P[w][i] * c.F[dout][i]
					} else {
						c.F[din][i] = c.P[w][i] * c.F[dout][i]
					}
				}
			}}},
		}
	}
	add := Step{
		Name: "add", In: []Ref{{2, 3, addAcc}, {4, 5, false}}, Out: []Ref{{6, 7, false}},
		Forward: []Phase{{N: n, Run: func(c *Ctx, lo, hi int) {
			for i := lo; i < hi; i++ {
				c.F[6][i] = c.F[2][i] + c.F[4][i]
			}
		}}},
		Backward: []Phase{{N: n, Run: func(c *Ctx, lo, hi int) {
			for i := lo; i < hi; i++ {
				if addAcc {
					c.F[3][i] += c.F[7][i]
				} else {
					c.F[3][i] = c.F[7][i]
				}
				c.F[5][i] = c.F[7][i]
			}
		}}},
	}
	bufs := make([]Buffer, 8)
	for i := range bufs {
		bufs[i] = Buffer{Len: n, Grad: i%2 == 1}
	}
	return &Program{
		Input: View{0, flat}, InputGrad: View{1, flat}, Output: View{6, flat}, OutputGrad: View{7, flat},
		Tensors: []Tensor{{Name: "scale1.weight", Shape: []int{n}, FanIn: 1}, {Name: "scale2.weight", Shape: []int{n}, FanIn: 1}},
		Buffers: bufs,
		Steps:   []Step{scale(0, 0, 2, 1, 3, false), scale(1, 2, 4, 3, 5, true), add},
		Loss:    Loss{Steps: 3},
	}
}

// TestSummedGradients: a value with two readers gets the sum of their
// gradients, whether its first writer overwrites it or adds to it (the
// engine then clears it before each sample's backward pass: on one worker,
// whose buffers every sample reuses, a missing clear would carry one
// sample's gradient into the next).
func TestSummedGradients(t *testing.T) {
	const n, batch = 6, 3
	for _, addAcc := range []bool{false, true} {
		for _, threads := range []int{1, 2} {
			e := New(residualProgram(addAcc), 7)
			e.SetThreads(threads)
			ps := e.Params()
			w1, w2 := ps[0].Float64s(), ps[1].Float64s()
			x, dy := randoms(1, batch*n), randoms(2, batch*n)
			y, dx := make([]float32, batch*n), make([]float32, batch*n)
			e.ForwardBackwardN(x, dy, y, dx)
			var wantY, wantDX []float64
			g1, g2 := make([]float64, n), make([]float64, n)
			for i := range batch * n {
				j, xi, d := i%n, float64(x[i]), float64(dy[i])
				wantY = append(wantY, w1[j]*xi*(1+w2[j]))
				wantDX = append(wantDX, w1[j]*(1+w2[j])*d)
				g1[j] += xi * (1 + w2[j]) * d
				g2[j] += w1[j] * xi * d
			}
			name := fmt.Sprintf("add accumulates %v, %d threads", addAcc, threads)
			expectClose(t, name+": y", y, wantY)
			expectClose(t, name+": dx", dx, wantDX)
			gs := e.Grads()
			expectClose(t, name+": scale1.weight.grad", gs[0].F32, g1)
			expectClose(t, name+": scale2.weight.grad", gs[1].F32, g2)
		}
	}
}
