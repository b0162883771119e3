package runtime

import (
	"fmt"
	"math"
	"testing"
)

// convCase is a conv layer for the kernel tests: input h×w×c, padded by
// ph, pw inside its buffer; output buffer padded by oph, opw; the output
// gradient buffer padded by gph, gpw.
type convCase struct {
	h, w, c, k, fh, fw, sh, sw, ph, pw, kb int
	oph, opw, gph, gpw                     int
	relu, relu6                            bool // relu6: clamp to [0, 6] (relu then ignored)
}

var convCases = []convCase{
	{h: 8, w: 8, c: 3, k: 32, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, oph: 1, opw: 1, gph: 1, gpw: 1, relu: true},
	{h: 9, w: 11, c: 5, k: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32},
	{h: 7, w: 7, c: 16, k: 40, fh: 3, fw: 2, sh: 2, sw: 1, ph: 1, pw: 0, kb: 32, relu: true}, // K tail
	{h: 12, w: 10, c: 7, k: 16, fh: 5, fw: 5, sh: 1, sw: 1, ph: 2, pw: 2, kb: 16, gph: 2, gpw: 2},
	{h: 13, w: 13, c: 4, k: 6, fh: 5, fw: 3, sh: 2, sw: 3, ph: 0, pw: 1, kb: 16}, // K smaller than a block
	// K smaller than a block on rows long enough for the tiles of 4 and 8
	// pixels that run into a temporary (LeNet-5's conv1), and their tails.
	{h: 6, w: 21, c: 1, k: 6, fh: 5, fw: 5, sh: 1, sw: 1, ph: 2, pw: 2, kb: 16, opw: 1, relu: true},
	{h: 27, w: 27, c: 3, k: 96, fh: 11, fw: 11, sh: 4, sw: 4, ph: 0, pw: 0, kb: 32, oph: 2, opw: 2},
	{h: 5, w: 70, c: 8, k: 33, fh: 1, fw: 1, sh: 1, sw: 1, ph: 0, pw: 0, kb: 16, opw: 3}, // wide rows, 1x1
	// Wide pixels (C >= 256): the weight gradient packs panels; bands of
	// rows with a last short one, a K tail, and a C (260) that is no
	// multiple of 16, which goes unpacked.
	{h: 13, w: 20, c: 256, k: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 64, gph: 1, gpw: 1, relu: true},
	{h: 9, w: 6, c: 272, k: 40, fh: 3, fw: 2, sh: 2, sw: 1, ph: 1, pw: 0, kb: 32},
	{h: 5, w: 5, c: 260, k: 48, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 16},
	// relu6 on the store: MobileNetV2's stem (3x3 s2 on RGB), and a block
	// of 48 (groups of 32 and 16 channels) with a K tail and rows whose
	// tiles end in 2 and 1 pixels.
	{h: 10, w: 10, c: 3, k: 32, fh: 3, fw: 3, sh: 2, sw: 2, ph: 1, pw: 1, kb: 32, oph: 1, opw: 1, relu6: true},
	{h: 6, w: 11, c: 8, k: 88, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 48, relu6: true},
	// One input channel and a K short of 16 (pixel-vectorised kernels,
	// conv_small.go): LeNet-5's conv1 (rows of 28: runs of 16 overlapping),
	// rows of exactly 16 with relu6, a K of 12 (groups of 8 and 4) with
	// vertical stride, padding and relu, two blocks of 16 with a K tail.
	{h: 32, w: 32, c: 1, k: 6, fh: 5, fw: 5, sh: 1, sw: 1, ph: 0, pw: 0, kb: 16, opw: 2, gph: 4, gpw: 4},
	{h: 18, w: 18, c: 1, k: 5, fh: 3, fw: 3, sh: 1, sw: 1, ph: 0, pw: 0, kb: 16, relu6: true},
	{h: 21, w: 35, c: 1, k: 12, fh: 3, fw: 4, sh: 2, sw: 1, ph: 1, pw: 1, kb: 16, oph: 1, opw: 1, relu: true},
	{h: 9, w: 17, c: 1, k: 20, fh: 2, fw: 2, sh: 1, sw: 1, ph: 0, pw: 0, kb: 16},
}

