package runner

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/data"
)

// images is a runtime.Network on 1×2×3 images that records the inputs of
// every mini-batch it trains on and every chunk it evaluates.
type images struct {
	recorder
	trained, evaluated [][]float32
}

func (m *images) Sizes() (in, out int) { return 6, 2 }

func (m *images) TrainN(x []float32, _ []int32, _ []float32, _ runtime.SGD, _ uint64) (float64, error) {
	m.trained = append(m.trained, slices.Clone(x))
	return 0.5, nil
}

func (m *images) EvaluateN(x []float32, _ []int32, _ []float32) (float64, int, error) {
	m.evaluated = append(m.evaluated, slices.Clone(x))
	return 0.5, 0, nil
}

// TestTrainAugment: with Config.Augment, every sample a step trains on is
// the sample augmented for its epoch and index (data.Augment.Apply), in the
// shuffled order the run draws without augmentation; the evaluations see
// the samples as they are.
func TestTrainAugment(t *testing.T) {
	const n = 7
	set := &Data{N: n}
	for i := range n * 6 {
		set.X = append(set.X, float32(i+1))
	}
	for i := range n {
		set.Labels = append(set.Labels, int32(i%2))
	}
	a, err := data.NewAugment(1, true, []int{1, 2, 3}, &data.Norm{Mean: []float32{0.5}, Std: []float32{2}}, 9)
	if err != nil {
		t.Fatal(err)
	}
	m := &images{}
	if _, err := Train(context.Background(), m, set, nil, Config{Epochs: 3, Batch: 3, Optimizer: runtime.NewSGD(0.1, 0, 0), Seed: 9, Augment: a}); err != nil {
		t.Fatal(err)
	}
	if len(m.trained) != 9 {
		t.Fatalf("%d steps, want 9", len(m.trained))
	}
	g := runtime.NewRand(9)
	changed := 0
	want := make([]float32, 6)
	for e := range 3 {
		order := []int{0, 1, 2, 3, 4, 5, 6}
		Shuffle(g, order)
		for s := range 3 {
			batch := m.trained[3*e+s]
			idx := order[3*s : min(3*s+3, n)]
			if len(batch) != 6*len(idx) {
				t.Fatalf("epoch %d step %d: %d values, want %d", e+1, s+1, len(batch), 6*len(idx))
			}
			for k, i := range idx {
				a.Apply(want, set.X[6*i:6*i+6], e+1, i)
				if got := batch[6*k : 6*k+6]; !slices.Equal(got, want) {
					t.Errorf("epoch %d step %d: sample %d is %v, want %v", e+1, s+1, i, got, want)
				}
				if !slices.Equal(want, set.X[6*i:6*i+6]) {
					changed++
				}
			}
		}
	}
	if changed < n {
		t.Errorf("augmentation changed %d samples of %d", changed, 3*n)
	}
	for _, x := range m.evaluated {
		if !slices.Equal(x, set.X) {
			t.Errorf("evaluated %v, want the samples as they are", x)
		}
	}
	if len(m.evaluated) != 3 {
		t.Errorf("%d evaluations, want 3", len(m.evaluated))
	}
}

// TestAugmentFlags: the augmentation flags' values that cannot work are
// usage errors, status 2, that say why; the run's first line names them.
func TestAugmentFlags(t *testing.T) {
	dir := t.TempDir()
	if err := runtime.WriteArrays(dir+"/d.npz", []*runtime.Array{
		runtime.NewArray32("x", []int{4, 1, 1, 1}, []float32{0, 1, 2, 3}), runtime.NewArrayInt64("y", []int{4}, []int64{0, 1, 0, 1})}); err != nil {
		t.Fatal(err)
	}
	base := []string{"--data", dir + "/d.npz", "--epochs", "1", "--out", dir + "/w.npz"}
	for _, c := range []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"--crop-pad", "-2"}, 2, "cnnc train: --crop-pad -2: want 0 (none) or more\n"},
		{[]string{"--crop-pad", "1"}, 2, "cnnc train: --crop-pad 1: want less than the images' height and width (1x1), or a crop may hold no pixel of the image\n"},
		{[]string{"--crop-pad", "x"}, 2, `invalid value "x" for flag -crop-pad`},
		{[]string{"--hflip", "--crop-pad", "0"}, 0, "training on 4 samples (no validation set): 1 epoch of 1 step, batch 4, sgd lr 0.01 momentum 0.9, augmented by --hflip\n"},
	} {
		status, text := trainMain(append(slices.Clone(base), c.args...)...)
		if status != c.status || !strings.Contains(text, c.want) {
			t.Errorf("%v: status %d, want %d saying %q:\n%s", c.args, status, c.status, c.want, text)
		}
	}
}
