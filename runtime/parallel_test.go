package runtime

import (
	goruntime "runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

// TestPoolCoversEachIndexOnce checks that Run and RunShared call fn on every
// index of [0, n) exactly once, with worker numbers in range, for pools of
// several sizes and ranges shorter and longer than the pool.
func TestPoolCoversEachIndexOnce(t *testing.T) {
	type owner struct{ _ int }
	for _, workers := range []int{1, 2, 3, 8} {
		o := new(owner)
		p := NewPool(o, workers)
		for _, n := range []int{0, 1, 2, 5, 7, 31, 224, 1000} {
			for name, run := range map[string]func(int, func(worker, lo, hi int)){
				"Run": p.Run, "RunShared": p.RunShared,
			} {
				for rep := 0; rep < 3; rep++ { // RunShared resets its counter each call
					hits := make([]atomic.Int32, n)
					var bad atomic.Int32
					run(n, func(w, lo, hi int) {
						if w < 0 || w >= workers || lo < 0 || hi > n || lo >= hi {
							bad.Add(1)
							return
						}
						for i := lo; i < hi; i++ {
							hits[i].Add(1)
						}
					})
					if bad.Load() != 0 {
						t.Fatalf("%s(%d) with %d workers: %d calls out of range", name, n, workers, bad.Load())
					}
					for i := range hits {
						if h := hits[i].Load(); h != 1 {
							t.Fatalf("%s(%d) with %d workers: index %d run %d times", name, n, workers, i, h)
						}
					}
				}
			}
		}
		p.Close()
	}
}

// TestRunSplitIsFixed checks Run's documented split: contiguous chunks, the
// earlier ones one longer, worker w getting chunk w.
func TestRunSplitIsFixed(t *testing.T) {
	type owner struct{ _ int }
	p := NewPool(new(owner), 3)
	defer p.Close()
	var got [3][2]atomic.Int32
	p.Run(8, func(w, lo, hi int) { got[w][0].Store(int32(lo)); got[w][1].Store(int32(hi)) })
	want := [3][2]int32{{0, 3}, {3, 6}, {6, 8}}
	for w := range want {
		if lo, hi := got[w][0].Load(), got[w][1].Load(); lo != want[w][0] || hi != want[w][1] {
			t.Errorf("worker %d ran [%d, %d), want [%d, %d)", w, lo, hi, want[w][0], want[w][1])
		}
	}
}

// TestPoolAllocationsAreBounded: the pool allocates nothing per run, even
// with its workers on several Ps, where testing.AllocsPerRun (which sets
// GOMAXPROCS to 1) cannot look. What the allocation counter sees there is
// Go's scheduler filling its per-P caches of parking records (sudogs, 112
// bytes) for the goroutines that wait at the pool's barrier and channels:
// a few while the caches warm up (and after a GC empties the central one),
// then none. cnnc bench counts them in its allocations per run on 2 or
// more threads: a fraction of one per run over its first runs of a large
// model, none once warm. 20,000 runs of 2 workers must allocate fewer
// than 1 per 100 runs (measured: 0 to 3 in all; a per-run allocation
// would give 20,000), with the collector off so that it cannot empty the
// caches meanwhile.
func TestPoolAllocationsAreBounded(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(2))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	type owner struct{ _ int }
	p := NewPool(new(owner), 2)
	defer p.Close()
	sink := make([]float64, 1<<12)
	fn := func(w, lo, hi int) {
		for i := lo; i < hi; i++ {
			sink[i] += float64(w)
		}
	}
	const runs = 10000
	p.Run(len(sink), fn)
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	for range runs {
		p.Run(len(sink), fn)
		p.RunShared(len(sink), fn)
	}
	goruntime.ReadMemStats(&after)
	if n := after.Mallocs - before.Mallocs; n >= 2*runs/100 {
		t.Errorf("%d allocations in %d runs of a pool of 2 workers on 2 Ps, want fewer than 1 per 100", n, 2*runs)
	}
}

// TestRunSharedSplitsFewIndicesEvenly: fewer than minClaims indices a
// worker go one contiguous part a worker, as Run cuts them.
func TestRunSharedSplitsFewIndicesEvenly(t *testing.T) {
	type owner struct{ _ int }
	p := NewPool(new(owner), 2)
	defer p.Close()
	var got [2][2]atomic.Int32
	var calls atomic.Int32
	p.RunShared(7, func(w, lo, hi int) { calls.Add(1); got[w][0].Store(int32(lo)); got[w][1].Store(int32(hi)) })
	want := [2][2]int32{{0, 4}, {4, 7}}
	if c := calls.Load(); c != 2 {
		t.Errorf("RunShared(7) on 2 workers made %d calls, want 2", c)
	}
	for w := range want {
		if lo, hi := got[w][0].Load(), got[w][1].Load(); lo != want[w][0] || hi != want[w][1] {
			t.Errorf("worker %d ran [%d, %d), want [%d, %d)", w, lo, hi, want[w][0], want[w][1])
		}
	}
}

// TestPoolWaitsForEveryChunk runs many short runs back to back, some after
// a pause longer than the pool's spin (so that its workers park), and
// checks after each that every index has been run: a run must not return
// before the last worker's chunk is done, nor a late worker of one run
// wake the caller waiting for the next.
func TestPoolWaitsForEveryChunk(t *testing.T) {
	type owner struct{ _ int }
	for _, workers := range []int{2, 3} {
		p := NewPool(new(owner), workers)
		runs := 5000
		if testing.Short() {
			runs = 500
		}
		hits := make([]atomic.Int32, 64)
		for r := range runs {
			n := 1 + r%len(hits)
			run := p.Run
			if r%2 == 1 {
				run = p.RunShared
			}
			run(n, func(w, lo, hi int) {
				for i := lo; i < hi; i++ {
					hits[i].Add(1)
				}
			})
			for i := range n {
				if h := hits[i].Swap(0); h != 1 {
					t.Fatalf("run %d of %d indices with %d workers: index %d run %d times by the time Run returned", r, n, workers, i, h)
				}
			}
			if r%997 == 0 {
				time.Sleep(2 * spinWait)
			}
		}
		p.Close()
	}
}

// BenchmarkPoolRun is the cost of a run of almost no work on 2 workers:
// the hand-over between the caller and a worker, twice.
func BenchmarkPoolRun(b *testing.B) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(2))
	type owner struct{ _ int }
	p := NewPool(new(owner), 2)
	defer p.Close()
	var sink [2]atomic.Int64
	fn := func(w, lo, hi int) { sink[w].Add(int64(hi - lo)) }
	for b.Loop() {
		p.Run(2, fn)
	}
}
