package runtime

import (
	"sync/atomic"
	"testing"
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
