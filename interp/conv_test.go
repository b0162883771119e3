package interp

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/cnnc/cnnc/ir"
)

// A 3x3 input 1..9 and one 2x2 filter w = [[1 2] [3 4]] with bias 1, stride
// 1, no padding, give a 2x2 output. By hand, y[oy][ox] = 1 + Σ w[i][j]·x[oy+i][ox+j]:
//
//	x = 1 2 3    y[0][0] = 1 + 1·1 + 2·2 + 3·4 + 4·5 = 38
//	    4 5 6    y[0][1] = 1 + 1·2 + 2·3 + 3·5 + 4·6 = 48
//	    7 8 9    y[1][0] = 1 + 1·4 + 2·5 + 3·7 + 4·8 = 68
//	             y[1][1] = 1 + 1·5 + 2·6 + 3·8 + 4·9 = 78
//
// Backward with dy = [[1 2] [3 4]]:
//
//	dw[i][j] = Σ dy[oy][ox]·x[oy+i][ox+j]: dw[0][0] = 1·1 + 2·2 + 3·4 + 4·5 = 37,
//	    and likewise 47, 67, 77 (the forward sums without the bias);
//	db = 1+2+3+4 = 10;
//	dx[iy][ix] = Σ w[i][j]·dy[iy-i][ix-j]:
//	    dx[0][0] = 1·1 = 1           dx[0][1] = 1·2 + 2·1 = 4        dx[0][2] = 2·2 = 4
//	    dx[1][0] = 1·3 + 3·1 = 6     dx[1][1] = 1·4+2·3+3·2+4·1 = 20 dx[1][2] = 2·4 + 4·2 = 16
//	    dx[2][0] = 3·3 = 9           dx[2][1] = 3·4 + 4·3 = 24       dx[2][2] = 4·4 = 16
func TestConvByHand(t *testing.T) {
	m := mustModel(t, "input 3x3x1\nconv 2x2x1\n")
	if err := m.SetParams(map[string][]float64{"conv1.weight": {1, 2, 3, 4}, "conv1.bias": {1}}); err != nil {
		t.Fatal(err)
	}
	p := mustForward(t, m, seq(9), 1, Options{})
	expectClose(t, "y", p.Output(), []float64{38, 48, 68, 78})
	dx, grads := mustBackward(t, p, []float64{1, 2, 3, 4})
	expectClose(t, "dx", dx, []float64{1, 4, 4, 6, 20, 16, 9, 24, 16})
	expectClose(t, "dw", grads[0], []float64{37, 47, 67, 77})
	expectClose(t, "db", grads[1], []float64{10})
}

// A 1x3 filter w = [1 10 100] with padding 0x1 over the 2x3 input
// [[1 2 3] [4 5 6]]: the output keeps the 2x3 shape, (3-3+2)/1+1 = 3 wide,
// and each digit of y[oy][ox] = Σ_j w[j]·x[oy][ox+j-1] names the input it
// came from (0 for padding):
//
//	y[0] = 0·1 + 1·10 + 2·100 = 210,  1 + 20 + 300 = 321,  2 + 30 + 0 = 32
//	y[1] = 0 + 40 + 500 = 540,        4 + 50 + 600 = 654,  5 + 60 + 0 = 65
func TestConvRectangularPaddingByHand(t *testing.T) {
	m := mustModel(t, "input 2x3x1\nconv 1x3x1 p0x1\n")
	copy(m.Params[0], []float64{1, 10, 100})
	p := mustForward(t, m, seq(6), 1, Options{})
	expectClose(t, "y", p.Output(), []float64{210, 321, 32, 540, 654, 65})
}

// A 2x1 filter w = [1 10] at stride 2x1 over the 4x2 input
// [[1 2] [3 4] [5 6] [7 8]] gives (4-2)/2+1 = 2 rows of 2:
// y[oy][ox] = x[2oy][ox] + 10·x[2oy+1][ox] = [[31 42] [75 86]].
func TestConvStrideByHand(t *testing.T) {
	m := mustModel(t, "input 4x2x1\nconv 2x1x1 s2x1\n")
	copy(m.Params[0], []float64{1, 10})
	p := mustForward(t, m, seq(8), 1, Options{})
	expectClose(t, "y", p.Output(), []float64{31, 42, 75, 86})
}

