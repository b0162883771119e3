package runner

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// recorder is a runtime.Network that records the mini-batches it is
// trained on. A sample's single input value is its index in the dataset.
type recorder struct {
	batches [][]int
	opts    []runtime.SGD
	seeds   []uint64
	labels  [][]int32
	cancel  func() // called after the step numbered stopAt
	stopAt  int
}

func (r *recorder) Sizes() (in, out int)                     { return 1, 2 }
func (r *recorder) SetThreads(int)                           {}
func (r *recorder) SetTraining(bool, uint64)                 {}
func (r *recorder) ForwardN(x, y []float32)                  {}
func (r *recorder) ForwardBackwardN(x, dy, y, dx []float32)  {}
func (r *recorder) ZeroGrad()                                {}
func (r *recorder) Step(lr, momentum, weightDecay float32)   {}
func (r *recorder) Params() []*runtime.Array                 { return nil }
func (r *recorder) Grads() []*runtime.Array                  { return nil }
func (r *recorder) SetParams(string, []*runtime.Array) error { return nil }
func (r *recorder) Classifier() bool                         { return true }
func (r *recorder) EvaluateN(x []float32, l []int32, t []float32) (float64, int, error) {
	return 0.5, len(x) / 2, nil
}

func (r *recorder) TrainN(x []float32, labels []int32, targets []float32, opt runtime.SGD, seed uint64) (float64, error) {
	var idx []int
	for _, v := range x {
		idx = append(idx, int(v))
	}
	r.batches = append(r.batches, idx)
	r.labels = append(r.labels, slices.Clone(labels))
	r.opts = append(r.opts, opt)
	r.seeds = append(r.seeds, seed)
	if len(r.batches) == r.stopAt {
		r.cancel()
	}
	return float64(len(x)), nil
}

// indexData is n samples whose value is their index, labelled index mod 2.
func indexData(n int) *Data {
	d := &Data{N: n}
	for i := range n {
		d.X = append(d.X, float32(i))
		d.Labels = append(d.Labels, int32(i%2))
	}
	return d
}

// TestShuffle pins the documented order: Fisher–Yates from the last
// position down, j = r.Uint64() mod (i+1). The values are those of this
// Python, which reproduces runtime.Rand:
//
//	s = 7
//	def u64():
//	    global s
//	    s = (s + 0x9E3779B97F4A7C15) % 2**64; z = s
//	    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % 2**64
//	    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % 2**64
//	    return z ^ (z >> 31)
//	p = list(range(8))
//	for i in range(7, 0, -1):
//	    j = u64() % (i + 1); p[i], p[j] = p[j], p[i]
func TestShuffle(t *testing.T) {
	got := []int{0, 1, 2, 3, 4, 5, 6, 7}
	Shuffle(runtime.NewRand(7), got)
	if want := []int{1, 4, 5, 2, 6, 0, 3, 7}; !slices.Equal(got, want) {
		t.Errorf("Shuffle = %v, want %v", got, want)
	}
	// Every order is a permutation, and orders vary with the seed.
	seen := map[string]bool{}
	for seed := range uint64(50) {
		p := []int{0, 1, 2, 3, 4, 5, 6, 7}
		Shuffle(runtime.NewRand(seed), p)
		if sorted := slices.Sorted(slices.Values(p)); !slices.Equal(sorted, []int{0, 1, 2, 3, 4, 5, 6, 7}) {
			t.Fatalf("seed %d: %v is not a permutation", seed, p)
		}
		seen[fmt.Sprint(p)] = true
	}
	if len(seen) < 45 {
		t.Errorf("50 seeds gave only %d different orders", len(seen))
	}
}

