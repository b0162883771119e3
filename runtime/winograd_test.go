package runtime

import (
	"errors"
	"strings"
	"testing"
)

// winoCases are 3×3 stride-1 convs with even outputs: channel counts with
// and without a tail of fewer than 16, K tails in the blocks, padded
// outputs, relu or not, and more tiles than one chunk; sizes that are not
// multiples of 4 (F(4×4, 3×3)'s partial tiles) and some that are.
var winoCases = []convCase{
	{h: 8, w: 8, c: 16, k: 32, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, oph: 1, opw: 1, relu: true},
	{h: 6, w: 10, c: 20, k: 40, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32},
	{h: 4, w: 4, c: 3, k: 6, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 16, relu: true},
	{h: 10, w: 12, c: 32, k: 16, fh: 3, fw: 3, sh: 1, sw: 1, ph: 0, pw: 0, kb: 16}, // unpadded: 8×10 out
	{h: 30, w: 40, c: 64, k: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 64, oph: 1, opw: 1, relu: true},
	{h: 14, w: 14, c: 272, k: 48, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 16, relu: true},
	// More than 192 output channels: F(4×4, 3×3)'s products go by panels
	// of 192.
	{h: 6, w: 8, c: 24, k: 200, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	// C·K above wino4MaxCK: F(2×2, 3×3) on the AVX-512 path, which runs
	// the cases above as F(4×4, 3×3).
	{h: 6, w: 10, c: 160, k: 112, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 16, oph: 1, opw: 1, relu: true},
}

func TestConvForwardWinograd(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, cc := range winoCases {
			r := NewRand(uint64(n + 100))
			x := randSlice(r, cc.h*cc.w*cc.c)
			w := randSlice(r, cc.k*cc.c*cc.fh*cc.fw)
			b := randSlice(r, cc.k)
			want := naiveConv(cc, x, w, b)
			if n%2 == 1 {
				// No bias, as for an input gradient: zeros in the definition.
				want = naiveConv(cc, x, w, make([]float32, cc.k))
				b = nil
			}
			g := cc.geom()
			if !WinogradOK(g) {
				t.Fatalf("case %d: not a Winograd conv", n)
			}
			_, u, in, out := winoBuffers(cc, g, x, w)
			var s Scratch
			// Two calls over different tile rows, as two workers would.
			th := g.OH / 2
			ConvForwardWinograd(g, &s, out, in, u, b, 0, th/2)
			ConvForwardWinograd(g, &s, out, in, u, b, th/2, th)
			got := unpad(out[g.OutOff-cc.oph*g.OutRow-cc.opw*cc.k:], g.OH, g.OW, cc.k, cc.oph, cc.opw)
			// The transforms add up to 4×4 values before and after the
			// products: a few more roundings than the direct sum.
			if d, s := maxDiff(got, want); d > 1e-5*s {
				t.Errorf("case %d %+v: max |diff| %g (scale %g)", n, cc, d, s)
			}
			if cc.opw > 0 && (out[g.OutOff-1] != 99 || out[g.OutOff+g.OW*cc.k] != 99) {
				t.Errorf("case %d: the output's padding was written", n)
			}
		}
	})
}

// winoBuffers returns case cc's packed weights and their Winograd
// transform from PyTorch-layout weights w, its padded input from x, and
// an output buffer filled with 99 (the padding must stay so).
func winoBuffers(cc convCase, g *ConvGeom, x, w []float32) (packed, u, in, out []float32) {
	packed = make([]float32, g.WeightLen())
	PackConv(packed, w, cc.k, cc.c, cc.fh, cc.fw, cc.kb, false)
	u = make([]float32, WinogradLen(g))
	WinogradWeights(g, u, packed)
	in = pad(x, cc.h, cc.w, cc.c, cc.ph, cc.pw)
	out = make([]float32, g.OutOff+(g.OH+cc.oph)*g.OutRow)
	for i := range out {
		out[i] = 99
	}
	return packed, u, in, out
}

