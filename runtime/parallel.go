package runtime

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Threads returns the number of workers a model uses by default: GOMAXPROCS.
func Threads() int { return goruntime.GOMAXPROCS(0) }

// Pool runs chunks of a batch on a fixed set of goroutines, started once, so
// that running a batch allocates nothing. The calling goroutine runs the
// first chunk itself. A Pool is not safe for concurrent use by several
// callers; its chunk functions run concurrently.
//
// A pass runs one Run a phase, dozens of them a sample, some lasting tens
// of microseconds (MobileNetV2's), so the hand-over between runs matters:
// a worker that has finished a run waits for the next by spinning for
// spinWait before it parks, and so does the caller waiting for the
// workers' chunks; a parked goroutine takes an OS thread's wake-up (tens
// of microseconds on a virtual machine) to resume, a spinning one none.
// A run shorter than a wake-up is not held up by one: the caller does the
// part of every worker that has not taken its own by the time the
// caller's is done (see finish), so that tiny runs cost tens of
// nanoseconds (BenchmarkPoolRun: 20-80 ns, against 0.3-3 µs through
// channels and a WaitGroup, on 2 cores at load 20), and a worker whose
// thread another program holds delays nobody unless it has begun.
type Pool struct {
	workers []*poolWorker // the workers but the caller's (worker 0)
	once    sync.Once

	// The current run, set before epoch moves on and read by the workers
	// after they see it move: fn over [0, n), cut as Run does, or claimed
	// in chunks of grain from next when grain > 0.
	fn       func(worker, lo, hi int)
	n, grain int
	epoch    atomic.Uint64 // counts runs; Close moves it on too
	closed   atomic.Bool
	next     atomic.Int64  // the next unclaimed index of a claimed run
	left     atomic.Int32  // workers still running the current run
	waiting  atomic.Uint64 // the epoch of the run the caller is parked (or about to) on done for; 0 none
	done     chan struct{}
}

// poolWorker is one worker's parking place.
type poolWorker struct {
	asleep atomic.Int32  // 1: parked (or about to) on wake
	wake   chan struct{} // the token that unparks it (buffered: 1)
	// claimed is the epoch of the last run whose part of this worker
	// was taken, by the worker or by the caller (see finish).
	claimed atomic.Uint64
}

// take claims worker pw's part of run e, reporting whether it was free
// (epochs only grow: a worker late from an earlier run takes nothing).
func (pw *poolWorker) take(e uint64) bool {
	old := pw.claimed.Load()
	return old < e && pw.claimed.CompareAndSwap(old, e)
}

// spinWait is how long a worker spins for the next run, and the caller
// for the last worker's chunk, before parking: longer than a phase's usual
// imbalance and the gap between two phases, short enough that an idle
// pool soon stops using its cores.
const spinWait = 50 * time.Microsecond

// NewPool returns a pool of n workers (at least 1). Its goroutines stop when
// Close is called or, at the latest, once owner is unreachable.
func NewPool[T any](owner *T, n int) *Pool {
	warnKernelsError() // every model makes a pool
	p := &Pool{workers: make([]*poolWorker, max(n, 1)-1), done: make(chan struct{}, 1)}
	for i := range p.workers {
		p.workers[i] = &poolWorker{wake: make(chan struct{}, 1)}
		go p.serve(i + 1)
	}
	goruntime.AddCleanup(owner, func(p *Pool) { p.Close() }, p)
	return p
}

// serve is worker w's loop: wait for a run, take its part unless the
// caller has, do it, report.
func (p *Pool) serve(w int) {
	pw := p.workers[w-1]
	seen := uint64(0)
	for {
		seen = p.await(pw, seen)
		if p.closed.Load() {
			return
		}
		if !pw.take(seen) {
			continue // the caller has done this worker's part
		}
		p.work(w)
		// The epoch tag: a worker late from the run before cannot wake
		// the caller waiting for this one.
		if p.left.Add(-1) == 0 && p.waiting.CompareAndSwap(seen, 0) {
			p.done <- struct{}{}
		}
	}
}

// work runs worker w's part of the current run.
func (p *Pool) work(w int) {
	if p.grain > 0 {
		p.claim(p.fn, w, p.n, p.grain)
	} else if lo, hi := p.chunk(w); lo < hi {
		p.fn(w, lo, hi)
	}
}

// finish has the caller do, after its own part of run e, the part of
// every worker that has not taken its own yet (parked, waking, or its
// thread descheduled by another program) with that worker's number, and
// so its buffers: the same work and results, with no wait for a wake-up
// that would take longer than a short run. It then waits for the workers
// that did take theirs.
func (p *Pool) finish(e uint64) {
	for i, pw := range p.workers {
		if pw.take(e) {
			p.work(i + 1)
			p.left.Add(-1)
		}
	}
	p.wait()
}

