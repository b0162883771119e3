package interp

import (
	"math"
	"testing"
)

// Values worked by hand: sigmoid(ln 3) = 1/(1 + 1/3) = 0.75, whose
// derivative is 0.75·0.25 = 0.1875; tanh(ln 2) = (2 - 1/2)/(2 + 1/2) = 0.6,
// whose derivative is 1 - 0.36 = 0.64. Relu and leaky take the slope of the
// left side at 0, as PyTorch does (0 for relu, the slope for leaky).
func TestActivationsByHand(t *testing.T) {
	ln2, ln3 := math.Log(2), math.Log(3)
	for _, c := range []struct {
		src       string
		x, y, dxd []float64 // dxd: dx for dy = 1
	}{
		{"relu", []float64{-2, 0, 1.5, 3}, []float64{0, 0, 1.5, 3}, []float64{0, 0, 1, 1}},
		{"leaky", []float64{-2, 0, 1.5, 3}, []float64{-0.02, 0, 1.5, 3}, []float64{0.01, 0.01, 1, 1}},
		{"leaky 0.2", []float64{-2, 0, 1.5, -0.5}, []float64{-0.4, 0, 1.5, -0.1}, []float64{0.2, 0.2, 1, 0.2}},
		{"sigmoid", []float64{0, ln3, -ln3, 0}, []float64{0.5, 0.75, 0.25, 0.5}, []float64{0.25, 0.1875, 0.1875, 0.25}},
		{"tanh", []float64{0, ln2, -ln2, 0}, []float64{0, 0.6, -0.6, 0}, []float64{1, 0.64, 0.64, 1}},
	} {
		m := mustModel(t, "input 2x2x1\n"+c.src+"\n")
		p := mustForward(t, m, c.x, 1, Options{})
		expectClose(t, c.src+" y", p.Output(), c.y)
		dx, _ := mustBackward(t, p, ones(4))
		expectClose(t, c.src+" dx", dx, c.dxd)
	}
}

// relu keeps a NaN, as torch.relu does; so do the others, by arithmetic.
func TestActivationsKeepNaN(t *testing.T) {
	for _, kind := range []string{"relu", "leaky", "sigmoid", "tanh"} {
		p := mustForward(t, mustModel(t, "input 1x1x1\n"+kind+"\n"), []float64{math.NaN()}, 1, Options{})
		if y := p.Output()[0]; !math.IsNaN(y) {
			t.Errorf("%s(NaN) = %v, want NaN", kind, y)
		}
	}
}