// TestConvExample runs models/example.cnn, the worked example of the CS231n
// notes: a 5x5x3 input padded by 1 and two 3x3x3 filters at stride 2 give
// (5-3+2)/2+1 = 3, a 3x3x2 output. The numbers are ours, in the style of the
// notes' demo (inputs 0..2, weights -1..1, biases 1 and 0).
//
// Output (0, 0) of filter 0 sees rows -1..1 and columns -1..1: only
// filter taps i, j in 1..2 meet the input x[c][0..1][0..1], so
//
//	channel 0: w 1·x 2 + 0·0 + 0·0 + 1·1 = 3
//	channel 1: w -1·1 + 1·2 + 1·0 + 0·1 = 1
//	channel 2: w 0·0 + 1·1 + 0·1 + 0·0 = 1
//	y0[0][0] = 3 + 1 + 1 + b0 (1) = 6
//
// Output (1, 1) of filter 1 sees rows 1..3 and columns 1..3, all inside:
//
//	channel 0: 0·1 + 1·2 + 1·0 + -1·1 + 0·0 + 0·2 + 1·2 + -1·1 + 0·0 = 2
//	channel 1: 1·0 + 0·1 + 0·2 + 0·1 + 0·1 + -1·0 + 0·0 + 1·2 + 1·2 = 4
//	channel 2: 0·0 + 0·0 + 1·1 + 1·2 + 1·1 + 0·0 + -1·1 + 0·0 + -1·2 = 1
//	y1[1][1] = 2 + 4 + 1 + b1 (0) = 7
//
// The other 16 outputs were worked the same way, and all 18 checked with a
// few lines of Python written apart from this package.
func TestConvExample(t *testing.T) {
	src, err := os.ReadFile("../models/example.cnn")
	if err != nil {
		t.Fatal(err)
	}
	net := mustNet(t, string(src))
	if len(net.Layers) != 1 || net.Output().String() != "3x3x2" {
		t.Fatalf("example.cnn: %d layers, output %s; want one conv giving 3x3x2", len(net.Layers), net.Output())
	}
	m, err := New(net.Graph)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{
		// channel 0
		2, 0, 1, 1, 0,
		0, 1, 2, 0, 2,
		1, 1, 0, 2, 1,
		0, 2, 1, 0, 0,
		1, 0, 0, 1, 2,
		// channel 1
		1, 2, 0, 0, 1,
		0, 0, 1, 2, 1,
		2, 1, 1, 0, 0,
		1, 0, 2, 2, 1,
		0, 1, 1, 0, 2,
		// channel 2
		0, 1, 2, 1, 0,
		1, 0, 0, 1, 2,
		2, 2, 1, 0, 1,
		0, 1, 0, 2, 1,
		1, 2, 1, 0, 0,
	}
	w := []float64{
		// filter 0: channels 0, 1, 2
		1, 0, -1, 0, 1, 0, -1, 0, 1,
		0, 1, 0, 1, -1, 1, 0, 1, 0,
		-1, -1, 0, 0, 0, 1, 1, 0, 0,
		// filter 1
		0, 1, 1, -1, 0, 0, 1, -1, 0,
		1, 0, 0, 0, 0, -1, 0, 1, 1,
		0, 0, 1, 1, 1, 0, -1, 0, -1,
	}
	if err := m.SetParams(map[string][]float64{"conv1.weight": w, "conv1.bias": {1, 0}}); err != nil {
		t.Fatal(err)
	}
	p := mustForward(t, m, x, 1, Options{})
	expectClose(t, "y", p.Output(), []float64{
		// filter 0
		6, 5, 2,
		4, 4, 3,
		4, 4, -1,
		// filter 1
		-2, 4, -2,
		2, 7, 2,
		3, 6, 1,
	})
}

