package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/cnnc/cnnc/ir"
)

// The finite-difference check. For an input x, parameters θ and a fixed
// random dy, f = sum(y·dy) is the function whose gradient Backward returns.
// Every value v of x and of every parameter is moved by ±fdStep and
//
//	numeric = (f(v+h) - f(v-h)) / 2h
//
// (a central difference, whose error is O(h²) on smooth pieces) is compared
// with Backward's value: they must satisfy
//
//	|analytic - numeric| <= fdTol · max(1, |analytic|, |numeric|).
//
// In float64, f carries a rounding error of some 1e-15 to 1e-14 (sums of
// many terms), which the quotient divides by 2h, and the truncation error is
// h²/6 times f's third derivative, about 1e-11 here: the worst errors seen
// are about 2e-9 (go test -v prints each case's). fdTol leaves a wide margin
// over that, while a real mistake (a wrong index, a missed term, a wrong
// scale) is off by far more.
const (
	fdStep = 1e-5
	fdTol  = 1e-6
)

// A gradient check is only meaningful where f is smooth between v-h and
// v+h. relu, leaky and max pooling have kinks; like Caffe's GradientChecker
// (which skips a value when "the feature" lies within kink_range of the
// kink) a value is skipped when a perturbation may have crossed one:
//
//   - relu or leaky: an input z of the activation is within δ of 0, where δ
//     is how far the perturbation moved z (for a direct perturbation of z,
//     δ is the step);
//   - max pooling: the top two values of a window are within 2δ of each
//     other, δ being the most any value of the window moved (2×step for a
//     direct perturbation).
//
// Outside these cases no activation changes side and no window changes its
// maximum, so f is smooth on the segment. A check fails if it had to skip
// more than maxSkipped of its values, so it cannot pass by skipping.
const maxSkipped = 0.02

// The test point is also chosen away from kinks, as Caffe's layer tests
// choose their inputs: the input is drawn again while any relu or leaky input
// is within kinkMargin of 0 or the top two values of a max-pooling window
// are within kinkMargin of each other. Values that are exactly 0 or exactly
// tied are left to the rule above: they come from an earlier kink (relu's
// zeros, a maximum seen by two overlapping windows) and move, if at all,
// together.
const kinkMargin = 1e-3

// gradCase is a network and how to run it for a gradient check.
type gradCase struct {
	name  string
	src   string
	batch int
	opt   Options
}

