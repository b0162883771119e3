package engine

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cnnc/cnnc/runtime"
)

// tol is the agreement a float32 engine owes a float64 reference:
// max|a-b| <= tol·max(1, max|ref|) per tensor.
const tol = 1e-5

func randoms(seed uint64, n int) []float32 {
	r := runtime.NewRand(seed)
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.Normal())
	}
	return v
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func expectClose(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale, worst, at := 1.0, 0.0, 0
	for i := range want {
		scale = max(scale, math.Abs(want[i]))
		if d := math.Abs(float64(got[i]) - want[i]); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	if worst > tol*scale {
		t.Errorf("%s: max |diff| %.3g at %d (got %v, want %v)", what, worst, at, got[at], want[at])
	}
}

type chainIn [chN]float32
type chainOut [chK]float32

// TestChainAgainstReference: forward, forward-backward and single-sample
// passes of the chain program agree with its float64 reference on any
// number of workers and batch sizes, sample-major (every run and split of
// samples, grouped forward batches, stashed fc gradients); outputs and
// input gradients do not depend on the number of workers at all.
func TestChainAgainstReference(t *testing.T) {
	for _, classifier := range []bool{false, true} {
		prog := chainProgram(classifier)
		for _, n := range []int{1, 2, 5} {
			x, dy := randoms(uint64(n), n*chN), randoms(uint64(n+10), n*chK)
			var firstY, firstDX []float32
			for _, threads := range []int{1, 2, 3, 4} {
				name := fmt.Sprintf("classifier %v, batch %d, %d threads", classifier, n, threads)
				e := New(prog, 3)
				e.SetThreads(threads)
				ref := newChainRef(e.Params())
				y := make([]float32, n*chK)
				e.ForwardN(x, y)
				yb, dx := make([]float32, n*chK), make([]float32, n*chN)
				e.ForwardBackwardN(x, dy, yb, dx)
				if !slices.Equal(y, yb) {
					t.Fatalf("%s: ForwardN and ForwardBackwardN outputs differ", name)
				}
				g := [][]float64{make([]float64, chC), make([]float64, chC), make([]float64, chK*chN), make([]float64, chK)}
				var wantY, wantDX []float64
				for s := range n {
					xs := to64(x[s*chN:][:chN])
					sv, z := ref.forward(xs)
					dz := to64(dy[s*chK:][:chK])
					if classifier {
						p := softmax(z)
						z, dz = p, softmaxGrad(p, dz)
					}
					wantY = append(wantY, z...)
					wantDX = append(wantDX, ref.backward(xs, sv, dz, g)...)
				}
				expectClose(t, name+": y", y, wantY)
				expectClose(t, name+": dx", dx, wantDX)
				for i, a := range e.Grads() {
					expectClose(t, name+": "+a.Name, a.F32, g[i])
				}
				if firstY == nil {
					firstY, firstDX = y, dx
				} else if !slices.Equal(y, firstY) || !slices.Equal(dx, firstDX) {
					t.Errorf("%s: outputs or input gradients differ from one thread's", name)
				}
			}
		}
	}
}

func softmaxGrad(p, dp []float64) []float64 {
	var dot float64
	for i := range p {
		dot += p[i] * dp[i]
	}
	out := make([]float64, len(p))
	for i := range p {
		out[i] = p[i] * (dp[i] - dot)
	}
	return out
}

// TestModelSingleEqualsBatch: the typed Forward and Backward of one sample
// give, bit for bit, what a batch gives that sample, and Backward with a
// nil dx still adds the parameter gradients.
func TestModelSingleEqualsBatch(t *testing.T) {
	m := NewModel[chainIn, chainOut](chainProgram(true), 5)
	const n = 4
	xs, dys := make([]chainIn, n), make([]chainOut, n)
	for i := range n {
		copy(xs[i][:], randoms(uint64(i), chN))
		copy(dys[i][:], randoms(uint64(i+20), chK))
	}
	ys, dxs := make([]chainOut, n), make([]chainIn, n)
	m.ForwardBackwardBatch(xs, dys, ys, dxs)
	for i := range n {
		var y chainOut
		var dx chainIn
		m.Forward(&xs[i], &y)
		m.Backward(&dys[i], &dx)
		if y != ys[i] || dx != dxs[i] {
			t.Fatalf("sample %d: single-sample pass differs from the batch's", i)
		}
	}
	m.ZeroGrad()
	m.Forward(&xs[0], &ys[0])
	m.Backward(&dys[0], nil)
	var sum float32
	for _, g := range m.Grads() {
		for _, v := range g.F32 {
			sum += v * v
		}
	}
	if sum == 0 {
		t.Error("Backward with a nil dx added no gradient")
	}
}

// TestNewModelChecksTypes: NewModel refuses sample types that are not
// arrays of the program's sizes.
func TestNewModelChecksTypes(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "want [24]float32") {
			t.Errorf("recovered %v, want a panic naming [24]float32", r)
		}
	}()
	NewModel[[23]float32, chainOut](chainProgram(false), 1)
}

