package runtime

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
)

// Threads returns the number of workers a model uses by default: GOMAXPROCS.
func Threads() int { return goruntime.GOMAXPROCS(0) }

// Pool runs chunks of a batch on a fixed set of goroutines, started once, so
// that running a batch allocates nothing. The calling goroutine runs the
// first chunk itself. A Pool is not safe for concurrent use by several
// callers; its chunk functions run concurrently.
type Pool struct {
	tasks []chan task
	wg    sync.WaitGroup
	once  sync.Once
	next  atomic.Int64 // the next unclaimed index of a RunShared
}

type task struct {
	fn     func(worker, lo, hi int)
	w      int
	lo, hi int
	grain  int // RunShared: claim chunks of grain from next up to hi
}

// NewPool returns a pool of n workers (at least 1). Its goroutines stop when
// Close is called or, at the latest, once owner is unreachable.
func NewPool[T any](owner *T, n int) *Pool {
	warnKernelsError() // every model makes a pool
	p := &Pool{tasks: make([]chan task, max(n, 1)-1)}
	for i := range p.tasks {
		ch := make(chan task)
		p.tasks[i] = ch
		go p.serve(ch)
	}
	goruntime.AddCleanup(owner, func(p *Pool) { p.Close() }, p)
	return p
}

func (p *Pool) serve(ch chan task) {
	for t := range ch {
		if t.grain > 0 {
			p.claim(t.fn, t.w, t.hi, t.grain)
		} else {
			t.fn(t.w, t.lo, t.hi)
		}
		p.wg.Done()
	}
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
// that each walk the same weights (the rows of a small map) then read them
// once a worker, not once a unit. ResNet-18's 7x7x512 convs (9.4 MB of
// weights for 7 rows) and its 14x14 Winograd convs (7 pairs of rows) took
// 1.4-1.5 times their one-thread CPU time on two threads, claimed a row at
// a time; 1.04-1.06 times cut in two (thread CPU time of each phase's
// chunks, batch 1, AVX-512, load 14).
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
	for w := 1; w < workers; w++ {
		p.wg.Add(1)
		p.tasks[w-1] <- task{fn: fn, w: w, hi: n, grain: grain}
	}
	p.claim(fn, 0, n, grain)
	p.wg.Wait()
}

// minClaims is the fewest indices a worker for which RunShared lets the
// workers claim chunks.
const minClaims = 8

// Workers returns the number of workers.
func (p *Pool) Workers() int { return len(p.tasks) + 1 }

// Run splits [0, n) into one contiguous chunk per worker, the earlier chunks
// one longer when n does not divide evenly, calls fn(worker, lo, hi) for
// each non-empty chunk concurrently, and returns when all are done. The
// split depends only on n and the number of workers, so results that are
// reduced in worker order are deterministic.
func (p *Pool) Run(n int, fn func(worker, lo, hi int)) {
	workers := p.Workers()
	per, extra := n/workers, n%workers
	start := func(w int) int { return w*per + min(w, extra) }
	for w := 1; w < workers; w++ {
		if lo, hi := start(w), start(w+1); lo < hi {
			p.wg.Add(1)
			p.tasks[w-1] <- task{fn: fn, w: w, lo: lo, hi: hi}
		}
	}
	if hi := start(1); hi > 0 {
		fn(0, 0, hi)
	}
	p.wg.Wait()
}

// Close stops the pool's goroutines. It is safe to call more than once; the
// pool must not be used after.
func (p *Pool) Close() {
	p.once.Do(func() {
		for _, ch := range p.tasks {
			close(ch)
		}
	})
}
