package runtime

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// mapShapes are the H×W×C maps the elementwise, batchnorm and pooling
// tests run on: odd channel counts, one under a vector, a vector and a
// bit, several vectors and a tail, a 1x1 map (flat features), and more
// channels than the batchnorm kernels take at once (bnChunk).
var mapShapes = [][3]int{{3, 5, 1}, {4, 3, 7}, {2, 5, 17}, {3, 4, 37}, {2, 3, 64}, {1, 1, 45}, {2, 2, 300}}

// testLayouts returns the layouts the tests give an h×w×c map: dense;
// padded (a border of 1, and rows longer than the border needs); and a
// channel slice [3, 3+c) of a wider padded map of c+8 channels.
func testLayouts(w, c int) []Layout {
	padded := Layout{Row: (w+3)*c + 2, Pix: c}
	padded.Off = padded.Row + c
	wide := c + 8
	slice := Layout{Row: (w + 2) * wide, Pix: wide}
	slice.Off = slice.Row + wide + 3
	return []Layout{Dense(w, c), padded, slice}
}

// sentinel fills the parts of test buffers outside their maps: a kernel
// that writes there changes it.
const sentinel = -1234.5

// testMap is a map in a buffer of its layout, the values outside it set
// to sentinel.
type testMap struct {
	buf     []float32
	l       Layout
	h, w, c int
}

func newTestMap(l Layout, h, w, c int) *testMap {
	m := &testMap{buf: make([]float32, l.at(h-1, w-1, c)+l.Pix+5), l: l, h: h, w: w, c: c}
	for i := range m.buf {
		m.buf[i] = sentinel
	}
	return m
}

// randMap is newTestMap with values from r, times scale.
func randMap(r *Rand, l Layout, h, w, c int, scale float64) *testMap {
	m := newTestMap(l, h, w, c)
	for i := range h * w * c {
		m.set(i, float32(scale*r.Normal()))
	}
	return m
}

// index maps a dense index (y·W + x)·C + ch to the buffer's.
func (m *testMap) index(i int) int {
	return m.l.at(i/(m.w*m.c), i/m.c%m.w, i%m.c)
}

func (m *testMap) get(i int) float32    { return m.buf[m.index(i)] }
func (m *testMap) set(i int, v float32) { m.buf[m.index(i)] = v }
func (m *testMap) size() int            { return m.h * m.w * m.c }

// values returns the map's values densely, in float64.
func (m *testMap) values() []float64 {
	v := make([]float64, m.size())
	for i := range v {
		v[i] = float64(m.get(i))
	}
	return v
}

// outside reports the first value outside the map that is not sentinel.
func (m *testMap) outside() error {
	inside := map[int]bool{}
	for i := range m.size() {
		inside[m.index(i)] = true
	}
	for i, v := range m.buf {
		if !inside[i] && v != sentinel {
			return fmt.Errorf("value %d, outside the map, was written (%g)", i, v)
		}
	}
	return nil
}

// within fails t at the first value of got (a map) farther than
// tol·max(1, |want|) from want; NaN must match NaN. It also fails if the
// buffer's values outside the map changed.
func within(t *testing.T, what string, got *testMap, want []float64, tol float64) {
	t.Helper()
	for i, w := range want {
		g := float64(got.get(i))
		if math.IsNaN(w) != math.IsNaN(g) || !math.IsNaN(w) && math.Abs(g-w) > tol*max(1, math.Abs(w)) {
			t.Errorf("%s: value %d = %g, want %g (tolerance %g)", what, i, g, w, tol)
			return
		}
	}
	if err := got.outside(); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

// wantShapePanic fails t unless f panics with an error wrapping ErrShape.
func wantShapePanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		err, _ := recover().(error)
		if !errors.Is(err, ErrShape) {
			t.Errorf("%s: got panic %v, want ErrShape", what, err)
		}
	}()
	f()
}