// TestInvalidProgram: New panics, naming the problem, on a program whose
// indexes do not fit.
func TestInvalidProgram(t *testing.T) {
	p := chainProgram(false)
	p.Steps[0].In[0].Value = 99
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `step 0 "affine" input: value buffer 99`) {
			t.Errorf("recovered %v, want a panic naming the bad buffer", r)
		}
	}()
	New(p, 1)
}

// TestDerivedUpdatedWhenStale: the derived weights are computed when a pass
// that reads them first runs, again only after the parameters change
// (SetParams, Step), and never for passes that do not read them.
func TestDerivedUpdatedWhenStale(t *testing.T) {
	e := New(chainProgram(false), 1)
	x, y := randoms(1, chN), make([]float32, chK)
	derivedUpdates = 0
	e.SetTraining(true, 1)
	e.ForwardN(x, y) // training mode reads the parameters
	if derivedUpdates != 0 {
		t.Fatalf("%d updates before any inference pass", derivedUpdates)
	}
	e.SetTraining(false, 0)
	e.ForwardN(x, y)
	e.ForwardN(x, y)
	if derivedUpdates != 1 {
		t.Fatalf("%d updates after two inference passes, want 1", derivedUpdates)
	}
	ps := e.Params()
	ps[chAW].F32[0] += 1
	if err := e.SetParams("test", ps); err != nil {
		t.Fatal(err)
	}
	e.ForwardN(x, y)
	_, z := newChainRef(ps).forward(to64(x))
	expectClose(t, "y after SetParams", y, z)
	if derivedUpdates != 2 {
		t.Fatalf("%d updates, want 2", derivedUpdates)
	}
}

// TestTrainAgainstReference: TrainN's loss and updated parameters (SGD with
// momentum and weight decay, two steps) agree with the reference, for a
// classifier (cross-entropy) and a regressor (squared error), and
// EvaluateN's loss and hits with the reference's.
func TestTrainAgainstReference(t *testing.T) {
	const n, lr, mom, wd = 3, 0.1, 0.9, 0.01
	for _, classifier := range []bool{false, true} {
		e := New(chainProgram(classifier), 2)
		e.SetThreads(2)
		x := randoms(4, n*chN)
		labels, targets := []int32{0, 4, 2}, randoms(5, n*chK)
		if classifier {
			targets = nil
		} else {
			labels = nil
		}
		var v [][]float64
		for step := range 2 {
			ps := e.Params()
			ref := newChainRef(ps)
			g := [][]float64{make([]float64, chC), make([]float64, chC), make([]float64, chK*chN), make([]float64, chK)}
			var loss float64
			hits := 0
			for s := range n {
				xs := to64(x[s*chN:][:chN])
				sv, z := ref.forward(xs)
				dz := make([]float64, chK)
				if classifier {
					p := softmax(z)
					loss -= math.Log(p[labels[s]]) / n
					for i := range dz {
						dz[i] = p[i] / n
					}
					dz[labels[s]] -= 1.0 / n
					if slices.Index(p, slices.Max(p)) == int(labels[s]) {
						hits++
					}
				} else {
					for i := range dz {
						d := z[i] - float64(targets[s*chK+i])
						loss += d * d / (n * chK)
						dz[i] = 2 * d / (n * chK)
					}
				}
				ref.backward(xs, sv, dz, g)
			}
			el, correct, err := e.EvaluateN(x, labels, targets)
			if err != nil || math.Abs(el-loss) > tol || correct != hits {
				t.Fatalf("classifier %v: EvaluateN = %v, %d, %v; want %v, %d", classifier, el, correct, err, loss, hits)
			}
			got, err := e.TrainN(x, labels, targets, runtime.SGD{LR: lr, Momentum: mom, WeightDecay: wd}, 1)
			if err != nil || math.Abs(got-loss) > tol {
				t.Fatalf("classifier %v step %d: loss %v, %v; want %v", classifier, step, got, err, loss)
			}
			if v == nil {
				v = make([][]float64, len(g))
			}
			for i, p := range e.Params() {
				w := ps[i].Float64s()
				for j := range w {
					d := g[i][j] + wd*w[j]
					if step == 0 {
						v[i] = append(v[i], d)
					} else {
						v[i][j] = mom*v[i][j] + d
					}
					w[j] -= lr * v[i][j]
				}
				expectClose(t, fmt.Sprintf("classifier %v step %d: %s", classifier, step, p.Name), p.F32, w)
			}
		}
	}
}