// TestConvForwardWinogradSplit: a call for some pairs of rows writes
// those rows only, and the same bits as one call for all (workers split a
// conv by pairs of rows): F(4×4, 3×3) meets a pair off its 4-row grid.
func TestConvForwardWinogradSplit(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, cc := range winoCases {
			r := NewRand(uint64(n + 300))
			g := cc.geom()
			w := randSlice(r, g.WeightLen())
			u := make([]float32, WinogradLen(g))
			WinogradWeights(g, u, w)
			in := pad(randSlice(r, cc.h*cc.w*cc.c), cc.h, cc.w, cc.c, cc.ph, cc.pw)
			b := randSlice(r, cc.k)
			whole := make([]float32, g.OutOff+(g.OH+cc.oph)*g.OutRow)
			part := make([]float32, len(whole))
			var s Scratch
			ConvForwardWinograd(g, &s, whole, in, u, b, 0, g.OH/2)
			for p0 := range g.OH / 2 {
				p1 := min(p0+1+n%2, g.OH/2) // one pair, or two
				for i := range part {
					part[i] = 99
				}
				ConvForwardWinograd(g, &s, part, in, u, b, p0, p1)
				want := make([]float32, len(part))
				for i := range want {
					want[i] = 99
				}
				for y := 2 * p0; y < 2*p1; y++ {
					row := g.OutOff + y*g.OutRow
					copy(want[row:row+g.OW*g.K], whole[row:])
				}
				for i := range part {
					if part[i] != want[i] {
						t.Fatalf("case %d %+v: pairs [%d, %d): value %d is %g, want %g", n, cc, p0, p1, i, part[i], want[i])
					}
				}
			}
		}
	})
}

func TestConvWeightGradWinograd(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, cc := range winoCases {
			r := NewRand(uint64(n + 200))
			x := randSlice(r, cc.h*cc.w*cc.c)
			oh, ow := cc.out()
			dy := randSlice(r, oh*ow*cc.k)
			g := cc.geom()
			// The gradients add to what the sums hold already.
			dw0, db0 := randSlice(r, cc.k*cc.c*cc.fh*cc.fw), randSlice(r, cc.k)
			want := naiveWeightGrad(cc, x, dy)
			for i := range want {
				want[i] += dw0[i]
			}
			wantB := append([]float32(nil), db0...)
			for i, v := range dy {
				wantB[i%cc.k] += v
			}
			in := pad(x, cc.h, cc.w, cc.c, cc.ph, cc.pw)
			dout := pad(dy, oh, ow, cc.k, cc.gph, cc.gpw)
			dw := make([]float32, g.WeightLen())
			PackConv(dw, dw0, cc.k, cc.c, cc.fh, cc.fw, cc.kb, false)
			db := append([]float32(nil), db0...)
			var s Scratch
			// Two calls over different blocks, as two workers would.
			half := g.Blocks() / 2
			ConvWeightGradWinograd(g, &s, dw, db, in, dout, 0, half)
			ConvWeightGradWinograd(g, &s, dw, db, in, dout, half, g.Blocks())
			got := make([]float32, len(want))
			PackConv(dw, got, cc.k, cc.c, cc.fh, cc.fw, cc.kb, true)
			if d, s := maxDiff(got, want); d > 1e-5*s {
				t.Errorf("case %d %+v: max |diff| %g (scale %g)", n, cc, d, s)
			}
			if d, s := maxDiff(db, wantB); d > 1e-5*s {
				t.Errorf("case %d %+v: bias gradient: max |diff| %g", n, cc, d)
			}
		}
	})
}

// TestWinogradShapes: the Winograd functions refuse, with ErrShape and
// their name, a conv that is not F(2×2, 3×3) or buffers too short.
func TestWinogradShapes(t *testing.T) {
	cc := winoCases[0]
	g := cc.geom()
	in := make([]float32, (cc.h+2)*(cc.w+2)*cc.c)
	out := make([]float32, g.OutOff+(g.OH+cc.oph)*g.OutRow)
	w, u := make([]float32, g.WeightLen()), make([]float32, WinogradLen(g))
	dout := make([]float32, g.DOutOff+g.OH*g.DOutRow)
	odd := *g
	odd.OW-- // an odd output width
	strided := *g
	strided.SW = 2
	for _, tt := range []struct {
		name string
		fn   func()
	}{
		{"WinogradWeights", func() { WinogradWeights(&strided, u, w) }},
		{"WinogradWeights", func() { WinogradWeights(g, u[:len(u)-1], w) }},
		{"ConvForwardWinograd", func() { ConvForwardWinograd(&odd, new(Scratch), out, in, u, nil, 0, 1) }},
		{"ConvForwardWinograd", func() { ConvForwardWinograd(g, new(Scratch), out, in, u[:len(u)-1], nil, 0, 1) }},
		{"ConvWeightGradWinograd", func() { ConvWeightGradWinograd(&odd, new(Scratch), w, nil, in, dout, 0, 1) }},
		{"ConvWeightGradWinograd", func() { ConvWeightGradWinograd(g, new(Scratch), w, nil, in, dout, 0, g.Blocks()+1) }},
	} {
		func() {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), tt.name) {
					t.Errorf("%s: got %v, want a panic with ErrShape naming it", tt.name, err)
				}
			}()
			tt.fn()
		}()
	}
}
