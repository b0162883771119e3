package runner

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/data"
)

// Config says how Train trains: for how many epochs, on mini-batches of
// which size, with which optimiser and learning-rate schedule, from which
// seed, and whether it continues a run.
type Config struct {
	Epochs int
	// Batch is the number of samples of a mini-batch; the last one of an
	// epoch holds the rest (as PyTorch's DataLoader with drop_last=False).
	// A Batch of at least the number of samples makes each epoch one step
	// on the whole set.
	Batch int
	// Optimizer is the update rule (see runtime.Optimizer); its LR is the
	// base rate that Schedule sets each epoch's from.
	Optimizer runtime.Optimizer
	// Schedule is the learning rate's schedule, stepped once an epoch:
	// epoch e (from 1) trains with Schedule.LR(Optimizer.LR, e-1).
	Schedule runtime.Schedule
	// Seed drives the shuffling and the dropout masks (see Train).
	Seed uint64
	// Augment, when not nil, augments the training samples of every
	// mini-batch (see data.Augment): sample i in epoch e is
	// Augment.Apply(..., e, i), i its index in the training set.
	Augment *data.Augment
	// Resume, when not nil, continues the run it describes: the model
	// must hold the parameters and optimiser state of its last epoch.
	Resume *Progress

	// OnStep, if not nil, is called after every step, and OnEpoch after
	// every epoch, on Train's goroutine. OnCheckpoint, if not nil, is
	// called after OnEpoch with where the run stands, for a checkpoint;
	// an error from it stops the run.
	OnStep       func(Step)
	OnEpoch      func(Epoch)
	OnCheckpoint func(Progress) error
}

// Progress is where a run stands after an epoch: with the model's
// parameters and its optimiser's state, what a checkpoint must hold to
// continue the run as if it had not stopped.
type Progress struct {
	Epoch   int    // epochs completed
	Step    int    // steps taken over the run (see DropoutSeed)
	RNG     uint64 // the state of the generator of the data order (runtime.Rand.State)
	History []Epoch
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
// consecutive mini-batches of c.Batch, each sample augmented by c.Augment
// when it is not nil (the samples Evaluate measures are not). Each step is m.TrainWith (m.TrainN
// for a Network that is no runtime.Learner: SGD only; TrainMain makes any
// model a Learner) with c's
// optimiser at the epoch's learning rate (c.Schedule), and the dropout
// seed DropoutSeed(c.Seed, s) for the run's s-th step. Results are the
// same for the same model, data, Config and number of threads, and a run
// resumed from the Progress of an epoch (with the model's parameters and
// optimiser state then) ends as the run that did not stop.
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
	step, first := 0, 1
	if p := c.Resume; p != nil {
		r = runtime.NewRand(p.RNG)
		step, first = p.Step, p.Epoch+1
		history = slices.Clone(p.History)
		if len(history) > 0 {
			good = m.Params()
		}
	}
	diverged := func(epoch, step int, loss float64) ([]Epoch, error) {
		err := &DivergedError{Epoch: epoch, Step: step, Loss: loss, Kept: len(history)}
		if good != nil {
			if serr := m.SetParams("", good); serr != nil {
				return history, serr
			}
		}
		return history, err
	}
	for epoch := first; epoch <= c.Epochs; epoch++ {
		start := time.Now()
		for i := range order {
			order[i] = i
		}
		Shuffle(r, order)
		opt := c.Optimizer
		opt.LR = c.Schedule.LR(c.Optimizer.LR, epoch-1)
		var lossSum float64
		for s := range steps {
			if err := ctx.Err(); err != nil {
				return history, err
			}
			idx := order[s*batch : min((s+1)*batch, train.N)]
			n := len(idx)
			for k, i := range idx {
				if c.Augment != nil {
					c.Augment.Apply(x[k*in:(k+1)*in], train.X[i*in:(i+1)*in], epoch, i)
				} else {
					copy(x[k*in:(k+1)*in], train.X[i*in:])
				}
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
			loss, err := trainStep(m, x[:n*in], ls, ts, opt, DropoutSeed(c.Seed, step))
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
		e := Epoch{Epoch: epoch, Steps: steps, LR: opt.LR, BatchLoss: lossSum / float64(train.N)}
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
		if c.OnCheckpoint != nil {
			if err := c.OnCheckpoint(Progress{Epoch: epoch, Step: step, RNG: r.State(), History: history}); err != nil {
				return history, err
			}
		}
	}
	return history, nil
}

// trainStep runs one training step of m with opt: TrainWith on a
// runtime.Learner, TrainN (SGD only) on another Network.
func trainStep(m runtime.Network, x []float32, labels []int32, targets []float32, opt runtime.Optimizer, seed uint64) (float64, error) {
	if l, ok := m.(runtime.Learner); ok {
		return l.TrainWith(x, labels, targets, opt, seed)
	}
	if opt.Method != runtime.SGDMethod {
		return 0, fmt.Errorf("the model's code trains with SGD only, not %s: build it with this cnnc", opt.Name())
	}
	return m.TrainN(x, labels, targets, runtime.SGD{LR: float32(opt.LR), Momentum: float32(opt.Momentum), WeightDecay: float32(opt.WeightDecay)}, seed)
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
