package runtime

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// layout places an h×w×c tensor in a buffer: padded by ph, pw pixels, a
// pixel stride px (at least c) and its channels from channel off, as a
// concat's slice of a wider buffer is.
type layout struct{ h, w, c, ph, pw, px, off int }

func (l layout) row() int  { return (l.w + 2*l.pw) * l.px }
func (l layout) size() int { return (l.h + 2*l.ph) * l.row() }

// origin is the index of pixel (0, 0), channel 0.
func (l layout) origin() int { return l.ph*l.row() + l.pw*l.px + l.off }

func (l layout) at(y, x, c int) int { return l.origin() + y*l.row() + x*l.px + c }

// put copies x (unpadded, h×w×c) into buf.
func (l layout) put(buf, x []float32) {
	for y := range l.h {
		for xx := range l.w {
			copy(buf[l.at(y, xx, 0):][:l.c], x[(y*l.w+xx)*l.c:][:l.c])
		}
	}
}

// get copies the tensor out of buf, unpadded.
func (l layout) get(buf []float32) []float32 {
	x := make([]float32, l.h*l.w*l.c)
	for y := range l.h {
		for xx := range l.w {
			copy(x[(y*l.w+xx)*l.c:][:l.c], buf[l.at(y, xx, 0):][:l.c])
		}
	}
	return x
}

// outside calls f for every index of buf that is not the tensor's.
func (l layout) outside(buf []float32, f func(i int)) {
	in := make([]bool, len(buf))
	for y := range l.h {
		for x := range l.w {
			for c := range l.c {
				in[l.at(y, x, c)] = true
			}
		}
	}
	for i := range buf {
		if !in[i] {
			f(i)
		}
	}
}

// filled returns a buffer for l holding v everywhere.
func (l layout) filled(v float32) []float32 {
	buf := make([]float32, l.size())
	for i := range buf {
		buf[i] = v
	}
	return buf
}

// dwCase is a depthwise (or, with groups and k, any) conv for the kernel
// tests; slice lays every tensor out as a channel slice of a wider buffer
// (other pixel strides, a channel offset, padded output buffers).
type dwCase struct {
	h, w, c, fh, fw, sh, sw, ph, pw, dh, dw int
	relu, relu6, slice                      bool
}

var dwCases = []dwCase{
	{h: 9, w: 10, c: 32, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, relu6: true},
	{h: 9, w: 9, c: 48, fh: 3, fw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, relu6: true, slice: true},
	{h: 7, w: 11, c: 19, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, relu: true, slice: true}, // channel tail
	{h: 8, w: 8, c: 16, fh: 5, fw: 5, sh: 2, sw: 2, ph: 2, pw: 2, dh: 1, dw: 1},
	{h: 10, w: 9, c: 21, fh: 3, fw: 3, sh: 1, sw: 1, ph: 2, pw: 2, dh: 2, dw: 2, slice: true}, // dilated
	{h: 6, w: 7, c: 5, fh: 3, fw: 1, sh: 1, sw: 1, ph: 1, pw: 0, dh: 1, dw: 1},                // only a tail
	{h: 11, w: 13, c: 40, fh: 3, fw: 3, sh: 3, sw: 2, ph: 2, pw: 1, dh: 2, dw: 3, relu: true}, // strides and dilations
	{h: 5, w: 5, c: 7, fh: 1, fw: 1, sh: 2, sw: 2, dh: 1, dw: 1, slice: true},                 // inputs no tap reads
	{h: 9, w: 8, c: 24, fh: 7, fw: 7, sh: 1, sw: 1, ph: 3, pw: 3, dh: 1, dw: 1},
	{h: 4, w: 3, c: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, relu6: true}, // rows narrower than a tile
}

func (dc dwCase) String() string {
	type plain dwCase // without the method
	return fmt.Sprintf("%+v", plain(dc))
}

func (dc dwCase) out() (int, int) {
	return (dc.h+2*dc.ph-(dc.fh-1)*dc.dh-1)/dc.sh + 1, (dc.w+2*dc.pw-(dc.fw-1)*dc.dw-1)/dc.sw + 1
}

// layouts returns the layouts of the input (padded as the conv needs), the
// output and its gradient (padded by a pixel when slice is set), and the
// input gradient, for c input and k output channels.
func (dc dwCase) layouts(c, k int) (in, out, dout, din layout) {
	oh, ow := dc.out()
	in, out = layout{dc.h, dc.w, c, dc.ph, dc.pw, c, 0}, layout{oh, ow, k, 0, 0, k, 0}
	dout, din = out, layout{dc.h, dc.w, c, 0, 0, c, 0}
	if dc.slice {
		in.px, in.off = c+5, 3
		out.ph, out.pw, out.px, out.off = 1, 1, k+3, 2
		dout.ph, dout.px, dout.off = 1, k+7, 7
		din.pw, din.px, din.off = 2, c+1, 1
	}
	return in, out, dout, din
}