// TestTrainOrder: each epoch visits every sample once, in the documented
// shuffled order, in mini-batches whose last holds the rest; the learning
// rate follows the schedule and each step has its own dropout seed.
func TestTrainOrder(t *testing.T) {
	r := &recorder{}
	data := indexData(10)
	sched := runtime.Schedule{Kind: runtime.StepDecay, Step: 2, Gamma: 0.5}
	c := Config{Epochs: 3, Batch: 4, Optimizer: runtime.NewSGD(0.1, 0.9, 1e-3), Schedule: sched, Seed: 42}
	var steps []Step
	var epochs []Epoch
	c.OnStep = func(s Step) { steps = append(steps, s) }
	c.OnEpoch = func(e Epoch) { epochs = append(epochs, e) }
	history, err := Train(context.Background(), r, data, data, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.batches) != 9 || len(steps) != 9 || len(history) != 3 || len(epochs) != 3 {
		t.Fatalf("%d steps (%d reported), %d epochs (%d reported); want 9 and 3", len(r.batches), len(steps), len(history), len(epochs))
	}
	g := runtime.NewRand(42)
	for e := range 3 {
		order := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
		Shuffle(g, order)
		want := [][]int{order[:4], order[4:8], order[8:]}
		for s := range 3 {
			i := 3*e + s
			if !slices.Equal(r.batches[i], want[s]) {
				t.Errorf("epoch %d step %d: samples %v, want %v", e+1, s+1, r.batches[i], want[s])
			}
			for k, idx := range r.batches[i] {
				if r.labels[i][k] != int32(idx%2) {
					t.Errorf("epoch %d step %d: sample %d has label %d", e+1, s+1, idx, r.labels[i][k])
				}
			}
			lr := float32(sched.LR(0.1, e))
			if o := r.opts[i]; o != (runtime.SGD{LR: lr, Momentum: 0.9, WeightDecay: 1e-3}) {
				t.Errorf("epoch %d step %d: SGD %+v, want lr %g", e+1, s+1, o, lr)
			}
			if r.seeds[i] != DropoutSeed(42, i+1) {
				t.Errorf("step %d: dropout seed %d, want %d", i+1, r.seeds[i], DropoutSeed(42, i+1))
			}
		}
	}
	last := steps[2]
	if last.Step != 3 || last.Steps != 3 || last.Done != 10 || last.N != 10 || last.Epoch != 1 || last.Epochs != 3 {
		t.Errorf("last step of epoch 1 reported as %+v", last)
	}
	// The recorder's loss is the batch size: (4·4 + 4·4 + 2·2)/10.
	if want := 3.6; math.Abs(last.Loss-want) > 1e-12 || math.Abs(history[0].BatchLoss-want) > 1e-12 {
		t.Errorf("epoch loss %g (step report %g), want %g", history[0].BatchLoss, last.Loss, want)
	}
	if e := history[2]; e.LR != 0.05 || e.Steps != 3 || e.Train != (Metrics{0.5, 0.5}) || e.Val == nil || *e.Val != (Metrics{0.5, 0.5}) {
		t.Errorf("epoch 3: %+v", e)
	}
}

