package runtime

import (
	"fmt"
	"math"
	"testing"
)

// TestGlobalPool: global average and max pooling forward and backward
// (setting dx and adding to it), over two channel ranges, on every layout
// and an output that is a channel slice of a wider vector, against the
// definitions; max takes the first of a tie and a NaN over any number.
// The kernels have no path-specific code; they run on every path anyway.
func TestGlobalPool(t *testing.T) {
	eachKernelSet(t, testGlobalPool)
}

func testGlobalPool(t *testing.T) {
	for n, sh := range mapShapes {
		h, w, c := sh[0], sh[1], sh[2]
		ls := testLayouts(w, c)
		for k, acc := range []bool{false, true} {
			r := NewRand(uint64(n*2 + k))
			x := randMap(r, ls[n%3], h, w, c, 1)
			if h*w > 1 {
				// Channel 0: a tie between pixels 0 and the last (the
				// first wins); channel 1: a NaN at the last pixel.
				x.set(0, 9)
				x.set((h*w-1)*c, 9)
				if c > 1 {
					x.set((h*w-1)*c+1, float32(math.NaN()))
				}
			}
			g := &GlobalPoolGeom{H: h, W: w, C: c, In: x.l, DIn: ls[(n+1)%3], Out: 2, DOut: 1, Acc: acc}
			what := fmt.Sprintf("%dx%dx%d acc %v", h, w, c, acc)
			wantAvg, wantMax, wantIdx := make([]float64, c), make([]float64, c), make([]int32, c)
			for ch := range c {
				wantMax[ch] = math.Inf(-1)
				for p := range h * w {
					v := float64(x.get(p*c + ch))
					wantAvg[ch] += v / float64(h*w)
					if v > wantMax[ch] || math.IsNaN(v) {
						wantMax[ch], wantIdx[ch] = v, int32(p)
					}
				}
			}
			out := make([]float32, c+5)
			idx := make([]int32, c)
			halves(c, func(c0, c1 int) { GlobalAvgPoolForward(g, out, x.buf, c0, c1) })
			vecWithin(t, what+" avg", out[2:], wantAvg, 1e-6)
			halves(c, func(c0, c1 int) { GlobalMaxPoolForward(g, out, idx, x.buf, c0, c1) })
			for ch := range c {
				if got := float64(out[2+ch]); idx[ch] != wantIdx[ch] || got != wantMax[ch] && !(math.IsNaN(got) && math.IsNaN(wantMax[ch])) {
					t.Errorf("%s max channel %d: %g at %d, want %g at %d", what, ch, got, idx[ch], wantMax[ch], wantIdx[ch])
				}
			}

			dy := randSlice(r, c+1)
			for _, max := range []bool{false, true} {
				dx := randMap(r, g.DIn, h, w, c, 1)
				want := make([]float64, dx.size())
				for i := range want {
					ch := i % c
					if !max {
						want[i] = float64(dy[1+ch]) / float64(h*w)
					} else if int32(i/c) == idx[ch] {
						want[i] = float64(dy[1+ch])
					}
					if acc {
						want[i] += float64(dx.get(i))
					}
				}
				if max {
					halves(c, func(c0, c1 int) { GlobalMaxPoolBackward(g, dx.buf, dy, idx, c0, c1) })
				} else {
					halves(c, func(c0, c1 int) { GlobalAvgPoolBackward(g, dx.buf, dy, c0, c1) })
				}
				within(t, fmt.Sprintf("%s backward max %v", what, max), dx, want, 1e-6)
			}
		}
	}
}

// TestGlobalPoolShapePanics: short buffers, a bad range and an index out
// of the map panic with ErrShape.
func TestGlobalPoolShapePanics(t *testing.T) {
	g := &GlobalPoolGeom{H: 2, W: 2, C: 3, In: Dense(2, 3), DIn: Dense(2, 3), Out: 1}
	m, out, idx := make([]float32, 12), make([]float32, 4), make([]int32, 3)
	wantShapePanic(t, "short map", func() { GlobalAvgPoolForward(g, out, m[:11], 0, 3) })
	wantShapePanic(t, "short output", func() { GlobalMaxPoolForward(g, out[:3], idx, m, 0, 3) })
	wantShapePanic(t, "short indices", func() { GlobalMaxPoolForward(g, out, idx[:2], m, 0, 3) })
	wantShapePanic(t, "range", func() { GlobalAvgPoolBackward(g, m, out, 2, 4) })
	idx[1] = 4
	wantShapePanic(t, "index", func() { GlobalMaxPoolBackward(g, m, out, idx, 0, 3) })
}