// TestConvAgainstPaddedInput compares convForward with the definition
// computed another way: the input is first copied into an explicitly
// zero-padded array, over which the filter slides without bounds checks.
func TestConvAgainstPaddedInput(t *testing.T) {
	for _, src := range []string{
		"input 5x5x3\nconv 3x3x2 s2 p1\n",
		"input 7x5x2\nconv 3x5x4 s2x1 p1x2\n",
		"input 8x8x2\nconv 2x2x3 s3\n",
		"input 6x7x3\nconv 4x2x2 s1x5 p2x0\n",
		"input 5x6x2\nconv 3x5x2 p same\n",
		// Output sizes PyTorch floors: (6 - 3 + 2)/2 + 1 = 3.5 and
		// (6 - 1)/2 + 1 = 3.5, the unread tail being padding or within
		// the stride's gap.
		"input 6x6x2\nconv 3x3x3 s2 p1\n",
		"input 6x5x2\nconv 1x1x2 s2\n",
	} {
		m := mustModel(t, src)
		l := mustNet(t, src).Layers[0]
		r := rand.New(rand.NewPCG(7, 8))
		m.Init(1)
		m.Params[1] = normals(r, len(m.Params[1]))
		const batch = 2
		x := normals(r, batch*l.In.Size())
		got := mustForward(t, m, x, batch, Options{}).Output()

		w, b := m.Params[0], m.Params[1]
		ph, pw := l.In.H+2*l.PH, l.In.W+2*l.PW
		var want []float64
		for s := 0; s < batch; s++ {
			padded := make([]float64, l.In.C*ph*pw)
			for c := 0; c < l.In.C; c++ {
				for y := 0; y < l.In.H; y++ {
					for x0 := 0; x0 < l.In.W; x0++ {
						padded[(c*ph+y+l.PH)*pw+x0+l.PW] = x[((s*l.In.C+c)*l.In.H+y)*l.In.W+x0]
					}
				}
			}
			for k := 0; k < l.K; k++ {
				for oy := 0; oy < l.Out.H; oy++ {
					for ox := 0; ox < l.Out.W; ox++ {
						sum := b[k]
						for c := 0; c < l.In.C; c++ {
							for i := 0; i < l.FH; i++ {
								for j := 0; j < l.FW; j++ {
									sum += w[((k*l.In.C+c)*l.FH+i)*l.FW+j] * padded[(c*ph+oy*l.SH+i)*pw+ox*l.SW+j]
								}
							}
						}
						want = append(want, sum)
					}
				}
			}
		}
		expectClose(t, src, got, want)
	}
}

// A grouped conv, g2 over four channels 1, 2, 3, 4 with two 1x1 filters and
// no bias: filter 0, w = [1 10], reads channels 0 and 1 (group 0) and
// filter 1, w = [100 1000], channels 2 and 3: y = 1·1 + 10·2 = 21 and
// 100·3 + 1000·4 = 4300. Backward with dy = [1 2], each channel's gradient
// comes from its group's filter alone: dx = [1·1 10·1 100·2 1000·2], and
// dw = [x0·1 x1·1 x2·2 x3·2] = [1 2 6 8]. PyTorch's conv2d(groups=2) gives
// the same.
func TestGroupedConvByHand(t *testing.T) {
	c := ir.NewConv(1, 1, 2)
	c.Groups, c.NoBias = 2, true
	b := newBuilder(t, ir.Map(1, 1, 4))
	m := b.model(b.add(c, "conv1", b.b.Input()))
	copy(m.Params[0], []float64{1, 10, 100, 1000})
	p := mustForward(t, m, seq(4), 1, Options{})
	expectClose(t, "y", p.Output(), []float64{21, 4300})
	dx, grads := mustBackward(t, p, []float64{1, 2})
	expectClose(t, "dx", dx, []float64{1, 10, 200, 2000})
	expectClose(t, "dw", grads[0], []float64{1, 2, 6, 8})
}

// A dilated conv, 1x2 with d2 over the row 1..5: the taps are 2 apart, so
// the window spans 3 and (5 − 2·(2−1) − 1)/1 + 1 = 3 outputs, y[ox] =
// w0·x[ox] + w1·x[ox+2] = [1+30 2+40 3+50] for w = [1 10]. Backward with
// dy = 1: dx = [1 1 1+10 10 10], dw = [1+2+3 3+4+5] = [6 12], db = 3.
func TestDilatedConvByHand(t *testing.T) {
	c := ir.NewConv(1, 2, 1)
	c.DH, c.DW = 2, 2
	b := newBuilder(t, ir.Map(1, 5, 1))
	m := b.model(b.add(c, "conv1", b.b.Input()))
	copy(m.Params[0], []float64{1, 10})
	p := mustForward(t, m, seq(5), 1, Options{})
	expectClose(t, "y", p.Output(), []float64{31, 42, 53})
	dx, grads := mustBackward(t, p, ones(3))
	expectClose(t, "dx", dx, []float64{1, 1, 11, 10, 10})
	expectClose(t, "dw", grads[0], []float64{6, 12})
	expectClose(t, "db", grads[1], []float64{3})
}
