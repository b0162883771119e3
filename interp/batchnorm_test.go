package interp

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/ir"
)

// A batch worked by hand: BatchNorm1d(2, eps=4) on four samples, γ = (2, 3),
// β = (1, −1), with eps chosen so that σ² + eps is a square.
//
// Feature 0 is 1, 3, 5, 7: μ = 4, deviations −3, −1, 1, 3, biased
// σ² = 20/4 = 5, so invstd = 1/sqrt(5 + 4) = 1/3, x̂ = −1, −1/3, 1/3, 1 and
// y = 2x̂ + 1 = −1, 1/3, 5/3, 3. Feature 1 is 2, 2, 2, 2: σ² = 0, x̂ = 0,
// y = β = −1. The running statistics (from 0 and 1, momentum 0.1) become
// mean 0.1·(4, 2) = (0.4, 0.2) and variance 0.9 + 0.1·(20/3, 0) =
// (1.5666…, 0.9), the unbiased variance 20/3 dividing by M − 1 = 3.
//
// Backward with dy = (1, 0, 0, 0) on feature 0: Σdy = 1, Σdy·x̂ = −1, so
// dx = γ·invstd/M·(M·dy − Σdy − x̂·Σdy·x̂) = (1/6)(4dy − 1 + x̂) =
// 1/3, −2/9, −1/9, 0 (summing to 0, as a batch-normalised gradient must);
// dγ = −1, dβ = 1. On feature 1, dy = (1, 2, 3, 4): x̂ = 0 so dγ = 0,
// dβ = 10 and dx = (3/8)(4dy − 10) = −9/4, −3/4, 3/4, 9/4.
//
// PyTorch 1.13 in float64 gives these numbers (to rounding).
func TestBatchNormTrainingByHand(t *testing.T) {
	op := &ir.BatchNorm{Eps: 4, Momentum: 0.1}
	sh := ir.Flat(2)
	x := []float64{1, 2, 3, 2, 5, 2, 7, 2} // [n=4, C=2]
	gamma, beta := []float64{2, 3}, []float64{1, -1}

	st, err := bnBatchStats(op, sh, x, 4)
	if err != nil {
		t.Fatal(err)
	}
	y := bnForward(sh, x, gamma, beta, st, 4)
	expectClose(t, "y", y, []float64{-1, -1, 1.0 / 3, -1, 5.0 / 3, -1, 3, -1})

	mean, variance, tracked := []float64{0, 0}, []float64{1, 1}, []float64{0}
	bnUpdate(op, sh, 4, st, mean, variance, tracked)
	expectClose(t, "running_mean", mean, []float64{0.4, 0.2})
	expectClose(t, "running_var", variance, []float64{0.9 + 2.0/3, 0.9})
	expectClose(t, "num_batches_tracked", tracked, []float64{1})

	dy := []float64{1, 1, 0, 2, 0, 3, 0, 4}
	dx, dgamma, dbeta := bnBackward(sh, x, gamma, dy, st, 4, true)
	expectClose(t, "dx", dx, []float64{1.0 / 3, -9.0 / 4, -2.0 / 9, -3.0 / 4, -1.0 / 9, 3.0 / 4, 0, 9.0 / 4})
	expectClose(t, "dγ", dgamma, []float64{-1, 0})
	expectClose(t, "dβ", dbeta, []float64{1, 10})
}

// Inference mode on the same batch, normalised by running statistics
// mean (4, 1) and variance (5, 0): feature 0 is as in training (invstd
// 1/3); feature 1 has invstd 1/sqrt(0 + 4) = 1/2, x̂ = (2 − 1)/2 = 1/2 and
// y = 3·(1/2) − 1 = 1/2. The statistics are constants, so
// dx = γ·invstd·dy: (2/3)·dy on feature 0 and (3/2)·dy on feature 1;
// dγ = Σdy·x̂ = (−1, 10·(1/2)) and dβ = Σdy = (1, 10).
func TestBatchNormInferenceByHand(t *testing.T) {
	op := &ir.BatchNorm{Eps: 4, Momentum: 0.1}
	sh := ir.Flat(2)
	x := []float64{1, 2, 3, 2, 5, 2, 7, 2}
	gamma, beta := []float64{2, 3}, []float64{1, -1}
	st := bnRunningStats(op, []float64{4, 1}, []float64{5, 0})
	y := bnForward(sh, x, gamma, beta, st, 4)
	expectClose(t, "y", y, []float64{-1, 0.5, 1.0 / 3, 0.5, 5.0 / 3, 0.5, 3, 0.5})

	dy := []float64{1, 1, 0, 2, 0, 3, 0, 4}
	dx, dgamma, dbeta := bnBackward(sh, x, gamma, dy, st, 4, false)
	expectClose(t, "dx", dx, []float64{2.0 / 3, 1.5, 0, 3, 0, 4.5, 0, 6})
	expectClose(t, "dγ", dgamma, []float64{-1, 5})
	expectClose(t, "dβ", dbeta, []float64{1, 10})
}