var gradCases = []gradCase{
	{"conv s1", "input 5x5x3\nconv 3x3x4\n", 2, Options{}},
	{"conv s2 p1", "input 5x5x3\nconv 3x3x2 s2 p1\n", 2, Options{}},
	{"conv s3", "input 8x8x2\nconv 2x2x3 s3\n", 3, Options{}},
	{"conv s3 p1", "input 7x7x2\nconv 3x3x2 s3 p1\n", 2, Options{}},
	{"conv rectangular", "input 7x5x2\nconv 3x5x4 s2x1 p1x2\n", 2, Options{}},
	{"conv 1x1", "input 3x4x3\nconv 1x1x2\n", 2, Options{}},
	{"conv p same", "input 6x6x2\nconv 3x3x3 p same\n", 2, Options{}},
	{"conv p same rectangular", "input 5x6x2\nconv 3x5x2 p same\n", 2, Options{}},
	{"conv padding wider than the filter", "input 3x3x2\nconv 2x2x2 p2\n", 2, Options{}},
	{"conv after conv", "input 6x6x2\nconv 3x3x3\nconv 2x2x2 s2\n", 2, Options{}},

	{"max pool", "input 4x4x2\npool max 2x2\n", 2, Options{}},
	{"max pool padded", "input 4x4x2\npool max 2x2 s2 p1\n", 2, Options{}},
	{"max pool overlapping", "input 7x7x2\npool max 3x3 s2\n", 3, Options{}},
	{"max pool overlapping padded", "input 5x5x2\npool max 3x3 s2 p1\n", 2, Options{}},
	{"max pool rectangular", "input 6x4x2\npool max 3x2 s3x1 p0x1\n", 2, Options{}},
	{"max pool after conv", "input 6x6x2\nconv 3x3x3 p1\npool max 3x3 s1 p1\n", 2, Options{}},
	{"max pool stride wider than the window", "input 8x8x2\npool max 2x2 s3\n", 2, Options{}},
	{"mean pool", "input 4x4x2\npool mean 2x2\n", 2, Options{}},
	{"mean pool padded", "input 4x4x2\npool mean 2x2 s2 p1\n", 2, Options{}},
	{"mean pool overlapping padded", "input 5x5x2\npool mean 3x3 s2 p1\n", 3, Options{}},
	{"mean pool rectangular", "input 5x4x2\npool avg 3x2 s1x2 p1x0\n", 2, Options{}},

	{"fc", "input 3x2x2\nfc 4\n", 3, Options{}},
	{"fc after conv", "input 4x4x2\nconv 3x3x3\nfc 5\n", 2, Options{}},
	{"fc after fc", "input 2x2x3\nfc 4\nfc 3\n", 3, Options{}},

	{"relu", "input 4x4x3\nrelu\n", 2, Options{}},
	{"relu after conv", "input 5x5x2\nconv 3x3x3\nrelu\n", 2, Options{}},
	{"sigmoid", "input 4x4x3\nsigmoid\n", 2, Options{}},
	{"sigmoid after fc", "input 3x3x2\nfc 6\nsigmoid\n", 2, Options{}},
	{"tanh", "input 4x4x3\ntanh\n", 2, Options{}},
	{"tanh after conv", "input 4x4x2\nconv 3x3x3\ntanh\n", 2, Options{}},
	{"leaky default", "input 4x4x3\nleaky\n", 2, Options{}},
	{"leaky 0.2", "input 4x4x3\nleaky 0.2\n", 2, Options{}},
	{"leaky negative slope", "input 4x4x3\nleaky -0.5\n", 2, Options{}},
	{"leaky after conv", "input 5x5x2\nconv 3x3x3\nleaky 0.3\n", 2, Options{}},

	{"softmax", "input 2x2x3\nsoftmax\n", 3, Options{}},
	{"softmax at the end", "input 3x3x2\nconv 2x2x3\nfc 5\nsoftmax\n", 2, Options{}},
	{"softmax after conv", "input 4x4x2\nconv 3x3x3\nsoftmax\n", 2, Options{}},

	{"dropout", "input 4x4x3\ndropout 0.5\n", 3, Options{Train: true, DropoutSeed: 11}},
	{"dropout in a net", "input 4x4x2\nconv 3x3x3\ndropout 0.4\nfc 4\n", 2, Options{Train: true, DropoutSeed: 12}},
	{"dropout at inference", "input 4x4x2\nconv 3x3x3\ndropout 0.4\nfc 4\n", 2, Options{}},

	{"small net", `input 8x8x3
conv 3x3x4 p1
relu
pool max 2x2
conv 3x3x6 p same
leaky 0.1
pool mean 2x2
fc 10
tanh
dropout 0.3
fc 5
softmax
`, 2, Options{Train: true, DropoutSeed: 5}},
	{"floored sizes", `input 6x6x2
conv 3x3x3 s2 p1
relu
pool max 3x3 s2 p1
conv 1x1x2 s2
fc 3
`, 2, Options{}},
	{"lenet-like", `input 12x12x1
conv 5x5x3
sigmoid
pool mean 2x2
conv 3x3x4 s1 p1
relu
pool max 3x3 s1
fc 8
relu
fc 4
`, 3, Options{}},
}

func TestGradients(t *testing.T) {
	for i, c := range gradCases {
		t.Run(c.name, func(t *testing.T) {
			checkGradients(t, c, uint64(i))
		})
	}
}

// checkGradients runs checkModelGradients on c's network.
func checkGradients(t *testing.T, c gradCase, seed uint64) {
	t.Helper()
	checkModelGradients(t, mustModel(t, c.src), c.batch, c.opt, seed)
}

