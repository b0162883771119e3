package engine

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// The two-plan program, the shape of the graph generator's: y = a⊙(w⊙x)
// on vectors of 4. Its inference forward (step 0) computes y = (w⊙a)⊙x
// from a folded derived tensor and keeps nothing else; its training plan
// (steps 1 and 2) keeps h = w⊙x, which their backward reads; the last step
// is a Reforward step, whose backward phases compute h and y again in
// inference mode. The counters count the units the folded forward, the
// reforward phases and the fold's update run.
const rfN = 4

// Buffers of the two-plan program.
const (
	rfX = iota
	rfDX
	rfH
	rfDH
	rfY
	rfDY
)

type rfCounts struct{ folded, again, folds atomic.Int64 }

func twoPlanProgram(n *rfCounts) *Program {
	flat := Map{H: 1, W: 1, C: rfN, Pix: rfN, Row: rfN}
	const w, a, fold = 0, 1, 0
	each := func(count *atomic.Int64, f func(c *Ctx, i int)) func(c *Ctx, lo, hi int) {
		return func(c *Ctx, lo, hi int) {
			if count != nil {
				count.Add(int64(hi - lo))
			}
			for i := lo; i < hi; i++ {
				f(c, i)
			}
		}
	}
	scale := func(c *Ctx, i int) { c.F[rfH][i] = c.P[w][i] * c.F[rfX][i] }
	shift := func(c *Ctx, i int) { c.F[rfY][i] = c.P[a][i] * c.F[rfH][i] }
	return &Program{
		Input: View{rfX, flat}, InputGrad: View{rfDX, flat}, Output: View{rfY, flat}, OutputGrad: View{rfDY, flat},
		Tensors: []Tensor{{Name: "w", Shape: []int{rfN}, FanIn: 1}, {Name: "a", Shape: []int{rfN}, FanIn: 1}},
		Derived: []Derived{{Name: "fold", Use: InferenceForward, Len: func() int { return rfN }, Update: func(wt *Weights, d []float32) {
			n.folds.Add(1)
			for i := range d {
				d[i] = wt.P[w][i] * wt.P[a][i]
			}
		}}},
		Buffers: []Buffer{{Len: rfN}, {Len: rfN, Grad: true}, {Len: rfN, Grad: true}, {Len: rfN, Grad: true}, {Len: rfN}, {Len: rfN, Grad: true}},
		Steps: []Step{{
			Name: "folded (inference)", In: []Ref{{rfX, -1, false}}, Out: []Ref{{rfY, -1, false}},
			Forward: []Phase{{N: rfN, Mode: Inference, Run: each(&n.folded, func(c *Ctx, i int) { c.F[rfY][i] = c.D[fold][i] * c.F[rfX][i] })}},
		}, {
			// No Refs: like the graph generator's steps, each writes its
			// gradients before anything adds to them.
			Name:    "scale (training)",
			Forward: []Phase{{N: rfN, Mode: Training, Run: each(nil, scale)}},
			Backward: []Phase{
				{N: rfN, Sums: true, Run: each(nil, func(c *Ctx, i int) { c.G[w][i] += c.F[rfDH][i] * c.F[rfX][i] })},
				{N: rfN, Run: each(nil, func(c *Ctx, i int) { c.F[rfDX][i] = c.P[w][i] * c.F[rfDH][i] })},
			},
		}, {
			Name:    "shift (training)",
			Forward: []Phase{{N: rfN, Mode: Training, Run: each(nil, shift)}},
			Backward: []Phase{
				{N: rfN, Sums: true, Run: each(nil, func(c *Ctx, i int) { c.G[a][i] += c.F[rfDY][i] * c.F[rfH][i] })},
				{N: rfN, Run: each(nil, func(c *Ctx, i int) { c.F[rfDH][i] = c.P[a][i] * c.F[rfDY][i] })},
			},
		}, {
			Name: "forward again (inference)", Reforward: true,
			Backward: []Phase{{N: rfN, Mode: Inference, Run: each(&n.again, scale)}, {N: rfN, Mode: Inference, Run: each(&n.again, shift)}},
		}},
		Loss: Loss{Steps: 3},
	}
}

