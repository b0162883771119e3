package engine

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// The center program: a per-channel affine step s = w⊙x + b on a 2×2×3
// input, then y = s - m, where in training mode m is the mean of s over
// the batch (N·H·W values a channel, a batch phase, which makes the pass
// layer-major), kept as a running mean (momentum 0.1) with a count of
// batches, and in inference mode m is that running mean.
const ceH, ceW, ceC = 2, 2, 3

// Buffers, tensors and batch buffers of the center program.
const (
	ceX0 = iota
	ceD0
	ceX1
	ceD1
	ceX2
	ceD2
)
const (
	ceW0 = iota
	ceB0
	ceMean
	ceCount
)
const (
	ceBatchMean = iota
	ceBatchDMean
)

var ceMap = Map{H: ceH, W: ceW, C: ceC, Pix: ceC, Row: ceW * ceC}

const ceN = ceH * ceW * ceC

func centerProgram() *Program {
	bufs := make([]Buffer, 6)
	for i := range bufs {
		bufs[i] = Buffer{Len: ceN, Grad: i%2 == 1}
	}
	// rows runs f on every value of rows [lo, hi) of the sample, with its
	// channel.
	rows := func(f func(c *Ctx, i, ch int)) func(c *Ctx, lo, hi int) {
		return func(c *Ctx, lo, hi int) {
			for i := lo * ceW * ceC; i < hi*ceW*ceC; i++ {
				f(c, i, i%ceC)
			}
		}
	}
	// mean sets out[ch] to the mean of buffer buf over the batch, channels
	// [lo, hi).
	mean := func(c *Ctx, buf int, out []float32, lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var sum float64
			for _, v := range c.Batch.F(buf) {
				for i := ch; i < ceN; i += ceC {
					sum += float64(v[i])
				}
			}
			out[ch] = float32(sum / float64(len(c.Batch.Frames)*ceH*ceW))
		}
	}
	return &Program{
		Input: View{ceX0, ceMap}, InputGrad: View{ceD0, ceMap}, Output: View{ceX2, ceMap}, OutputGrad: View{ceD2, ceMap},
		Tensors: []Tensor{
			{Name: "scale.weight", Shape: []int{ceC}, FanIn: 1},
			{Name: "scale.bias", Shape: []int{ceC}, Init: 0.5},
			{Name: "center.running_mean", Shape: []int{ceC}, Kind: Stat},
			{Name: "center.num_batches_tracked", Shape: []int{}, Kind: Count},
		},
		Buffers:      bufs,
		BatchBuffers: []int{ceC, ceC},
		Steps: []Step{{
			Name: "scale", In: []Ref{{ceX0, ceD0, false}}, Out: []Ref{{ceX1, ceD1, false}},
			Forward: []Phase{{N: ceH, Run: rows(func(c *Ctx, i, ch int) { c.F[ceX1][i] = c.P[ceW0][ch]*c.F[ceX0][i] + c.P[ceB0][ch] })}},
			Backward: []Phase{{N: ceC, Sums: true, Run: func(c *Ctx, lo, hi int) {
				for ch := lo; ch < hi; ch++ {
					for i := ch; i < ceN; i += ceC {
						c.G[ceW0][ch] += c.F[ceD1][i] * c.F[ceX0][i]
						c.G[ceB0][ch] += c.F[ceD1][i]
					}
				}
			}}, {N: ceH, Run: rows(func(c *Ctx, i, ch int) { c.F[ceD0][i] = c.P[ceW0][ch] * c.F[ceD1][i] })}},
		}, {
			Name: "center", In: []Ref{{ceX1, ceD1, false}}, Out: []Ref{{ceX2, ceD2, false}},
			Forward: []Phase{
				{N: ceC, Batch: true, Mode: Training, Run: func(c *Ctx, lo, hi int) {
					mean(c, ceX1, c.B[ceBatchMean], lo, hi)
					for ch := lo; ch < hi; ch++ {
						c.P[ceMean][ch] = 0.9*c.P[ceMean][ch] + 0.1*c.B[ceBatchMean][ch]
					}
					if lo == 0 {
						c.Counts[ceCount][0]++
					}
				}},
				{N: ceH, Mode: Training, Run: rows(func(c *Ctx, i, ch int) { c.F[ceX2][i] = c.F[ceX1][i] - c.B[ceBatchMean][ch] })},
				{N: ceH, Mode: Inference, Run: rows(func(c *Ctx, i, ch int) { c.F[ceX2][i] = c.F[ceX1][i] - c.P[ceMean][ch] })},
			},
			Backward: []Phase{
				{N: ceC, Batch: true, Mode: Training, Run: func(c *Ctx, lo, hi int) { mean(c, ceD2, c.B[ceBatchDMean], lo, hi) }},
				{N: ceH, Mode: Training, Run: rows(func(c *Ctx, i, ch int) { c.F[ceD1][i] = c.F[ceD2][i] - c.B[ceBatchDMean][ch] })},
				{N: ceH, Mode: Inference, Run: rows(func(c *Ctx, i, ch int) { c.F[ceD1][i] = c.F[ceD2][i] })},
			},
		}},
		Loss: Loss{Steps: 2},
	}
}