func (cc convCase) out() (int, int) {
	return (cc.h-cc.fh+2*cc.ph)/cc.sh + 1, (cc.w-cc.fw+2*cc.pw)/cc.sw + 1
}

func (cc convCase) geom() *ConvGeom {
	oh, ow := cc.out()
	g := &ConvGeom{
		C: cc.c, InRow: (cc.w + 2*cc.pw) * cc.c,
		OH: oh, OW: ow, K: cc.k,
		OutRow: (ow + 2*cc.opw) * cc.k, OutOff: cc.oph*(ow+2*cc.opw)*cc.k + cc.opw*cc.k,
		FH: cc.fh, FW: cc.fw, SH: cc.sh, SW: cc.sw, KB: cc.kb, ReLU: cc.relu, ReLU6: cc.relu6,
		DOutRow: (ow + 2*cc.gpw) * cc.k, DOutOff: cc.gph*(ow+2*cc.gpw)*cc.k + cc.gpw*cc.k,
	}
	return g
}

func randSlice(r *Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.Normal())
	}
	return v
}

// naiveConv is the definition, on PyTorch-layout weights and an unpadded
// input x[y][x][c].
func naiveConv(cc convCase, x, w, b []float32) []float32 {
	oh, ow := cc.out()
	y := make([]float32, oh*ow*cc.k)
	for oy := range oh {
		for ox := range ow {
			for k := range cc.k {
				sum := float64(b[k])
				for c := range cc.c {
					for i := range cc.fh {
						for j := range cc.fw {
							iy, ix := oy*cc.sh+i-cc.ph, ox*cc.sw+j-cc.pw
							if iy < 0 || ix < 0 || iy >= cc.h || ix >= cc.w {
								continue
							}
							sum += float64(x[(iy*cc.w+ix)*cc.c+c]) * float64(w[((k*cc.c+c)*cc.fh+i)*cc.fw+j])
						}
					}
				}
				switch {
				case cc.relu6:
					sum = min(max(sum, 0), 6)
				case cc.relu:
					sum = max(sum, 0)
				}
				y[(oy*ow+ox)*cc.k+k] = float32(sum)
			}
		}
	}
	return y
}

// pad copies an unpadded h×w×c tensor into a buffer padded by ph, pw.
func pad(x []float32, h, w, c, ph, pw int) []float32 {
	out := make([]float32, (h+2*ph)*(w+2*pw)*c)
	for y := range h {
		copy(out[((y+ph)*(w+2*pw)+pw)*c:], x[y*w*c:(y+1)*w*c])
	}
	return out
}

func unpad(buf []float32, h, w, c, ph, pw int) []float32 {
	out := make([]float32, h*w*c)
	for y := range h {
		copy(out[y*w*c:(y+1)*w*c], buf[((y+ph)*(w+2*pw)+pw)*c:])
	}
	return out
}

func maxDiff(a, b []float32) (float64, float64) {
	worst, scale := 0.0, 1.0
	for i := range a {
		worst = max(worst, math.Abs(float64(a[i]-b[i])))
		scale = max(scale, math.Abs(float64(b[i])))
	}
	return worst, scale
}

// eachKernelSet runs f with every kernel set this build and CPU have.
func eachKernelSet(t *testing.T, f func(t *testing.T)) {
	saved := kernels
	defer func() { kernels = saved }()
	for _, set := range availableKernels() {
		kernels = set
		t.Run(set.name, f)
	}
}

func TestConvForward(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, cc := range convCases {
			checkConvForward(t, fmt.Sprintf("case %d %+v", n, cc), cc, uint64(n+1))
		}
	})
}

