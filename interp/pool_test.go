package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// On a tie the first maximum in row-major window order wins, in forward
// (argmax) and so in backward (the gradient goes there alone).
func TestMaxPoolTieGoesToFirst(t *testing.T) {
	m := mustModel(t, "input 2x2x1\npool max 2x2\n")
	for _, c := range []struct {
		x, dx []float64
	}{
		{[]float64{3, 3, 3, 1}, []float64{5, 0, 0, 0}},
		{[]float64{1, 3, 2, 3}, []float64{0, 5, 0, 0}},
		{[]float64{0, 1, 2, 2}, []float64{0, 0, 5, 0}},
	} {
		p := mustForward(t, m, c.x, 1, Options{})
		dx, _ := mustBackward(t, p, []float64{5})
		expectClose(t, "dx", dx, c.dx)
	}
}

// Overlapping windows (3x3 at stride 2 on 5x5 gives 2x2) that all take
// the same maximum, 9 at the centre, send all their gradients to it:
// dx[2][2] = 1+2+3+4 = 10, every other dx is 0.
func TestMaxPoolOverlapAccumulates(t *testing.T) {
	m := mustModel(t, "input 5x5x1\npool max 3x3 s2\n")
	x := make([]float64, 25)
	for i := range x {
		x[i] = -float64(i) // all below the centre's 9
	}
	x[2*5+2] = 9
	p := mustForward(t, m, x, 1, Options{})
	expectClose(t, "y", p.Output(), []float64{9, 9, 9, 9})
	dx, _ := mustBackward(t, p, []float64{1, 2, 3, 4})
	want := make([]float64, 25)
	want[2*5+2] = 10
	expectClose(t, "dx", dx, want)
}

// Padding is -∞ for max pooling, never 0: with 2x2 windows at stride 2 and
// padding 1 on a 2x2 input, (2-2+2)/2+1 = 2, each window holds exactly one
// input, so y = x even though every x is negative. With 3x3 windows at stride
// 1 and padding 1 every window holds the whole input, whose maximum is -1.
func TestMaxPoolPaddingIsMinusInfinity(t *testing.T) {
	x := []float64{-1, -2, -3, -4}
	p := mustForward(t, mustModel(t, "input 2x2x1\npool max 2x2 s2 p1\n"), x, 1, Options{})
	expectClose(t, "y", p.Output(), x)
	dx, _ := mustBackward(t, p, []float64{1, 2, 3, 4})
	expectClose(t, "dx", dx, []float64{1, 2, 3, 4})

	p = mustForward(t, mustModel(t, "input 2x2x1\npool max 3x3 s1 p1\n"), x, 1, Options{})
	expectClose(t, "y", p.Output(), []float64{-1, -1, -1, -1})
	dx, _ = mustBackward(t, p, []float64{1, 2, 3, 4})
	expectClose(t, "dx", dx, []float64{10, 0, 0, 0})
}

// As in PyTorch's CPU kernel, a NaN in a window is the maximum (the last
// NaN, if several), and a window of -∞ points at its first input.
func TestMaxPoolNaNAndInfinity(t *testing.T) {
	m := mustModel(t, "input 2x2x1\npool max 2x2\n")
	nan, inf := math.NaN(), math.Inf(-1)
	p := mustForward(t, m, []float64{1, nan, 3, 2}, 1, Options{})
	if y := p.Output()[0]; !math.IsNaN(y) {
		t.Errorf("max of a window with a NaN = %v, want NaN", y)
	}
	dx, _ := mustBackward(t, p, []float64{1})
	expectClose(t, "dx after NaN", dx, []float64{0, 1, 0, 0})

	p = mustForward(t, m, []float64{inf, inf, inf, inf}, 1, Options{})
	if y := p.Output()[0]; !math.IsInf(y, -1) {
		t.Errorf("max of -∞ = %v, want -∞", y)
	}
	dx, _ = mustBackward(t, p, []float64{1})
	expectClose(t, "dx after -∞", dx, []float64{1, 0, 0, 0})
}

// Mean pooling without padding: the 4x4 input 1..16 in 2x2 windows gives
// (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5, (9+10+13+14)/4 = 11.5 and
// (11+12+15+16)/4 = 13.5; backward spreads each dy over its window in
// quarters.
func TestMeanPoolByHand(t *testing.T) {
	m := mustModel(t, "input 4x4x1\npool mean 2x2\n")
	p := mustForward(t, m, seq(16), 1, Options{})
	expectClose(t, "y", p.Output(), []float64{3.5, 5.5, 11.5, 13.5})
	dx, _ := mustBackward(t, p, []float64{4, 8, 12, 16})
	expectClose(t, "dx", dx, []float64{
		1, 1, 2, 2,
		1, 1, 2, 2,
		3, 3, 4, 4,
		3, 3, 4, 4,
	})
}

