package runner

import (
	"fmt"

	"github.com/cnnc/cnnc/runtime"
)

// Trainer is an Engine that also runs PyTorch's training mode
// (model.train()), for cnnc run --train.
type Trainer interface {
	// TrainPass is Run in training mode: dropout drops, with its masks
	// drawn from seed, and batchnorm normalises by the batch's statistics
	// (backward differentiating through them) and moves its running
	// statistics toward them. It also returns every buffer after the
	// pass, named as in the weight files and in their dtype.
	TrainPass(x []float64, n int, dy []float64, seed uint64) (y, dx []float64, grads [][]float64, buffers []*runtime.Array, err error)
}

// pass runs e forward (and backward with dy) in the mode o asks for: at
// inference, or with --train a training-mode pass whose buffers it also
// returns. An engine without a training mode refuses --train.
func (o *Options) pass(e Engine, x []float64, n int, dy []float64) (y, dx []float64, grads [][]float64, buffers []*runtime.Array, err error) {
	if !o.Train {
		y, dx, grads, err = e.Run(x, n, dy)
		return y, dx, grads, nil, err
	}
	t, ok := e.(Trainer)
	if !ok {
		return nil, nil, nil, nil, fmt.Errorf("--train: the %s engine has no training mode", e.Name())
	}
	return t.TrainPass(x, n, dy, o.Seed)
}