// checkConvForward runs ConvForward on case cc, random values from seed,
// against naiveConv, and checks that it leaves the output's padding alone.
func checkConvForward(t *testing.T, name string, cc convCase, seed uint64) {
	t.Helper()
	r := NewRand(seed)
	x := randSlice(r, cc.h*cc.w*cc.c)
	w := randSlice(r, cc.k*cc.c*cc.fh*cc.fw)
	b := randSlice(r, cc.k)
	want := naiveConv(cc, x, w, b)
	g := cc.geom()
	packed := make([]float32, g.WeightLen())
	PackConv(packed, w, cc.k, cc.c, cc.fh, cc.fw, cc.kb, false)
	in := pad(x, cc.h, cc.w, cc.c, cc.ph, cc.pw)
	out := make([]float32, g.OutOff+(g.OH+cc.oph)*g.OutRow)
	for i := range out {
		out[i] = 99 // the padding must stay untouched... checked below
	}
	var s Scratch
	// Two calls over different rows, as two workers would.
	ConvForward(g, &s, out, in, packed, b, 0, g.OH/2)
	ConvForward(g, &s, out, in, packed, b, g.OH/2, g.OH)
	got := unpad(out[g.OutOff-cc.oph*g.OutRow-cc.opw*cc.k:], g.OH, g.OW, cc.k, cc.oph, cc.opw)
	if d, s := maxDiff(got, want); d > 1e-5*s {
		t.Errorf("%s: max |diff| %g", name, d)
	}
	if cc.opw > 0 && (out[g.OutOff-1] != 99 || out[g.OutOff+g.OW*g.outPix()] != 99) {
		t.Errorf("%s: the output's padding was written", name)
	}
}

// naiveWeightGrad is dw[k][c][i][j] = Σ x[y·S+i-p][x·S+j-p][c]·dy[y][x][k].
func naiveWeightGrad(cc convCase, x, dy []float32) []float32 {
	oh, ow := cc.out()
	dw := make([]float32, cc.k*cc.c*cc.fh*cc.fw)
	for k := range cc.k {
		for c := range cc.c {
			for i := range cc.fh {
				for j := range cc.fw {
					var sum float64
					for oy := range oh {
						for ox := range ow {
							iy, ix := oy*cc.sh+i-cc.ph, ox*cc.sw+j-cc.pw
							if iy < 0 || ix < 0 || iy >= cc.h || ix >= cc.w {
								continue
							}
							sum += float64(x[(iy*cc.w+ix)*cc.c+c]) * float64(dy[(oy*ow+ox)*cc.k+k])
						}
					}
					dw[((k*cc.c+c)*cc.fh+i)*cc.fw+j] = float32(sum)
				}
			}
		}
	}
	return dw
}

func TestConvWeightGrad(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, cc := range convCases {
			r := NewRand(uint64(n + 10))
			x := randSlice(r, cc.h*cc.w*cc.c)
			oh, ow := cc.out()
			dy := randSlice(r, oh*ow*cc.k)
			want := naiveWeightGrad(cc, x, dy)
			g := cc.geom()
			in := pad(x, cc.h, cc.w, cc.c, cc.ph, cc.pw)
			dout := pad(dy, oh, ow, cc.k, cc.gph, cc.gpw)
			dw := make([]float32, g.WeightLen())
			db := make([]float32, cc.k)
			var s Scratch
			ConvWeightGrad(g, &s, dw, db, in, dout, 0, 1)
			ConvWeightGrad(g, &s, dw, db, in, dout, 1, g.Units())
			got := make([]float32, len(want))
			PackConv(dw, got, cc.k, cc.c, cc.fh, cc.fw, cc.kb, true)
			if d, s := maxDiff(got, want); d > 1e-5*s {
				t.Errorf("case %d %+v: max |diff| %g", n, cc, d)
			}
			wantB := make([]float32, cc.k)
			for i, v := range dy {
				wantB[i%cc.k] += v
			}
			if d, s := maxDiff(db, wantB); d > 1e-5*s {
				t.Errorf("case %d %+v: bias gradient: max |diff| %g", n, cc, d)
			}
		}
	})
}