// TestReforward: a forward-backward pass in inference mode runs a
// Reforward step's phases as its forward, once a sample, and neither the
// inference forward phases nor the derived tensors only they read; its
// output is then the training plan's (a⊙(w⊙x), not the folded
// (w⊙a)⊙x). Backward after Forward runs the folded forward, then the
// Reforward phases, and gives the same gradients; a training-mode pass
// runs neither. Gradients are checked against their float32 definition,
// on 1 and 3 workers, batches of 1, 2 and 5.
func TestReforward(t *testing.T) {
	for _, threads := range []int{1, 3} {
		for _, n := range []int{1, 2, 5} {
			name := fmt.Sprintf("%d threads, batch %d", threads, n)
			var counts rfCounts
			m := NewModel[[rfN]float32, [rfN]float32](twoPlanProgram(&counts), 4)
			m.SetThreads(threads)
			expect := func(what string, folded, again, folds int64) {
				t.Helper()
				if f, g, u := counts.folded.Swap(0), counts.again.Swap(0), counts.folds.Swap(0); f != folded || g != again || u != folds {
					t.Errorf("%s: %s ran %d folded units, %d reforward units, %d folds; want %d, %d, %d", name, what, f, g, u, folded, again, folds)
				}
			}
			x, dy := randoms(uint64(n), n*rfN), randoms(uint64(n+20), n*rfN)
			p := m.Params()
			w, a := p[0].F32, p[1].F32
			var wantY, wantFolded, wantDX []float32
			wantG := [2][]float32{make([]float32, rfN), make([]float32, rfN)}
			for s := range n {
				for i := range rfN {
					xi, dyi := x[s*rfN+i], dy[s*rfN+i]
					h := w[i] * xi
					wantY = append(wantY, a[i]*h)
					wantFolded = append(wantFolded, w[i]*a[i]*xi)
					dh := a[i] * dyi
					wantDX = append(wantDX, w[i]*dh)
					wantG[0][i] += dh * xi
					wantG[1][i] += dyi * h
				}
			}
			checkGrads := func(what string) {
				t.Helper()
				for i, g := range m.Grads() {
					expectClose(t, name+": "+what+" "+g.Name, g.F32, to64(wantG[i]))
				}
			}

			y, dx := make([]float32, n*rfN), make([]float32, n*rfN)
			m.ForwardBackwardN(x, dy, y, dx)
			expect("ForwardBackwardN", 0, 2*rfN*int64(n), 0)
			if !slices.Equal(y, wantY) || !slices.Equal(dx, wantDX) {
				t.Errorf("%s: ForwardBackwardN gives y %v, dx %v; want %v, %v", name, y, dx, wantY, wantDX)
			}
			checkGrads("ForwardBackwardN")

			m.ForwardN(x, y)
			expect("ForwardN", rfN*int64(n), 0, 1)
			if !slices.Equal(y, wantFolded) {
				t.Errorf("%s: ForwardN gives y %v, want %v", name, y, wantFolded)
			}

			m.ZeroGrad()
			var y1, dx1 [rfN]float32
			for s := range n {
				m.Forward((*[rfN]float32)(x[s*rfN:]), &y1)
				m.Backward((*[rfN]float32)(dy[s*rfN:]), &dx1)
				if !slices.Equal(dx1[:], wantDX[s*rfN:][:rfN]) {
					t.Errorf("%s: Backward after Forward gives dx %v for sample %d, want %v", name, dx1, s, wantDX[s*rfN:][:rfN])
				}
			}
			expect("Forward and Backward", rfN*int64(n), rfN*2*int64(n), 0)
			checkGrads("Backward after Forward")

			m.ZeroGrad()
			m.SetTraining(true, 1)
			m.ForwardBackwardN(x, dy, y, dx)
			m.SetTraining(false, 0)
			expect("a training-mode ForwardBackwardN", 0, 0, 0)
			if !slices.Equal(y, wantY) || !slices.Equal(dx, wantDX) {
				t.Errorf("%s: training-mode ForwardBackwardN gives y %v, dx %v; want %v, %v", name, y, dx, wantY, wantDX)
			}
			checkGrads("training-mode ForwardBackwardN")
		}
	}
}

// TestReforwardChecked: a Reforward step that is not the last, that has
// forward phases, that the loss's backward would run or whose phases add
// to the gradient sums is refused.
func TestReforwardChecked(t *testing.T) {
	var counts rfCounts
	for name, spoil := range map[string]func(p *Program){
		"not last":         func(p *Program) { p.Steps[1].Reforward = true },
		"forward phases":   func(p *Program) { p.Steps[3].Forward = p.Steps[1].Forward },
		"in the loss":      func(p *Program) { p.Loss.Steps = 4 },
		"adds to the sums": func(p *Program) { p.Steps[3].Backward[0].Sums = true },
	} {
		p := twoPlanProgram(&counts)
		spoil(p)
		if _, err := compile(p); err == nil || !strings.Contains(err.Error(), "Reforward step") {
			t.Errorf("%s: compile gives %v, want an error about the Reforward step", name, err)
		}
	}
}
