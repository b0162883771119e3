package golden

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/golden/internal/classifiersoftmax"
	"github.com/cnnc/cnnc/golden/internal/sgdmse"
	"github.com/cnnc/cnnc/runtime"
)

// TestAPIRefusesBadBatches: the generated training API checks a batch on
// the caller's goroutine and returns an error, changing nothing, where it
// used to panic inside a worker (a label that is not a class) or to train
// every weight into NaN (a NaN target or input).
func TestAPIRefusesBadBatches(t *testing.T) {
	opt := runtime.SGD{LR: 0.1, Momentum: 0.9}
	cls := classifiersoftmax.New(1)
	cls.SetThreads(2)
	xs := make([]classifiersoftmax.Input, 4)
	nan := make([]classifiersoftmax.Input, 4)
	nan[2][7] = float32(math.NaN())
	reg := sgdmse.New(1)
	rx := make([]sgdmse.Input, 2)
	rt := make([]sgdmse.Output, 2)
	badT := make([]sgdmse.Output, 2)
	badT[1][0] = float32(math.Inf(1))
	for _, c := range []struct {
		name string
		m    runtime.Network
		run  func() error
		want string
	}{
		{"label too large", cls, func() error { _, err := cls.TrainBatch(xs, []int32{0, 1, 5, 2}, nil, opt, 1); return err },
			"TrainBatch: label 5 of sample 2 is not a class: want 0 to 4"},
		{"negative label", cls, func() error { _, _, err := cls.Evaluate(xs, []int32{-1, 1, 2, 2}, nil); return err },
			"Evaluate: label -1 of sample 0 is not a class: want 0 to 4"},
		{"labels short", cls, func() error { _, err := cls.TrainBatch(xs, []int32{0}, nil, opt, 1); return err },
			"TrainBatch: 1 labels for 4 samples"},
		{"targets to a classifier", cls, func() error {
			_, err := cls.TrainBatch(xs, []int32{0, 0, 0, 0}, make([]classifiersoftmax.Output, 4), opt, 1)
			return err
		}, "targets must be nil"},
		{"NaN input", cls, func() error { _, err := cls.TrainBatch(nan, []int32{0, 0, 0, 0}, nil, opt, 1); return err },
			"TrainBatch: input value 7 of sample 2 is NaN"},
		{"empty batch", cls, func() error { _, err := cls.TrainBatch(nil, nil, nil, opt, 1); return err },
			"TrainBatch: the batch has no samples"},
		{"negative rate", cls, func() error {
			_, err := cls.TrainBatch(xs, []int32{0, 0, 0, 0}, nil, runtime.SGD{LR: -1}, 1)
			return err
		}, "SGD: learning rate -1 is not a finite value of 0 or more"},
		{"NaN momentum", cls, func() error {
			_, err := cls.TrainBatch(xs, []int32{0, 0, 0, 0}, nil, runtime.SGD{LR: 1, Momentum: float32(math.NaN())}, 1)
			return err
		}, "SGD: momentum NaN is not a finite value of 0 or more"},
		{"flat x ragged", cls, func() error { _, err := cls.TrainN(make([]float32, 37), []int32{0}, nil, opt, 1); return err },
			"TrainN: x has 37 values, not a whole number of samples of 36"},
		{"flat label", cls, func() error { _, _, err := cls.EvaluateN(make([]float32, 36), []int32{9}, nil); return err },
			"Evaluate: label 9 of sample 0 is not a class: want 0 to 4"},
		{"infinite target", reg, func() error { _, err := reg.TrainBatch(rx, nil, badT, opt, 1); return err },
			"TrainBatch: target value 0 of sample 1 is +Inf"},
		{"labels to a regressor", reg, func() error { _, err := reg.TrainBatch(rx, []int32{0, 0}, rt, opt, 1); return err },
			"labels must be nil"},
		{"targets short", reg, func() error { _, _, err := reg.Evaluate(rx, nil, rt[:1]); return err },
			"Evaluate: 1 targets for 2 samples"},
		{"flat targets ragged", reg, func() error { _, err := reg.TrainN(make([]float32, 72), nil, make([]float32, 3), opt, 1); return err },
			"TrainN: targets has 3 values, want 2 for 1 samples"},
	} {
		before := c.m.Params()
		err := c.run()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
		for i, p := range c.m.Params() {
			if !slices.Equal(p.F32, before[i].F32) {
				t.Errorf("%s: %s changed", c.name, p.Name)
			}
		}
	}
	// A good batch still trains.
	if _, err := cls.TrainBatch(xs, []int32{0, 1, 4, 2}, nil, opt, 1); err != nil {
		t.Fatal(err)
	}
}

// TestAPIPanicsOnCallersGoroutine: slices of the wrong length given to the
// inference methods are a programming error, which panics (as copy with a
// short buffer would) on the caller's goroutine, where it can be
// recovered, before any worker starts.
func TestAPIPanicsOnCallersGoroutine(t *testing.T) {
	m := classifiersoftmax.New(1)
	m.SetThreads(2)
	x := make([]classifiersoftmax.Input, 3)
	y := make([]classifiersoftmax.Output, 2)
	for name, run := range map[string]func(){
		"ForwardBatch":         func() { m.ForwardBatch(x, y) },
		"ForwardBackwardBatch": func() { m.ForwardBackwardBatch(x, y, nil, nil) },
		"ForwardN":             func() { m.ForwardN(make([]float32, 37), make([]float32, 5)) },
		"ForwardBackwardN":     func() { m.ForwardBackwardN(make([]float32, 36), make([]float32, 4), nil, nil) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(panicText(r), name) {
					t.Errorf("%s: recovered %v, want a panic naming the method", name, r)
				}
			}()
			run()
		}()
	}
}

// panicText is the message of a recovered panic.
func panicText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if e, ok := v.(error); ok {
		return e.Error()
	}
	return ""
}
