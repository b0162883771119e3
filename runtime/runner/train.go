package runner

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/cnnc/cnnc/runtime"
)

// Config says how Train trains: for how many epochs, on mini-batches of
// which size, with which SGD hyperparameters and learning-rate schedule,
// and from which seed.
type Config struct {
	Epochs int
	// Batch is the number of samples of a mini-batch; the last one of an
	// epoch holds the rest (as PyTorch's DataLoader with drop_last=False).
	// A Batch of at least the number of samples makes each epoch one step
	// on the whole set.
	Batch int
	// LR, Momentum and WeightDecay are torch.optim.SGD's (see
	// runtime.SGDStep); LR is the learning rate of the first epoch.
	LR, Momentum, WeightDecay float64
	// LRStep and LRGamma are a step schedule (torch.optim.lr_scheduler.
	// StepLR(step_size=LRStep, gamma=LRGamma)): the rate is multiplied by
	// LRGamma every LRStep epochs. LRStep 0 keeps the rate constant.
	LRStep  int
	LRGamma float64
	// Seed drives the shuffling and the dropout masks (see Train).
	Seed uint64

	// OnStep, if not nil, is called after every step, and OnEpoch after
	// every epoch, on Train's goroutine.
	OnStep  func(Step)
	OnEpoch func(Epoch)
}

// Step reports the progress of an epoch after one training step.
type Step struct {
	Epoch, Epochs int // the epoch, from 1, of how many
	Step, Steps   int // the step in the epoch, from 1, of how many
	Done, N       int // samples of the epoch done, of how many
	// Loss is the mean of the mini-batch losses of the epoch so far (each
	// computed before its step), weighted by their sizes.
	Loss float64
	// Elapsed is the time since the epoch began.
	Elapsed time.Duration
}

// Epoch reports one epoch of training.
type Epoch struct {
	Epoch int // from 1
	Steps int
	LR    float64
	// BatchLoss is the mean of the mini-batch losses as they were computed
	// during the epoch, each before its step, weighted by their sizes.
	BatchLoss float64
	// Train and Val are measured after the epoch's last step, over the
	// whole of each set with dropout off, so that the two compare. Val is
	// nil without a validation set.
	Train Metrics
	Val   *Metrics
	// Seconds is the time the epoch took, evaluation included.
	Seconds float64
}

// Metrics are a model's mean loss over a dataset and, for a network ending
// in softmax, the fraction of samples it classifies right (NaN for any
// other).
type Metrics struct {
	Loss, Accuracy float64
}

// StepLR returns the learning rate of epoch (counted from 1) for a base
// rate lr multiplied by gamma every step epochs, as PyTorch's StepLR
// computes it: by repeated multiplication, in float64. For example, lr 0.1,
// gamma 0.5 and step 2 give 0.1, 0.1, 0.05, 0.05, 0.025 for epochs 1 to 5.
// A step of 0 or less keeps lr.
func StepLR(lr, gamma float64, step, epoch int) float64 {
	if step <= 0 {
		return lr
	}
	for range (epoch - 1) / step {
		lr *= gamma
	}
	return lr
}

// Shuffle puts p in a random order drawn from r: for i from len(p)-1 down
// to 1, it swaps p[i] with p[j], j = r.Uint64() mod (i+1) (Fisher–Yates).
// With p starting as 0, 1, ..., n-1 this is the order Train visits an
// epoch's samples in.
func Shuffle(r *runtime.Rand, p []int) {
	for i := len(p) - 1; i > 0; i-- {
		j := int(r.Uint64() % uint64(i+1))
		p[i], p[j] = p[j], p[i]
	}
}

// DropoutSeed returns the dropout seed of step (counted from 1 over the
// whole run) for a run seeded with seed: seed·2^32 + step, different for
// every step and, below 2^32, every seed.
func DropoutSeed(seed uint64, step int) uint64 {
	return seed<<32 ^ uint64(step)
}

