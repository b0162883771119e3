package runtime

import "fmt"

// PoolGeom describes a max or mean pooling layer to its kernels. Like
// ConvGeom, tensors are H×W×C buffers with rows of fixed length.
type PoolGeom struct {
	C              int
	H, W           int // the input's unpadded size
	InRow, InOff   int // input values: values per row, offset of (0, 0)
	OH, OW         int
	OutRow, OutOff int
	FH, FW, SH, SW int
	PH, PW         int
	// DInRow, DInOff and DOutRow, DOutOff lay out the gradients.
	DInRow, DInOff   int
	DOutRow, DOutOff int
}

// MaxPoolForward computes output rows [y0, y1) of max pooling: each value is
// the largest of its window (padding counts as -∞, so windows are clamped to
// the input), the first in row-major window order on a tie, a NaN over any
// number, as PyTorch's kernel does. idx[(y·OW+x)·C+c] receives the offset,
// in the input gradient's buffer, of the value chosen. It panics with
// ErrShape when a buffer is too short for g or the rows are not in [0, OH].
func MaxPoolForward(g *PoolGeom, out []float32, idx []int32, in []float32, y0, y1 int) {
	g.checkForward("MaxPoolForward", out, idx, in, y0, y1)
	if y0 < y1 {
		kernels.maxPoolForward(g, out, idx, in, y0, y1)
	}
}

// MaxPoolForwardNoIndex is MaxPoolForward without the positions, for
// passes that will not go backward: the same output values, and less work
// a value (no index to follow and store).
func MaxPoolForwardNoIndex(g *PoolGeom, out, in []float32, y0, y1 int) {
	g.checkForward("MaxPoolForwardNoIndex", out, nil, in, y0, y1)
	if y0 < y1 {
		kernels.maxPool(g, out, in, y0, y1)
	}
}

// checkForward panics with ErrShape unless g describes windows that each
// hold an input value, rows [y0, y1) are within [0, OH] and the buffers
// hold what those rows read and write (idx: when not nil).
func (g *PoolGeom) checkForward(fn string, out []float32, idx []int32, in []float32, y0, y1 int) {
	fail := func(what string, got, want int) {
		panic(fmt.Errorf("%w: %s: %s %d, want %d for %+v", ErrShape, fn, what, got, want, *g))
	}
	ok := g.C > 0 && g.H > 0 && g.W > 0 && g.OH > 0 && g.OW > 0 && g.FH > 0 && g.FW > 0 && g.SH > 0 && g.SW > 0 &&
		g.PH >= 0 && g.PW >= 0 && g.PH < g.FH && g.PW < g.FW && g.InOff >= 0 && g.OutOff >= 0 &&
		g.InRow >= g.W*g.C && g.OutRow >= g.OW*g.C && (g.OH-1)*g.SH-g.PH < g.H && (g.OW-1)*g.SW-g.PW < g.W
	if !ok {
		panic(fmt.Errorf("%w: %s: invalid geometry %+v", ErrShape, fn, *g))
	}
	if y0 < 0 || y1 > g.OH || y0 > y1 {
		fail("rows from", y0, 0)
	}
	if y0 == y1 {
		return
	}
	if n := g.InOff + (g.H-1)*g.InRow + g.W*g.C; len(in) < n {
		fail("input length", len(in), n)
	}
	if n := g.OutOff + (y1-1)*g.OutRow + g.OW*g.C; len(out) < n {
		fail("output length", len(out), n)
	}
	if n := y1 * g.OW * g.C; idx != nil && len(idx) < n {
		fail("index length", len(idx), n)
	}
}

func maxPoolForwardPortable(g *PoolGeom, out []float32, idx []int32, in []float32, y0, y1 int) {
	maxPoolChannels(g, out, idx, in, y0, y1, 0)
}

func maxPoolPortable(g *PoolGeom, out, in []float32, y0, y1 int) {
	maxPoolChannels(g, out, nil, in, y0, y1, 0)
}

