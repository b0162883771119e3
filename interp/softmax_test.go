package interp

import (
	"math"
	"testing"
)

// softmax of [0, ln 2, ln 3] is [1 2 3]/6, and adding 1000 to every input
// changes nothing (without subtracting the maximum, e^1000 would overflow).
// Backward with dy = [1 0 0]: dx[j] = y[j]·(dy[j] - y·dy) with y·dy = 1/6,
// so dx = [1/6·5/6, 2/6·(-1/6), 3/6·(-1/6)] = [5 -2 -3]/36.
func TestSoftmaxByHand(t *testing.T) {
	m := mustModel(t, "input 1x1x3\nsoftmax\n")
	ln2, ln3 := math.Log(2), math.Log(3)
	for _, shift := range []float64{0, 1000, -1000} {
		p := mustForward(t, m, []float64{shift, shift + ln2, shift + ln3}, 1, Options{})
		expectClose(t, "y", p.Output(), []float64{1.0 / 6, 2.0 / 6, 3.0 / 6})
		dx, _ := mustBackward(t, p, []float64{1, 0, 0})
		expectClose(t, "dx", dx, []float64{5.0 / 36, -2.0 / 36, -3.0 / 36})
	}
}

// softmax normalises each sample over all its features, flattened C, H, W,
// and samples apart: sample 0 is four zeros (y = 1/4 each); sample 1 is
// ln 1..4 (y = [1 2 3 4]/10).
func TestSoftmaxPerSampleOverAllFeatures(t *testing.T) {
	m := mustModel(t, "input 1x2x2\nsoftmax\n")
	if out := m.Graph.Output.Shape; !out.Flat || out.C != 4 {
		t.Fatalf("softmax output %s, want 4 flat features", out)
	}
	x := []float64{0, 0, 0, 0, 0, math.Log(2), math.Log(3), math.Log(4)}
	p := mustForward(t, m, x, 2, Options{})
	expectClose(t, "y", p.Output(), []float64{0.25, 0.25, 0.25, 0.25, 0.1, 0.2, 0.3, 0.4})
}
