package runtime

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// The test helpers of the conv kernels of conv_depthwise.go,
// conv_grouped.go and conv1x1.go: tensors laid out as channel slices, and
// the definition of a conv with groups and dilation in float64.

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
	wholeIn                                 bool // with slice: the input is whole (a dense conv's windows are FW·C contiguous values)
	padOut                                  bool // the output buffer is padded by a pixel (for a 3x3 conv after)
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
	if dc.padOut {
		out.ph, out.pw = 1, 1
	}
	dout, din = layout{oh, ow, k, 0, 0, k, 0}, layout{dc.h, dc.w, c, 0, 0, c, 0}
	if dc.slice {
		if !dc.wholeIn {
			in.px, in.off = c+5, 3
		}
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

// convData is a test conv's data: its layouts and geometry (k output
// channels, groups, weight blocks of kb), random input (times 3, for
// outputs past relu6's 6), weights in PyTorch's layout, bias and output
// gradient, the float64 definition's output and gradients, and the input
// and output gradient laid out in their buffers (in from its first
// channel).
type convData struct {
	li, lo, ld, lx               layout
	g                            *ConvGeom
	x, w, b, dy                  []float32
	want, wantDW, wantDB, wantDX []float64
	in, dout                     []float32
}

func newConvData(dc dwCase, groups, k, kb int, seed uint64) *convData {
	d := &convData{}
	r := NewRand(seed)
	d.li, d.lo, d.ld, d.lx = dc.layouts(dc.c, k)
	d.g = dc.geom(d.li, d.lo, d.ld, d.lx, groups, kb)
	d.x = randSlice(r, dc.h*dc.w*dc.c)
	for i := range d.x {
		d.x[i] *= 3
	}
	d.w = randSlice(r, k*dc.c/groups*dc.fh*dc.fw)
	d.b = randSlice(r, k)
	d.dy = randSlice(r, d.lo.h*d.lo.w*k)
	d.want, _, _, _ = naiveGroupedConv(dc, groups, k, d.x, d.w, d.b, nil)
	_, d.wantDW, d.wantDB, d.wantDX = naiveGroupedConv(dc, groups, k, d.x, d.w, d.b, d.dy)
	in := d.li.filled(0)
	d.li.put(in, d.x)
	d.in = in[d.li.off:]
	d.dout = d.ld.filled(0)
	d.ld.put(d.dout, d.dy)
	return d
}

// doubled returns v times 2: an input gradient added to itself.
func doubled(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = 2 * x
	}
	return out
}

// wantShapePanics fails t unless each function panics with ErrShape.
func wantShapePanics(t *testing.T, cases map[string]func()) {
	t.Helper()
	for name, f := range cases {
		func() {
			defer func() {
				err, _ := recover().(error)
				if err == nil || !errors.Is(err, ErrShape) {
					t.Errorf("%s: recovered %v, want ErrShape", name, err)
				}
			}()
			f()
		}()
	}
}

// convKernels are a kind of conv's entry points, bound to its weights, for
// checkConv: forward rows, weight gradient units (units of them; unpack
// returns the gradient in PyTorch's layout), input gradient rows (nil when
// the test checks it otherwise).
type convKernels struct {
	forward    func(out []float32, y0, y1 int)
	weightGrad func(dw, db []float32, u0, u1 int)
	units      int
	dwLen      int
	unpack     func(dw []float32) []float32
	inputGrad  func(din []float32, add bool, y0, y1 int)
}

// checkConv runs k against d's float64 definition: the forward and input
// gradient in two ranges of rows, the weight gradient in two ranges of
// units, as two workers would; the input gradient set, then added; nothing
// written outside the tensors.
func checkConv(t *testing.T, name string, d *convData, k convKernels) {
	t.Helper()
	out := d.lo.filled(99)
	k.forward(out, 0, d.g.OH/2)
	k.forward(out, d.g.OH/2, d.g.OH)
	closeTo(t, name+" forward", d.lo.get(out), d.want, dwTol)
	untouched(t, name+" forward", d.lo, out, 99)

	dw, db := make([]float32, k.dwLen), make([]float32, d.g.K)
	split := k.units/2 + 1
	k.weightGrad(dw, db, 0, split)
	k.weightGrad(dw, db, split, k.units)
	closeTo(t, name+" weight gradient", k.unpack(dw), d.wantDW, dwTol)
	closeTo(t, name+" bias gradient", db, d.wantDB, dwTol)

	if k.inputGrad == nil {
		return
	}
	din := d.lx.filled(99)
	k.inputGrad(din, false, 0, d.lx.h/2)
	k.inputGrad(din, false, d.lx.h/2, d.lx.h)
	closeTo(t, name+" input gradient", d.lx.get(din), d.wantDX, dwTol)
	untouched(t, name+" input gradient", d.lx, din, 99)
	k.inputGrad(din, true, 0, d.lx.h)
	closeTo(t, name+" input gradient added", d.lx.get(din), doubled(d.wantDX), dwTol)
}

// unpackConv returns a function that unpacks dense packed weights (k
// channels in blocks of kb, c, fh×fw) to PyTorch's layout.
func unpackConv(k, c, fh, fw, kb int) func(dw []float32) []float32 {
	return func(dw []float32) []float32 {
		got := make([]float32, k*c*fh*fw)
		PackConv(dw, got, k, c, fh, fw, kb, true)
		return got
	}
}

// benchBuffers returns a conv's geometry and buffers for a benchmark: a
// random input and output gradient, an output and input gradient of
// zeros.
func benchBuffers(dc dwCase, groups, k, kb int) (g *ConvGeom, in, out, dout, din []float32) {
	li, lo, ld, lx := dc.layouts(dc.c, k)
	g = dc.geom(li, lo, ld, lx, groups, kb)
	r := NewRand(1)
	in, out, dout, din = li.filled(0), lo.filled(0), ld.filled(0), lx.filled(0)
	li.put(in, randSlice(r, dc.h*dc.w*dc.c))
	ld.put(dout, randSlice(r, g.OH*g.OW*k))
	return g, in, out, dout, din
}
