package engine

// kind is what a batch does with each sample.
type kind uint8

const (
	forwardOnly     kind = iota
	forwardBackward      // forward, then backward from the given output gradients
	backwardOnly         // backward from the given output gradients, after forwardOnly
	trainStep            // forward, the loss, and backward from it
	evaluate             // forward and the loss
)

func (k kind) backward() bool { return k == forwardBackward || k == backwardOnly || k == trainStep }

// grads says a batch of the kind needs gradient buffers: it runs backward,
// or computes the loss, which sets the output's gradient.
func (k kind) grads() bool { return k.backward() || k == evaluate }

// gradBuffers says the batch being run needs the buffers marked Grad: it
// runs backward or scores, or runs in training mode (see Buffer.Grad).
func (e *Engine) gradBuffers() bool { return e.run.kind.grads() || e.train }

// batchRun is the batch being run: its kind and flat slices of samples
// (y, dy, dx, labels and targets may be nil where the kind has no use for
// them).
type batchRun struct {
	kind         kind
	n            int
	sched        *schedule
	layered      bool // layer-major
	x, y, dy, dx []float32
	labels       []int32
	targets      []float32
}

// runBatch runs a batch of n samples of kind k, set in e.run's slices.
//
// A pass whose phases all run sample by sample (no phase needs the
// batch) runs sample-major: with fewer samples than workers, the samples
// go one after the other, each phase split across every worker; else each
// worker runs its own contiguous run of samples on its own buffers, adding
// to its own gradient sums, which are reduced in worker order after the
// batch. A pass with a phase that needs the batch runs layer-major (see
// runLayers).
func (e *Engine) runBatch(n int, k kind) {
	if n == 0 {
		return // a batch phase would divide by zero
	}
	r := &e.run
	r.kind, r.n = k, n
	mode := inference
	switch {
	case e.train:
		mode = training
	case k == forwardBackward:
		mode = reforward
	}
	r.sched = &e.sched[mode]
	if k != backwardOnly {
		e.prepare(r.sched.use)
	}
	if k.backward() {
		e.prepare(Backward)
		e.growSums()
	}
	r.layered = k != backwardOnly && r.sched.fwdBatch || k.backward() && r.sched.bwdBatch
	switch {
	case r.layered:
		e.runLayers(n)
	case n < len(e.workers):
		c := e.passCtx(0, false)
		for s := range n {
			e.sample(c, s, true)
		}
	default:
		e.pool.Run(n, e.batchChunk)
	}
	if k.backward() {
		e.reduce()
	}
	if e.train && len(e.stats) > 0 {
		e.changed() // the steps updated running statistics
	}
}

// passCtx sets up worker wi's context for the batch being run on its own
// frame; run says it runs a run of samples (Ctx.Stash).
func (e *Engine) passCtx(wi int, run bool) *Ctx {
	r := &e.run
	back := r.kind.backward()
	w := e.workers[wi]
	c := &w.ctx
	c.Frame, c.Batch, c.G = e.frame(wi, e.gradBuffers()), nil, nil
	c.Sample, c.Train, c.Seed = 0, e.train, e.seed
	c.NeedDx, c.Stash = r.dx != nil, false
	if back {
		c.G, c.Stash = e.sums(wi), run
		w.ran = wi > 0
	}
	return c
}

// runBatchChunk runs worker wi's run of samples [lo, hi).
func (e *Engine) runBatchChunk(wi, lo, hi int) {
	c := e.passCtx(wi, true)
	if k := e.run.kind; (k == forwardOnly || k == evaluate) && e.prog.Group != nil && hi-lo > 1 {
		e.forwardGroups(wi, c, lo, hi)
		return
	}
	for s := lo; s < hi; s++ {
		e.sample(c, s, false)
	}
	if c.Stash {
		for i := range e.prog.Steps {
			if f := e.prog.Steps[i].Flush; f != nil {
				f(c)
			}
		}
	}
}

// sample runs sample s of the batch on c's frame, each phase split across
// the workers when parallel is set.
func (e *Engine) sample(c *Ctx, s int, parallel bool) {
	c.Sample = s
	if e.run.kind != backwardOnly {
		e.load(c.Frame, s)
		e.runPhases(e.run.sched.fwd, c, parallel)
	}
	e.finish(c, s, parallel)
}

// finish does what the batch's kind asks once sample s has run forward on
// c's frame: it stores the output, or computes the loss, and runs backward.
func (e *Engine) finish(c *Ctx, s int, parallel bool) {
	r := &e.run
	switch r.kind {
	case forwardOnly:
		e.store(c.Frame, s)
	case forwardBackward, backwardOnly:
		e.beforeBackward(c.Frame, s)
		e.runPhases(r.sched.bwd, c, parallel)
		e.afterBackward(c.Frame, s)
	case trainStep:
		e.beforeBackward(c.Frame, s)
		e.runPhases(r.sched.bwd[r.sched.lossFrom:], c, parallel)
	case evaluate:
		e.score(c.Frame, s)
	}
}

