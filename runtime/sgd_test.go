package runtime

import (
	"math"
	"slices"
	"testing"
)

// TestSGDStepPaths: SGDStep's vector loops compute torch.optim.SGD's
// update as written out here in float32 (each product rounded, then its
// sum), bit for bit, on every kernel path: without momentum, on the first
// step with momentum and after it, with and without weight decay, on
// lengths that leave tails to the vector loops, and on zeros, infinities
// and NaNs.
func TestSGDStepPaths(t *testing.T) {
	ref := func(w, g, v []float32, lr, mom, wd float32, first bool) {
		for i := range w {
			d := g[i] + float32(wd*w[i])
			if mom != 0 {
				if first {
					v[i] = d
				} else {
					v[i] = float32(mom*v[i]) + d
				}
				d = v[i]
			}
			w[i] = w[i] - float32(lr*d)
		}
	}
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-40, 3e38}
	eachKernelSet(t, func(t *testing.T) {
		r := NewRand(3)
		for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 40, 133} {
			for _, h := range [][3]float32{{0.1, 0, 0}, {0.01, 0, 1e-4}, {0.1, 0.9, 0}, {0.05, 0.5, 0.01}} {
				lr, mom, wd := h[0], h[1], h[2]
				w, g, v := randSlice(r, n), randSlice(r, n), randSlice(r, n)
				for i := 0; i < n; i += 5 {
					w[i], g[(i+2)%n] = special[i%len(special)], special[(i/5)%len(special)]
				}
				ww, wv := slices.Clone(w), slices.Clone(v)
				for step := range 3 {
					SGDStep(w, g, v, lr, mom, wd, step == 0)
					ref(ww, g, wv, lr, mom, wd, step == 0)
					same := func(a, b []float32) bool {
						return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
					}
					if !same(w, ww) || mom != 0 && !same(v, wv) {
						t.Fatalf("n %d, lr %v momentum %v wd %v, step %d:\nw %v\nwant %v\nv %v\nwant %v", n, lr, mom, wd, step+1, w, ww, v, wv)
					}
				}
			}
		}
	})
}
