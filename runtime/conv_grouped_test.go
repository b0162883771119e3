package runtime

import "testing"

// groupedCases are grouped and dilated convs: groups, k output channels in
// blocks of kb.
var groupedCases = []struct {
	dwCase
	groups, k, kb int
}{
	{dwCase{h: 8, w: 9, c: 8, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, relu: true}, 2, 40, 16},                 // K tail in each group
	{dwCase{h: 9, w: 7, c: 12, fh: 3, fw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, slice: true}, 4, 16, 16},               // ResNeXt-like: 4 channels a group
	{dwCase{h: 10, w: 11, c: 6, fh: 3, fw: 3, sh: 1, sw: 1, ph: 2, pw: 2, dh: 2, dw: 2, relu6: true, slice: true}, 3, 48, 16}, // dilated, grouped
	{dwCase{h: 11, w: 10, c: 5, fh: 3, fw: 2, sh: 1, sw: 2, ph: 3, pw: 1, dh: 3, dw: 2}, 1, 33, 32},                           // dilated, one group
	{dwCase{h: 9, w: 9, c: 16, fh: 3, fw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, slice: true}, 1, 32, 32},               // dense, stride 2
	{dwCase{h: 7, w: 8, c: 7, fh: 5, fw: 3, sh: 3, sw: 2, ph: 2, pw: 0, dh: 2, dw: 1}, 1, 20, 16},                             // taps reaching no input
	{dwCase{h: 6, w: 6, c: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1}, 2, 64, 32},                            // wide group windows
}

func TestConvGrouped(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, tc := range groupedCases {
			dc := tc.dwCase
			d := newConvData(dc, tc.groups, tc.k, tc.kb, uint64(n+400))
			g := d.g
			packed := make([]float32, GroupedWeightLen(g))
			PackGrouped(g, packed, d.w, false)
			wt := make([]float32, GroupedTransposedLen(g))
			GroupedTranspose(g, wt, packed)
			var s Scratch
			checkConv(t, dc.String(), d, convKernels{
				forward:    func(out []float32, y0, y1 int) { ConvForwardGrouped(g, &s, out, d.in, packed, d.b, y0, y1) },
				weightGrad: func(dw, db []float32, u0, u1 int) { ConvWeightGradGrouped(g, &s, dw, db, d.in, d.dout, u0, u1) },
				units:      GroupedUnits(g),
				dwLen:      len(packed),
				unpack: func(dw []float32) []float32 {
					got := make([]float32, len(d.w))
					PackGrouped(g, dw, got, true)
					return got
				},
				inputGrad: func(din []float32, add bool, y0, y1 int) { ConvInputGradGrouped(g, &s, din, wt, d.dout, add, y0, y1) },
			})
		}
	})
}

// TestConvGroupedShapes: short buffers, ranges out of bounds and groups
// that do not divide the channels panic with ErrShape.
func TestConvGroupedShapes(t *testing.T) {
	tc := groupedCases[2]
	li, lo, ld, lx := tc.layouts(tc.c, tc.k)
	g := tc.geom(li, lo, ld, lx, tc.groups, tc.kb)
	in, out, dout, din := li.filled(0)[li.off:], lo.filled(0), ld.filled(0), lx.filled(0)
	w, wt, b := make([]float32, GroupedWeightLen(g)), make([]float32, GroupedTransposedLen(g)), make([]float32, tc.k)
	var s Scratch
	odd := *g
	odd.Groups = 4 // does not divide 6
	wantShapePanics(t, map[string]func(){
		"short out":       func() { ConvForwardGrouped(g, &s, out[:lo.at(lo.h-1, lo.w-1, tc.k-1)], in, w, b, 0, g.OH) },
		"short w":         func() { ConvForwardGrouped(g, &s, out, in, w[:len(w)-1], b, 0, g.OH) },
		"rows past OH":    func() { ConvForwardGrouped(g, &s, out, in, w, b, 1, g.OH+1) },
		"groups":          func() { ConvForwardGrouped(&odd, &s, out, in, w, b, 0, g.OH) },
		"short dout":      func() { ConvWeightGradGrouped(g, &s, w, b, in, dout[:ld.at(ld.h-1, ld.w-1, tc.k-1)], 0, 1) },
		"units past":      func() { ConvWeightGradGrouped(g, &s, w, b, in, dout, 0, GroupedUnits(g)+1) },
		"short wt":        func() { ConvInputGradGrouped(g, &s, din, wt[:len(wt)-1], dout, false, 0, tc.h) },
		"short din":       func() { ConvInputGradGrouped(g, &s, din[:lx.at(lx.h-1, lx.w-1, tc.c-1)], wt, dout, false, 0, tc.h) },
		"transpose short": func() { GroupedTranspose(g, wt[:1], w) },
	})
}
