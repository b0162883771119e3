package engine

import (
	"slices"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// chainBatch is a batch of 3 samples for the chain classifier.
func chainBatch() (x []float32, labels []int32) {
	return randoms(4, 3*chN), []int32{0, 4, 2}
}

func sameArrays(t *testing.T, what string, got, want []*runtime.Array) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d arrays, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i].Name != want[i].Name || !slices.Equal(got[i].Shape, want[i].Shape) || !slices.Equal(got[i].F32, want[i].F32) || !slices.Equal(got[i].I64, want[i].I64) {
			t.Fatalf("%s: %s %v = %v, want %s %v = %v", what, got[i].Name, got[i].Shape, got[i].F32, want[i].Name, want[i].Shape, want[i].F32)
		}
	}
}

// TestTrainWithAdam: TrainWith(Adam or AdamW) gives, value for value, what
// runtime.AdamStep gives applied in PyTorch's layout to the gradients the
// engine computes (got here by steps of SGD with rate 0), and
// OptimizerState holds the same moments, named as torch.optim's
// state_dict, fc.weight's unpacked.
func TestTrainWithAdam(t *testing.T) {
	x, labels := chainBatch()
	for _, rule := range []runtime.Optimizer{runtime.NewAdam(0.01), runtime.NewAdamW(0.03)} {
		a, b := New(chainProgram(true), 2), New(chainProgram(true), 2)
		a.SetThreads(2)
		ps := b.Params()
		m, v := make([][]float32, len(ps)), make([][]float32, len(ps))
		for i, p := range ps {
			m[i], v[i] = make([]float32, p.Size()), make([]float32, p.Size())
		}
		for step := int64(1); step <= 3; step++ {
			rule.LR *= 0.5 // a schedule
			if _, err := a.TrainWith(x, labels, nil, rule, 9); err != nil {
				t.Fatal(err)
			}
			if _, err := b.TrainWith(x, labels, nil, runtime.NewSGD(0, 0, 0), 9); err != nil {
				t.Fatal(err)
			}
			ps, gs := b.Params(), b.Grads()
			c := rule.AdamCoeffs(step)
			for i := range ps {
				runtime.AdamStep(ps[i].F32, gs[i].F32, m[i], v[i], &c)
			}
			if err := b.SetParams("", ps); err != nil {
				t.Fatal(err)
			}
			sameArrays(t, rule.Name(), a.Params(), ps)
		}
		// The typed API takes any rule too.
		typed, flat := NewModel[chainIn, chainOut](chainProgram(true), 2), New(chainProgram(true), 2)
		xs := make([]chainIn, 3)
		copy(many(xs, chN), x)
		for range 3 {
			if _, err := typed.TrainBatchWith(xs, labels, nil, rule, 9); err != nil {
				t.Fatal(err)
			}
			if _, err := flat.TrainWith(x, labels, nil, rule, 9); err != nil {
				t.Fatal(err)
			}
		}
		sameArrays(t, rule.Name()+" TrainBatchWith", typed.Params(), flat.Params())
		got, steps, state := a.OptimizerState()
		if got != rule || steps != 3 {
			t.Errorf("OptimizerState: %+v, %d steps; want %+v, 3", got, steps, rule)
		}
		var want []*runtime.Array
		for i, p := range ps {
			want = append(want, runtime.NewArray32(p.Name+".exp_avg", p.Shape, m[i]), runtime.NewArray32(p.Name+".exp_avg_sq", p.Shape, v[i]))
		}
		sameArrays(t, rule.Name()+" state", state, want)
	}
}