// BatchNorm2d counts every value of a channel's map: one sample of a 2x2x2
// map gives M = 4 per channel. Channel 0 holds feature 0 of the batch
// above (1, 3, 5, 7), so its y is the same; channel 1 holds 0, 0, 0, 8:
// μ = 2, σ² = (4 + 4 + 4 + 36)/4 = 12, invstd = 1/4 (eps 4), with γ = 3,
// β = −1: y = 3·(−1/2) − 1 = −5/2 three times and 3·(6/4) − 1 = 7/2. The
// running variance takes 12·4/3 = 16.
func TestBatchNorm2dByHand(t *testing.T) {
	op := &ir.BatchNorm{Eps: 4, Momentum: 0.5}
	sh := ir.Map(2, 2, 2)
	x := []float64{1, 3, 5, 7, 0, 0, 0, 8} // [n=1, C=2, H=2, W=2]
	st, err := bnBatchStats(op, sh, x, 1)
	if err != nil {
		t.Fatal(err)
	}
	y := bnForward(sh, x, []float64{2, 3}, []float64{1, -1}, st, 1)
	expectClose(t, "y", y, []float64{-1, 1.0 / 3, 5.0 / 3, 3, -2.5, -2.5, -2.5, 3.5})
	mean, variance, tracked := []float64{0, 0}, []float64{1, 1}, []float64{7}
	bnUpdate(op, sh, 1, st, mean, variance, tracked)
	expectClose(t, "running_mean", mean, []float64{2, 1})
	expectClose(t, "running_var", variance, []float64{0.5 + 0.5*20.0/3, 0.5 + 0.5*16})
	expectClose(t, "num_batches_tracked", tracked, []float64{8})
}

// Training mode needs two values per channel: PyTorch raises "Expected more
// than 1 value per channel when training" for a batch of one flat sample or
// of one 1x1 map; a batch of one larger map is fine.
func TestBatchNormTrainingNeedsTwoValues(t *testing.T) {
	op := ir.NewBatchNorm()
	for _, c := range []struct {
		sh   ir.Shape
		n    int
		want string // "" for no error
	}{
		{ir.Flat(3), 1, "batchnorm in training mode needs more than 1 value per channel, got 1 (batch 1 of 3)"},
		{ir.Map(1, 1, 3), 1, "batchnorm in training mode needs more than 1 value per channel, got 1 (batch 1 of 1x1x3)"},
		{ir.Flat(3), 2, ""},
		{ir.Map(1, 2, 3), 1, ""},
	} {
		_, err := bnBatchStats(op, c.sh, make([]float64, c.n*c.sh.Size()), c.n)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%d of %s: %v", c.n, c.sh, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%d of %s: error %v, want it to start %q", c.n, c.sh, err, c.want)
		}
	}
}

// The finite-difference check of both modes, on maps and on flat features.
// In training mode f = sum(y·dy) is differentiated with the batch
// statistics as the functions of x they are: the check recomputes them from
// the moved x every time.
func TestBatchNormGradients(t *testing.T) {
	for i, c := range []struct {
		name  string
		sh    ir.Shape
		n     int
		train bool
	}{
		{"2d inference", ir.Map(3, 2, 3), 2, false},
		{"2d training", ir.Map(3, 2, 3), 2, true},
		{"2d training, one sample", ir.Map(2, 3, 2), 1, true},
		{"1d inference", ir.Flat(4), 3, false},
		{"1d training", ir.Flat(4), 3, true},
		{"1d training, two samples", ir.Flat(3), 2, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 15))
			op := &ir.BatchNorm{Eps: 1e-5, Momentum: 0.1}
			x := normals(r, c.n*c.sh.Size())
			gamma, beta := normals(r, c.sh.C), normals(r, c.sh.C)
			runMean, runVar := normals(r, c.sh.C), make([]float64, c.sh.C)
			for k := range runVar {
				runVar[k] = 0.5 + r.Float64()
			}
			stats := func() bnStats {
				if !c.train {
					return bnRunningStats(op, runMean, runVar)
				}
				st, err := bnBatchStats(op, c.sh, x, c.n)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
			dy := normals(r, len(x))
			dx, dgamma, dbeta := bnBackward(c.sh, x, gamma, dy, stats(), c.n, c.train)
			f := func() float64 { return dot(bnForward(c.sh, x, gamma, beta, stats(), c.n), dy) }
			checkKernelGradients(t, r, f, fdVar{"x", x, dx}, fdVar{"γ", gamma, dgamma}, fdVar{"β", beta, dbeta})
		})
	}
}

