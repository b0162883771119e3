package golden

import (
	"testing"

	"github.com/cnnc/cnnc/golden/internal/vgg"
	"github.com/cnnc/cnnc/runtime"
)

// TestNoAllocations: once a model has run, its forward and backward passes,
// batches and SGD steps allocate nothing.
func TestNoAllocations(t *testing.T) {
	m := vgg.New(1)
	m.SetThreads(2)
	m.SetTraining(true, 5)
	xs := make([]vgg.Input, 4)
	ys := make([]vgg.Output, 4)
	dys := make([]vgg.Output, 4)
	dxs := make([]vgg.Input, 4)
	labels := []int32{0, 1, 2, 1}
	r := runtime.NewRand(3)
	for i := range xs {
		for j := range xs[i] {
			xs[i][j] = float32(r.Normal())
		}
		for j := range dys[i] {
			dys[i][j] = float32(r.Normal())
		}
	}
	ops := []struct {
		name string
		fn   func()
	}{
		{"Forward", func() { m.Forward(&xs[0], &ys[0]) }},
		{"Backward", func() { m.Forward(&xs[0], &ys[0]); m.Backward(&dys[0], &dxs[0]) }},
		{"ForwardBatch", func() { m.ForwardBatch(xs, ys) }},
		{"ForwardBackwardBatch", func() { m.ForwardBackwardBatch(xs, dys, ys, dxs) }},
		{"Step", func() { m.Step(0.01, 0.9, 1e-4) }},
		{"ZeroGrad", func() { m.ZeroGrad() }},
		{"TrainBatch", func() { m.TrainBatch(xs, labels, nil, runtime.SGD{LR: 0.01, Momentum: 0.9}, 7) }},
		{"Evaluate", func() { m.Evaluate(xs, labels, nil) }},
	}
	for _, op := range ops {
		op.fn() // allocate what is allocated on first use
		if n := testing.AllocsPerRun(20, op.fn); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", op.name, n)
		}
	}
}

// TestBatchEqualsSingle: a batch gives, sample for sample, the outputs and
// input gradients of single-sample passes, bit for bit, and with one worker
// the same parameter gradients; with several workers the gradients agree
// to rounding.
func TestBatchEqualsSingle(t *testing.T) {
	const n = 5
	xs, dys := make([]vgg.Input, n), make([]vgg.Output, n)
	r := runtime.NewRand(9)
	for i := range xs {
		for j := range xs[i] {
			xs[i][j] = float32(r.Normal())
		}
		for j := range dys[i] {
			dys[i][j] = float32(r.Normal())
		}
	}
	single := vgg.New(2)
	var ys [n]vgg.Output
	var dxs [n]vgg.Input
	for i := range xs {
		single.Forward(&xs[i], &ys[i])
		single.Backward(&dys[i], &dxs[i])
	}
	want := single.Grads()
	for _, threads := range []int{1, 2, 3} {
		batch := vgg.New(2)
		batch.SetThreads(threads)
		bys, bdxs := make([]vgg.Output, n), make([]vgg.Input, n)
		batch.ForwardBackwardBatch(xs, dys, bys, bdxs)
		for i := range xs {
			if bys[i] != ys[i] || bdxs[i] != dxs[i] {
				t.Fatalf("%d threads: sample %d differs from its single-sample pass", threads, i)
			}
		}
		tol := 0.0
		if threads > 1 {
			tol = 1e-5 // summation order differs
		}
		for i, g := range batch.Grads() {
			expectClose(t, g.Name, to64(g.F32), to64(want[i].F32), tol)
		}
		// Again after ZeroGrad, with a one-sample batch in between (run by
		// worker 0 alone, which leaves the other workers' sums out): the
		// workers' sums were cleared, none is added twice.
		batch.ForwardBackwardBatch(xs[:1], dys[:1], nil, nil)
		batch.ZeroGrad()
		batch.ForwardBackwardBatch(xs, dys, nil, nil)
		for i, g := range batch.Grads() {
			expectClose(t, "again: "+g.Name, to64(g.F32), to64(want[i].F32), tol)
		}
	}
}

