package runtime

import (
	"slices"
	"testing"
)

// TestOptimizerStep: an OptimStep runs SGDStep (first step and after,
// with and without momentum) or AdamStep with the step's coefficients, on
// the slots Slots names.
func TestOptimizerStep(t *testing.T) {
	r := NewRand(5)
	const n = 19
	rand := func() []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.Normal())
		}
		return v
	}
	w0, g := rand(), rand()
	for _, o := range []Optimizer{NewSGD(0.1, 0, 0.01), NewSGD(0.1, 0.9, 0), NewAdam(0.01), NewAdamW(0.02)} {
		state := make([][]float32, len(o.Slots()))
		for i := range state {
			state[i] = make([]float32, n)
		}
		w := slices.Clone(w0)
		want, v, m := slices.Clone(w0), make([]float32, n), make([]float32, n)
		for step := int64(1); step <= 3; step++ {
			s := o.Step(step)
			s.Run(w, g, state)
			if o.Method == SGDMethod {
				SGDStep(want, g, v, float32(o.LR), float32(o.Momentum), float32(o.WeightDecay), step == 1)
			} else {
				c := o.AdamCoeffs(step)
				AdamStep(want, g, m, v, &c)
			}
			if !slices.Equal(w, want) {
				t.Fatalf("%s momentum %v, step %d: %v, want %v", o.Name(), o.Momentum, step, w, want)
			}
		}
	}
	if got := NewSGD(1, 0, 0).Slots(); got != nil {
		t.Errorf("SGD without momentum keeps %v", got)
	}
	sgd, adam, adamw, sgd2 := NewSGD(1, 0.9, 0), NewAdam(1), NewAdamW(1), SGD{LR: 2, Momentum: 0.5}.Optimizer()
	if !slices.Equal(sgd.Slots(), []string{"momentum_buffer"}) || !slices.Equal(adamw.Slots(), []string{"exp_avg", "exp_avg_sq"}) {
		t.Errorf("slots %v, %v", sgd.Slots(), adamw.Slots())
	}
	if adam.SameState(adamw) || !sgd.SameState(sgd2) {
		t.Error("SameState")
	}
	for _, name := range []string{"sgd", "adam", "adamw"} {
		if m, err := ParseMethod(name); err != nil || m.String() != name {
			t.Errorf("ParseMethod(%q) = %v, %v", name, m, err)
		}
	}
	if _, err := ParseMethod("rmsprop"); err == nil || err.Error() != `unknown optimiser "rmsprop" (want sgd, adam or adamw)` {
		t.Errorf("ParseMethod(rmsprop): %v", err)
	}
}
