package engine

import "time"

// ProfileN runs one sample (the first in values of x, zero-padded)
// forward in inference mode and, when dy is not nil, backward, phase by
// phase with the engine's workers, and reports how long each phase took,
// named by its step. It is for benchmarks: cnnc bench prints its per-layer
// breakdown.
func (e *Engine) ProfileN(x, dy []float32, report func(layer string, backward bool, d time.Duration)) {
	in := make([]float32, e.in)
	copy(in, x)
	train := e.train
	e.train = false
	defer func() { e.train = train }()

	r := &e.run
	r.kind, r.n, r.x = forwardOnly, 1, in
	r.sched = &e.sched[inference]
	r.layered = r.sched.fwdBatch || dy != nil && r.sched.bwdBatch
	e.prepare(InferenceForward)
	var c *Ctx
	if r.layered {
		e.runLayersSetup(1)
	} else {
		c = e.passCtx(0, false)
	}
	e.load(e.frame(0, false), 0)
	timed := func(phases []entry, backward bool) {
		for i := range phases {
			start := time.Now()
			if r.layered {
				e.runLayer(phases[i].Phase, 1)
			} else {
				e.runPhases(phases[i:i+1], c, true)
			}
			report(e.prog.Steps[phases[i].step].Name, backward, time.Since(start))
		}
	}
	timed(r.sched.fwd, false)
	if dy != nil {
		out := make([]float32, e.out)
		copy(out, dy)
		r.kind, r.dy = backwardOnly, out
		e.prepare(Backward)
		e.growSums()
		if r.layered {
			e.runLayersSetup(1)
		} else {
			c = e.passCtx(0, false)
		}
		f := e.frame(0, true)
		e.beforeBackward(f, 0)
		timed(r.sched.bwd, true)
	}
	e.run = batchRun{}
}
