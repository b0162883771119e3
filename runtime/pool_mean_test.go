package runtime

import "testing"

// meanPoolCases are mean pooling layers: LeNet-5's two (2x2 stride 2 on
// 28x28x6 and 10x10x16), odd sizes whose last row and column no window
// covers, overlapping and padded windows, and a 3x3 stride 3.
var meanPoolCases = []struct{ h, w, c, fh, fw, sh, sw, ph, pw int }{
	{28, 28, 6, 2, 2, 2, 2, 0, 0},
	{10, 10, 16, 2, 2, 2, 2, 0, 0},
	{7, 9, 3, 2, 2, 2, 2, 0, 0},
	{6, 7, 5, 2, 2, 1, 1, 0, 0},
	{7, 7, 4, 3, 3, 2, 2, 1, 1},
	{9, 6, 2, 3, 3, 3, 3, 0, 0},
}

// TestMeanPool checks MeanPoolForward and MeanPoolBackward against the
// definition in float64: each output the mean of its window over the
// zero-padded input (padding counted), and each input's gradient the sum
// of the gradients of the outputs whose windows hold it, each divided by
// FH·FW. Forward runs in two calls over rows, backward in two over
// channels, as two workers would; backward must leave the gradient's
// padding alone.
func TestMeanPool(t *testing.T) {
	for n, pc := range meanPoolCases {
		hp, wp := pc.h+2*pc.ph, pc.w+2*pc.pw
		oh, ow := (hp-pc.fh)/pc.sh+1, (wp-pc.fw)/pc.sw+1
		g := &PoolGeom{C: pc.c, H: pc.h, W: pc.w, InRow: wp * pc.c, OH: oh, OW: ow, OutRow: ow * pc.c,
			FH: pc.fh, FW: pc.fw, SH: pc.sh, SW: pc.sw, PH: pc.ph, PW: pc.pw,
			DInRow: (pc.w + 2) * pc.c, DInOff: (pc.w+2)*pc.c + pc.c, DOutRow: ow * pc.c}
		r := NewRand(uint64(n + 1))
		in := pad(randSlice(r, pc.h*pc.w*pc.c), pc.h, pc.w, pc.c, pc.ph, pc.pw)
		out := make([]float32, oh*ow*pc.c)
		MeanPoolForward(g, out, in, 0, oh/2)
		MeanPoolForward(g, out, in, oh/2, oh)
		dout := randSlice(r, oh*ow*pc.c)
		din := make([]float32, (pc.h+2)*g.DInRow)
		for i := range din {
			din[i] = 99
		}
		MeanPoolBackward(g, din, dout, 0, pc.c/2)
		MeanPoolBackward(g, din, dout, pc.c/2, pc.c)
		area := float64(pc.fh * pc.fw)
		wantIn := make([]float64, pc.h*pc.w*pc.c)
		for y := range oh {
			for x := range ow {
				for c := range pc.c {
					var sum float64
					for i := range pc.fh {
						for j := range pc.fw {
							sum += float64(in[(y*pc.sh+i)*g.InRow+(x*pc.sw+j)*pc.c+c])
							iy, ix := y*pc.sh+i-pc.ph, x*pc.sw+j-pc.pw
							if iy >= 0 && ix >= 0 && iy < pc.h && ix < pc.w {
								wantIn[(iy*pc.w+ix)*pc.c+c] += float64(dout[(y*ow+x)*pc.c+c]) / area
							}
						}
					}
					if got, want := float64(out[(y*ow+x)*pc.c+c]), sum/area; abs64(got-want) > 1e-6 {
						t.Errorf("case %d: output (%d, %d, %d) %g, want %g", n, y, x, c, got, want)
					}
				}
			}
		}
		for i := range din {
			y, x, c := i/g.DInRow-1, i%g.DInRow/pc.c-1, i%pc.c
			if y < 0 || x < 0 || y >= pc.h || x >= pc.w {
				if din[i] != 99 {
					t.Errorf("case %d: the gradient's padding was written at %d", n, i)
				}
				continue
			}
			if got, want := float64(din[i]), wantIn[(y*pc.w+x)*pc.c+c]; abs64(got-want) > 1e-6 {
				t.Errorf("case %d: input gradient (%d, %d, %d) %g, want %g", n, y, x, c, got, want)
			}
		}
	}
}

func abs64(v float64) float64 { return max(v, -v) }