// TestForwardBatchEqualsSingle: a forward-only batch, whose samples wait in
// groups at the first fc layer, gives each sample's single-sample output bit
// for bit, with groups full and partial, on any number of workers; in
// training mode (dropout drawn by sample index) the outputs do not depend on
// the number of workers either.
func TestForwardBatchEqualsSingle(t *testing.T) {
	const n = 19 // two full groups of 8 and a partial one on one worker
	xs := make([]vgg.Input, n)
	r := runtime.NewRand(11)
	for i := range xs {
		for j := range xs[i] {
			xs[i][j] = float32(r.Normal())
		}
	}
	single := vgg.New(4)
	ys := make([]vgg.Output, n)
	for i := range xs {
		single.Forward(&xs[i], &ys[i])
	}
	var trained []vgg.Output
	for _, threads := range []int{1, 2, 3} {
		m := vgg.New(4)
		m.SetThreads(threads)
		got := make([]vgg.Output, n)
		m.ForwardBatch(xs, got)
		for i := range xs {
			if got[i] != ys[i] {
				t.Fatalf("%d threads: sample %d differs from its single-sample pass", threads, i)
			}
		}
		m.SetTraining(true, 7)
		m.ForwardBatch(xs, got)
		if trained == nil {
			trained = append([]vgg.Output(nil), got...)
			if trained[0] == ys[0] {
				t.Fatal("dropout changed nothing: the training-mode check would check nothing")
			}
			continue
		}
		for i := range xs {
			if got[i] != trained[i] {
				t.Fatalf("training mode, %d threads: sample %d differs from one thread's", threads, i)
			}
		}
	}
}

// TestWinogradModel: a model whose convs run as Winograd's F(2×2, 3×3)
// allocates nothing once it has run, and gives each sample of a batch, on
// one to three workers, the outputs and input gradients of the sample run
// alone on one worker, bit for bit (tile rows split between workers
// compute the same sums).
func TestWinogradModel(t *testing.T) {
	const n = 5
	newNet := generated["winograd"]
	in, out := newNet(1).Sizes()
	r := runtime.NewRand(13)
	x, dy := make([]float32, n*in), make([]float32, n*out)
	for i := range x {
		x[i] = float32(r.Normal())
	}
	for i := range dy {
		dy[i] = float32(r.Normal())
	}
	single := newNet(2)
	single.SetThreads(1)
	y, dx := make([]float32, n*out), make([]float32, n*in)
	for s := range n {
		single.ForwardBackwardN(x[s*in:(s+1)*in], dy[s*out:(s+1)*out], y[s*out:(s+1)*out], dx[s*in:(s+1)*in])
	}
	for _, threads := range []int{1, 2, 3} {
		m := newNet(2)
		m.SetThreads(threads)
		by, bdx := make([]float32, n*out), make([]float32, n*in)
		m.ForwardBackwardN(x, dy, by, bdx)
		for i := range by {
			if by[i] != y[i] {
				t.Fatalf("%d threads: output %d differs from the single-sample pass", threads, i)
			}
		}
		for i := range bdx {
			if bdx[i] != dx[i] {
				t.Fatalf("%d threads: input gradient %d differs from the single-sample pass", threads, i)
			}
		}
		// One sample on all the workers at once: tile rows split.
		m.ForwardBackwardN(x[:in], dy[:out], by[:out], bdx[:in])
		for i := range out {
			if by[i] != y[i] {
				t.Fatalf("%d threads, one sample: output %d differs", threads, i)
			}
		}
		for i := range in {
			if bdx[i] != dx[i] {
				t.Fatalf("%d threads, one sample: input gradient %d differs", threads, i)
			}
		}
		ops := []struct {
			name string
			fn   func()
		}{
			{"ForwardN", func() { m.ForwardN(x, by) }},
			{"ForwardBackwardN", func() { m.ForwardBackwardN(x, dy, by, bdx) }},
			{"Step", func() { m.Step(0.01, 0.9, 1e-4) }},
		}
		for _, op := range ops {
			op.fn()
			if a := testing.AllocsPerRun(10, op.fn); a != 0 {
				t.Errorf("%d threads: %s: %v allocations per run, want 0", threads, op.name, a)
			}
		}
	}
}
