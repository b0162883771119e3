package engine

import (
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// TestNoAllocations: once a kind of pass has run, running it again
// allocates nothing: sample-major (the chain program: runs of samples with
// grouped forward passes and stashed fc gradients, and samples split across
// the workers) and layer-major (the center program in training mode), on
// one worker and on three.
func TestNoAllocations(t *testing.T) {
	type ceIn [ceN]float32
	chain := NewModel[chainIn, chainOut](chainProgram(true), 1)
	center := NewModel[ceIn, ceIn](centerProgram(), 1)
	train := func() { center.SetTraining(true, 3) } // TrainBatch turns training mode off
	for _, threads := range []int{1, 3} {
		chain.SetThreads(threads)
		center.SetThreads(threads)
		for _, n := range []int{2, 5} {
			cx, cy, cdx := make([]chainIn, n), make([]chainOut, n), make([]chainIn, n)
			labels := make([]int32, n)
			ex, ey := make([]ceIn, n), make([]ceIn, n)
			for i := range n {
				copy(cx[i][:], randoms(uint64(i), chN))
				copy(ex[i][:], randoms(uint64(i), ceN))
				labels[i] = int32(i % chK)
			}
			ops := []struct {
				name string
				fn   func()
			}{
				{"chain Forward", func() { chain.Forward(&cx[0], &cy[0]) }},
				{"chain Backward", func() { chain.Forward(&cx[0], &cy[0]); chain.Backward(&cy[0], &cdx[0]) }},
				{"chain ForwardBatch", func() { chain.ForwardBatch(cx, cy) }},
				{"chain ForwardBackwardBatch", func() { chain.ForwardBackwardBatch(cx, cy, cy, cdx) }},
				{"chain TrainBatch", func() { chain.TrainBatch(cx, labels, nil, sgd, 1) }},
				{"chain Evaluate", func() { chain.Evaluate(cx, labels, nil) }},
				{"chain Step", func() { chain.Step(0.1, 0.9, 0.01) }},
				{"chain TrainWith Adam", func() { chain.TrainWith(many(cx, chN), labels, nil, runtime.NewAdamW(1e-3), 1) }},
				{"chain ZeroGrad", func() { chain.ZeroGrad() }},
				{"center Forward", func() { train(); center.Forward(&ex[0], &ey[0]) }},
				{"center Backward", func() { train(); center.Forward(&ex[0], &ey[0]); center.Backward(&ey[0], &ex[1]) }},
				{"center ForwardBatch", func() { train(); center.ForwardBatch(ex, ey) }},
				{"center ForwardBackwardBatch", func() { train(); center.ForwardBackwardBatch(ex, ey, ey, nil) }},
				{"center TrainBatch", func() { center.TrainBatch(ex, nil, ey, sgd, 1) }},
				{"center Evaluate", func() { center.Evaluate(ex, nil, ey) }},
			}
			for _, op := range ops {
				op.fn()
				if a := testing.AllocsPerRun(10, op.fn); a != 0 {
					t.Errorf("%s, batch %d, %d threads: %v allocations a run, want 0", op.name, n, threads, a)
				}
			}
		}
	}
}