// checkModelGradients compares Backward with central differences for every
// input value and every parameter value of m, for a random input, dy and
// biases and He-initialised weights.
func checkModelGradients(t *testing.T, m *Model, batch int, opt Options, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 99))
	m.Init(seed)
	for i, p := range m.Graph.Params() {
		if p.Init.FanIn == 0 { // a bias: make it nonzero so that it matters
			for j := range m.Params[i] {
				m.Params[i][j] = r.Float64() - 0.5
			}
		}
	}
	// Draw the input until no kink is within kinkMargin of the point.
	var x []float64
	var base *Pass
	for try := 0; ; try++ {
		if try == 100 {
			t.Fatalf("no input among %d draws keeps its kinks %g away", try, kinkMargin)
		}
		x = normals(r, batch*m.Graph.Input.Shape.Size())
		base = mustForward(t, m, x, batch, opt)
		if distanceToKink(m.Graph, batch, base) >= kinkMargin {
			break
		}
	}
	dy := normals(r, len(base.Output()))
	dx, grads := mustBackward(t, base, dy)

	type target struct {
		name         string
		values, grad []float64
	}
	targets := []target{{"x", x, dx}}
	for i, p := range m.Graph.Params() {
		targets = append(targets, target{p.Name, m.Params[i], grads[i]})
	}
	f := func() (float64, *Pass) {
		p := mustForward(t, m, x, batch, opt)
		return dot(p.Output(), dy), p
	}

	checked, skipped, worst := 0, 0, 0.0
	for _, tg := range targets {
		if len(tg.grad) != len(tg.values) {
			t.Fatalf("gradient of %s has %d values, want %d", tg.name, len(tg.grad), len(tg.values))
		}
		for i, v := range tg.values {
			tg.values[i] = v + fdStep
			fPlus, plus := f()
			tg.values[i] = v - fdStep
			fMinus, minus := f()
			tg.values[i] = v
			if why := nearKink(m.Graph, batch, base, plus, minus); why != "" {
				skipped++
				t.Logf("skipped %s[%d]: %s", tg.name, i, why)
				continue
			}
			checked++
			numeric := (fPlus - fMinus) / (2 * fdStep)
			analytic := tg.grad[i]
			diff := math.Abs(analytic - numeric)
			worst = math.Max(worst, diff/math.Max(1, math.Max(math.Abs(analytic), math.Abs(numeric))))
			if !near(analytic, numeric, fdTol) {
				t.Errorf("d f/d %s[%d]: backward %.12g, central difference %.12g (off by %.3g)", tg.name, i, analytic, numeric, diff)
			}
		}
	}
	if float64(skipped) > maxSkipped*float64(checked+skipped) {
		t.Errorf("skipped %d of %d values near kinks; the check proves too little", skipped, checked+skipped)
	}
	t.Logf("%d values checked, %d skipped near kinks, worst relative error %.2g", checked, skipped, worst)
}

// nearKink says why f may not be smooth between the two perturbed passes
// plus and minus around base, or returns "" when it is: see maxSkipped.
func nearKink(g *ir.Graph, batch int, base, plus, minus *Pass) string {
	for _, n := range g.Nodes {
		id := n.Inputs[0].ID
		z, zp, zm := base.vals[id], plus.vals[id], minus.vals[id]
		moved := func(k int) float64 { return math.Max(math.Abs(zp[k]-z[k]), math.Abs(zm[k]-z[k])) }
		for _, kink := range kinks(n) {
			for k := range z {
				if d := moved(k); d > 0 && math.Abs(z[k]-kink) <= d {
					return fmt.Sprintf("%s input %d is %.3g, within %.3g of %g", n.Name, k, z[k], d, kink)
				}
			}
		}
		for o, window := range maxWindows(n, batch) {
			d := 0.0
			for _, k := range window {
				d = math.Max(d, moved(k))
			}
			if top, second := topTwo(z, window); d > 0 && top-second <= 2*d {
				return fmt.Sprintf("%s window %d: top two values %.6g and %.6g are within 2×%.3g", n.Name, o, top, second, d)
			}
		}
	}
	return ""
}

// distanceToKink returns the smallest nonzero distance of an activation's
// input z to one of its kinks and the smallest nonzero gap between the top
// two values of a max-pooling window, in the pass p (+∞ when there is
// none).
func distanceToKink(g *ir.Graph, batch int, p *Pass) float64 {
	dist := math.Inf(1)
	for _, n := range g.Nodes {
		z := p.vals[n.Inputs[0].ID]
		for _, kink := range kinks(n) {
			for _, v := range z {
				if v != kink {
					dist = math.Min(dist, math.Abs(v-kink))
				}
			}
		}
		for _, window := range maxWindows(n, batch) {
			if top, second := topTwo(z, window); top > second {
				dist = math.Min(dist, top-second)
			}
		}
	}
	return dist
}

// kinks returns the inputs at which node n's activation has a kink: 0 for
// relu and leaky, 0 and 6 for relu6, −3 and 3 for hardswish; none for the
// smooth ones and for other nodes.
func kinks(n *ir.Node) []float64 {
	if a, ok := n.Op.(*ir.Activation); ok {
		switch a.Func {
		case ir.ReLU, ir.Leaky:
			return []float64{0}
		case ir.ReLU6:
			return []float64{0, 6}
		case ir.Hardswish:
			return []float64{-3, 3}
		}
	}
	return nil
}