// TestTrainFullBatch: a batch of at least the dataset makes every epoch
// one step on all of it.
func TestTrainFullBatch(t *testing.T) {
	r := &recorder{}
	if _, err := Train(context.Background(), r, indexData(5), nil, Config{Epochs: 2, Batch: 100, Optimizer: runtime.NewSGD(0.1, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	if len(r.batches) != 2 || len(r.batches[0]) != 5 || len(r.batches[1]) != 5 {
		t.Errorf("batches %v, want two of 5", r.batches)
	}
}

// TestTrainCancel: a cancelled context stops training before the next step
// and returns the epochs completed.
func TestTrainCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &recorder{cancel: cancel, stopAt: 5}
	history, err := Train(ctx, r, indexData(8), nil, Config{Epochs: 10, Batch: 4, Optimizer: runtime.NewSGD(0.1, 0, 0)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(r.batches) != 5 || len(history) != 2 {
		t.Errorf("%d steps and %d epochs done, want 5 and 2", len(r.batches), len(history))
	}
}

func TestEpochJSON(t *testing.T) {
	e := Epoch{Epoch: 2, Steps: 3, LR: 0.05, BatchLoss: 0.25, Train: Metrics{0.125, 0.75}, Val: &Metrics{math.Inf(1), 0.5}, Seconds: 1.23456}
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"epoch":2,"steps":3,"lr":0.05,"batch_loss":0.25,"train_loss":0.125,"train_acc":0.75,"val_loss":null,"val_acc":0.5,"seconds":1.235}`
	if string(data) != want {
		t.Errorf("got  %s\nwant %s", data, want)
	}
	reg := Epoch{Epoch: 1, Steps: 1, LR: 0.1, BatchLoss: 2, Train: Metrics{1, math.NaN()}}
	data, _ = json.Marshal(reg)
	if want := `{"epoch":1,"steps":1,"lr":0.1,"batch_loss":2,"train_loss":1,"seconds":0}`; string(data) != want {
		t.Errorf("regressor without validation: got %s, want %s", data, want)
	}
}

// TestPlot: the picture is well-formed XML for classifiers and regressors,
// with and without validation, for one epoch or many, and with a diverged
// loss.
func TestPlot(t *testing.T) {
	history := func(n int, val bool, acc float64) []Epoch {
		var h []Epoch
		for i := range n {
			e := Epoch{Epoch: i + 1, LR: 0.1, Train: Metrics{2 / float64(i+1), acc}}
			if val {
				e.Val = &Metrics{2.5 / float64(i+1), acc}
			}
			h = append(h, e)
		}
		return h
	}
	diverged := history(5, true, 0.5)
	diverged[3].Train.Loss = math.NaN()
	diverged[4].Train.Loss = math.Inf(1)
	for _, c := range []struct {
		name       string
		h          []Epoch
		classifier bool
		panels     int
	}{
		{"classifier", history(30, true, 0.9), true, 2},
		{"regressor", history(12, false, math.NaN()), false, 1},
		{"one epoch", history(1, true, 1), true, 2},
		{"no epochs", nil, true, 2},
		{"diverged", diverged, true, 2},
		{"flat", history(3, false, 0.5), true, 2},
		{"long", history(500, true, 0.3), true, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			svg := Plot(c.h, c.classifier)
			if err := wellFormed(svg); err != nil {
				t.Fatalf("%v\n%s", err, svg)
			}
			if n := strings.Count(string(svg), "<g>"); n != c.panels {
				t.Errorf("%d panels, want %d", n, c.panels)
			}
			if strings.Contains(string(svg), "NaN") || strings.Contains(string(svg), "Inf") {
				t.Errorf("the picture holds a NaN or Inf coordinate:\n%s", svg)
			}
			for _, label := range []string{">epoch<", ">loss (", ">training "} {
				if len(c.h) > 0 && !strings.Contains(string(svg), label) {
					t.Errorf("no %q in the picture", label)
				}
			}
		})
	}
	path := filepath.Join(t.TempDir(), "loss.svg")
	if err := WritePlot(path, history(3, true, 0.5), true); err != nil {
		t.Fatal(err)
	}
}

func wellFormed(data []byte) error {
	d := xml.NewDecoder(strings.NewReader(string(data)))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func TestAxes(t *testing.T) {
	a := linearAxis(0.83, 0.995, 1)
	if a.ticks[0] > 0.83 || a.ticks[len(a.ticks)-1] < 0.995 || a.hi > 1 {
		t.Errorf("linear axis %+v does not cover [0.83, 0.995] within 1", a)
	}
	l := logAxis(0.002, 2.3)
	if !l.logScale || l.pos(0.002) < 0 || l.pos(2.3) > 1 || !slices.Contains(l.ticks, 0.01) || !slices.Contains(l.ticks, 1) {
		t.Errorf("log axis %+v", l)
	}
	if got := niceStep(0.23, 5); got != 0.05 {
		t.Errorf("niceStep(0.23, 5) = %g, want 0.05", got)
	}
	if got := epochAxis(20).ticks; !slices.Equal(got, []float64{1, 5, 10, 15, 20}) {
		t.Errorf("epoch ticks %v", got)
	}
	if got := groupThousands(1234567); got != "1,234,567" {
		t.Errorf("groupThousands = %q", got)
	}
}
