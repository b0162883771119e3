package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/interp"
	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/runner"
)

// bnEngine is the interpreter engine of a conv followed by a batchnorm
// (bn1) and a relu, on 1x2x1 maps.
func bnEngine(t *testing.T) *interpEngine {
	t.Helper()
	b := ir.NewBuilder("t", "t.cnn", ir.Map(1, 2, 1), ir.Pos{})
	v := b.Input()
	for _, step := range []struct {
		op   ir.Op
		name string
	}{{ir.NewConv(1, 1, 2), "conv1"}, {ir.NewBatchNorm(), "bn1"}, {&ir.Activation{Func: ir.ReLU}, "relu1"}} {
		n, err := b.Add(step.op, ir.Meta{Name: step.name}, v)
		if err != nil {
			t.Fatal(err)
		}
		v = n.Output
	}
	m, err := interp.New(b.Graph(nil))
	if err != nil {
		t.Fatal(err)
	}
	return &interpEngine{m: m}
}

// A weight file must hold every buffer: one that holds only the parameters
// gets an error naming each missing buffer.
func TestRunWeightsNeedBuffers(t *testing.T) {
	e := bnEngine(t)
	arrays := []*runtime.Array{
		runtime.NewArray64("conv1.weight", []int{2, 1, 1, 1}, []float64{1, 2}),
		runtime.NewArray64("conv1.bias", []int{2}, []float64{0, 0}),
		runtime.NewArray64("bn1.weight", []int{2}, []float64{1, 1}),
		runtime.NewArray64("bn1.bias", []int{2}, []float64{0, 0}),
	}
	err := e.SetParams("w.npz", arrays)
	if err == nil {
		t.Fatal("SetParams without buffers succeeded")
	}
	for _, want := range []string{
		"w.npz: bn1.running_mean: missing (shape [2] expected)",
		"w.npz: bn1.running_var: missing (shape [2] expected)",
		"w.npz: bn1.num_batches_tracked: missing (shape [] expected)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	arrays = append(arrays,
		runtime.NewArray64("bn1.running_mean", []int{2}, []float64{0, 0}),
		runtime.NewArray64("bn1.running_var", []int{2}, []float64{1, 1}),
		runtime.NewArrayInt64("bn1.num_batches_tracked", []int{}, []int64{41}))
	if err := e.SetParams("w.npz", arrays); err != nil {
		t.Fatal(err)
	}
	if got := e.m.Buffers[2][0]; got != 41 {
		t.Errorf("num_batches_tracked = %v, want 41", got)
	}
}

// --train normalises by the batch and writes the buffers after the pass to
// OUT.npz, num_batches_tracked as a 0-d int64; without --train the pass is
// at inference and OUT.npz holds no buffer.
func TestRunTrainWritesBuffers(t *testing.T) {
	dir := t.TempDir()
	x, dy := filepath.Join(dir, "x.npy"), filepath.Join(dir, "dy.npy")
	// Two samples of 1x2x1; the conv (weights 1 and 2, in w.npz below)
	// gives channel 0 = x and channel 1 = 2x: a batch mean of 2.5 and 5.
	if err := runtime.WriteArrays(x, []*runtime.Array{runtime.NewArray64("x", []int{2, 1, 1, 2}, []float64{1, 2, 3, 4})}); err != nil {
		t.Fatal(err)
	}
	if err := runtime.WriteArrays(dy, []*runtime.Array{runtime.NewArray64("dy", []int{2, 2, 1, 2}, []float64{1, 0, 0, 0, 0, 0, 0, 1})}); err != nil {
		t.Fatal(err)
	}
	w := filepath.Join(dir, "w.npz")
	if err := runtime.WriteArrays(w, []*runtime.Array{
		runtime.NewArray64("conv1.weight", []int{2, 1, 1, 1}, []float64{1, 2}),
		runtime.NewArray64("conv1.bias", []int{2}, []float64{0, 0}),
		runtime.NewArray64("bn1.weight", []int{2}, []float64{1, 1}),
		runtime.NewArray64("bn1.bias", []int{2}, []float64{0, 0}),
		runtime.NewArray64("bn1.running_mean", []int{2}, []float64{0, 0}),
		runtime.NewArray64("bn1.running_var", []int{2}, []float64{1, 1}),
		runtime.NewArrayInt64("bn1.num_batches_tracked", []int{}, []int64{0}),
	}); err != nil {
		t.Fatal(err)
	}
	for _, train := range []bool{false, true} {
		e := bnEngine(t)
		out := filepath.Join(dir, "out.npz")
		var stdout, stderr bytes.Buffer
		o := runner.Options{Weights: w, Input: x, DY: dy, Out: out, Train: train, Seed: 3}
		if status := runner.Run(e, o, &stdout, &stderr); status != 0 {
			t.Fatalf("train=%v: status %d: %s", train, status, stderr.String())
		}
		arrays, err := runtime.ReadArrays(out)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]*runtime.Array{}
		var names []string
		for _, a := range arrays {
			byName[a.Name] = a
			names = append(names, a.Name)
		}
		if !train {
			if byName["bn1.running_mean"] != nil {
				t.Errorf("an inference pass wrote buffers: %v", names)
			}
			continue
		}
		mean, tracked := byName["bn1.running_mean"], byName["bn1.num_batches_tracked"]
		if mean == nil || tracked == nil || byName["bn1.running_var"] == nil {
			t.Fatalf("OUT.npz holds %v, want the three buffers of bn1", names)
		}
		if got := mean.Float64s(); got[0] != 0.25 || got[1] != 0.5 {
			t.Errorf("bn1.running_mean = %v, want [0.25 0.5] (0.1 × the batch means 2.5 and 5)", got)
		}
		if tracked.DType() != "int64" || len(tracked.Shape) != 0 || tracked.I64[0] != 1 {
			t.Errorf("bn1.num_batches_tracked: %s %v %v, want an int64 0-d 1", tracked.DType(), tracked.Shape, tracked.I64)
		}
	}
}
