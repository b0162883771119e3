package runtime

import (
	goruntime "runtime"
	"sync"
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
}

type task struct {
	fn     func(worker, lo, hi int)
	w      int
	lo, hi int
}

// NewPool returns a pool of n workers (at least 1). Its goroutines stop when
// Close is called or, at the latest, once owner is unreachable.
func NewPool[T any](owner *T, n int) *Pool {
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
		t.fn(t.w, t.lo, t.hi)
		p.wg.Done()
	}
}

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
			p.tasks[w-1] <- task{fn, w, lo, hi}
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