// naiveInputGrad is dx[y'][x'][c] = Σ w[k][c][i][j]·dy[y][x][k] over the
// windows that read (y', x').
func naiveInputGrad(cc convCase, w, dy []float32) []float32 {
	oh, ow := cc.out()
	dx := make([]float32, cc.h*cc.w*cc.c)
	for oy := range oh {
		for ox := range ow {
			for k := range cc.k {
				for c := range cc.c {
					for i := range cc.fh {
						for j := range cc.fw {
							iy, ix := oy*cc.sh+i-cc.ph, ox*cc.sw+j-cc.pw
							if iy < 0 || ix < 0 || iy >= cc.h || ix >= cc.w {
								continue
							}
							dx[(iy*cc.w+ix)*cc.c+c] += w[((k*cc.c+c)*cc.fh+i)*cc.fw+j] * dy[(oy*ow+ox)*cc.k+k]
						}
					}
				}
			}
		}
	}
	return dx
}

// TestConvInputGrad checks both ways the input gradient is computed: the
// transposed convolution (stride 1) and the generic gather.
func TestConvInputGrad(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, cc := range convCases {
			r := NewRand(uint64(n + 20))
			w := randSlice(r, cc.k*cc.c*cc.fh*cc.fw)
			oh, ow := cc.out()
			dy := randSlice(r, oh*ow*cc.k)
			want := naiveInputGrad(cc, w, dy)
			g := cc.geom()
			packed := make([]float32, g.WeightLen())
			PackConv(packed, w, cc.k, cc.c, cc.fh, cc.fw, cc.kb, false)

			// Generic gather, input gradient padded by 1 inside its buffer.
			dout := pad(dy, oh, ow, cc.k, cc.gph, cc.gpw)
			din := make([]float32, (cc.h+2)*(cc.w+2)*cc.c)
			dinRow, dinOff := (cc.w+2)*cc.c, (cc.w+2)*cc.c+cc.c
			ConvInputGradGeneric(g, din, dinRow, dinOff, cc.h, cc.w, cc.ph, cc.pw, packed, dout, 0, cc.h)
			if d, s := maxDiff(unpad(din, cc.h, cc.w, cc.c, 1, 1), want); d > 1e-5*s {
				t.Errorf("case %d generic: max |diff| %g", n, d)
			}

			if cc.sh != 1 || cc.sw != 1 {
				continue
			}
			// Transposed convolution: the output gradient padded by F-1-P.
			tph, tpw := cc.fh-1-cc.ph, cc.fw-1-cc.pw
			kbt := 16
			tg := &ConvGeom{
				C: cc.k, InRow: (ow + 2*tpw) * cc.k,
				OH: cc.h, OW: cc.w, K: cc.c, OutRow: cc.w * cc.c,
				FH: cc.fh, FW: cc.fw, SH: 1, SW: 1, KB: kbt,
			}
			wt := make([]float32, tg.WeightLen())
			TransposeConv(wt, packed, cc.k, cc.c, cc.fh, cc.fw, cc.kb, kbt)
			var s Scratch
			got := make([]float32, cc.h*cc.w*cc.c)
			ConvForward(tg, &s, got, pad(dy, oh, ow, cc.k, tph, tpw), wt, nil, 0, cc.h)
			if d, s := maxDiff(got, want); d > 1e-5*s {
				t.Errorf("case %d transposed: max |diff| %g", n, d)
			}
		}
	})
}

func TestDotAxpy(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		r := NewRand(5)
		for _, n := range []int{0, 1, 15, 16, 17, 63, 64, 100, 1000} {
			x, y := randSlice(r, n), randSlice(r, n+3)
			var want float64
			for i := range x {
				want += float64(x[i]) * float64(y[i])
			}
			got := Dot(x, y)
			if math.Abs(float64(got)-want) > 1e-4*(1+math.Abs(want)) {
				t.Errorf("Dot n=%d = %v, want %v", n, got, want)
			}
			// The same values elsewhere in memory give the same bits: a
			// batch's fc outputs must not depend on which buffer holds a
			// sample.
			for shift := 1; shift < 8; shift++ {
				xs, ys := make([]float32, n+shift)[shift:], make([]float32, n+shift)[shift:]
				copy(xs, x)
				copy(ys, y)
				if moved := Dot(xs, ys); moved != got {
					t.Errorf("Dot n=%d: %v at another address, %v here", n, moved, got)
				}
			}
			yy := append([]float32(nil), y...)
			Axpy(0.5, x, yy)
			for i := range y {
				want := y[i]
				if i < n {
					want += 0.5 * x[i]
				}
				if math.Abs(float64(yy[i]-want)) > 1e-6 {
					t.Fatalf("Axpy n=%d: [%d] = %v, want %v", n, i, yy[i], want)
				}
			}
		}
	})
}