// Train trains m on train as c says and returns the epochs completed, each
// measured on train and val (which may be nil).
//
// Epoch e visits the samples in the order of Shuffle(r, [0 1 ... N-1]),
// where r is one runtime.NewRand(c.Seed) continued from epoch to epoch, in
// consecutive mini-batches of c.Batch. Each step is m.TrainN with the
// epoch's learning rate (StepLR), c.SGD's momentum and weight decay, and
// the dropout seed DropoutSeed(c.Seed, s) for the run's s-th step. Results
// are the same for the same model, data, Config and number of threads.
//
// Train checks ctx before every step: once it is done, Train returns the
// epochs completed so far and ctx's error, leaving m with the parameters of
// the last step taken.
//
// Train stops at the first loss that is not a finite number, of a step or
// of an epoch's evaluation, and returns a *DivergedError: m then holds again
// the parameters of the last epoch completed (which it keeps a copy of), or,
// in the first epoch, the diverged ones.
func Train(ctx context.Context, m runtime.Network, train, val *Data, c Config) ([]Epoch, error) {
	in, out := m.Sizes()
	batch := min(max(c.Batch, 1), train.N)
	steps := (train.N + batch - 1) / batch
	x := make([]float32, batch*in)
	var labels []int32
	var targets []float32
	if train.Labels != nil {
		labels = make([]int32, batch)
	} else {
		targets = make([]float32, batch*out)
	}
	order := make([]int, train.N)
	r := runtime.NewRand(c.Seed)
	var history []Epoch
	var good []*runtime.Array // the parameters after the last epoch
	diverged := func(epoch, step int, loss float64) ([]Epoch, error) {
		err := &DivergedError{Epoch: epoch, Step: step, Loss: loss, Kept: len(history)}
		if good != nil {
			if serr := m.SetParams("", good); serr != nil {
				return history, serr
			}
		}
		return history, err
	}
	step := 0
	for epoch := 1; epoch <= c.Epochs; epoch++ {
		start := time.Now()
		for i := range order {
			order[i] = i
		}
		Shuffle(r, order)
		lr := StepLR(c.LR, c.LRGamma, c.LRStep, epoch)
		opt := runtime.SGD{LR: float32(lr), Momentum: float32(c.Momentum), WeightDecay: float32(c.WeightDecay)}
		var lossSum float64
		for s := range steps {
			if err := ctx.Err(); err != nil {
				return history, err
			}
			idx := order[s*batch : min((s+1)*batch, train.N)]
			n := len(idx)
			for k, i := range idx {
				copy(x[k*in:(k+1)*in], train.X[i*in:])
				if labels != nil {
					labels[k] = train.Labels[i]
				} else {
					copy(targets[k*out:(k+1)*out], train.Targets[i*out:])
				}
			}
			step++
			var ts []float32
			if targets != nil {
				ts = targets[:n*out]
			}
			var ls []int32
			if labels != nil {
				ls = labels[:n]
			}
			loss, err := m.TrainN(x[:n*in], ls, ts, opt, DropoutSeed(c.Seed, step))
			if err != nil {
				return history, err
			}
			if !finite(loss) {
				return diverged(epoch, s+1, loss)
			}
			lossSum += loss * float64(n)
			if c.OnStep != nil {
				done := s*batch + n
				c.OnStep(Step{Epoch: epoch, Epochs: c.Epochs, Step: s + 1, Steps: steps, Done: done, N: train.N,
					Loss: lossSum / float64(done), Elapsed: time.Since(start)})
			}
		}
		e := Epoch{Epoch: epoch, Steps: steps, LR: lr, BatchLoss: lossSum / float64(train.N)}
		var err error
		if e.Train, err = Evaluate(m, train, batch); err != nil {
			return history, err
		}
		if val != nil {
			v, err := Evaluate(m, val, batch)
			if err != nil {
				return history, err
			}
			e.Val = &v
		}
		if !finite(e.Train.Loss) {
			return diverged(epoch, 0, e.Train.Loss)
		}
		if e.Val != nil && !finite(e.Val.Loss) {
			return diverged(epoch, 0, e.Val.Loss)
		}
		e.Seconds = time.Since(start).Seconds()
		history = append(history, e)
		good = m.Params()
		if c.OnEpoch != nil {
			c.OnEpoch(e)
		}
	}
	return history, nil
}

// DivergedError reports a training run stopped by a loss that is not a
// finite number.
type DivergedError struct {
	Epoch int     // the epoch, from 1
	Step  int     // the step of the epoch, from 1; 0 for its evaluation after the last step
	Loss  float64 // NaN or an infinity
	Kept  int     // the epochs completed before; the model holds the parameters of the last
}

func (e *DivergedError) Error() string {
	where := fmt.Sprintf("step %d of epoch %d", e.Step, e.Epoch)
	if e.Step == 0 {
		where = fmt.Sprintf("the end of epoch %d", e.Epoch)
	}
	return fmt.Sprintf("the loss is %v at %s: training diverged (a smaller --lr may help)", e.Loss, where)
}

// Evaluate returns m's mean loss over d and, for a classifier, the fraction
// of samples whose top output is their label, with dropout off. It runs
// chunks of at least chunk samples (256 or more), so that the model's
// buffers stay small for a large d. It returns the model's error for a
// sample it cannot judge (a label that is not a class).
func Evaluate(m runtime.Network, d *Data, chunk int) (Metrics, error) {
	in, out := m.Sizes()
	chunk = max(chunk, 256)
	var lossSum float64
	correct := 0
	for lo := 0; lo < d.N; lo += chunk {
		hi := min(lo+chunk, d.N)
		var labels []int32
		var targets []float32
		if d.Labels != nil {
			labels = d.Labels[lo:hi]
		} else {
			targets = d.Targets[lo*out : hi*out]
		}
		l, c, err := m.EvaluateN(d.X[lo*in:hi*in], labels, targets)
		if err != nil {
			return Metrics{}, err
		}
		lossSum += l * float64(hi-lo)
		correct += c
	}
	r := Metrics{Loss: lossSum / float64(d.N), Accuracy: math.NaN()}
	if d.Labels != nil {
		r.Accuracy = float64(correct) / float64(d.N)
	}
	return r, nil
}