// maxPoolChannels is max pooling of channels [c0, C), one value at a time;
// with idx nil it records no positions.
func maxPoolChannels(g *PoolGeom, out []float32, idx []int32, in []float32, y0, y1, c0 int) {
	n := g.C - c0
	for y := y0; y < y1; y++ {
		ylo, yhi := max(y*g.SH-g.PH, 0), min(y*g.SH-g.PH+g.FH, g.H)
		for x := range g.OW {
			xlo, xhi := max(x*g.SW-g.PW, 0), min(x*g.SW-g.PW+g.FW, g.W)
			o := out[g.OutOff+y*g.OutRow+x*g.C+c0:][:n]
			first := in[g.InOff+ylo*g.InRow+xlo*g.C+c0:][:n]
			copy(o, first)
			if idx == nil {
				for i := ylo; i < yhi; i++ {
					for j := xlo; j < xhi; j++ {
						for c, v := range in[g.InOff+i*g.InRow+j*g.C+c0:][:n] {
							if v > o[c] || v != v {
								o[c] = v
							}
						}
					}
				}
				continue
			}
			ix := idx[(y*g.OW+x)*g.C+c0:][:n]
			d0 := int32(g.DInOff + ylo*g.DInRow + xlo*g.C + c0)
			for c := range ix {
				ix[c] = d0 + int32(c)
			}
			for i := ylo; i < yhi; i++ {
				for j := xlo; j < xhi; j++ {
					row := in[g.InOff+i*g.InRow+j*g.C+c0:][:n]
					d := int32(g.DInOff + i*g.DInRow + j*g.C + c0)
					for c, v := range row {
						if v > o[c] || v != v {
							o[c] = v
							ix[c] = d + int32(c)
						}
					}
				}
			}
		}
	}
}

// MaxPoolBackward sets channels [c0, c1) of the input gradient: zero, plus
// each output's gradient at the input its maximum came from. Workers given
// different channels never write the same values.
func MaxPoolBackward(g *PoolGeom, din, dout []float32, idx []int32, c0, c1 int) {
	clearChannels(din, g.H, g.W, g.C, g.DInRow, g.DInOff, c0, c1)
	for y := range g.OH {
		for x := range g.OW {
			ix := idx[(y*g.OW+x)*g.C:][c0:c1]
			d := dout[g.DOutOff+y*g.DOutRow+x*g.C:][c0:c1]
			d = d[:len(ix)]
			for j, i := range ix {
				din[i] += d[j]
			}
		}
	}
}

// MaxPoolBackwardReLU is MaxPoolBackward for a pool whose input is the
// output of a relu, with the relu's derivative applied too: the gradient of
// the relu's input is zero wherever the relu's output is not positive. Only
// the inputs a maximum came from receive a gradient, and the value of such
// an input is its window's pooled output (out, laid out by OutRow and
// OutOff), so it applies the derivative to the output gradient instead, in
// place (channels [c0, c1) of dout change), a quarter of the values for
// 2x2 windows, before passing it back.
func MaxPoolBackwardReLU(g *PoolGeom, din, dout, out []float32, idx []int32, c0, c1 int) {
	for y := range g.OH {
		for x := range g.OW {
			ReLUGrad(dout[g.DOutOff+y*g.DOutRow+x*g.C:][c0:c1], out[g.OutOff+y*g.OutRow+x*g.C:][c0:c1])
		}
	}
	MaxPoolBackward(g, din, dout, idx, c0, c1)
}

// MaxPoolBackwardRows sets the input gradient of a pool whose windows do
// not overlap from row to row (FH ≤ SH) for output rows [y0, y1): it clears
// the input rows those outputs own, from y0·SH−PH (0 for the first output
// row) up to y1·SH−PH (H for the last), and adds each output's gradient at
// the input its maximum came from, all of which lie in those rows. Workers
// given different output rows never write the same values, nor the same
// cache lines but at the ends of their rows (a split by channels would
// share every pixel's lines). When out is not nil the pool's input is a
// relu's output and the relu's derivative is applied too, as in
// MaxPoolBackwardReLU (to rows [y0, y1) of dout, in place).
func MaxPoolBackwardRows(g *PoolGeom, din, dout, out []float32, idx []int32, y0, y1 int) {
	r0, r1 := y0*g.SH-g.PH, y1*g.SH-g.PH
	if y0 == 0 {
		r0 = 0
	}
	if y1 == g.OH {
		r1 = g.H
	}
	for r := max(r0, 0); r < min(r1, g.H); r++ {
		clear(din[g.DInOff+r*g.DInRow:][:g.W*g.C])
	}
	n := g.OW * g.C
	for y := y0; y < y1; y++ {
		d := dout[g.DOutOff+y*g.DOutRow:][:n]
		if out != nil {
			ReLUGrad(d, out[g.OutOff+y*g.OutRow:][:n])
		}
		for j, i := range idx[y*n:][:n] {
			din[i] += d[j]
		}
	}
}

