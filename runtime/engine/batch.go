package engine

import (
	"fmt"

	"github.com/cnnc/cnnc/runtime"
)

// ForwardN runs len(x)/in samples given as one flat slice (in and out as
// Sizes returns them) and writes their outputs to y. It panics if the
// lengths do not fit.
func (e *Engine) ForwardN(x, y []float32) {
	n := len(x) / e.in
	if len(x) != n*e.in || len(y) != n*e.out {
		panic("ForwardN: lengths do not match the model's sizes")
	}
	e.forward(n, x, y)
}

// ForwardBackwardN runs the samples of x forward and then backward with the
// output gradients dy, adds the parameter gradients, summed over the
// samples, to the gradient sums, and writes the outputs to y and the input
// gradients to dx unless they are nil. It panics if the lengths do not fit.
func (e *Engine) ForwardBackwardN(x, dy, y, dx []float32) {
	n := len(x) / e.in
	if len(x) != n*e.in || len(dy) != n*e.out || y != nil && len(y) != len(dy) || dx != nil && len(dx) != len(x) {
		panic("ForwardBackwardN: lengths do not match the model's sizes")
	}
	e.forwardBackward(n, x, dy, y, dx)
}

// forward runs the n samples of x forward into y.
func (e *Engine) forward(n int, x, y []float32) {
	e.run.x, e.run.y = x, y
	e.runBatch(n, forwardOnly)
	e.run = batchRun{}
}

// forwardBackward runs the n samples of x forward and backward.
func (e *Engine) forwardBackward(n int, x, dy, y, dx []float32) {
	e.run.x, e.run.dy, e.run.y, e.run.dx = x, dy, y, dx
	e.runBatch(n, forwardBackward)
	e.run = batchRun{}
}

// forwardOne runs one sample forward, keeping what backwardOne needs.
func (e *Engine) forwardOne(x, y []float32) { e.forward(1, x, y) }

// backwardOne runs the sample of the last forwardOne backward from its
// output gradient dy, adding to the gradient sums and writing its input
// gradient to dx unless dx is nil.
func (e *Engine) backwardOne(dy, dx []float32) {
	e.run.dy, e.run.dx = dy, dx
	e.runBatch(1, backwardOnly)
	e.run = batchRun{}
}

// TrainN runs one training step on the samples of x with their labels (a
// classifier) or targets (n outputs): forward in training mode with masks
// drawn from seed, the loss, backward and an SGD step (see Step). It
// returns the mean loss, computed before the step, or an error, changing
// nothing, if the batch is empty, a length differs, a label is not a
// class, an input or target is not finite, or opt's values are negative or
// not finite. Training mode is off after it.
func (e *Engine) TrainN(x []float32, labels []int32, targets []float32, opt runtime.SGD, seed uint64) (float64, error) {
	if err := e.checkFlat("TrainN", x, targets); err != nil {
		return 0, err
	}
	return e.trainBatch("TrainBatch", x, labels, targets, opt.Optimizer(), seed)
}

// TrainWith is TrainN with the update rule opt (see Update): SGD, Adam or
// AdamW, whose state carries over from step to step.
func (e *Engine) TrainWith(x []float32, labels []int32, targets []float32, opt runtime.Optimizer, seed uint64) (float64, error) {
	if err := e.checkFlat("TrainWith", x, targets); err != nil {
		return 0, err
	}
	return e.trainBatch("TrainWith", x, labels, targets, opt, seed)
}

// EvaluateN runs the samples of x in inference mode and returns the mean
// loss (as TrainN defines it) and, for a classifier, how many have their
// label as the top output. It changes no parameter, and returns an error
// where TrainN would.
func (e *Engine) EvaluateN(x []float32, labels []int32, targets []float32) (float64, int, error) {
	if err := e.checkFlat("EvaluateN", x, targets); err != nil {
		return 0, 0, err
	}
	return e.evaluate("Evaluate", x, labels, targets)
}

// checkFlat checks that x and targets hold whole samples, the same number.
func (e *Engine) checkFlat(fn string, x, targets []float32) error {
	n, err := runtime.CheckSamples(fn, "x", x, e.in)
	if err != nil {
		return err
	}
	if targets != nil && len(targets) != n*e.out {
		return fmt.Errorf("%s: targets has %d values, want %d for %d samples", fn, len(targets), n*e.out, n)
	}
	return nil
}

// trainBatch is TrainN for whole samples; fn names the method in errors.
func (e *Engine) trainBatch(fn string, x []float32, labels []int32, targets []float32, opt runtime.Optimizer, seed uint64) (float64, error) {
	err := e.checkBatch(fn, x, labels, targets)
	if err == nil {
		err = opt.Check()
	}
	if err != nil {
		return 0, err
	}
	n := len(x) / e.in
	e.ZeroGrad()
	e.train, e.seed = true, seed
	e.run.x, e.run.labels, e.run.targets = x, labels, targets
	e.runBatch(n, trainStep)
	e.run = batchRun{}
	e.train = false
	e.Update(opt)
	return e.lossSum(n), nil
}

// evaluate is EvaluateN for whole samples; fn names the method in errors.
func (e *Engine) evaluate(fn string, x []float32, labels []int32, targets []float32) (loss float64, correct int, err error) {
	if err := e.checkBatch(fn, x, labels, targets); err != nil {
		return 0, 0, err
	}
	n := len(x) / e.in
	train := e.train
	e.train = false
	e.run.x, e.run.labels, e.run.targets = x, labels, targets
	e.runBatch(n, evaluate)
	e.run = batchRun{}
	e.train = train
	for _, hit := range e.hits[:n] {
		if hit {
			correct++
		}
	}
	return e.lossSum(n), correct, nil
}

// checkBatch returns an error, naming fn, unless x (whole samples) with
// labels or targets is a batch the network can learn from; it grows the
// per-sample results. It runs on the caller's goroutine: a label that is
// not a class would otherwise panic in a worker, and a NaN target turn
// every weight into NaN.
func (e *Engine) checkBatch(fn string, x []float32, labels []int32, targets []float32) error {
	n := len(x) / e.in
	if n == 0 {
		return fmt.Errorf("%s: the batch has no samples", fn)
	}
	if e.Classifier() {
		if len(labels) != n {
			return fmt.Errorf("%s: %d labels for %d samples", fn, len(labels), n)
		}
		if targets != nil {
			return fmt.Errorf("%s: the network ends in softmax and learns from labels: targets must be nil", fn)
		}
		if err := runtime.CheckLabels(fn, labels, e.out); err != nil {
			return err
		}
	} else {
		if len(targets) != n*e.out {
			return fmt.Errorf("%s: %d targets for %d samples", fn, len(targets)/e.out, n)
		}
		if labels != nil {
			return fmt.Errorf("%s: the network does not end in softmax and learns from targets: labels must be nil", fn)
		}
		for i := range n {
			if err := runtime.CheckFinite(fn, "target", i, targets[i*e.out:][:e.out]); err != nil {
				return err
			}
		}
	}
	for i := range n {
		if err := runtime.CheckFinite(fn, "input", i, x[i*e.in:][:e.in]); err != nil {
			return err
		}
	}
	if len(e.losses) < n {
		e.losses = make([]float64, n)
		e.hits = make([]bool, n)
	}
	return nil
}

// lossSum adds the per-sample shares of the loss in sample order.
func (e *Engine) lossSum(n int) float64 {
	var sum float64
	for _, l := range e.losses[:n] {
		sum += l
	}
	return sum
}