// TestOptimizerStateResume: an engine given another's parameters and
// optimiser state continues exactly as that one does, for SGD with
// momentum, Adam and AdamW.
func TestOptimizerStateResume(t *testing.T) {
	x, labels := chainBatch()
	for _, rule := range []runtime.Optimizer{runtime.NewSGD(0.05, 0.9, 0.01), runtime.NewAdam(0.01), runtime.NewAdamW(0.02)} {
		a := New(chainProgram(true), 2)
		for range 2 {
			if _, err := a.TrainWith(x, labels, nil, rule, 1); err != nil {
				t.Fatal(err)
			}
		}
		params := a.Params()
		r, steps, state := a.OptimizerState()
		b := New(chainProgram(true), 7)
		if err := b.SetParams("", params); err != nil {
			t.Fatal(err)
		}
		if err := b.SetOptimizerState("ckpt", r, steps, state); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			for _, e := range []*Engine{a, b} {
				if _, err := e.TrainWith(x, labels, nil, rule, 1); err != nil {
					t.Fatal(err)
				}
			}
		}
		sameArrays(t, rule.Name(), b.Params(), a.Params())
		_, sa, ea := a.OptimizerState()
		_, sb, eb := b.OptimizerState()
		if sa != 4 || sb != 4 {
			t.Errorf("%s: %d and %d steps, want 4", rule.Name(), sa, sb)
		}
		sameArrays(t, rule.Name()+" state", eb, ea)
	}
}

// TestOptimizerStateErrors: SetOptimizerState checks names and shapes,
// reports every problem with the file's name, and changes nothing.
func TestOptimizerStateErrors(t *testing.T) {
	x, labels := chainBatch()
	e := New(chainProgram(true), 2)
	rule := runtime.NewAdam(0.01)
	if _, err := e.TrainWith(x, labels, nil, rule, 1); err != nil {
		t.Fatal(err)
	}
	_, _, state := e.OptimizerState()
	bad := slices.Clone(state)
	bad[1] = runtime.NewArray32("affine.weight.exp_avg_sq", []int{chC + 1}, make([]float32, chC+1))
	bad = bad[:len(bad)-1]
	err := e.SetOptimizerState("ckpt.npz", rule, 5, bad)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"ckpt.npz: affine.weight.exp_avg_sq", "ckpt.npz: fc.bias.exp_avg_sq: missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, steps, _ := e.OptimizerState(); steps != 1 {
		t.Errorf("a failed SetOptimizerState changed the step count to %d", steps)
	}
	if err := e.SetOptimizerState("ckpt.npz", rule, -1, nil); err == nil {
		t.Error("-1 steps: no error")
	}
	// A different rule starts from zero: AdamW after Adam counts from 1.
	if _, err := e.TrainWith(x, labels, nil, runtime.NewAdamW(0.01), 1); err != nil {
		t.Fatal(err)
	}
	if r, steps, _ := e.OptimizerState(); r.Method != runtime.AdamWMethod || steps != 1 {
		t.Errorf("after a switch to AdamW: %v, %d steps; want adamw, 1", r.Method, steps)
	}
}

// TestZeroGradSplit: ZeroGrad split across the workers (as for a large
// model) leaves every gradient sum zero.
func TestZeroGradSplit(t *testing.T) {
	defer func(n int) { zeroSplit = n }(zeroSplit)
	zeroSplit = 0
	x, labels := chainBatch()
	for _, threads := range []int{1, 3} {
		e := New(chainProgram(true), 2)
		e.SetThreads(threads)
		if _, err := e.TrainWith(x, labels, nil, runtime.NewSGD(0, 0, 0), 9); err != nil {
			t.Fatal(err)
		}
		nonzero := 0
		for _, g := range e.Grads() {
			for _, v := range g.F32 {
				if v != 0 {
					nonzero++
				}
			}
		}
		if nonzero == 0 {
			t.Fatal("no gradient to clear")
		}
		e.ZeroGrad()
		for _, g := range e.Grads() {
			if slices.ContainsFunc(g.F32, func(v float32) bool { return v != 0 }) {
				t.Fatalf("%d threads: %s = %v after ZeroGrad", threads, g.Name, g.F32)
			}
		}
	}
}
