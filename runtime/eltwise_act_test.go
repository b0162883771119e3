package runtime

import (
	"fmt"
	"math"
	"testing"
)

// kinks are inputs where the activations change piece: the tests put them
// first in every map, so that each derivative's side is checked.
var kinks = []float32{0, -3, 3, 6, -6, 7, float32(math.Inf(1)), float32(math.Inf(-1))}

// TestActivations: every activation forward and backward (setting dx, and
// adding to it), on every layout mix and kernel path, against the float64
// definitions; the derivative at each kink is PyTorch's side.
func TestActivations(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for _, sh := range mapShapes {
			h, w, c := sh[0], sh[1], sh[2]
			ls := testLayouts(w, c)
			for n, act := range allActs {
				for _, acc := range []bool{false, true} {
					r := NewRand(uint64(10*n + c))
					lx, ly, ldy, ldx := ls[n%3], ls[(n+1)%3], ls[(n+2)%3], ls[n%2]
					x := randMap(r, lx, h, w, c, 4)
					for i, v := range kinks[:min(len(kinks), x.size())] {
						x.set(i, v)
					}
					g := &EltGeom{H: h, W: w, C: c, Out: ly, In: []Layout{lx}, DOut: ldy, DIn: []Layout{ldx},
						Act: act, Alpha: -0.2, Acc: []bool{acc}}
					what := fmt.Sprintf("%dx%dx%d %v", h, w, c, act)
					wantY := make([]float64, x.size())
					for i := range wantY {
						wantY[i] = refAct(act, -0.2, float64(x.get(i)))
					}
					y := newTestMap(ly, h, w, c)
					halves(h, func(y0, y1 int) { ActForward(g, y.buf, x.buf, y0, y1) })
					if !acc {
						within(t, what, y, wantY, eltTol)
					}

					dy := randMap(r, ldy, h, w, c, 1)
					dx := randMap(r, ldx, h, w, c, 1)
					wantDX := make([]float64, x.size())
					for i := range wantDX {
						wantDX[i] = refActGrad(act, -0.2, float64(x.get(i))) * float64(dy.get(i))
						if acc {
							wantDX[i] += float64(dx.get(i))
						}
					}
					halves(h, func(y0, y1 int) { ActBackward(g, dx.buf, dy.buf, x.buf, y.buf, y0, y1) })
					within(t, what+" backward", dx, wantDX, eltTol)
				}
			}
		}
	})
}

// TestActBackwardInPlace: dx may be dy itself.
func TestActBackwardInPlace(t *testing.T) {
	r := NewRand(3)
	l := Dense(4, 9)
	x, dy := randMap(r, l, 2, 4, 9, 4), randMap(r, l, 2, 4, 9, 1)
	want := make([]float64, x.size())
	for i := range want {
		want[i] = refActGrad(ActGELU, 0, float64(x.get(i))) * float64(dy.get(i))
	}
	g := &EltGeom{H: 2, W: 4, C: 9, In: []Layout{l}, DOut: l, DIn: []Layout{l}, Act: ActGELU}
	ActBackward(g, dy.buf, dy.buf, x.buf, nil, 0, 2)
	within(t, "in place", dy, want, eltTol)
}

// TestAddBackward: each input's gradient is dy, set or added (Acc), into
// any layout; a nil gradient is skipped.
func TestAddBackward(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for _, sh := range mapShapes {
			h, w, c := sh[0], sh[1], sh[2]
			ls := testLayouts(w, c)
			r := NewRand(uint64(c))
			dy := randMap(r, ls[1], h, w, c, 1)
			d0, d1 := randMap(r, ls[2], h, w, c, 1), randMap(r, ls[0], h, w, c, 1)
			want0, want1 := dy.values(), dy.values()
			for i := range want1 {
				want1[i] += float64(d1.get(i))
			}
			g := &EltGeom{H: h, W: w, C: c, DOut: ls[1], DIn: []Layout{ls[2], ls[0], ls[1]}, Acc: []bool{false, true}}
			halves(h, func(y0, y1 int) { AddBackward(g, [][]float32{d0.buf, d1.buf, nil}, dy.buf, y0, y1) })
			within(t, fmt.Sprintf("%v set", sh), d0, want0, 0)
			within(t, fmt.Sprintf("%v added", sh), d1, want1, eltTol)
		}
	})
}

// TestEltShapePanics: short buffers, bad ranges and missing layouts panic
// with ErrShape.
func TestEltShapePanics(t *testing.T) {
	l := Dense(4, 5)
	buf := make([]float32, 3*4*5)
	g := &EltGeom{H: 3, W: 4, C: 5, Out: l, In: []Layout{l, l}, DOut: l, DIn: []Layout{l, l}, Act: ActSiLU}
	wantShapePanic(t, "short output", func() { Add(g, buf[:59], [][]float32{buf, buf}, 0, 3) })
	wantShapePanic(t, "short input", func() { Add(g, buf, [][]float32{buf, buf[:10]}, 0, 3) })
	wantShapePanic(t, "one input", func() { Add(g, buf, [][]float32{buf}, 0, 3) })
	wantShapePanic(t, "rows past H", func() { Add(g, buf, [][]float32{buf, buf}, 0, 4) })
	wantShapePanic(t, "pixels overlap", func() {
		g2 := *g
		g2.Out.Pix = 4
		ActForward(&g2, buf, buf, 0, 3)
	})
	wantShapePanic(t, "short x", func() { ActBackward(g, buf, buf, buf[:1], nil, 0, 3) })
	wantShapePanic(t, "short gradient", func() { AddBackward(g, [][]float32{buf[:5], nil}, buf, 0, 1) })
}