// The activations by their definitions, in float64 (interp/activation.go):
// f(x), and f'(x) as PyTorch takes it at the kinks.
func refAct(a Act, alpha, x float64) float64 {
	relu6 := func(v float64) float64 { return math.Min(math.Max(0, v), 6) }
	switch a {
	case ActReLU:
		return math.Max(0, x)
	case ActLeaky:
		if x > 0 {
			return x
		}
		return alpha * x
	case ActSigmoid:
		return 1 / (1 + math.Exp(-x))
	case ActTanh:
		return math.Tanh(x)
	case ActReLU6:
		return relu6(x)
	case ActHardswish:
		return x * relu6(x+3) / 6
	case ActSiLU:
		return x / (1 + math.Exp(-x))
	case ActGELU:
		return x * 0.5 * (1 + math.Erf(x/math.Sqrt2))
	}
	return x
}

func refActGrad(a Act, alpha, x float64) float64 {
	switch a {
	case ActReLU:
		if x > 0 {
			return 1
		}
		return 0
	case ActLeaky:
		if x > 0 {
			return 1
		}
		return alpha
	case ActSigmoid:
		s := 1 / (1 + math.Exp(-x))
		return s * (1 - s)
	case ActTanh:
		return 1 - math.Tanh(x)*math.Tanh(x)
	case ActReLU6:
		if x > 0 && x < 6 {
			return 1
		}
		return 0
	case ActHardswish:
		switch {
		case x < -3:
			return 0
		case x >= 3:
			return 1
		}
		return x/3 + 0.5
	case ActSiLU:
		s := 1 / (1 + math.Exp(-x))
		return s * (1 + x*(1-s))
	case ActGELU:
		return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
	}
	return 1
}

var allActs = []Act{ActNone, ActReLU, ActLeaky, ActSigmoid, ActTanh, ActReLU6, ActHardswish, ActSiLU, ActGELU}

// eltTol is the tolerance of the elementwise kernels against the float64
// definitions, relative to max(1, |want|): a few float32 roundings (the
// sum of three values, a derivative read from a rounded output).
const eltTol = 2e-6

// halves runs f over [0, n/2) and [n/2, n), as two workers would.
func halves(n int, f func(lo, hi int)) {
	f(0, n/2)
	f(n/2, n)
}

// TestAdd: the sum of two and three inputs, each activation fused, on
// dense, padded and channel-slice layouts (one per buffer, all mixes), on
// every kernel path, against the float64 definition; relu keeps a NaN.
func TestAdd(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for _, sh := range mapShapes {
			h, w, c := sh[0], sh[1], sh[2]
			ls := testLayouts(w, c)
			for n, act := range allActs {
				for k := 2; k <= 3; k++ {
					r := NewRand(uint64(100*n + k + c))
					lo := ls[n%3]
					g := &EltGeom{H: h, W: w, C: c, Out: lo, Act: act, Alpha: 0.1}
					var ins []*testMap
					var bufs [][]float32
					for j := range k {
						l := ls[(n+j+1)%3]
						m := randMap(r, l, h, w, c, 3)
						ins, bufs, g.In = append(ins, m), append(bufs, m.buf), append(g.In, l)
					}
					ins[0].set(0, float32(math.NaN()))
					want := make([]float64, h*w*c)
					for i := range want {
						s := 0.0
						for _, m := range ins {
							s += float64(m.get(i))
						}
						want[i] = refAct(act, 0.1, s)
					}
					out := newTestMap(lo, h, w, c)
					halves(h, func(y0, y1 int) { Add(g, out.buf, bufs, y0, y1) })
					within(t, fmt.Sprintf("%dx%dx%d %d inputs %v", h, w, c, k, act), out, want, eltTol)
				}
			}
		}
	})
}

// TestAddInPlace: the output may be the first input.
func TestAddInPlace(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		r := NewRand(7)
		l := testLayouts(5, 19)[2]
		a, b := randMap(r, l, 3, 5, 19, 1), randMap(r, Dense(5, 19), 3, 5, 19, 1)
		want := make([]float64, a.size())
		for i := range want {
			want[i] = math.Max(0, float64(a.get(i))+float64(b.get(i)))
		}
		g := &EltGeom{H: 3, W: 5, C: 19, Out: l, In: []Layout{l, b.l}, Act: ActReLU}
		Add(g, a.buf, [][]float32{a.buf, b.buf}, 0, 3)
		within(t, "in place", a, want, eltTol)
	})
}