func TestMaxPoolAndReLUGrad(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		r := NewRand(3)
		for _, c := range []int{16, 32, 5} {
			g := &PoolGeom{C: c, H: 7, W: 6, InRow: 6 * c, OH: 4, OW: 3, OutRow: 3 * c, FH: 3, FW: 2, SH: 2, SW: 2, PH: 1, PW: 0,
				DInRow: 8 * c, DInOff: 8*c + c, DOutRow: 3 * c}
			in := randSlice(r, 7*6*c)
			in[5] = in[5+c] // a tie: the first wins
			out, idx := make([]float32, 4*3*c), make([]int32, 4*3*c)
			MaxPoolForward(g, out, idx, in, 0, 4)
			saved := kernels
			kernels = &portableKernels
			wantOut, wantIdx := make([]float32, len(out)), make([]int32, len(idx))
			MaxPoolForward(g, wantOut, wantIdx, in, 0, 4)
			kernels = saved
			for i := range out {
				if out[i] != wantOut[i] || idx[i] != wantIdx[i] {
					t.Fatalf("c=%d: [%d] = %v@%d, want %v@%d", c, i, out[i], idx[i], wantOut[i], wantIdx[i])
				}
			}
		}
		d, y := randSlice(r, 37), randSlice(r, 37)
		want := append([]float32(nil), d...)
		for i := range y {
			if y[i] <= 0 {
				want[i] = 0
			}
		}
		ReLUGrad(d, y)
		for i := range d {
			if d[i] != want[i] {
				t.Fatalf("ReLUGrad[%d] = %v, want %v", i, d[i], want[i])
			}
		}
	})
}

// TestMaxPoolBackwardReLU checks the fused gradient of relu then max
// pooling against the two steps it replaces: MaxPoolBackward, then relu's
// derivative applied to every input from relu's output.
func TestMaxPoolBackwardReLU(t *testing.T) {
	r := NewRand(4)
	const c = 5
	g := &PoolGeom{C: c, H: 7, W: 6, InRow: 6 * c, OH: 3, OW: 3, OutRow: 3 * c, FH: 2, FW: 2, SH: 2, SW: 2,
		DInRow: 8 * c, DInOff: 8*c + c, DOutRow: 3 * c}
	y := randSlice(r, 7*6*c) // relu's output: zero where its input was not positive
	for i := range y {
		if i%3 == 0 || i < 2*6*c { // whole windows of zeros in the first rows
			y[i] = 0
		}
		y[i] = max(y[i], 0)
	}
	out, idx := make([]float32, 3*3*c), make([]int32, 3*3*c)
	MaxPoolForward(g, out, idx, y, 0, 3)
	dout := randSlice(r, 3*3*c)
	want := make([]float32, 9*8*c)
	MaxPoolBackward(g, want, dout, idx, 0, c)
	masked := 0 // gradients the derivative removes
	for yy := range 7 {
		for i := range 6 * c {
			if j := g.DInOff + yy*g.DInRow + i; y[yy*6*c+i] <= 0 && want[j] != 0 {
				want[j] = 0
				masked++
			}
		}
	}
	if masked == 0 {
		t.Fatal("no maximum at a relu output of 0: the test checks nothing the plain backward does not")
	}
	got := make([]float32, len(want))
	for i := range got {
		got[i] = 99 // MaxPoolBackwardReLU sets, not adds: stale values go
	}
	MaxPoolBackwardReLU(g, got, dout, out, idx, 0, 2)
	MaxPoolBackwardReLU(g, got, dout, out, idx, 2, c)
	for yy := range 7 {
		for i := range 6 * c {
			if j := g.DInOff + yy*g.DInRow + i; got[j] != want[j] {
				t.Fatalf("din[%d] = %v, want %v", j, got[j], want[j])
			}
		}
	}
}

