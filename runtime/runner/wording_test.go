package runner

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// TestSingular: messages that count things say "1 epoch", "1 sample",
// "1 class", not "1 epochs" or "sample(s)".
func TestSingular(t *testing.T) {
	var b bytes.Buffer
	r := &reporter{w: &b, classifier: true}
	one := &Data{N: 1}
	r.start(one, one, Config{Epochs: 1, Batch: 32, Optimizer: runtime.NewSGD(0.1, 0.9, 0)})
	r.summary([]Epoch{{Epoch: 1, Val: &Metrics{0.5, 1}}}, "w.npz")
	out := b.String()
	for _, want := range []string{
		"training on 1 sample (1 held out): 1 epoch of 1 step, batch 1, sgd lr 0.1 momentum 0.9\n",
		"validation accuracy 100.00% (loss 0.5000) after 1 epoch\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report %q lacks %q", out, want)
		}
	}

	b.Reset()
	summarise(&b, fakeEngine{}, []float64{0.25, 0.75}, 1, false)
	if want := "engine fake: output [1 2] for 1 sample\n"; !strings.HasPrefix(b.String(), want) {
		t.Errorf("summary %q, want it to start %q", b.String(), want)
	}

	// A dataset of one label for two samples, for a network of one class.
	path := filepath.Join(t.TempDir(), "d.npz")
	err := runtime.WriteArrays(path, []*runtime.Array{
		runtime.NewArray32("x", []int{2, 1}, []float32{1, 2}),
		runtime.NewArrayInt64("y", []int{1}, []int64{0}),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = LoadData(path, []int{1}, []int{1}, true)
	if err == nil || !strings.Contains(err.Error(), "y: 1 label for 2 samples in x") {
		t.Errorf("LoadData: %v, want 1 label for 2 samples", err)
	}
	if _, _, err = LoadData(filepath.Join(t.TempDir(), "none.npz"), []int{1}, []int{1}, true); err == nil {
		t.Errorf("LoadData of a missing file: no error")
	}
}

// fakeEngine is an Engine with one input value and two outputs.
type fakeEngine struct{}

func (fakeEngine) Name() string                             { return "fake" }
func (fakeEngine) Input() []int                             { return []int{1} }
func (fakeEngine) Output() []int                            { return []int{2} }
func (fakeEngine) Specs() []runtime.ParamSpec               { return nil }
func (fakeEngine) Init(uint64)                              {}
func (fakeEngine) SetParams(string, []*runtime.Array) error { return nil }
func (fakeEngine) Float32() bool                            { return true }
func (fakeEngine) Run(x []float64, n int, dy []float64) (y, dx []float64, grads [][]float64, err error) {
	return make([]float64, 2*n), make([]float64, n), nil, nil
}