// geom describes the conv to the kernels.
func (dc dwCase) geom(in, out, dout, din layout, groups, kb int) *ConvGeom {
	return &ConvGeom{
		C: in.c, InRow: in.row(), InPix: in.px,
		OH: out.h, OW: out.w, K: out.c, OutRow: out.row(), OutOff: out.origin(), OutPix: out.px,
		FH: dc.fh, FW: dc.fw, SH: dc.sh, SW: dc.sw, DH: dc.dh, DW: dc.dw, KB: kb, Groups: groups,
		ReLU: dc.relu, ReLU6: dc.relu6,
		DOutRow: dout.row(), DOutOff: dout.origin(), DOutPix: dout.px,
		H: dc.h, W: dc.w, PH: dc.ph, PW: dc.pw, DInRow: din.row(), DInOff: din.origin(), DInPix: din.px,
	}
}

// naiveGroupedConv is the definition of a conv with groups and dilation on
// PyTorch-layout weights w[k][c/groups][i][j] and unpadded tensors, in
// float64: the output, or, with dy, the weight, bias and input gradients
// (y is then nil).
func naiveGroupedConv(dc dwCase, groups, k int, x, w, b, dy []float32) (y, dw, db, dx []float64) {
	c := dc.c
	cg, kg := c/groups, k/groups
	oh, ow := dc.out()
	y = make([]float64, oh*ow*k)
	dw, db, dx = make([]float64, len(w)), make([]float64, k), make([]float64, len(x))
	for oy := range oh {
		for ox := range ow {
			for ko := range k {
				sum := float64(b[ko])
				g := ko / kg
				for ci := range cg {
					for i := range dc.fh {
						for j := range dc.fw {
							iy, ix := oy*dc.sh+i*dc.dh-dc.ph, ox*dc.sw+j*dc.dw-dc.pw
							if iy < 0 || ix < 0 || iy >= dc.h || ix >= dc.w {
								continue
							}
							xi := (iy*dc.w+ix)*c + g*cg + ci
							wi := ((ko*cg+ci)*dc.fh+i)*dc.fw + j
							sum += float64(x[xi]) * float64(w[wi])
							if dy != nil {
								d := float64(dy[(oy*ow+ox)*k+ko])
								dw[wi] += float64(x[xi]) * d
								dx[xi] += float64(w[wi]) * d
							}
						}
					}
				}
				if dy != nil {
					db[ko] += float64(dy[(oy*ow+ox)*k+ko])
				}
				if dc.relu6 {
					sum = min(max(sum, 0), 6)
				} else if dc.relu {
					sum = max(sum, 0)
				}
				y[(oy*ow+ox)*k+ko] = sum
			}
		}
	}
	return y, dw, db, dx
}

// closeTo fails t unless got is want within tol times the largest |want|
// (or 1).
func closeTo(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	scale := 1.0
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol*scale) {
			t.Errorf("%s: [%d] = %v, want %v (|diff| %.3g > %.3g)", what, i, got[i], want[i], d, tol*scale)
			return
		}
	}
}

// untouched fails t unless every value of buf outside l's tensor is v.
func untouched(t *testing.T, what string, l layout, buf []float32, v float32) {
	t.Helper()
	bad := -1
	l.outside(buf, func(i int) {
		if buf[i] != v && bad < 0 {
			bad = i
		}
	})
	if bad >= 0 {
		t.Errorf("%s: wrote [%d] (%v) outside the tensor", what, bad, buf[bad])
	}
}

// dwTol is the tests' tolerance, relative to the largest value: float32
// sums of at most a few hundred products.
const dwTol = 1e-5

