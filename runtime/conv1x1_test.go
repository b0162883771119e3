package runtime

import "testing"

// conv1x1Cases cover the ways Conv1x1* shape the work: one long row (flat
// buffers), row by row (wide rows), panels through the scratch (narrow
// rows with padded or strided buffers), strides, padding, relu6, a K tail
// and wide pixels.
var conv1x1Cases = []struct {
	dwCase
	k, kb int
}{
	{dwCase{h: 7, w: 7, c: 40, fh: 1, fw: 1, sh: 1, sw: 1, dh: 1, dw: 1, relu6: true}, 48, 16},              // flat
	{dwCase{h: 7, w: 7, c: 40, fh: 1, fw: 1, sh: 1, sw: 1, dh: 1, dw: 1, slice: true}, 33, 16},              // panels
	{dwCase{h: 3, w: 30, c: 24, fh: 1, fw: 1, sh: 1, sw: 1, dh: 1, dw: 1, relu: true, slice: true}, 64, 32}, // row by row
	{dwCase{h: 9, w: 9, c: 32, fh: 1, fw: 1, sh: 2, sw: 2, dh: 1, dw: 1}, 64, 32},                           // stride 2, gathered
	{dwCase{h: 8, w: 7, c: 19, fh: 1, fw: 1, sh: 2, sw: 2, dh: 1, dw: 1, relu6: true, slice: true}, 40, 16},
	{dwCase{h: 4, w: 60, c: 16, fh: 1, fw: 1, sh: 2, sw: 2, dh: 1, dw: 1, slice: true}, 32, 32},               // stride 2, wide
	{dwCase{h: 5, w: 6, c: 8, fh: 1, fw: 1, sh: 2, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1}, 16, 16},                // padding
	{dwCase{h: 4, w: 5, c: 256, fh: 1, fw: 1, sh: 1, sw: 1, dh: 1, dw: 1}, 48, 16},                            // wide pixels
	{dwCase{h: 2, w: 40, c: 64, fh: 1, fw: 1, sh: 1, sw: 1, dh: 1, dw: 1}, 64, 32},                            // flat, wide
	{dwCase{h: 3, w: 30, c: 24, fh: 1, fw: 1, sh: 1, sw: 1, dh: 1, dw: 1, relu6: true, padOut: true}, 88, 48}, // row by row, relu6, groups of 32 and 16, a K tail
}

func TestConv1x1(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, tc := range conv1x1Cases {
			dc := tc.dwCase
			d := newConvData(dc, 1, tc.k, tc.kb, uint64(n+300))
			g := d.g
			packed := make([]float32, g.WeightLen())
			PackConv(packed, d.w, tc.k, dc.c, 1, 1, tc.kb, false)
			wt := make([]float32, Conv1x1TransposedLen(g))
			Conv1x1Transpose(g, wt, packed)
			var s Scratch
			checkConv(t, dc.String(), d, convKernels{
				forward:    func(out []float32, y0, y1 int) { Conv1x1Forward(g, &s, out, d.in, packed, d.b, y0, y1) },
				weightGrad: func(dw, db []float32, b0, b1 int) { Conv1x1WeightGrad(g, &s, dw, db, d.in, d.dout, b0, b1) },
				units:      g.Blocks(),
				dwLen:      len(packed),
				unpack:     unpackConv(tc.k, dc.c, 1, 1, tc.kb),
				inputGrad:  func(din []float32, add bool, y0, y1 int) { Conv1x1InputGrad(g, &s, din, wt, d.dout, add, y0, y1) },
			})
		}
	})
}

// TestConv1x1Shapes: short buffers, ranges out of bounds and filters that
// are not 1x1 panic with ErrShape.
func TestConv1x1Shapes(t *testing.T) {
	tc := conv1x1Cases[4]
	li, lo, ld, lx := tc.layouts(tc.c, tc.k)
	g := tc.geom(li, lo, ld, lx, 1, tc.kb)
	in, out, dout, din := li.filled(0)[li.off:], lo.filled(0), ld.filled(0), lx.filled(0)
	w, wt, b := make([]float32, g.WeightLen()), make([]float32, Conv1x1TransposedLen(g)), make([]float32, tc.k)
	var s Scratch
	three := *g
	three.FH, three.FW = 3, 3
	wantShapePanics(t, map[string]func(){
		"short out":    func() { Conv1x1Forward(g, &s, out[:lo.at(lo.h-1, lo.w-1, tc.k-1)], in, w, b, 0, g.OH) },
		"short w":      func() { Conv1x1Forward(g, &s, out, in, w[:len(w)-1], b, 0, g.OH) },
		"rows past OH": func() { Conv1x1Forward(g, &s, out, in, w, b, 1, g.OH+1) },
		"3x3":          func() { Conv1x1Forward(&three, &s, out, in, w, b, 0, g.OH) },
		"short dout":   func() { Conv1x1WeightGrad(g, &s, w, b, in, dout[:ld.at(ld.h-1, ld.w-1, tc.k-1)], 0, g.Blocks()) },
		"blocks past":  func() { Conv1x1WeightGrad(g, &s, w, b, in, dout, 0, g.Blocks()+1) },
		"short wt":     func() { Conv1x1InputGrad(g, &s, din, wt[:len(wt)-1], dout, false, 0, tc.h) },
		"short din":    func() { Conv1x1InputGrad(g, &s, din[:lx.at(lx.h-1, lx.w-1, tc.c-1)], wt, dout, false, 0, tc.h) },
	})
}
