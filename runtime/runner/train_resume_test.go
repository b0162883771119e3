package runner

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// learner is a runtime.Learner whose every result depends on everything a
// resumed run must restore: its two weights and one optimiser value change
// with each step's samples (in order), labels, learning rate, rule, step
// count and dropout seed, so that any of them restored wrong changes the
// final weights.
type learner struct {
	recorder
	w     []float32
	rule  runtime.Optimizer
	state []float32
	steps int64
}

func newLearner(seed uint64) runtime.Network {
	return &learner{w: []float32{float32(seed%7) / 7, 0.5}}
}

func (l *learner) TrainWith(x []float32, labels []int32, _ []float32, opt runtime.Optimizer, seed uint64) (float64, error) {
	if !opt.SameState(l.rule) || len(l.state) != len(opt.Slots()) {
		l.state, l.steps = make([]float32, len(opt.Slots())), 0
	}
	l.rule = opt
	l.steps++
	loss := float64(l.w[0]*l.w[0] + l.w[1]*l.w[1])
	for i, v := range x {
		g := float32(math.Sin(float64(v*l.w[0]+float32(labels[i])*l.w[1]) + float64(seed%101)))
		for s := range l.state {
			l.state[s] = l.state[s]*0.75 + g
			g += l.state[s] / float32(l.steps)
		}
		l.w[i%2] -= float32(opt.LR) * g
	}
	return loss, nil
}

func (l *learner) EvaluateN(x []float32, _ []int32, _ []float32) (float64, int, error) {
	return float64(l.w[0]*l.w[0] + l.w[1]*l.w[1]), len(x) / 2, nil
}

func (l *learner) Params() []*runtime.Array {
	return []*runtime.Array{runtime.NewArray32("w", []int{2}, slices.Clone(l.w))}
}

func (l *learner) SetParams(file string, arrays []*runtime.Array) error {
	byName, err := runtime.CheckParams(file, arrays, []runtime.ParamSpec{{Name: "w", Shape: []int{2}}})
	if err == nil {
		copy(l.w, byName["w"].Float32s())
	}
	return err
}

func (l *learner) OptimizerState() (runtime.Optimizer, int64, []*runtime.Array) {
	var state []*runtime.Array
	for s, name := range l.rule.Slots() {
		if l.state != nil {
			state = append(state, runtime.NewArray32("w."+name, []int{1}, []float32{l.state[s]}))
		}
	}
	return l.rule, l.steps, state
}

func (l *learner) SetOptimizerState(file string, opt runtime.Optimizer, steps int64, arrays []*runtime.Array) error {
	var specs []runtime.ParamSpec
	for _, name := range opt.Slots() {
		specs = append(specs, runtime.ParamSpec{Name: "w." + name, Shape: []int{1}})
	}
	byName, err := runtime.CheckParams(file, arrays, specs)
	if err != nil {
		return err
	}
	l.rule, l.steps, l.state = opt, steps, nil
	for _, name := range opt.Slots() {
		l.state = append(l.state, byName["w."+name].F32[0])
	}
	return nil
}

// trainMain runs TrainMain on the learner and returns its status and
// output.
func trainMain(args ...string) (int, string) {
	var out bytes.Buffer
	status := TrainMain(newLearner, []int{1, 1, 1}, []int{2}, args, &out, &out)
	return status, out.String()
}