func TestDepthwise(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, dc := range dwCases {
			r := NewRand(uint64(n + 100))
			li, lo, ld, lx := dc.layouts(dc.c, dc.c)
			g := dc.geom(li, lo, ld, lx, dc.c, 0)
			x := randSlice(r, dc.h*dc.w*dc.c)
			w := randSlice(r, dc.c*dc.fh*dc.fw)
			b := randSlice(r, dc.c)
			dy := randSlice(r, lo.h*lo.w*dc.c)
			for i := range x {
				x[i] *= 3 // outputs past 6, for relu6
			}
			want, _, _, _ := naiveGroupedConv(dc, dc.c, dc.c, x, w, b, nil)
			_, wantDW, wantDB, wantDX := naiveGroupedConv(dc, dc.c, dc.c, x, w, b, dy)
			packed := make([]float32, DepthwiseWeightLen(g))
			PackDepthwise(packed, w, dc.c, dc.fh, dc.fw, false)
			in := li.filled(0)
			li.put(in, x)
			var s Scratch

			out := lo.filled(99)
			DepthwiseForward(g, &s, out, in[li.off:], packed, b, 0, lo.h/2)
			DepthwiseForward(g, &s, out, in[li.off:], packed, b, lo.h/2, lo.h)
			closeTo(t, dc.String()+" forward", lo.get(out), want, dwTol)
			untouched(t, dc.String()+" forward", lo, out, 99)

			dout := ld.filled(0)
			ld.put(dout, dy)
			dw := make([]float32, len(packed))
			db := make([]float32, dc.c)
			split := dc.c/2 + 1
			DepthwiseWeightGrad(g, &s, dw, db, in[li.off:], dout, 0, split)
			DepthwiseWeightGrad(g, &s, dw, db, in[li.off:], dout, split, dc.c)
			got := make([]float32, len(w))
			PackDepthwise(dw, got, dc.c, dc.fh, dc.fw, true)
			closeTo(t, dc.String()+" weight gradient", got, wantDW, dwTol)
			closeTo(t, dc.String()+" bias gradient", db, wantDB, dwTol)

			din := lx.filled(99)
			DepthwiseInputGrad(g, &s, din, packed, dout, false, 0, dc.h/2)
			DepthwiseInputGrad(g, &s, din, packed, dout, false, dc.h/2, dc.h)
			closeTo(t, dc.String()+" input gradient", lx.get(din), wantDX, dwTol)
			untouched(t, dc.String()+" input gradient", lx, din, 99)
			// Added to what is there: twice the gradient.
			DepthwiseInputGrad(g, &s, din, packed, dout, true, 0, dc.h)
			for i := range wantDX {
				wantDX[i] *= 2
			}
			closeTo(t, dc.String()+" input gradient added", lx.get(din), wantDX, dwTol)
		}
	})
}

// TestDepthwiseShapes: short buffers, ranges out of bounds and geometries
// that are not depthwise panic with ErrShape, before touching memory.
func TestDepthwiseShapes(t *testing.T) {
	dc := dwCases[1]
	li, lo, ld, lx := dc.layouts(dc.c, dc.c)
	g := dc.geom(li, lo, ld, lx, dc.c, 0)
	in, out, dout, din := li.filled(0)[li.off:], lo.filled(0), ld.filled(0), lx.filled(0)
	w, b := make([]float32, DepthwiseWeightLen(g)), make([]float32, dc.c)
	var s Scratch
	// The last input value the windows read, plus one.
	lastIn := ((g.OH-1)*g.SH+(g.FH-1)*g.DH)*g.InRow + ((g.OW-1)*g.SW+(g.FW-1)*g.DW)*g.InPix + g.C
	notDW := *g
	notDW.Groups = 1
	for name, f := range map[string]func(){
		"short in":        func() { DepthwiseForward(g, &s, out, in[:lastIn-1], w, b, 0, g.OH) },
		"short out":       func() { DepthwiseForward(g, &s, out[:lo.at(lo.h-1, lo.w-1, dc.c-1)], in, w, b, 0, g.OH) },
		"short w":         func() { DepthwiseForward(g, &s, out, in, w[:len(w)-1], b, 0, g.OH) },
		"short bias":      func() { DepthwiseForward(g, &s, out, in, w, b[:dc.c-1], 0, g.OH) },
		"rows past OH":    func() { DepthwiseForward(g, &s, out, in, w, b, 0, g.OH+1) },
		"not depthwise":   func() { DepthwiseForward(&notDW, &s, out, in, w, b, 0, g.OH) },
		"short dout":      func() { DepthwiseWeightGrad(g, &s, w, b, in, dout[:ld.at(ld.h-1, ld.w-1, dc.c-1)], 0, dc.c) },
		"channels past C": func() { DepthwiseWeightGrad(g, &s, w, b, in, dout, 1, dc.c+1) },
		"short din":       func() { DepthwiseInputGrad(g, &s, din[:lx.at(lx.h-1, lx.w-1, dc.c-1)], w, dout, false, 0, dc.h) },
		"rows past H":     func() { DepthwiseInputGrad(g, &s, din, w, dout, false, -1, 2) },
	} {
		func() {
			defer func() {
				err, _ := recover().(error)
				if err == nil || !isShape(err) {
					t.Errorf("%s: recovered %v, want ErrShape", name, err)
				}
			}()
			f()
		}()
	}
}

func isShape(err error) bool { return errors.Is(err, ErrShape) }
