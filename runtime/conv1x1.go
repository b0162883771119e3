package runtime

import "fmt"

// 1x1 convs are matrix products: over the output pixels p, out[p] =
// in[p]·W (P×C by C×K), the weight gradient inᵀ·dout and the input
// gradient dout·Wᵀ. The dense conv kernels are those products' kernels
// (tiles of 4 pixels × 16 or 32 channels on the vector paths,
// portableGemm on the portable one); what the functions below add is the
// shape: they run all the pixels of a range as one long row when the
// buffers allow (a 7×7 layer's rows of 7 pixels leave most of a 4-pixel
// tile's work to single pixels: 7x7x2048→512 forward ran at 40 GFLOP/s row
// by row, 76 as one row of 49, asm-avx2 on one core), gathering strided
// inputs and scattering to padded outputs through the worker's scratch
// when they do not.
//
// Weights are the dense conv's, packed in blocks of KB channels
// ([ceil(K/KB)][C][KB], PackConv with a 1×1 filter); the input gradient
// reads them transposed (Conv1x1Transpose).

// wideRow is the output width from which a 1x1 conv whose buffers cannot
// be taken as one row goes row by row with the dense kernels rather than
// through scratch panels.
const wideRow = 28

// panel1x1 is the number of pixels a panel of a 1x1 conv holds: at least
// 64, and as many as keep its input and output near 512 KB.
func panel1x1(c, k int) int { return max(64, (512<<10)/(4*(c+k))) }

// band1x1 is the number of input values a call of the dense kernels takes
// at once: they pass over their input once for each 16 or 32 output
// channels, which the L2 cache then serves (56x56x256→64 re-read its 3.2 MB
// input from L3 four times).
const band1x1 = 64 << 10

func (g *ConvGeom) check1x1(fn string) {
	if !g.valid() || g.FH != 1 || g.FW != 1 || g.groups() != 1 || g.KB < 16 || g.KB%16 != 0 {
		panic(fmt.Errorf("%w: %s: a 1x1 conv of one group, KB a multiple of 16, got %+v", ErrShape, fn, *g))
	}
}

// flatIn, flatOut and flatDOut report whether the input read, the output
// and the output gradient run without gaps from pixel to pixel across
// rows: the pixels of consecutive rows are then one long row.
func (g *ConvGeom) flatIn() bool   { return g.SH == 1 && g.SW == 1 && g.InRow == g.OW*g.inPix() }
func (g *ConvGeom) flatOut() bool  { return g.OutRow == g.OW*g.outPix() }
func (g *ConvGeom) flatDOut() bool { return g.DOutRow == g.OW*g.dOutPix() }

// Conv1x1Forward computes output rows [y0, y1) of a 1x1 conv of any
// stride, as ConvForward does (bias may be nil; relu or relu6 on the
// store), the input at InPix, the output at OutPix apart.
func Conv1x1Forward(g *ConvGeom, s *Scratch, out, in, w, bias []float32, y0, y1 int) {
	const fn = "Conv1x1Forward"
	g.check1x1(fn)
	checkRange(fn, y0, y1, g.OH)
	needLen(fn, g, "out", out, g.needOut())
	needLen(fn, g, "in", in, g.needIn())
	needLen(fn, g, "w", w, g.WeightLen())
	if bias != nil {
		needLen(fn, g, "bias", bias, g.K)
	}
	if y0 == y1 {
		return
	}
	sub := &s.cv.g
	switch {
	case g.K%16 != 0:
		forwardPanels(g, s, out, in, w, bias, y0, y1)
	case g.flatIn() && g.flatOut():
		// Runs of pixels as one row each.
		step := max(64, band1x1/g.inPix())
		for p0, end := y0*g.OW, y1*g.OW; p0 < end; p0 += step {
			n := min(step, end-p0)
			*sub = ConvGeom{C: g.C, InPix: g.inPix(), InRow: n * g.inPix(), OH: 1, OW: n, K: g.K,
				OutPix: g.outPix(), OutRow: n * g.outPix(), OutOff: g.OutOff + p0*g.outPix(),
				FH: 1, FW: 1, SH: 1, SW: 1, KB: g.KB, ReLU: g.ReLU, ReLU6: g.ReLU6}
			ConvForward(sub, s, out, in[p0*g.inPix():], w, bias, 0, 1)
		}
	case g.OW >= wideRow:
		band := max(1, band1x1/(g.OW*g.inPix()))
		for y := y0; y < y1; y += band {
			ConvForward(g, s, out, in, w, bias, y, min(y+band, y1))
		}
	default:
		forwardPanels(g, s, out, in, w, bias, y0, y1)
	}
}