// Through the model: the batch of TestBatchNormTrainingByHand as four 1x1x2
// maps (BatchNorm2d over N·1·1 values, the same numbers). A training pass
// normalises by the batch and moves the buffers; a second one moves them
// again and counts 2; an inference pass normalises by the buffers and
// leaves them alone.
func TestBatchNormPasses(t *testing.T) {
	b := newBuilder(t, ir.Map(1, 1, 2))
	m := b.model(b.add(&ir.BatchNorm{Eps: 4, Momentum: 0.1}, "bn1", b.b.Input()))
	m.Init(1)
	copy(m.Params[0], []float64{2, 3})
	copy(m.Params[1], []float64{1, -1})
	x := []float64{1, 2, 3, 2, 5, 2, 7, 2}

	p := mustForward(t, m, x, 4, Options{Train: true})
	expectClose(t, "training y", p.Output(), []float64{-1, -1, 1.0 / 3, -1, 5.0 / 3, -1, 3, -1})
	expectClose(t, "running_mean", m.Buffers[0], []float64{0.4, 0.2})
	expectClose(t, "running_var", m.Buffers[1], []float64{0.9 + 2.0/3, 0.9})
	expectClose(t, "num_batches_tracked", m.Buffers[2], []float64{1})
	dx, grads := mustBackward(t, p, []float64{1, 1, 0, 2, 0, 3, 0, 4})
	expectClose(t, "dx", dx, []float64{1.0 / 3, -9.0 / 4, -2.0 / 9, -3.0 / 4, -1.0 / 9, 3.0 / 4, 0, 9.0 / 4})
	expectClose(t, "dγ", grads[0], []float64{-1, 0})
	expectClose(t, "dβ", grads[1], []float64{1, 10})

	mustForward(t, m, x, 4, Options{Train: true})
	expectClose(t, "running_mean after two", m.Buffers[0], []float64{0.9*0.4 + 0.4, 0.9*0.2 + 0.2})
	expectClose(t, "num_batches_tracked after two", m.Buffers[2], []float64{2})

	copy(m.Buffers[0], []float64{4, 1})
	copy(m.Buffers[1], []float64{5, 0})
	p = mustForward(t, m, x, 4, Options{})
	expectClose(t, "inference y", p.Output(), []float64{-1, 0.5, 1.0 / 3, 0.5, 5.0 / 3, 0.5, 3, 0.5})
	expectClose(t, "running_mean after inference", m.Buffers[0], []float64{4, 1})
	expectClose(t, "num_batches_tracked after inference", m.Buffers[2], []float64{2})
}

// A training pass that fails changes no buffer: here the first batchnorm
// has four values per channel of its 2x2 map, but the second, after global
// pooling, one, which PyTorch refuses too.
func TestBatchNormFailedPassKeepsBuffers(t *testing.T) {
	b := newBuilder(t, ir.Map(2, 2, 1))
	y := b.add(ir.NewBatchNorm(), "bn1", b.b.Input())
	y = b.add(ir.NewBatchNorm(), "bn2", b.add(&ir.GlobalPool{Mode: ir.Mean}, "pool", y))
	m := b.model(y)
	m.Init(1)
	_, err := m.Forward([]float64{1, 2, 3, 5}, 1, Options{Train: true})
	want := "interp: bn2 (bn): batchnorm in training mode needs more than 1 value per channel, got 1 (batch 1 of 1x1x1)"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Forward = %v, want an error starting %q", err, want)
	}
	expectClose(t, "bn1.running_mean", m.Buffers[0], []float64{0})
	expectClose(t, "bn1.running_var", m.Buffers[1], []float64{1})
	expectClose(t, "bn1.num_batches_tracked", m.Buffers[2], []float64{0})
	if _, err := m.Forward([]float64{1, 2, 3, 5, 0, 0, 0, 1}, 2, Options{Train: true}); err != nil {
		t.Fatalf("a batch of two: %v", err)
	}
}

// Init gives a batchnorm PyTorch's initial state, drawing nothing: weight
// 1, bias 0, running_mean 0, running_var 1, num_batches_tracked 0; the
// conv before it takes the generator's first draws, as without the
// batchnorm.
func TestBatchNormInit(t *testing.T) {
	b := newBuilder(t, ir.Map(2, 2, 2))
	c := ir.NewConv(1, 1, 3)
	m := b.model(b.add(ir.NewBatchNorm(), "bn1", b.add(c, "conv1", b.b.Input())))
	for i := range m.Params {
		for j := range m.Params[i] {
			m.Params[i][j] = 7
		}
	}
	for i := range m.Buffers {
		for j := range m.Buffers[i] {
			m.Buffers[i][j] = 7
		}
	}
	m.Init(3)
	expectClose(t, "bn1.weight", m.Params[2], ones(3))
	expectClose(t, "bn1.bias", m.Params[3], make([]float64, 3))
	expectClose(t, "bn1.running_mean", m.Buffers[0], make([]float64, 3))
	expectClose(t, "bn1.running_var", m.Buffers[1], ones(3))
	expectClose(t, "bn1.num_batches_tracked", m.Buffers[2], []float64{0})

	alone := newBuilder(t, ir.Map(2, 2, 2))
	plain := alone.model(alone.add(ir.NewConv(1, 1, 3), "conv1", alone.b.Input()))
	plain.Init(3)
	expectClose(t, "conv1.weight", m.Params[0], plain.Params[0])
}