// centerRef computes the center program in float64 on a batch x of n
// samples (C×H×W each) with output gradients dy, in training mode (batch
// means) or with the running mean rm: the outputs, input gradients,
// parameter gradients and the batch means.
func centerRef(w, b, rm []float64, x, dy []float32, train bool) (y, dx []float64, g [2][]float64, m []float64) {
	n := len(x) / ceN
	hw := ceH * ceW
	ch := func(i int) int { return i % ceN / hw }
	s := make([]float64, len(x))
	m, dm := make([]float64, ceC), make([]float64, ceC)
	for i := range x {
		s[i] = w[ch(i)]*float64(x[i]) + b[ch(i)]
		m[ch(i)] += s[i] / float64(n*hw)
		dm[ch(i)] += float64(dy[i]) / float64(n*hw)
	}
	if !train {
		m, dm = rm, make([]float64, ceC)
	}
	g = [2][]float64{make([]float64, ceC), make([]float64, ceC)}
	for i := range x {
		y = append(y, s[i]-m[ch(i)])
		ds := float64(dy[i]) - dm[ch(i)]
		g[0][ch(i)] += ds * float64(x[i])
		g[1][ch(i)] += ds
		dx = append(dx, w[ch(i)]*ds)
	}
	return y, dx, g, m
}