// await returns the epoch once it differs from seen: spinning for
// spinWait, then parked until the caller's token arrives.
func (p *Pool) await(pw *poolWorker, seen uint64) uint64 {
	if spin(func() bool { return p.epoch.Load() != seen }) {
		return p.epoch.Load()
	}
	pw.asleep.Store(1)
	if p.epoch.Load() != seen && pw.asleep.CompareAndSwap(1, 0) {
		return p.epoch.Load()
	}
	// Parked, or the caller has taken the flag and sends the token.
	<-pw.wake
	return p.epoch.Load()
}

// spin reports whether ready holds within spinWait, checking it in a loop.
func spin(ready func() bool) bool {
	var start time.Time
	for i := 0; ; i++ {
		if ready() {
			return true
		}
		if i%64 == 63 {
			if start.IsZero() {
				start = time.Now()
			} else if time.Since(start) > spinWait {
				return false
			}
		}
	}
}

// start publishes a run, wakes the parked workers and returns the run's
// epoch.
func (p *Pool) start(n, grain int, fn func(worker, lo, hi int)) uint64 {
	p.fn, p.n, p.grain = fn, n, grain
	p.left.Store(int32(len(p.workers)))
	e := p.epoch.Add(1)
	for _, pw := range p.workers {
		if pw.asleep.Swap(0) == 1 {
			pw.wake <- struct{}{}
		}
	}
	return e
}

// wait returns once every worker has finished the current run.
func (p *Pool) wait() {
	if spin(func() bool { return p.left.Load() == 0 }) {
		return
	}
	e := p.epoch.Load()
	p.waiting.Store(e)
	if p.left.Load() == 0 && p.waiting.CompareAndSwap(e, 0) {
		return
	}
	<-p.done
}

// chunk returns worker w's part of the current run as Run cuts it.
func (p *Pool) chunk(w int) (lo, hi int) {
	workers := p.Workers()
	per, extra := p.n/workers, p.n%workers
	start := func(w int) int { return w*per + min(w, extra) }
	return start(w), start(w + 1)
}

// claim runs chunks of [0, n) that no other worker has claimed yet.
func (p *Pool) claim(fn func(worker, lo, hi int), w, n, grain int) {
	for {
		lo := int(p.next.Add(int64(grain))) - grain
		if lo >= n {
			return
		}
		fn(w, lo, min(lo+grain, n))
	}
}

// RunShared is Run for work whose result does not depend on which worker
// does which part (each index's output written by whoever computes it):
// [0, n) is cut into chunks of about n/(4·workers), which the workers claim
// as they finish the previous, so that a worker slowed down (by another
// program on its core, say) takes fewer. Fewer than minClaims indices a
// worker are cut as Run cuts them, one contiguous part a worker: units
// that each walk the same weights (the rows of a small map: ResNet-18's
// 7x7x512 convs, 9.4 MB of weights for 7 rows) then read them once a
// worker, not once a unit.
func (p *Pool) RunShared(n int, fn func(worker, lo, hi int)) {
	workers := p.Workers()
	if n < 1 {
		return
	}
	if workers == 1 || n == 1 {
		fn(0, 0, n)
		return
	}
	if n < minClaims*workers {
		p.Run(n, fn)
		return
	}
	grain := max(1, n/(4*workers))
	p.next.Store(0)
	e := p.start(n, grain, fn)
	p.claim(fn, 0, n, grain)
	p.finish(e)
}

// minClaims is the fewest indices a worker for which RunShared lets the
// workers claim chunks.
const minClaims = 8

// Workers returns the number of workers.
func (p *Pool) Workers() int { return len(p.workers) + 1 }

// Run splits [0, n) into one contiguous chunk per worker, the earlier chunks
// one longer when n does not divide evenly, calls fn(worker, lo, hi) for
// each non-empty chunk concurrently, and returns when all are done. The
// split depends only on n and the number of workers, so results that are
// reduced in worker order are deterministic.
func (p *Pool) Run(n int, fn func(worker, lo, hi int)) {
	if len(p.workers) == 0 || n <= 1 {
		if n > 0 {
			fn(0, 0, n)
		}
		return
	}
	e := p.start(n, 0, fn)
	p.work(0)
	p.finish(e)
}

// Close stops the pool's goroutines. It is safe to call more than once; the
// pool must not be used after.
func (p *Pool) Close() {
	p.once.Do(func() {
		p.closed.Store(true)
		p.epoch.Add(1)
		for _, pw := range p.workers {
			if pw.asleep.Swap(0) == 1 {
				pw.wake <- struct{}{}
			}
		}
	})
}
