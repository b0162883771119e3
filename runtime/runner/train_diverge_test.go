package runner

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// diverging is a runtime.Network whose one parameter counts its steps and
// whose loss turns NaN at step nanStep (counted over the run), or whose
// evaluation does once it has taken evalNaN steps.
type diverging struct {
	recorder
	w                float32
	nanStep, evalNaN int
}

func (d *diverging) TrainN(x []float32, _ []int32, _ []float32, _ runtime.SGD, _ uint64) (float64, error) {
	d.w++
	if int(d.w) == d.nanStep {
		return math.NaN(), nil
	}
	return 0.5, nil
}

func (d *diverging) EvaluateN(x []float32, _ []int32, _ []float32) (float64, int, error) {
	if d.evalNaN > 0 && int(d.w) >= d.evalNaN {
		return math.Inf(1), 0, nil
	}
	return 0.5, 0, nil
}

func (d *diverging) Params() []*runtime.Array {
	return []*runtime.Array{runtime.NewArray32("w", []int{1}, []float32{d.w})}
}

func (d *diverging) SetParams(_ string, a []*runtime.Array) error {
	d.w = a[0].F32[0]
	return nil
}

// TestTrainDiverged: the first loss that is not finite, of a step or of
// an epoch's evaluation, stops the run with a *DivergedError saying
// where; the model holds again the parameters of the last epoch
// completed, and no checkpoint is made of the epoch that diverged.
func TestTrainDiverged(t *testing.T) {
	for _, c := range []struct {
		name             string
		nanStep, evalNaN int
		want             DivergedError
		w                float32 // the parameter after Train: its steps
		epochs           int     // checkpoints made
	}{
		// 4 samples in batches of 2: 2 steps an epoch.
		{"step", 4, 0, DivergedError{Epoch: 2, Step: 2, Kept: 1}, 2, 1},
		{"evaluation", 0, 5, DivergedError{Epoch: 3, Step: 0, Kept: 2}, 4, 2},
		{"first epoch", 1, 0, DivergedError{Epoch: 1, Step: 1, Kept: 0}, 1, 0},
	} {
		m := &diverging{nanStep: c.nanStep, evalNaN: c.evalNaN}
		checkpoints := 0
		cfg := Config{Epochs: 4, Batch: 2, Optimizer: runtime.NewSGD(0.1, 0, 0), OnCheckpoint: func(Progress) error { checkpoints++; return nil }}
		history, err := Train(context.Background(), m, indexData(4), nil, cfg)
		var d *DivergedError
		if !errors.As(err, &d) {
			t.Fatalf("%s: error %v, want a *DivergedError", c.name, err)
		}
		if !(math.IsNaN(d.Loss) || math.IsInf(d.Loss, 0)) || d.Epoch != c.want.Epoch || d.Step != c.want.Step || d.Kept != c.want.Kept {
			t.Errorf("%s: %+v, want %+v", c.name, *d, c.want)
		}
		if m.w != c.w || len(history) != c.epochs || checkpoints != c.epochs {
			t.Errorf("%s: parameter %v after %d epochs and %d checkpoints, want %v after %d", c.name, m.w, len(history), checkpoints, c.w, c.epochs)
		}
	}
}