func clearChannels(buf []float32, h, w, c, row, off, c0, c1 int) {
	for y := range h {
		r := buf[off+y*row:][:w*c]
		for x := range w {
			clear(r[x*c+c0 : x*c+c1])
		}
	}
}

// MeanPoolForward computes output rows [y0, y1) of mean pooling over an
// input buffer that holds the layer's zero padding (InOff is 0: the window
// of output (y, x) starts at in[y·SH·InRow + x·SW·C]); every window is
// divided by FH·FW, padding included, as AvgPool2d(count_include_pad=True).
func MeanPoolForward(g *PoolGeom, out, in []float32, y0, y1 int) {
	n := float32(g.FH * g.FW)
	c := g.C
	if g.FH == 2 && g.FW == 2 {
		// The common 2x2 window, its four values summed in the same order,
		// then multiplied by 1/4 (exactly a division by 4).
		for y := y0; y < y1; y++ {
			o := out[g.OutOff+y*g.OutRow:][:g.OW*c]
			r0 := in[y*g.SH*g.InRow:][:((g.OW-1)*g.SW+2)*c]
			r1 := in[(y*g.SH+1)*g.InRow:][:len(r0)]
			for x := range g.OW {
				a, q := x*g.SW*c, x*c
				d, s0, s1, t0, t1 := o[q:q+c], r0[a:a+c], r0[a+c:a+2*c], r1[a:a+c], r1[a+c:a+2*c]
				for k := range d {
					d[k] = (s0[k] + s1[k] + t0[k] + t1[k]) * 0.25
				}
			}
		}
		return
	}
	for y := y0; y < y1; y++ {
		for x := range g.OW {
			o := out[g.OutOff+y*g.OutRow+x*c:][:c]
			clear(o)
			for i := range g.FH {
				for j := range g.FW {
					row := in[(y*g.SH+i)*g.InRow+(x*g.SW+j)*c:][:c]
					for k, v := range row {
						o[k] += v
					}
				}
			}
			for k := range o {
				o[k] /= n
			}
		}
	}
}

// MeanPoolBackward sets channels [c0, c1) of the input gradient: each
// output's gradient divided by FH·FW, spread over its window (the part in
// the padding is dropped).
func MeanPoolBackward(g *PoolGeom, din, dout []float32, c0, c1 int) {
	n := float32(g.FH * g.FW)
	if g.FH == g.SH && g.FW == g.SW && g.PH == 0 && g.PW == 0 {
		// Windows that tile the input: each input value gets one
		// output's gradient, or none past the last window. A window of a
		// power of two values multiplies by its inverse (exactly the
		// division).
		if g.OH*g.SH != g.H || g.OW*g.SW != g.W {
			clearChannels(din, g.H, g.W, g.C, g.DInRow, g.DInOff, c0, c1)
		}
		area := g.FH * g.FW
		inv, exact := 1/n, area&(area-1) == 0
		for y := range g.OH {
			d := dout[g.DOutOff+y*g.DOutRow:][:g.OW*g.C]
			for i := range g.FH {
				r := din[g.DInOff+(y*g.SH+i)*g.DInRow:][:g.OW*g.SW*g.C]
				for x := range g.OW {
					dx := d[x*g.C+c0 : x*g.C+c1]
					for j := range g.FW {
						rx := r[(x*g.SW+j)*g.C+c0:][:len(dx)]
						if exact {
							for k, v := range dx {
								rx[k] = v * inv
							}
							continue
						}
						for k, v := range dx {
							rx[k] = v / n
						}
					}
				}
			}
		}
		return
	}
	clearChannels(din, g.H, g.W, g.C, g.DInRow, g.DInOff, c0, c1)
	for y := range g.OH {
		for x := range g.OW {
			d := dout[g.DOutOff+y*g.DOutRow+x*g.C:][:g.C]
			for i := range g.FH {
				iy := y*g.SH + i - g.PH
				if iy < 0 || iy >= g.H {
					continue
				}
				for j := range g.FW {
					ix := x*g.SW + j - g.PW
					if ix < 0 || ix >= g.W {
						continue
					}
					r := din[g.DInOff+iy*g.DInRow+ix*g.C:][:g.C]
					for c := c0; c < c1; c++ {
						r[c] += d[c] / n
					}
				}
			}
		}
	}
}