// maxWindows returns the windows of node n if it takes maxima (max pooling,
// global or not), else nil: for each output value over a batch, the indices
// in its input of the values it takes the maximum of.
func maxWindows(n *ir.Node, batch int) [][]int {
	switch op := n.Op.(type) {
	case *ir.Pool:
		if op.Mode == ir.Max {
			return windows(op, n.In(), n.Out(), batch)
		}
	case *ir.GlobalPool:
		if op.Mode == ir.Max {
			in := n.In()
			return windows(&ir.Pool{FH: in.H, FW: in.W}, in, ir.Map(1, 1, in.C), batch)
		}
	}
	return nil
}

// windows returns, for each output value of pooling l over a batch, the
// indices in its input of the window's values, padding left out. It is
// written apart from pool.go so that the tests do not reuse its loops.
func windows(l *ir.Pool, in, out ir.Shape, batch int) [][]int {
	var ws [][]int
	for s := 0; s < batch; s++ {
		for c := 0; c < out.C; c++ {
			for oy := 0; oy < out.H; oy++ {
				for ox := 0; ox < out.W; ox++ {
					var w []int
					for y := oy*l.SH - l.PH; y < oy*l.SH-l.PH+l.FH; y++ {
						for x := ox*l.SW - l.PW; x < ox*l.SW-l.PW+l.FW; x++ {
							if y >= 0 && y < in.H && x >= 0 && x < in.W {
								w = append(w, s*in.Size()+c*in.H*in.W+y*in.W+x)
							}
						}
					}
					ws = append(ws, w)
				}
			}
		}
	}
	return ws
}

// topTwo returns the largest and second largest of v at the given indices;
// the second is -∞ when there is one index.
func topTwo(v []float64, indices []int) (top, second float64) {
	vals := make([]float64, len(indices))
	for i, k := range indices {
		vals[i] = v[k]
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(vals)))
	if len(vals) < 2 {
		return vals[0], math.Inf(-1)
	}
	return vals[0], vals[1]
}

// dot returns Σ a[i]·b[i].
func dot(a, b []float64) float64 {
	sum := 0.0
	for i := range a {
		sum += a[i] * b[i]
	}
	return sum
}

// The skipping rule fires where a central difference would be wrong, and
// only there.
func TestNearKink(t *testing.T) {
	h := fdStep
	for _, c := range []struct {
		src  string
		x    []float64
		skip []bool // for perturbing each value of x
	}{
		// relu(0.3h ± h): the difference quotient is (1.3h - 0)/2h = 0.65,
		// while the derivative is 1.
		{"input 1x1x2\nrelu\n", []float64{0.3 * h, 1}, []bool{true, false}},
		{"input 1x1x2\nleaky 0.1\n", []float64{-0.9 * h, -1}, []bool{true, false}},
		// max(1+h, 1+h/2) swaps the maximum; moving the top value by h
		// leaves the gap h/2 within 2h.
		{"input 1x2x1\npool max 1x2\n", []float64{1, 1 + h/2}, []bool{true, true}},
		{"input 1x2x1\npool max 1x2\n", []float64{1, 1 + 3*h}, []bool{false, false}},
		// A kink two layers down, reached through a conv that scales by 2:
		// relu's input moves by 2h.
		{"input 1x1x1\nconv 1x1x1\nrelu\n", []float64{0.8 * h}, []bool{true}},
		{"input 1x1x1\nconv 1x1x1\nrelu\n", []float64{1.2 * h}, []bool{false}},
	} {
		m := mustModel(t, c.src)
		if len(m.Params) > 0 {
			m.Params[0][0] = 2
		}
		base := mustForward(t, m, c.x, 1, Options{})
		for i, want := range c.skip {
			x := slices.Clone(c.x)
			x[i] = c.x[i] + h
			plus := mustForward(t, m, x, 1, Options{})
			x[i] = c.x[i] - h
			minus := mustForward(t, m, x, 1, Options{})
			if why := nearKink(m.Graph, 1, base, plus, minus); (why != "") != want {
				t.Errorf("%q at %v, moving value %d: nearKink says %q, want skip=%v", c.src, c.x, i, why, want)
			}
		}
	}
}
