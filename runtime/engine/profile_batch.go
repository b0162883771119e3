package engine

import (
	"sync/atomic"
	"time"
)

// ProfileForward runs the samples of x (a whole number of inputs) forward
// in inference mode exactly as ForwardN runs them (sample-major or
// layer-major, fc steps grouped over samples, split across the workers)
// and reports, for each step with forward work, the time its phases (and
// its group run) took over the whole batch, summed over the workers: on
// one thread, each layer's share of the batch's forward pass. It is for
// benchmarks: cnnc bench prints it beside the one-sample breakdown of
// ProfileN at batches above one.
func (e *Engine) ProfileForward(x []float32, report func(step string, d time.Duration)) {
	n := len(x) / e.in
	if len(x) != n*e.in {
		panic("ProfileForward: the length of x is not a whole number of inputs")
	}
	train := e.train
	e.train = false
	spent := make([]atomic.Int64, len(e.prog.Steps))
	timed := func(step int, run func()) {
		start := time.Now()
		run()
		spent[step].Add(int64(time.Since(start)))
	}
	// The pass runs copies of the inference schedule's phases and of the
	// program (for its group) whose Run functions time themselves; the
	// engine's own are put back after.
	sched, prog := e.sched[inference], e.prog
	fwd := make([]entry, len(sched.fwd))
	ran := make([]bool, len(e.prog.Steps))
	for i, en := range sched.fwd {
		ph, step := *en.Phase, en.step
		run := ph.Run
		ph.Run = func(c *Ctx, lo, hi int) { timed(step, func() { run(c, lo, hi) }) }
		fwd[i], ran[step] = en, true
		fwd[i].Phase = &ph
	}
	e.sched[inference].fwd = fwd
	if g := prog.Group; g != nil {
		p, gc := *prog, *g
		run := g.Run
		gc.Run = func(c *Ctx, in, out []float32, n int) { timed(g.Step, func() { run(c, in, out, n) }) }
		p.Group = &gc
		e.prog = &p
	}
	defer func() { e.sched[inference], e.prog, e.train = sched, prog, train }()
	e.forward(n, x, make([]float32, n*e.out))
	for i := range spent {
		if ran[i] {
			report(prog.Steps[i].Name, time.Duration(spent[i].Load()))
		}
	}
}