// TestLayerMajorAgainstReference: a batch whose passes have a batch phase
// runs layer-major and agrees with the float64 reference (batch means, the
// gradient through them, running statistics and their count), with every
// result, parameter gradients included, the same bit for bit on any number
// of workers; a batch of one equals Forward and Backward; inference mode
// runs sample by sample from the running mean.
func TestLayerMajorAgainstReference(t *testing.T) {
	for _, n := range []int{1, 3, 5} {
		x, dy := randoms(uint64(n), n*ceN), randoms(uint64(n+7), n*ceN)
		var first [][]float32
		for _, threads := range []int{1, 2, 3, 4} {
			name := fmt.Sprintf("batch %d, %d threads", n, threads)
			e := New(centerProgram(), 9)
			e.SetThreads(threads)
			ps := e.Params()
			w, b := ps[ceW0].Float64s(), ps[ceB0].Float64s()
			e.SetTraining(true, 1)
			y, dx := make([]float32, n*ceN), make([]float32, n*ceN)
			e.ForwardBackwardN(x, dy, y, dx)
			wantY, wantDX, g, m := centerRef(w, b, nil, x, dy, true)
			expectClose(t, name+": y", y, wantY)
			expectClose(t, name+": dx", dx, wantDX)
			gs := e.Grads()
			expectClose(t, name+": weight grad", gs[0].F32, g[0])
			expectClose(t, name+": bias grad", gs[1].F32, g[1])
			after := e.Params()
			rm := make([]float64, ceC)
			for i := range rm {
				rm[i] = 0.1 * m[i]
			}
			expectClose(t, name+": running mean", after[ceMean].F32, rm)
			if got := after[ceCount].I64; len(got) != 1 || got[0] != 1 {
				t.Errorf("%s: num_batches_tracked %v, want [1]", name, got)
			}
			all := [][]float32{slices.Clone(y), slices.Clone(dx), gs[0].F32, gs[1].F32, after[ceMean].F32}
			if first == nil {
				first = all
			} else {
				for i := range all {
					if !slices.Equal(all[i], first[i]) {
						t.Errorf("%s: result %d differs from one thread's", name, i)
					}
				}
			}

			// Inference mode: y = s - running mean, sample by sample.
			e.SetTraining(false, 0)
			e.ZeroGrad()
			e.ForwardBackwardN(x, dy, y, dx)
			wantY, wantDX, g, _ = centerRef(w, b, to64(after[ceMean].F32), x, dy, false)
			expectClose(t, name+", inference: y", y, wantY)
			expectClose(t, name+", inference: dx", dx, wantDX)
			expectClose(t, name+", inference: weight grad", e.Grads()[0].F32, g[0])
		}
	}

	// A batch of one equals Forward and Backward, in training mode.
	type in [ceN]float32
	a := NewModel[in, in](centerProgram(), 3)
	b := NewModel[in, in](centerProgram(), 3)
	a.SetTraining(true, 1)
	b.SetTraining(true, 1)
	var x, dy, y1, dx1 in
	copy(x[:], randoms(1, ceN))
	copy(dy[:], randoms(2, ceN))
	a.Forward(&x, &y1)
	a.Backward(&dy, &dx1)
	ys, dxs := []in{{}}, []in{{}}
	b.ForwardBackwardBatch([]in{x}, []in{dy}, ys, dxs)
	if ys[0] != y1 || dxs[0] != dx1 {
		t.Error("a batch of one differs from Forward and Backward")
	}
	if ga, gb := a.Grads(), b.Grads(); !slices.Equal(ga[0].F32, gb[0].F32) {
		t.Error("a batch of one's gradients differ from Backward's")
	}
}

// TestLayerMajorTraining: TrainN on a network with batch statistics
// trains with them and saves the running statistics, count included as
// int64, in its weight files.
func TestLayerMajorTraining(t *testing.T) {
	const n = 4
	e := New(centerProgram(), 5)
	e.SetThreads(2)
	x, targets := randoms(3, n*ceN), randoms(4, n*ceN)
	for range 3 {
		if _, err := e.TrainN(x, nil, targets, sgd, 1); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "w.npz")
	if err := e.SaveWeights(path); err != nil {
		t.Fatal(err)
	}
	f := New(centerProgram(), 6)
	if err := f.LoadWeights(path); err != nil {
		t.Fatal(err)
	}
	ps := f.Params()
	if got := ps[ceCount].I64; len(got) != 1 || got[0] != 3 {
		t.Errorf("num_batches_tracked read back as %v, want [3] (int64)", got)
	}
	if !slices.Equal(ps[ceMean].F32, e.Params()[ceMean].F32) || ps[ceMean].F32[0] == 0 {
		t.Errorf("running mean read back as %v", ps[ceMean].F32)
	}
}

var sgd = runtime.SGD{LR: 0.05, Momentum: 0.9, WeightDecay: 0.01}

// TestEmptyBatch: an empty batch runs nothing, even where a batch phase
// would average over no samples.
func TestEmptyBatch(t *testing.T) {
	e := New(centerProgram(), 1)
	e.SetTraining(true, 1)
	e.ForwardN(nil, nil)
	e.ForwardBackwardN(nil, nil, nil, nil)
	ps := e.Params()
	if ps[ceMean].F32[0] != 0 || ps[ceCount].I64[0] != 0 {
		t.Errorf("an empty batch changed the running statistics: %v, %v", ps[ceMean].F32, ps[ceCount].I64)
	}
}