// Mean pooling with padding divides by the whole window, padding included
// (count_include_pad=True). 2x2 windows at stride 2 with padding 1 on the
// 2x2 input [1 2 3 4] hold one input each: y = x/4, and backward gives
// each input dy/4, the three other shares falling on padding. 3x3 windows at
// stride 1 with padding 1 hold all four inputs: y = 10/9 everywhere, and each
// input collects 1/9 from each of the 4 windows.
func TestMeanPoolPaddingCountsInDivisor(t *testing.T) {
	x := []float64{1, 2, 3, 4}
	p := mustForward(t, mustModel(t, "input 2x2x1\npool mean 2x2 s2 p1\n"), x, 1, Options{})
	expectClose(t, "y", p.Output(), []float64{0.25, 0.5, 0.75, 1})
	dx, _ := mustBackward(t, p, []float64{4, 8, 12, 16})
	expectClose(t, "dx", dx, []float64{1, 2, 3, 4})

	p = mustForward(t, mustModel(t, "input 2x2x1\npool mean 3x3 s1 p1\n"), x, 1, Options{})
	expectClose(t, "y", p.Output(), []float64{10.0 / 9, 10.0 / 9, 10.0 / 9, 10.0 / 9})
	dx, _ = mustBackward(t, p, ones(4))
	expectClose(t, "dx", dx, []float64{4.0 / 9, 4.0 / 9, 4.0 / 9, 4.0 / 9})
}

// TestPoolAgainstPaddedInput compares both poolings with their definitions
// computed another way: the input copied into an explicitly padded array
// (-∞ for max, 0 for mean) over which the window slides without bounds
// checks. It also checks that argmax points at the first maximum.
func TestPoolAgainstPaddedInput(t *testing.T) {
	for _, geom := range []string{
		"6x6x2\npool %s 2x2", "6x6x2\npool %s 2x2 s2 p1", "7x7x2\npool %s 3x3 s2", "7x7x2\npool %s 3x3 s2 p1",
		"6x4x2\npool %s 3x2 s3x1 p0x1", "5x5x2\npool %s 3x3 s1 p1",
		"6x6x2\npool %s 3x3 s2 p1", // (6 - 3 + 2)/2 + 1 = 3.5, floored as PyTorch does
	} {
		for _, op := range []string{"max", "mean"} {
			src := fmt.Sprintf("input "+geom+"\n", op)
			m := mustModel(t, src)
			l := mustNet(t, src).Layers[0]
			const batch = 2
			// Coarse values make exact ties common, to exercise the tie rule.
			r := rand.New(rand.NewPCG(3, 4))
			x := make([]float64, batch*l.In.Size())
			for i := range x {
				x[i] = float64(r.IntN(5))
			}
			p := mustForward(t, m, x, batch, Options{})

			fill := math.Inf(-1)
			if op == "mean" {
				fill = 0
			}
			ph, pw := l.In.H+2*l.PH, l.In.W+2*l.PW
			var want []float64
			var wantArg []int
			for s := 0; s < batch; s++ {
				for c := 0; c < l.In.C; c++ {
					padded := make([]float64, ph*pw)
					origin := make([]int, ph*pw) // index in x, or -1 for padding
					for i := range padded {
						padded[i], origin[i] = fill, -1
					}
					for y := 0; y < l.In.H; y++ {
						for x0 := 0; x0 < l.In.W; x0++ {
							k := ((s*l.In.C+c)*l.In.H+y)*l.In.W + x0
							padded[(y+l.PH)*pw+x0+l.PW], origin[(y+l.PH)*pw+x0+l.PW] = x[k], k
						}
					}
					for oy := 0; oy < l.Out.H; oy++ {
						for ox := 0; ox < l.Out.W; ox++ {
							sum, best, arg := 0.0, math.Inf(-1), -1
							for i := 0; i < l.FH; i++ {
								for j := 0; j < l.FW; j++ {
									v, k := padded[(oy*l.SH+i)*pw+ox*l.SW+j], origin[(oy*l.SH+i)*pw+ox*l.SW+j]
									sum += v
									if k >= 0 && (arg < 0 || v > best) {
										best, arg = v, k
									}
								}
							}
							if op == "max" {
								want, wantArg = append(want, best), append(wantArg, arg)
							} else {
								want = append(want, sum/float64(l.FH*l.FW))
							}
						}
					}
				}
			}
			expectClose(t, src, p.Output(), want)
			if op == "max" {
				for i := range wantArg {
					if p.argmax[0][i] != wantArg[i] {
						t.Errorf("%s: argmax[%d] = %d, want %d", src, i, p.argmax[0][i], wantArg[i])
						break
					}
				}
			}
		}
	}
}
