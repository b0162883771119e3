package runtime

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// winoOddCases are 3×3 stride-1 convs with an odd output height or width
// or both: AlexNet's 13×13 maps (a K of 48: a group of 32, then of 16),
// padded outputs, relu or not, channel tails, a single row or column.
var winoOddCases = []convCase{
	{h: 13, w: 13, c: 40, k: 48, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 48, oph: 1, opw: 1, relu: true},
	{h: 7, w: 10, c: 20, k: 40, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32},                            // odd height
	{h: 8, w: 9, c: 33, k: 32, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, oph: 2, opw: 1, relu: true}, // odd width
	{h: 11, w: 16, c: 16, k: 16, fh: 3, fw: 3, sh: 1, sw: 1, ph: 0, pw: 1, kb: 16},                           // unpadded rows: 9×16
	{h: 1, w: 7, c: 16, k: 32, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},                 // one row
	{h: 9, w: 1, c: 16, k: 32, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, opw: 1},                     // one column
	// C·K above wino4MaxCK: F(2×2, 3×3) on the AVX-512 path too (the
	// cases above run F(4×4, 3×3) there, and so direct).
	{h: 7, w: 9, c: 136, k: 128, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, opw: 1, relu: true},
}

func TestConvForwardWinogradOdd(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, cc := range winoOddCases {
			r := NewRand(uint64(n + 200))
			x := randSlice(r, cc.h*cc.w*cc.c)
			w := randSlice(r, cc.k*cc.c*cc.fh*cc.fw)
			b := randSlice(r, cc.k)
			if n%2 == 1 {
				b = nil
			}
			want := naiveConv(cc, x, w, make([]float32, cc.k))
			if b != nil {
				want = naiveConv(cc, x, w, b)
			}
			g := cc.geom()
			if !WinogradOddOK(g) || WinogradOK(g) {
				t.Fatalf("case %d: WinogradOddOK %v, WinogradOK %v", n, WinogradOddOK(g), WinogradOK(g))
			}
			packed, u, in, out := winoBuffers(cc, g, x, w)
			var s Scratch
			// Two calls over different pairs of rows, as two workers would,
			// the second with the last row.
			pairs := (g.OH + 1) / 2
			ConvForwardWinogradOdd(g, &s, out, in, u, packed, b, 0, pairs/2)
			ConvForwardWinogradOdd(g, &s, out, in, u, packed, b, pairs/2, pairs)
			name := fmt.Sprintf("case %d %+v", n, cc)
			got := unpad(out[g.OutOff-cc.oph*g.OutRow-cc.opw*cc.k:], g.OH, g.OW, cc.k, cc.oph, cc.opw)
			if d, s := maxDiff(got, want); d > 1e-5*s {
				t.Errorf("%s: max |diff| %g (scale %g)", name, d, s)
			}
			if cc.opw > 0 && (out[g.OutOff-1] != 99 || out[g.OutOff+g.OW*cc.k] != 99) {
				t.Errorf("%s: the output's padding was written", name)
			}
			if cc.oph > 0 && out[g.OutOff+g.OH*g.OutRow] != 99 {
				t.Errorf("%s: the row below the output was written", name)
			}
		}
	})
}

func TestConvForwardWinogradOddShapes(t *testing.T) {
	cc := winoOddCases[0]
	g := cc.geom()
	in := make([]float32, (cc.h+2)*(cc.w+2)*cc.c)
	out := make([]float32, g.OutOff+(g.OH+cc.oph)*g.OutRow)
	w, u := make([]float32, g.WeightLen()), make([]float32, WinogradLen(g))
	even := *g
	even.OH, even.OW = 12, 12
	for _, fn := range []func(){
		func() { ConvForwardWinogradOdd(&even, new(Scratch), out, in, u, w, nil, 0, 1) },
		func() { ConvForwardWinogradOdd(g, new(Scratch), out, in, u[:len(u)-1], w, nil, 0, 1) },
		func() { ConvForwardWinogradOdd(g, new(Scratch), out, in, u, w, nil, 0, 8) }, // 7 pairs
	} {
		func() {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "ConvForwardWinogradOdd") {
					t.Errorf("got %v, want a panic with ErrShape naming ConvForwardWinogradOdd", err)
				}
			}()
			fn()
		}()
	}
}