// TestResume: a run stopped after its first epoch and resumed from its
// checkpoint ends with the same weights, optimiser state and figures, file
// for file and byte for byte, as the run that did not stop; the checkpoint
// holds what checkpoint.json says; and --resume refuses a run that is not
// the one the checkpoint continues.
func TestResume(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	x, y := make([]float32, 10), make([]int64, 10)
	for i := range x {
		x[i], y[i] = float32(i)/10, int64(i%2)
	}
	if err := runtime.WriteArrays(at("d.npz"), []*runtime.Array{
		runtime.NewArray32("x", []int{10, 1, 1, 1}, x), runtime.NewArrayInt64("y", []int{10}, y)}); err != nil {
		t.Fatal(err)
	}
	for _, optim := range [][]string{{"--optim", "adamw", "--schedule", "cosine", "--t-max", "3", "--warmup", "1"},
		{"--optim", "sgd", "--lr", "0.05", "--lr-step", "2"}} {
		name := optim[1]
		run := func(epochs int, ck string, extra ...string) string {
			t.Helper()
			out := at(fmt.Sprintf("%s-%s-%d.npz", name, ck, epochs))
			args := append([]string{"--data", at("d.npz"), "--val", "0.2", "--batch", "3", "--epochs", fmt.Sprint(epochs),
				"--checkpoint", at(name + "-" + ck), "--out", out, "--log", out + ".jsonl"}, optim...)
			if status, text := trainMain(append(args, extra...)...); status != 0 {
				t.Fatalf("%s: status %d:\n%s", strings.Join(args, " "), status, text)
			}
			return out
		}
		full := run(4, "full")
		run(1, "part")
		resumed := run(4, "part", "--resume")
		read := func(path string) []byte {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		if !bytes.Equal(read(full), read(resumed)) {
			t.Errorf("%s: the resumed run's weights differ from the run that did not stop", name)
		}
		for _, f := range []string{"weights-4.npz", "optimizer-4.npz"} {
			if !bytes.Equal(read(at(name+"-full/"+f)), read(at(name+"-part/"+f))) {
				t.Errorf("%s: %s differs", name, f)
			}
		}
		// The logs agree but for the seconds; the resumed one starts with
		// the checkpoint's epochs.
		noSeconds := func(path string) string {
			var lines []string
			for _, l := range strings.Split(strings.TrimSpace(string(read(path))), "\n") {
				lines = append(lines, l[:strings.Index(l, `,"seconds"`)])
			}
			return strings.Join(lines, "\n")
		}
		if a, b := noSeconds(full+".jsonl"), noSeconds(resumed+".jsonl"); a != b || strings.Count(a, "\n") != 3 {
			t.Errorf("%s: logs differ:\n%s\n%s", name, a, b)
		}
		// Only the last epoch's files stay.
		if files, _ := filepath.Glob(at(name + "-part/*")); len(files) != 3 {
			t.Errorf("%s: the checkpoint folder holds %v", name, files)
		}
	}

	// A resumed run that differs from the checkpoint's is refused, with
	// status 2, saying how; a checkpoint that is not one is status 1.
	base := []string{"--data", at("d.npz"), "--val", "0.2", "--batch", "3", "--epochs", "4", "--checkpoint", at("adamw-part"),
		"--out", at("x.npz"), "--resume", "--optim", "adamw", "--schedule", "cosine", "--t-max", "3", "--warmup", "1"}
	for _, c := range []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"--lr", "0.01"}, 2, "the optimiser (--optim, --lr, --momentum, --betas, --eps, --weight-decay): adamw lr 0.01 weight decay 0.01, the checkpoint's run had adamw lr 0.001 weight decay 0.01"},
		{[]string{"--batch", "4"}, 2, "--batch: 4, the checkpoint's run had 3"},
		{[]string{"--t-max", "5"}, 2, "the schedule (--schedule, --lr-step, --lr-gamma, --t-max, --eta-min, --warmup): cosine to 0 over 5 epochs, after 1 epoch of warm-up from ×0.3333, the checkpoint's run had cosine to 0 over 3 epochs, after 1 epoch of warm-up from ×0.3333"},
		{[]string{"--val", "0.3"}, 2, "training samples: 7, the checkpoint's run had 8"},
		{[]string{"--hflip"}, 2, "--hflip: true, the checkpoint's run had false"},
		{[]string{"--weights", at("x.npz")}, 2, "--resume and --weights: a resumed run starts from its checkpoint's weights"},
		{[]string{"--checkpoint", at("none")}, 2, "checkpoint.json: no such file or directory"},
	} {
		status, text := trainMain(append(slices.Clone(base), c.args...)...)
		if status != c.status || !strings.Contains(text, c.want) {
			t.Errorf("%v: status %d, want %d saying %q:\n%s", c.args, status, c.status, c.want, text)
		}
	}
	if err := os.WriteFile(at("adamw-part/checkpoint.json"), []byte(`{"format": "cnnc checkpoint 1", "epoch": 0}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if status, text := trainMain(base...); status != 1 || !strings.Contains(text, "checkpoint.json: epoch 0, step 0") {
		t.Errorf("a corrupt checkpoint: status %d:\n%s", status, text)
	}
}

// TestEpochJSONRoundTrip: a checkpoint's history reads back as written: a
// regressor's missing accuracies and a run's missing validation figures
// as NaN and nil, a diverged (null) loss as NaN.
func TestEpochJSONRoundTrip(t *testing.T) {
	nan := math.NaN()
	for _, e := range []Epoch{
		{Epoch: 3, Steps: 45, LR: 0.05, BatchLoss: 0.17, Train: Metrics{0.12, 0.9652}, Val: &Metrics{0.15, 0.9583}, Seconds: 1.2},
		{Epoch: 1, Steps: 2, LR: 1e-3, BatchLoss: 0.5, Train: Metrics{0.25, nan}, Seconds: 0.001},
		{Epoch: 2, Steps: 2, LR: 1e-3, BatchLoss: math.Inf(1), Train: Metrics{nan, nan}, Val: &Metrics{nan, nan}},
	} {
		b, err := e.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var got Epoch
		if err := got.UnmarshalJSON(b); err != nil {
			t.Fatal(err)
		}
		if again, _ := got.MarshalJSON(); !bytes.Equal(again, b) || (got.Val == nil) != (e.Val == nil) || math.IsNaN(got.Train.Accuracy) != math.IsNaN(e.Train.Accuracy) {
			t.Errorf("%s read back as %+v", b, got)
		}
	}
}
