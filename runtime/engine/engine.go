package engine

import (
	"github.com/cnnc/cnnc/runtime"
)

// Engine runs a Program: it holds the tensors, their gradient sums and the
// optimiser's state, one set of buffers per worker (and per sample in
// layer-major passes) and a pool of worker goroutines. Everything is
// allocated when first needed; after that, no method but Params, Grads,
// SetParams, LoadWeights and SaveWeights allocates. An Engine is not safe
// for concurrent use; its methods use every worker.
type Engine struct {
	prog    *Program
	in, out int
	sched   [3]schedule // by mode: inference, training, reforward

	Weights
	params, stats []float32 // the arenas of P's parameters and statistics
	grads         []float32 // the gradient sums (worker 0's); nil before the first backward pass
	g             [][]float32
	opt           optim  // the optimiser's state
	stale         []bool // which derived weights lag behind the tensors

	pool      *runtime.Pool
	workers   []*worker
	frames    []*Frame // the frames of a layer-major pass: worker 0's, then more
	batch     Batch
	batchBufs [][]float32 // Program.BatchBuffers

	train bool   // training mode: dropout on, batch statistics
	seed  uint64 // the dropout seed of the current pass

	run    batchRun  // the batch being run
	losses []float64 // each sample's share of the loss
	hits   []bool    // whether each sample's top output is its label

	// The phase being split across the workers, and the functions the pool
	// runs, bound once so that running a pass allocates nothing.
	cur                                   *Phase
	curSchedule                           *schedule
	phaseChunk, batchChunk, reduceChunk   func(int, int, int)
	stepChunk, sumsChunk, itemsChunk      func(int, int, int)
	zeroChunk                             func(int, int, int)
	loadChunk, finishChunk, finishBwChunk func(int, int, int)
}

// worker is what one pool worker owns.
type worker struct {
	frame   *Frame
	ctx     Ctx
	scratch runtime.Scratch
	stashes []runtime.FCStash
	grads   []float32   // private gradient sums (workers other than 0)
	g       [][]float32 // grads by tensor
	ran     bool        // grads holds sums of the current batch
	groupIn []float32   // Program.Group's waiting inputs and outputs
	groupOu []float32
}

// New returns an engine running p, its tensors initialised from seed (see
// Tensor.FanIn), with runtime.Threads() workers. It panics if p is
// inconsistent, which is a bug in the code that made it.
func New(p *Program, seed uint64) *Engine {
	sched, err := compile(p)
	if err != nil {
		panic(err)
	}
	e := &Engine{prog: p, sched: sched, in: p.Input.Map.Size(), out: p.Output.Map.Size()}
	e.allocTensors()
	e.init(seed)
	for _, n := range p.BatchBuffers {
		e.batchBufs = append(e.batchBufs, make([]float32, n))
	}
	e.phaseChunk = e.runPhaseChunk
	e.batchChunk = e.runBatchChunk
	e.reduceChunk = e.runReduceChunk
	e.stepChunk = e.runStepChunk
	e.zeroChunk = e.runZeroChunk
	e.sumsChunk = e.runSumsChunk
	e.itemsChunk = e.runItemsChunk
	e.loadChunk = e.runLoadChunk
	e.finishChunk = e.runFinishChunk
	e.finishBwChunk = e.runFinishBackwardChunk
	e.SetThreads(runtime.Threads())
	return e
}

// Program returns the program the engine runs.
func (e *Engine) Program() *Program { return e.prog }

// SetThreads sets how many workers the engine uses (at least 1).
func (e *Engine) SetThreads(n int) {
	n = max(n, 1)
	if e.pool != nil {
		e.pool.Close()
	}
	e.pool = runtime.NewPool(e, n)
	for len(e.workers) < n {
		e.workers = append(e.workers, nil)
	}
	clear(e.workers[n:])
	e.workers = e.workers[:n]
	for i := range e.workers {
		e.worker(i)
	}
}

// Threads returns the number of workers.
func (e *Engine) Threads() int { return len(e.workers) }

// SetTraining turns training mode on (dropout with masks drawn from seed,
// batch statistics) or off.
func (e *Engine) SetTraining(on bool, seed uint64) { e.train, e.seed = on, seed }

// Sizes returns the number of values of one input and one output sample.
func (e *Engine) Sizes() (in, out int) { return e.in, e.out }

// Classifier reports whether the network ends in softmax, and so trains
// with class labels and cross-entropy rather than targets and squared
// error.
func (e *Engine) Classifier() bool { return e.prog.Loss.Classifier }

// worker returns worker i, making it on first use.
func (e *Engine) worker(i int) *worker {
	if e.workers[i] == nil {
		w := &worker{stashes: make([]runtime.FCStash, e.prog.Stashes)}
		w.ctx = Ctx{Weights: &e.Weights, B: e.batchBufs, Scratch: &w.scratch, Stashes: w.stashes}
		e.workers[i] = w
	}
	return e.workers[i]
}

// newFrame allocates the value buffers of one sample; gradient buffers
// come with the first backward pass (grow).
func (e *Engine) newFrame() *Frame {
	f := &Frame{F: make([][]float32, len(e.prog.Buffers)), I: make([][]int32, len(e.prog.Ints))}
	n := 0
	for _, b := range e.prog.Buffers {
		if !b.Grad {
			n += b.Len
		}
	}
	arena := make([]float32, n)
	for i, b := range e.prog.Buffers {
		if !b.Grad {
			f.F[i], arena = arena[:b.Len:b.Len], arena[b.Len:]
		}
	}
	n = 0
	for _, l := range e.prog.Ints {
		n += l
	}
	ints := make([]int32, n)
	for i, l := range e.prog.Ints {
		f.I[i], ints = ints[:l:l], ints[l:]
	}
	return f
}

// growGrads allocates f's gradient buffers if it has none.
func (e *Engine) growGrads(f *Frame) {
	n, first := 0, -1
	for i, b := range e.prog.Buffers {
		if b.Grad {
			n += b.Len
			if first < 0 {
				first = i
			}
		}
	}
	if first < 0 || f.F[first] != nil {
		return
	}
	arena := make([]float32, n)
	for i, b := range e.prog.Buffers {
		if b.Grad {
			f.F[i], arena = arena[:b.Len:b.Len], arena[b.Len:]
		}
	}
}

// frame returns worker i's frame, allocating it (and its gradient buffers
// when grads is set) as needed.
func (e *Engine) frame(i int, grads bool) *Frame {
	w := e.workers[i]
	if w.frame == nil {
		w.frame = e.newFrame()
	}
	if grads {
		e.growGrads(w.frame)
	}
	return w.frame
}

// layerFrames returns the n frames of a layer-major pass, worker 0's first
// (so that Backward finds the frame of Forward), allocating as needed.
func (e *Engine) layerFrames(n int, grads bool) []*Frame {
	f0 := e.frame(0, grads)
	if len(e.frames) == 0 || e.frames[0] != f0 {
		e.frames = append(e.frames[:0], f0)
	}
	for len(e.frames) < n {
		e.frames = append(e.frames, e.newFrame())
	}
	if grads {
		for _, f := range e.frames[:n] {
			e.growGrads(f)
		}
	}
	return e.frames[:n]
}
