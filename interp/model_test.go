package interp

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/ir"
)

func TestNewRefusesBadNets(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	// (5-2)/2+1 = 2.5: the conv fails, and the graph is incomplete.
	r, ds := compiler.Compile("t.cnn", []byte("input 5x5x3\nconv 2x2x1 s2\nrelu\n"))
	if r == nil || !ds.HasErrors() || r.Complete() {
		t.Fatalf("expected an incomplete graph, got %v, %v", r, ds)
	}
	if _, err := New(r.Graph); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Errorf("New(incomplete graph) = %v, want an error saying so", err)
	}
	// A file whose input statement failed has no graph.
	if r, _ := compiler.Compile("t.cnn", []byte("input 6\n")); r != nil {
		t.Errorf("a graph with input %v", r.Graph.Input.Shape)
	}
}

// New does not take the compiler's shapes on trust.
func TestNewRefusesInconsistentNets(t *testing.T) {
	for _, c := range []struct {
		name  string
		spoil func(*ir.Graph)
		want  string
	}{
		{"output", func(g *ir.Graph) { g.Nodes[0].Output.Shape.H = 4 }, "output"},
		{"chain", func(g *ir.Graph) { g.Nodes[1].Inputs[0] = g.Nodes[2].Output }, "not written before it"},
		{"param shape", func(g *ir.Graph) { g.Nodes[0].Tensors[0].Shape = []int{2, 3, 3, 2} }, "tensors differ"},
		{"fan-in", func(g *ir.Graph) { g.Nodes[3].Tensors[0].Init.FanIn = 1 }, "tensors differ"},
		{"pool padding", func(g *ir.Graph) { g.Nodes[2].Op.(*ir.Pool).PH = 2 }, "half the window"},
		{"dropout", func(g *ir.Graph) { g.Nodes[4].Op.(*ir.Dropout).P = 1 }, "probability"},
		{"unsupported", func(g *ir.Graph) { g.Nodes[1].Op = strangeOp{} }, "does not support strange"},
		{"name twice", func(g *ir.Graph) { g.Nodes[3].Tensors[1].Name = "conv1.bias" }, "tensors differ"},
	} {
		g := mustNet(t, "input 5x5x3\nconv 3x3x2 s2 p1\nrelu\npool max 2x2 s1\nfc 4\ndropout 0.5\n").Graph
		c.spoil(g)
		_, err := New(g)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: New = %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
}

func TestForwardBackwardErrors(t *testing.T) {
	m := mustModel(t, "input 2x2x1\nfc 3\n")
	for _, c := range []struct {
		x []float64
		n int
	}{{make([]float64, 3), 1}, {make([]float64, 8), 1}, {nil, 0}, {make([]float64, 4), -1}} {
		if _, err := m.Forward(c.x, c.n, Options{}); err == nil {
			t.Errorf("Forward(%d values, n=%d) succeeded", len(c.x), c.n)
		}
	}
	p := mustForward(t, m, make([]float64, 8), 2, Options{})
	for _, n := range []int{0, 3, 5, 7} {
		if _, _, err := p.Backward(make([]float64, n)); err == nil {
			t.Errorf("Backward(%d values) succeeded, want 6", n)
		}
	}
	m.Params[0] = m.Params[0][:5]
	if _, err := m.Forward(make([]float64, 4), 1, Options{}); err == nil {
		t.Error("Forward with a truncated weight succeeded")
	}
	if _, _, err := p.Backward(make([]float64, 6)); err == nil {
		t.Error("Backward with a truncated weight succeeded")
	}
}

func TestSetParams(t *testing.T) {
	m := mustModel(t, "input 2x2x1\nconv 1x1x2\nfc 3\n")
	good := map[string][]float64{
		"conv1.weight": {1, 2}, "conv1.bias": {3, 4},
		"fc1.weight": seq(24), "fc1.bias": {5, 6, 7},
	}
	if err := m.SetParams(good); err != nil {
		t.Fatal(err)
	}
	good["conv1.bias"][0] = 99 // SetParams copied
	expectClose(t, "conv1.bias", m.Params[1], []float64{3, 4})
	expectClose(t, "fc1.bias", m.Params[3], []float64{5, 6, 7})

	bad := map[string][]float64{
		"conv1.weight": {1, 2}, "conv1.bias": {3},
		"fc1.weight": seq(24), "fc2.bias": {5, 6, 7},
	}
	err := m.SetParams(bad)
	if err == nil {
		t.Fatal("SetParams with bad names and lengths succeeded")
	}
	for _, want := range []string{`"conv1.bias" has 1 values, want 2`, `"fc1.bias" is missing`, `"fc2.bias" is not a parameter`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	expectClose(t, "conv1.weight after a failed SetParams", m.Params[0], []float64{1, 2})
}

// splitMix64 is SplitMix64 written again from its definition, apart from
// package runtime, to pin the initialisation contract.
type splitMix64 struct{ state uint64 }

func (g *splitMix64) next() uint64 {
	g.state += 0x9E3779B97F4A7C15
	z := g.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// normal is Box–Muller on two uniforms made of the top 53 bits of next.
func (g *splitMix64) normal() float64 {
	u1 := float64(g.next()>>11) / (1 << 53)
	u2 := float64(g.next()>>11) / (1 << 53)
	return math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
}

// One generator serves every weight in parameter order; biases draw
// nothing. Here conv1.weight takes the first normal scaled by
// sqrt(2/1), conv1.bias nothing, and fc1.weight the next four scaled by
// sqrt(2/4).
func TestInitFollowsSplitMix64(t *testing.T) {
	if got := (&splitMix64{}).next(); got != 0xe220a8397b1dcdaf {
		t.Fatalf("the test's SplitMix64 gives %#x first, want the published 0xe220a8397b1dcdaf", got)
	}
	m := mustModel(t, "input 2x2x1\nconv 1x1x1\nfc 1\n")
	const seed = 2024
	m.Init(seed)
	g := &splitMix64{state: seed}
	first := g.normal() * math.Sqrt(2)
	if m.Params[0][0] != first {
		t.Errorf("first weight %v, want %v", m.Params[0][0], first)
	}
	var fc []float64
	for range 4 {
		fc = append(fc, g.normal()*math.Sqrt(2.0/4))
	}
	expectClose(t, "fc1.weight", m.Params[2], fc)
	expectClose(t, "biases", append(slices.Clone(m.Params[1]), m.Params[3]...), []float64{0, 0})
}

func TestInitSeeds(t *testing.T) {
	m := mustModel(t, "input 4x4x2\nconv 3x3x3\nfc 5\n")
	for i := range m.Params {
		for j := range m.Params[i] {
			m.Params[i][j] = 7 // Init must overwrite everything, biases too
		}
	}
	m.Init(1)
	a := cloneAll(m.Params)
	m.Init(1)
	for i := range a {
		expectClose(t, "same seed", m.Params[i], a[i])
	}
	expectClose(t, "conv1.bias", a[1], make([]float64, 3))
	expectClose(t, "fc1.bias", a[3], make([]float64, 5))
	m.Init(2)
	if slices.Equal(m.Params[0], a[0]) || slices.Equal(m.Params[2], a[2]) {
		t.Error("seeds 1 and 2 gave the same weights")
	}
}

// The weights' standard deviation is sqrt(2/fan_in). The sample standard
// deviation of n normal values has a relative standard error of about
// 1/sqrt(2n); allow 5 of them, and 5 standard errors std/sqrt(n) of the mean.
func TestInitScale(t *testing.T) {
	m := mustModel(t, "input 10x10x16\nconv 3x3x64\nfc 200\n")
	m.Init(42)
	for i, p := range m.Graph.Params() {
		if p.Init.FanIn == 0 {
			continue
		}
		w := m.Params[i]
		n := float64(len(w))
		var sum, sq float64
		for _, v := range w {
			sum += v
			sq += v * v
		}
		mean := sum / n
		std := math.Sqrt(sq/n - mean*mean)
		want := math.Sqrt(2 / float64(p.Init.FanIn))
		if !(math.Abs(std-want) <= 5*want/math.Sqrt(2*n)) || !(math.Abs(mean) <= 5*want/math.Sqrt(n)) {
			t.Errorf("%s: mean %.5f std %.5f, want 0 and %.5f (%d values)", p.Name, mean, std, want, len(w))
		}
	}
}

// A batch is its samples side by side: outputs are the samples' outputs,
// dx the samples' dx, and the parameter gradients their sum.
func TestBatchIsSumOfSamples(t *testing.T) {
	m := mustModel(t, gradCases[len(gradCases)-1].src)
	m.Init(3)
	r := rand.New(rand.NewPCG(1, 1))
	const batch = 3
	in, out := m.Graph.Input.Shape.Size(), m.Graph.Output.Shape.Size()
	x, dy := normals(r, batch*in), normals(r, batch*out)
	p := mustForward(t, m, x, batch, Options{})
	dx, grads := mustBackward(t, p, dy)

	sum := make([][]float64, len(grads))
	for i := range sum {
		sum[i] = make([]float64, len(grads[i]))
	}
	for s := range batch {
		ps := mustForward(t, m, x[s*in:(s+1)*in], 1, Options{})
		expectClose(t, "y", p.Output()[s*out:(s+1)*out], ps.Output())
		dxs, gs := mustBackward(t, ps, dy[s*out:(s+1)*out])
		expectClose(t, "dx", dx[s*in:(s+1)*in], dxs)
		for i := range gs {
			for j := range gs[i] {
				sum[i][j] += gs[i][j]
			}
		}
	}
	for i := range grads {
		for j := range grads[i] {
			if !near(grads[i][j], sum[i][j], 1e-12) {
				t.Fatalf("gradient %d[%d]: batch %v, sum of samples %v", i, j, grads[i][j], sum[i][j])
			}
		}
	}
}

// A pass is not changed by Output or Backward: Backward twice gives the
// same, and changing what Output returned or the dy passed changes nothing.
func TestPassIsReusable(t *testing.T) {
	m := mustModel(t, gradCases[len(gradCases)-2].src) // with softmax, which reads its output
	m.Init(4)
	r := rand.New(rand.NewPCG(2, 2))
	x := normals(r, 2*m.Graph.Input.Shape.Size())
	p := mustForward(t, m, x, 2, Options{Train: true, DropoutSeed: 3})
	dy := normals(r, 2*m.Graph.Output.Shape.Size())
	dyCopy := slices.Clone(dy)
	dx1, g1 := mustBackward(t, p, dy)
	expectClose(t, "dy after Backward", dy, dyCopy)
	y := p.Output()
	for i := range y {
		y[i] = 0
	}
	x[0] = 100
	dx2, g2 := mustBackward(t, p, dy)
	expectClose(t, "dx", dx2, dx1)
	for i := range g1 {
		expectClose(t, "grad", g2[i], g1[i])
	}
}

// A net with no layers is the identity.
func TestEmptyNet(t *testing.T) {
	m := mustModel(t, "input 2x2x1\n")
	p := mustForward(t, m, seq(4), 1, Options{})
	expectClose(t, "y", p.Output(), seq(4))
	dx, grads := mustBackward(t, p, []float64{4, 3, 2, 1})
	expectClose(t, "dx", dx, []float64{4, 3, 2, 1})
	if len(grads) != 0 {
		t.Errorf("%d gradients, want none", len(grads))
	}
}

// cloneAll returns a deep copy of ps.
func cloneAll(ps [][]float64) [][]float64 {
	out := make([][]float64, len(ps))
	for i, p := range ps {
		out[i] = slices.Clone(p)
	}
	return out
}