// beforeBackward sets sample s's output gradient on frame f (from dy, or
// from the loss), clears the gradients that are added to, and, in a batch
// that runs forward and backward, stores the output.
func (e *Engine) beforeBackward(f *Frame, s int) {
	r := &e.run
	if r.kind == trainStep {
		e.losses[s] = e.loss(f, s)
		clearBuffers(f, r.sched.lossZero)
		return
	}
	if r.y != nil {
		e.store(f, s)
	}
	g := e.prog.OutputGrad
	g.Map.Scatter(f.F[g.Buf], r.dy[s*e.out:][:e.out])
	clearBuffers(f, r.sched.zero)
}

// afterBackward stores sample s's input gradient if it is wanted.
func (e *Engine) afterBackward(f *Frame, s int) {
	if dx := e.run.dx; dx != nil {
		g := e.prog.InputGrad
		g.Map.Gather(dx[s*e.in:][:e.in], f.F[g.Buf])
	}
}

func clearBuffers(f *Frame, bufs []int) {
	for _, b := range bufs {
		clear(f.F[b])
	}
}

// load copies sample s's input into frame f; store copies its output out.
func (e *Engine) load(f *Frame, s int) {
	v := e.prog.Input
	v.Map.Scatter(f.F[v.Buf], e.run.x[s*e.in:][:e.in])
}

func (e *Engine) store(f *Frame, s int) {
	v := e.prog.Output
	v.Map.Gather(e.run.y[s*e.out:][:e.out], f.F[v.Buf])
}

// runPhases runs phases on c's sample: split across the pool when parallel
// is set and there are several workers (one sample on several threads),
// else in turn on the calling goroutine (batches give each worker its own
// samples).
func (e *Engine) runPhases(phases []entry, c *Ctx, parallel bool) {
	if !parallel || len(e.workers) == 1 {
		for i := range phases {
			phases[i].Run(c, 0, phases[i].N)
		}
		return
	}
	e.share(c)
	for i := range phases {
		e.split(phases[i].Phase)
	}
}

// share gives every worker's context c's frame and settings, so that the
// workers can split its phases.
func (e *Engine) share(c *Ctx) {
	for _, w := range e.workers {
		if d := &w.ctx; d != c {
			d.Frame, d.Batch, d.G = c.Frame, c.Batch, c.G
			d.Sample, d.Train, d.Seed, d.NeedDx, d.Stash = c.Sample, c.Train, c.Seed, c.NeedDx, false
		}
	}
}

// split runs phase ph across the workers, each with its own context.
func (e *Engine) split(ph *Phase) {
	e.cur = ph
	if ph.Even {
		e.pool.Run(ph.N, e.phaseChunk)
	} else {
		e.pool.RunShared(ph.N, e.phaseChunk)
	}
	e.cur = nil
}

func (e *Engine) runPhaseChunk(wi, lo, hi int) {
	e.cur.Run(&e.workers[wi].ctx, lo, hi)
}

// forwardGroups runs samples [lo, hi) of a forward-only batch on worker wi
// in groups of up to Group.Size: each sample runs up to the group's step,
// whose input waits in the group; the step then runs once for the group;
// and each sample goes on from there.
func (e *Engine) forwardGroups(wi int, c *Ctx, lo, hi int) {
	g, w, sch := e.prog.Group, e.workers[wi], e.run.sched
	inLen, outLen := e.prog.Buffers[g.In].Len, e.prog.Buffers[g.Out].Len
	if len(w.groupIn) == 0 {
		w.groupIn = make([]float32, g.Size*inLen)
		w.groupOu = make([]float32, g.Size*outLen)
	}
	before, after := sch.fwd[:sch.fwdFrom[g.Step]], sch.fwd[sch.fwdFrom[g.Step+1]:]
	for s0 := lo; s0 < hi; s0 += g.Size {
		n := min(g.Size, hi-s0)
		for j := range n {
			c.Sample = s0 + j
			e.load(c.Frame, s0+j)
			e.runPhases(before, c, false)
			copy(w.groupIn[j*inLen:][:inLen], c.F[g.In])
		}
		g.Run(c, w.groupIn[:n*inLen], w.groupOu[:n*outLen], n)
		for j := range n {
			c.Sample = s0 + j
			copy(c.F[g.Out], w.groupOu[j*outLen:][:outLen])
			e.runPhases(after, c, false)
			e.finish(c, s0+j, false)
		}
	}
}
