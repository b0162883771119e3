package runtime

import "fmt"

// GlobalPoolGeom describes a global pooling layer, nn.AdaptiveAvgPool2d(1)
// or nn.AdaptiveMaxPool2d(1): each channel of one sample's H×W×C map
// reduced to one value, giving 1x1xC. The work units are channels: a call
// computes channels [c0, c1), so that workers given different channels
// never write the same values.
type GlobalPoolGeom struct {
	H, W, C int
	In, DIn Layout // the map x and its gradient dx
	// Out and DOut are the offsets of the C outputs y and of their
	// gradients dy in their buffers (a channel slice of a wider vector
	// starts past the channels before it).
	Out, DOut int
	// Acc makes the backward kernels add to dx instead of setting it.
	Acc bool
}

func (g *GlobalPoolGeom) check(fn string, mp []float32, l Layout, what string, vec []float32, off int, idx []int32, c0, c1 int) {
	checkRange(fn, c0, c1, g.C)
	l.check(fn, what, mp, g.H, g.W, g.C)
	if off < 0 || len(vec) < off+g.C || idx != nil && len(idx) < g.C {
		panic(fmt.Errorf("%w: %s: %d channels from offset %d in %d values, %d indices", ErrShape, fn, g.C, off, len(vec), len(idx)))
	}
}

// GlobalAvgPoolForward computes channels [c0, c1) of
//
//	out[Out + c] = (1/(H·W)) · Σ_{y, x} in[y][x][c]
//
// summing in float64, in is laid out by g.In.
func GlobalAvgPoolForward(g *GlobalPoolGeom, out, in []float32, c0, c1 int) {
	g.check("GlobalAvgPoolForward", in, g.In, "input", out, g.Out, nil, c0, c1)
	area := float64(g.H * g.W)
	for cb := c0; cb < c1; cb += bnChunk {
		n := min(bnChunk, c1-cb)
		var sum [bnChunk]float64
		for y := range g.H {
			for x := range g.W {
				for i, v := range in[g.In.at(y, x, cb):][:n] {
					sum[i] += float64(v)
				}
			}
		}
		o := out[g.Out+cb:][:n]
		for i := range o {
			o[i] = float32(sum[i] / area)
		}
	}
}

// GlobalAvgPoolBackward spreads each output's gradient evenly over its
// channel, channels [c0, c1):
//
//	din[y][x][c] = dout[DOut + c] / (H·W)   (+= with g.Acc)
func GlobalAvgPoolBackward(g *GlobalPoolGeom, din, dout []float32, c0, c1 int) {
	g.check("GlobalAvgPoolBackward", din, g.DIn, "input gradient", dout, g.DOut, nil, c0, c1)
	area := float32(g.H * g.W)
	d := dout[g.DOut+c0 : g.DOut+c1]
	for y := range g.H {
		for x := range g.W {
			r := din[g.DIn.at(y, x, c0):][:len(d)]
			for i, v := range d {
				if g.Acc {
					r[i] += v / area
				} else {
					r[i] = v / area
				}
			}
		}
	}
}

// GlobalMaxPoolForward computes channels [c0, c1) of
//
//	out[Out + c] = max over y, x of in[y][x][c]
//
// and idx[c] = y·W + x, the pixel the maximum came from. The map is
// scanned in row-major order and a value replaces the maximum when it is
// greater or NaN, as PyTorch's adaptive_max_pool2d does: a tie goes to
// the first maximum, a NaN wins (the last NaN, if several).
func GlobalMaxPoolForward(g *GlobalPoolGeom, out []float32, idx []int32, in []float32, c0, c1 int) {
	g.check("GlobalMaxPoolForward", in, g.In, "input", out, g.Out, idx, c0, c1)
	best, where := out[g.Out+c0:g.Out+c1], idx[c0:c1]
	copy(best, in[g.In.at(0, 0, c0):][:len(best)])
	clear(where)
	for y := range g.H {
		for x := range g.W {
			p := int32(y*g.W + x)
			for i, v := range in[g.In.at(y, x, c0):][:len(best)] {
				if v > best[i] || v != v {
					best[i], where[i] = v, p
				}
			}
		}
	}
}

// GlobalMaxPoolBackward sends each output's gradient, channels [c0, c1),
// to the pixel its maximum came from (idx, from GlobalMaxPoolForward);
// every other value of those channels gets 0 (is left as it is with
// g.Acc):
//
//	din[idx[c] / W][idx[c] % W][c] = dout[DOut + c]   (+= with g.Acc)
func GlobalMaxPoolBackward(g *GlobalPoolGeom, din, dout []float32, idx []int32, c0, c1 int) {
	g.check("GlobalMaxPoolBackward", din, g.DIn, "input gradient", dout, g.DOut, idx, c0, c1)
	if !g.Acc {
		for y := range g.H {
			for x := range g.W {
				clear(din[g.DIn.at(y, x, c0):][:c1-c0])
			}
		}
	}
	for c := c0; c < c1; c++ {
		p := int(idx[c])
		if p < 0 || p >= g.H*g.W {
			panic(fmt.Errorf("%w: GlobalMaxPoolBackward: index %d of channel %d is not a pixel of %dx%d", ErrShape, p, c, g.H, g.W))
		}
		din[g.DIn.at(p/g.W, p%g.W, c)] += dout[g.DOut+c]
	}
}
