package runtime

import "testing"

// denseSliceCases are dense convs whose output and output gradient are
// channel slices of wider buffers (and, for 1-wide filters, whose input is
// one too), as a concat's inputs are: k output channels in blocks of kb.
var denseSliceCases = []struct {
	dwCase
	k, kb int
}{
	{dwCase{h: 8, w: 10, c: 5, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, relu: true}, 40, 32},  // Winograd, a K tail
	{dwCase{h: 9, w: 7, c: 16, fh: 3, fw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1}, 32, 16},              // stride 2
	{dwCase{h: 6, w: 9, c: 24, fh: 1, fw: 1, sh: 1, sw: 1, dh: 1, dw: 1, relu: true}, 64, 32},                // 1x1
	{dwCase{h: 7, w: 7, c: 20, fh: 1, fw: 1, sh: 2, sw: 2, dh: 1, dw: 1}, 33, 16},                            // 1x1 stride 2, a K tail
	{dwCase{h: 5, w: 6, c: 256, fh: 1, fw: 1, sh: 1, sw: 1, dh: 1, dw: 1}, 48, 16},                           // wide pixels: packed panels
	{dwCase{h: 6, w: 6, c: 256, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, relu: true}, 32, 32}, // Winograd, wide
}

func TestDenseChannelSlices(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, tc := range denseSliceCases {
			dc := tc.dwCase
			dc.slice = true
			r := NewRand(uint64(n + 200))
			li, lo, ld, _ := dc.layouts(dc.c, tc.k)
			if dc.fw > 1 {
				li.px, li.off = dc.c, 0 // windows of FW·C contiguous values
			}
			g := dc.geom(li, lo, ld, layout{}, 1, tc.kb)
			g.Groups, g.DH, g.DW, g.H, g.W, g.PH, g.PW = 0, 0, 0, 0, 0, 0, 0 // the dense kernels' geometry
			x := randSlice(r, dc.h*dc.w*dc.c)
			w := randSlice(r, tc.k*dc.c*dc.fh*dc.fw)
			b := randSlice(r, tc.k)
			dy := randSlice(r, lo.h*lo.w*tc.k)
			want, _, _, _ := naiveGroupedConv(dc, 1, tc.k, x, w, b, nil)
			_, wantDW, wantDB, wantDX := naiveGroupedConv(dc, 1, tc.k, x, w, b, dy)
			packed := make([]float32, g.WeightLen())
			PackConv(packed, w, tc.k, dc.c, dc.fh, dc.fw, tc.kb, false)
			in := li.filled(0)
			li.put(in, x)
			dout := ld.filled(0)
			ld.put(dout, dy)
			var s Scratch
			name := dc.String()

			out := lo.filled(99)
			ConvForward(g, &s, out, in[li.off:], packed, b, 0, g.OH/2)
			ConvForward(g, &s, out, in[li.off:], packed, b, g.OH/2, g.OH)
			closeTo(t, name+" forward", lo.get(out), want, dwTol)
			untouched(t, name+" forward", lo, out, 99)

			dw, db := make([]float32, len(packed)), make([]float32, tc.k)
			ConvWeightGrad(g, &s, dw, db, in[li.off:], dout, 0, 1)
			ConvWeightGrad(g, &s, dw, db, in[li.off:], dout, 1, g.Units())
			got := make([]float32, len(w))
			PackConv(dw, got, tc.k, dc.c, dc.fh, dc.fw, tc.kb, true)
			closeTo(t, name+" weight gradient", got, wantDW, dwTol)
			closeTo(t, name+" bias gradient", db, wantDB, dwTol)

			if li.px == dc.c {
				// The generic input gradient, which reads the output
				// gradient's slice.
				din := make([]float32, dc.h*dc.w*dc.c)
				ConvInputGradGeneric(g, din, dc.w*dc.c, 0, dc.h, dc.w, dc.ph, dc.pw, packed, dout, 0, dc.h)
				closeTo(t, name+" input gradient", din, wantDX, dwTol)
			}

			if !WinogradOK(g) {
				continue
			}
			u := make([]float32, WinogradLen(g))
			WinogradWeights(g, u, packed)
			out = lo.filled(99)
			ConvForwardWinograd(g, &s, out, in[li.off:], u, b, 0, g.OH/2)
			closeTo(t, name+" Winograd forward", lo.get(out), want, 1e-4)
			untouched(t, name+" Winograd forward", lo, out, 99)
			clear(dw)
			clear(db)
			ConvWeightGradWinograd(g, &s, dw, db, in[li.off:], dout, 0, g.Blocks())
			PackConv(dw, got, tc.k, dc.c, dc.fh, dc.fw, tc.kb, true)
			closeTo(t, name+" Winograd weight gradient", got, wantDW, 1e-4)
			closeTo(t, name+" Winograd bias gradient", db, wantDB, dwTol)
		}
	})
}