// Conv1x1WeightGrad adds to the packed weight gradient dw (and to db
// unless nil) the contribution of every output pixel, for the weight
// blocks [b0, b1) (Blocks() of them; workers given different blocks never
// write the same values), as ConvWeightGrad does:
//
//	dw[k][c] += Σ_{y, x} in[y·SH][x·SW][c] · dout[y][x][k],  db[k] += Σ dout[y][x][k]
func Conv1x1WeightGrad(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, b0, b1 int) {
	const fn = "Conv1x1WeightGrad"
	g.check1x1(fn)
	checkRange(fn, b0, b1, g.Blocks())
	needLen(fn, g, "dw", dw, g.WeightLen())
	needLen(fn, g, "in", in, g.needIn())
	needLen(fn, g, "dout", dout, g.needDOut())
	if db != nil {
		needLen(fn, g, "db", db, g.K)
	}
	if g.K%16 != 0 {
		weightGradPanels(g, s, dw, db, in, dout, b0, b1)
		return
	}
	sub := &s.cv.g
	*sub = *g
	sub.ReLU, sub.ReLU6 = false, false
	if g.flatIn() && g.flatDOut() {
		n := g.OH * g.OW
		sub.OH, sub.OW, sub.InRow, sub.DOutRow = 1, n, n*g.inPix(), n*g.dOutPix()
	}
	ConvWeightGrad(sub, s, dw, db, in, dout, b0, b1)
}

// Conv1x1TransposedLen is the length of a 1x1 conv's transposed weights:
// C output channels in blocks of KB, by K.
func Conv1x1TransposedLen(g *ConvGeom) int { return (g.C + g.KB - 1) / g.KB * g.KB * g.K }

// Conv1x1Transpose fills wt (Conv1x1TransposedLen values) with the
// transposed weights Conv1x1InputGrad reads, from the packed weights w;
// call it whenever the weights change.
func Conv1x1Transpose(g *ConvGeom, wt, w []float32) {
	if len(wt) < Conv1x1TransposedLen(g) || len(w) < g.WeightLen() {
		panic(shapeError("Conv1x1Transpose", g, "wt", len(wt), Conv1x1TransposedLen(g)))
	}
	TransposeConv(wt, w, g.K, g.C, 1, 1, g.KB, g.KB) // writes every value
}

// Conv1x1InputGrad computes the input gradient of a 1x1 conv of any stride
// and padding for the input rows [y0, y1) of H:
//
//	din[y·SH−PH][x·SW−PW][c] = Σ_k wt[c][k] · dout[y][x][k]
//
// and 0 at the pixels no output reads, setting din, or adding to it when
// add is set; wt is Conv1x1Transpose's. din is laid out by DInRow, DInOff
// and DInPix. Workers given different rows never write the same values.
func Conv1x1InputGrad(g *ConvGeom, s *Scratch, din, wt, dout []float32, add bool, y0, y1 int) {
	const fn = "Conv1x1InputGrad"
	g.check1x1(fn)
	checkRange(fn, y0, y1, g.H)
	needLen(fn, g, "din", din, g.needDIn())
	needLen(fn, g, "dout", dout, g.needDOut())
	needLen(fn, g, "wt", wt, Conv1x1TransposedLen(g))
	// The transposed conv: K channels in at DOutPix, C out.
	sub := &s.cv.g
	t := ConvGeom{C: g.K, InPix: g.dOutPix(), K: g.C, FH: 1, FW: 1, SH: 1, SW: 1, KB: g.KB}
	direct := !add && g.SW == 1 && g.PW == 0 && g.W == g.OW && g.C%16 == 0
	if direct && g.SH == 1 && g.PH == 0 && g.flatDOut() && g.DInRow == g.W*g.dInPix() {
		// Runs of pixels as one row each: din rows [y0, y1) are dout's.
		step := max(64, band1x1/g.dOutPix())
		for p0, end := y0*g.W, y1*g.W; p0 < end; p0 += step {
			n := min(step, end-p0)
			*sub = t
			sub.InRow, sub.OH, sub.OW, sub.OutPix, sub.OutRow, sub.OutOff = n*g.dOutPix(), 1, n, g.dInPix(), n*g.dInPix(), g.DInOff+p0*g.dInPix()
			ConvForward(sub, s, din, dout[g.DOutOff+p0*g.dOutPix():], wt, nil, 0, 1)
		}
		return
	}
	if !direct || g.OW < wideRow || g.SH != 1 || g.PH != 0 {
		// Row by row through the scratch: Conv1x1Transpose's weights are
		// GroupedTranspose's for one group and a 1×1 filter.
		inputGradTaps(g, s, din, wt, dout, add, y0, y1)
		return
	}
	*sub = t
	sub.InRow, sub.OH, sub.OW, sub.OutPix, sub.OutRow = g.OW*g.dOutPix(), 1, g.OW, g.dInPix(), g.W*g.dInPix()
	for y := y0; y < y1; y++ {
		ConvForward(sub, s, din[g.DInOff+y*g.DInRow:], dout[g.DOutOff+y*g.DOutRow:], wt, nil, 0, 1)
	}
}
