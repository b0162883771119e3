package runner

import (
	"slices"
	"testing"

	"github.com/cnnc/cnnc/models/digits"
	"github.com/cnnc/cnnc/runtime"
)

// network hides every method of a model but runtime.Network's.
type network struct{ runtime.Network }

// TestOutside: the optimiser applied from outside a model (asLearner of a
// plain Network) gives, value for value, the model's own TrainWith, for
// SGD with momentum, Adam and AdamW, a learning rate changing between
// steps, and carries its state through OptimizerState and
// SetOptimizerState.
func TestOutside(t *testing.T) {
	if _, ok := runtime.Network(digits.New(1)).(runtime.Learner); !ok {
		t.Skip("models/digits is generated code older than runtime/engine: no TrainWith to compare with")
	}
	x := make([]float32, 8*64)
	labels := make([]int32, 8)
	r := runtime.NewRand(3)
	for i := range x {
		x[i] = float32(r.Float64())
	}
	for i := range labels {
		labels[i] = int32(i)
	}
	for _, rule := range []runtime.Optimizer{runtime.NewSGD(0.05, 0.9, 1e-3), runtime.NewAdam(0.01), runtime.NewAdamW(0.02)} {
		own := runtime.Network(digits.New(1)).(runtime.Learner)
		out := asLearner(network{digits.New(1)})
		if _, ok := out.(*outside); !ok {
			t.Fatal("asLearner of a plain Network is not outside")
		}
		for step := range 3 {
			opt := rule
			opt.LR *= 1 - 0.25*float64(step)
			if step == 2 { // carry the state over to a fresh model
				o, steps, state := out.OptimizerState()
				out = asLearner(network{digits.New(9)})
				if err := out.SetParams("", own.Params()); err != nil {
					t.Fatal(err)
				}
				if err := out.SetOptimizerState("", o, steps, state); err != nil {
					t.Fatal(err)
				}
			}
			for _, m := range []runtime.Learner{own, out} {
				if _, err := m.TrainWith(x, labels, nil, opt, uint64(step)); err != nil {
					t.Fatal(err)
				}
			}
			a, b := own.Params(), out.Params()
			for i := range a {
				if !slices.Equal(a[i].F32, b[i].F32) || !slices.Equal(a[i].I64, b[i].I64) {
					t.Fatalf("%s step %d: %s differs", rule.Name(), step+1, a[i].Name)
				}
			}
		}
		_, sa, ea := own.OptimizerState()
		_, sb, eb := out.OptimizerState()
		if sa != sb || len(ea) != len(eb) {
			t.Fatalf("%s: %d steps, %d arrays; outside %d, %d", rule.Name(), sa, len(ea), sb, len(eb))
		}
		for i := range ea {
			if ea[i].Name != eb[i].Name || !slices.Equal(ea[i].F32, eb[i].F32) {
				t.Errorf("%s: state %s differs from outside's %s", rule.Name(), ea[i].Name, eb[i].Name)
			}
		}
	}
}
