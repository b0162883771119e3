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
	// A last group of 32 with 24 channels (avx512 once sliced past its
	// 16-value temporary: MobileNetV2 has 24-channel layers).
	{dwCase{h: 5, w: 7, c: 6, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1}, 56, 32},
}

func TestDenseChannelSlices(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, tc := range denseSliceCases {
			dc := tc.dwCase
			dc.slice, dc.wholeIn = true, dc.fw > 1
			d := newConvData(dc, 1, tc.k, tc.kb, uint64(n+200))
			g, lo := d.g, d.lo
			packed := make([]float32, g.WeightLen())
			PackConv(packed, d.w, tc.k, dc.c, dc.fh, dc.fw, tc.kb, false)
			var s Scratch
			name := dc.String()
			checkConv(t, name, d, convKernels{
				forward:    func(out []float32, y0, y1 int) { ConvForward(g, &s, out, d.in, packed, d.b, y0, y1) },
				weightGrad: func(dw, db []float32, u0, u1 int) { ConvWeightGrad(g, &s, dw, db, d.in, d.dout, u0, u1) },
				units:      g.Units(),
				dwLen:      len(packed),
				unpack:     unpackConv(tc.k, dc.c, dc.fh, dc.fw, tc.kb),
			})

			if d.li.px == dc.c {
				// The generic input gradient, which reads the output
				// gradient's slice.
				din := make([]float32, dc.h*dc.w*dc.c)
				ConvInputGradGeneric(g, din, dc.w*dc.c, 0, dc.h, dc.w, dc.ph, dc.pw, packed, d.dout, 0, dc.h)
				closeTo(t, name+" input gradient", din, d.wantDX, dwTol)
			}

			if !WinogradOK(g) {
				continue
			}
			u := make([]float32, WinogradLen(g))
			WinogradWeights(g, u, packed)
			out := lo.filled(99)
			ConvForwardWinograd(g, &s, out, d.in, u, d.b, 0, g.OH/2)
			closeTo(t, name+" Winograd forward", lo.get(out), d.want, 1e-4)
			untouched(t, name+" Winograd forward", lo, out, 99)
			dw, db := make([]float32, len(packed)), make([]float32, tc.k)
			ConvWeightGradWinograd(g, &s, dw, db, d.in, d.dout, 0, g.Blocks())
			closeTo(t, name+" Winograd weight gradient", unpackConv(tc.k, dc.c, dc.fh, dc.fw, tc.kb)(dw), d.wantDW, 1e-4)
			closeTo(t, name+" Winograd bias gradient", db, d.wantDB, dwTol)
		}
	})
}
