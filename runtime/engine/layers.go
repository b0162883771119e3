package engine

// runLayers runs the batch set in e.run layer-major: every sample has its
// own frame, and each phase runs for the whole batch before the next
// starts, split across the workers: a batch phase once, its units split;
// a phase that adds to the gradient sums by units, each worker running
// every sample on its units in sample order; any other by (sample, unit)
// pairs. Every worker adds to the model's own gradient sums, so nothing
// is reduced after, and no result depends on the number of workers.
func (e *Engine) runLayers(n int) {
	r := &e.run
	e.runLayersSetup(n)
	if r.kind != backwardOnly {
		e.pool.RunShared(n, e.loadChunk)
		e.runLayerPhases(r.sched.fwd, n)
	}
	e.pool.RunShared(n, e.finishChunk)
	switch r.kind {
	case forwardBackward, backwardOnly:
		e.runLayerPhases(r.sched.bwd, n)
		e.pool.RunShared(n, e.finishBwChunk)
	case trainStep:
		e.runLayerPhases(r.sched.bwd[r.sched.lossFrom:], n)
	}
}

// runLayersSetup gives the batch of a layer-major pass its frames and the
// workers their contexts.
func (e *Engine) runLayersSetup(n int) {
	r := &e.run
	back := r.kind.backward()
	e.batch.set(e.layerFrames(n, e.gradBuffers()), len(e.prog.Buffers))
	for _, w := range e.workers {
		c := &w.ctx
		c.Frame, c.Batch, c.G = nil, nil, nil
		c.Sample, c.Train, c.Seed, c.NeedDx, c.Stash = 0, e.train, e.seed, r.dx != nil, false
		if back {
			c.G = e.g
		}
	}
}

// runLoadChunk loads the inputs of samples [lo, hi).
func (e *Engine) runLoadChunk(_, lo, hi int) {
	for s := lo; s < hi; s++ {
		e.load(e.batch.Frames[s], s)
	}
}

// runFinishChunk does what the batch's kind asks of samples [lo, hi) once
// the forward pass is done: store the outputs, compute the loss, or set the
// output gradients before the backward pass.
func (e *Engine) runFinishChunk(_, lo, hi int) {
	for s := lo; s < hi; s++ {
		f := e.batch.Frames[s]
		switch e.run.kind {
		case forwardOnly:
			e.store(f, s)
		case evaluate:
			e.score(f, s)
		default:
			e.beforeBackward(f, s)
		}
	}
}

// runFinishBackwardChunk stores the input gradients of samples [lo, hi).
func (e *Engine) runFinishBackwardChunk(_, lo, hi int) {
	for s := lo; s < hi; s++ {
		e.afterBackward(e.batch.Frames[s], s)
	}
}

// runLayerPhases runs phases in turn, each for every sample of the batch.
func (e *Engine) runLayerPhases(phases []entry, n int) {
	for i := range phases {
		e.runLayer(phases[i].Phase, n)
	}
}

// runLayer runs phase ph for the n samples of the batch.
func (e *Engine) runLayer(ph *Phase, n int) {
	switch {
	case ph.Batch:
		for _, w := range e.workers {
			w.ctx.Frame, w.ctx.Batch = nil, &e.batch
		}
		e.split(ph)
		for _, w := range e.workers {
			w.ctx.Batch = nil
		}
	case ph.Sums:
		e.cur = ph
		if ph.Even {
			e.pool.Run(ph.N, e.sumsChunk)
		} else {
			e.pool.RunShared(ph.N, e.sumsChunk)
		}
		e.cur = nil
	default:
		e.cur = ph
		e.pool.RunShared(n*ph.N, e.itemsChunk)
		e.cur = nil
	}
}

// runSumsChunk runs units [lo, hi) of the current phase for every sample,
// in sample order.
func (e *Engine) runSumsChunk(wi, lo, hi int) {
	c := &e.workers[wi].ctx
	for s, f := range e.batch.Frames {
		c.Frame, c.Sample = f, s
		e.cur.Run(c, lo, hi)
	}
}

// runItemsChunk runs the (sample, unit) pairs [lo, hi) of the current phase,
// pair i being unit i%N of sample i/N.
func (e *Engine) runItemsChunk(wi, lo, hi int) {
	c, n := &e.workers[wi].ctx, e.cur.N
	for lo < hi {
		s, u := lo/n, lo%n
		end := min(n, u+hi-lo)
		c.Frame, c.Sample = e.batch.Frames[s], s
		e.cur.Run(c, u, end)
		lo += end - u
	}
}
