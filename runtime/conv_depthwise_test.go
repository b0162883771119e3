package runtime

import "testing"

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

func TestDepthwise(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, dc := range dwCases {
			d := newConvData(dc, dc.c, dc.c, 0, uint64(n+100))
			g := d.g
			packed := make([]float32, DepthwiseWeightLen(g))
			PackDepthwise(packed, d.w, dc.c, dc.fh, dc.fw, false)
			var s Scratch
			checkConv(t, dc.String(), d, convKernels{
				forward:    func(out []float32, y0, y1 int) { DepthwiseForward(g, &s, out, d.in, packed, d.b, y0, y1) },
				weightGrad: func(dw, db []float32, c0, c1 int) { DepthwiseWeightGrad(g, &s, dw, db, d.in, d.dout, c0, c1) },
				units:      dc.c, // channels: a split not at a multiple of 16
				dwLen:      len(packed),
				unpack: func(dw []float32) []float32 {
					got := make([]float32, len(d.w))
					PackDepthwise(dw, got, dc.c, dc.fh, dc.fw, true)
					return got
				},
				inputGrad: func(din []float32, add bool, y0, y1 int) { DepthwiseInputGrad(g, &s, din, packed, d.dout, add, y0, y1) },
			})
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
	wantShapePanics(t, map[string]func(){
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
	})
}