// TestMaxPoolBackwardRows checks the split by output rows against the
// split by channels, with and without relu's derivative, for windows that
// tile the input, leave rows over, and reach into padding, with the rows
// cut in two parts as two workers would.
func TestMaxPoolBackwardRows(t *testing.T) {
	r := NewRand(6)
	const c = 5
	for _, tc := range []struct{ h, w, f, s, p int }{{8, 6, 2, 2, 0}, {7, 7, 2, 2, 0}, {7, 6, 2, 3, 0}, {6, 6, 3, 3, 1}} {
		oh, ow := (tc.h+2*tc.p-tc.f)/tc.s+1, (tc.w+2*tc.p-tc.f)/tc.s+1
		g := &PoolGeom{C: c, H: tc.h, W: tc.w, InRow: tc.w * c, OH: oh, OW: ow, OutRow: ow * c, FH: tc.f, FW: tc.f, SH: tc.s, SW: tc.s, PH: tc.p, PW: tc.p,
			DInRow: (tc.w + 2) * c, DInOff: (tc.w+2)*c + c, DOutRow: ow * c}
		y := randSlice(r, tc.h*tc.w*c)
		for i := range y {
			y[i] = max(y[i], 0)
		}
		if tc.p > 0 {
			// The pool reads its padding from the buffer: lay the input out
			// with a ring of zeros.
			g.InRow, g.InOff = (tc.w+2*tc.p)*c, tc.p*(tc.w+2*tc.p)*c+tc.p*c
			padded := make([]float32, (tc.h+2*tc.p)*g.InRow)
			for yy := range tc.h {
				copy(padded[g.InOff+yy*g.InRow:][:tc.w*c], y[yy*tc.w*c:][:tc.w*c])
			}
			y = padded
		}
		out, idx := make([]float32, oh*ow*c), make([]int32, oh*ow*c)
		MaxPoolForward(g, out, idx, y, 0, oh)
		for _, relu := range []bool{false, true} {
			dout := randSlice(r, oh*ow*c)
			want := make([]float32, (tc.h+2)*(tc.w+2)*c)
			d := append([]float32(nil), dout...)
			if relu {
				MaxPoolBackwardReLU(g, want, d, out, idx, 0, c)
			} else {
				MaxPoolBackward(g, want, d, idx, 0, c)
			}
			got := make([]float32, len(want))
			for i := range got {
				got[i] = 99 // stale values must go, but not from the padding
			}
			for yy := range tc.h {
				for i := range tc.w * c {
					got[g.DInOff+yy*g.DInRow+i] = 99
				}
			}
			var o []float32
			if relu {
				o = out
			}
			d = append([]float32(nil), dout...)
			MaxPoolBackwardRows(g, got, d, o, idx, 0, oh/2)
			MaxPoolBackwardRows(g, got, d, o, idx, oh/2, oh)
			for yy := range tc.h {
				for i := range tc.w * c {
					if j := g.DInOff + yy*g.DInRow + i; got[j] != want[j] {
						t.Fatalf("%+v relu %v: din row %d [%d] = %v, want %v", tc, relu, yy, i, got[j], want[j])
					}
				}
			}
		}
	}
}

func TestDrain(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		r := NewRand(8)
		for _, n := range []int{0, 5, 4096, 10001} {
			dst, src := randSlice(r, n), randSlice(r, n)
			want := make([]float32, n)
			for i := range want {
				want[i] = dst[i] + src[i]
			}
			Drain(dst, src)
			for i := range want {
				if dst[i] != want[i] || src[i] != 0 {
					t.Fatalf("n=%d: [%d] = %v (src %v), want %v (src 0)", n, i, dst[i], src[i], want[i])
				}
			}
		}
	})
}