// TestBatchErrors: the training API refuses bad batches on the caller's
// goroutine, naming the method, and changes nothing.
func TestBatchErrors(t *testing.T) {
	cls := NewModel[chainIn, chainOut](chainProgram(true), 1)
	reg := NewModel[chainIn, chainOut](chainProgram(false), 1)
	opt := runtime.SGD{LR: 0.1}
	xs := make([]chainIn, 2)
	nan := make([]chainIn, 2)
	nan[1][3] = float32(math.NaN())
	for _, c := range []struct {
		m    Model[chainIn, chainOut]
		run  func() error
		want string
	}{
		{cls, func() error { _, err := cls.TrainBatch(xs, []int32{0, 5}, nil, opt, 1); return err }, "TrainBatch: label 5 of sample 1 is not a class: want 0 to 4"},
		{cls, func() error { _, err := cls.TrainBatch(nil, nil, nil, opt, 1); return err }, "TrainBatch: the batch has no samples"},
		{cls, func() error { _, err := cls.TrainBatch(nan, []int32{0, 0}, nil, opt, 1); return err }, "TrainBatch: input value 3 of sample 1 is NaN"},
		{cls, func() error { _, _, err := cls.EvaluateN(make([]float32, chN), []int32{9}, nil); return err }, "Evaluate: label 9 of sample 0"},
		{cls, func() error { _, err := cls.TrainN(make([]float32, chN+1), nil, nil, opt, 1); return err }, "TrainN: x has 25 values, not a whole number of samples of 24"},
		{reg, func() error { _, _, err := reg.Evaluate(xs, nil, make([]chainOut, 1)); return err }, "Evaluate: 1 targets for 2 samples"},
		{reg, func() error { _, err := reg.TrainN(make([]float32, chN), nil, make([]float32, 3), opt, 1); return err }, "TrainN: targets has 3 values, want 5 for 1 samples"},
		{reg, func() error { _, err := reg.TrainBatch(xs, []int32{0, 0}, make([]chainOut, 2), opt, 1); return err }, "labels must be nil"},
		{reg, func() error {
			_, err := reg.TrainBatch(xs, nil, make([]chainOut, 2), runtime.SGD{LR: float32(math.Inf(1))}, 1)
			return err
		}, "SGD: learning rate +Inf"},
	} {
		before := c.m.Params()
		if err := c.run(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
		for i, p := range c.m.Params() {
			if !slices.Equal(p.F32, before[i].F32) {
				t.Errorf("%q: %s changed", c.want, p.Name)
			}
		}
	}
}

// TestWeightFiles: SaveWeights writes every tensor in PyTorch's layout and
// LoadWeights reads them back exactly.
func TestWeightFiles(t *testing.T) {
	a, b := New(chainProgram(false), 1), New(chainProgram(false), 2)
	path := filepath.Join(t.TempDir(), "w.npz")
	if err := a.SaveWeights(path); err != nil {
		t.Fatal(err)
	}
	if err := b.LoadWeights(path); err != nil {
		t.Fatal(err)
	}
	want := a.Params()
	for i, p := range b.Params() {
		if p.Name != want[i].Name || !slices.Equal(p.F32, want[i].F32) {
			t.Errorf("%s differs after a round trip", p.Name)
		}
	}
	if want[chAB].F32[0] != 0.25 {
		t.Errorf("affine.bias starts at %v, want its Init 0.25", want[chAB].F32[0])
	}
}

// TestMapChannelSlice: a tensor held as channels [3, 5) of a 5-channel
// buffer goes in and out in PyTorch's order and leaves the other channels
// alone.
func TestMapChannelSlice(t *testing.T) {
	m := Map{H: 2, W: 3, C: 2, Pix: 5, Row: 15, Off: 3}
	buf := make([]float32, 30)
	for i := range buf {
		buf[i] = -1
	}
	src := []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11} // c, y, x
	m.Scatter(buf, src)
	for y := range 2 {
		for x := range 3 {
			for c := range 5 {
				want := float32(-1)
				if c >= 3 {
					want = src[(c-3)*6+y*3+x]
				}
				if got := buf[y*15+x*5+c]; got != want {
					t.Fatalf("pixel (%d, %d) channel %d: %v, want %v", y, x, c, got, want)
				}
			}
		}
	}
	back := make([]float32, 12)
	m.Gather(back, buf)
	if !slices.Equal(back, src) {
		t.Errorf("Gather gave %v, want %v", back, src)
	}
}

// TestProfile: ProfileN reports every phase of both passes, named by its
// step, sample-major and layer-major.
func TestProfile(t *testing.T) {
	for _, c := range []struct {
		p    *Program
		want string
	}{
		{chainProgram(true), "affine fc softmax | softmax fc fc affine affine"},
		{centerProgram(), "scale center | center scale scale"},
	} {
		e := New(c.p, 1)
		e.SetThreads(2)
		in, out := e.Sizes()
		var fwd, bwd []string
		e.ProfileN(randoms(1, in), randoms(2, out), func(layer string, backward bool, _ time.Duration) {
			if backward {
				bwd = append(bwd, layer)
			} else {
				fwd = append(fwd, layer)
			}
		})
		if got := strings.Join(fwd, " ") + " | " + strings.Join(bwd, " "); got != c.want {
			t.Errorf("profile %q, want %q", got, c.want)
		}
	}
}
