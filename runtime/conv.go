package runtime

import "fmt"

// ConvGeom describes one conv layer to the conv kernels. Every tensor is an
// H×W×C buffer, channels innermost, rows of a fixed length (padding
// included); the kernels never test for borders: the input buffer holds the
// layer's zero padding, so that output pixel (y, x) reads the window whose
// top-left value is at in[y·SH·InRow + x·SW·C].
//
// Weights are packed in blocks of KB output channels,
// [ceil(K/KB)][FH][FW][C][KB], the last block zero-padded: a kernel then
// streams one block's weights contiguously (PackConv converts from
// PyTorch's [K][C][FH][FW]). KB must be a multiple of 16, the width of the
// kernels' vectors.
type ConvGeom struct {
	C, InRow       int // input channels; values per input row
	OH, OW, K      int // output height, width and channels
	OutRow, OutOff int // output buffer: values per row, offset of pixel (0, 0); pixel stride K
	FH, FW, SH, SW int
	KB             int  // channels per weight block
	ReLU           bool // apply max(·, 0) to the outputs
	// DOutRow and DOutOff lay out the output gradient for ConvWeightGrad
	// and ConvBiasGrad (its buffer may be padded unlike the output's).
	DOutRow, DOutOff int

	// The fields below serve the kernels of conv_depthwise.go,
	// conv_grouped.go and conv1x1.go (the functions above ignore them; their
	// zero values describe the dense conv above).
	Groups int // 0 or 1: dense; C (with K == C): depthwise; else C and K in Groups groups
	DH, DW int // dilation (0 or 1: none): tap (i, j) reads pixel (y·SH+i·DH, x·SW+j·DW)
	// Pixel strides (0: C, K, K): a tensor may be a channel slice of a
	// wider buffer, as a concat's inputs are (pass the slice from its first
	// channel, or include the channel in OutOff).
	InPix, OutPix, DOutPix int
	ReLU6                  bool // clamp the outputs to [0, 6] (ReLU is then ignored)
	// The input gradient: H×W pixels, which the forward input buffer holds
	// padded by PH, PW; its buffer has rows of DInRow values, pixel (0, 0)
	// at DInOff and a pixel stride DInPix (0: C).
	H, W, PH, PW           int
	DInRow, DInOff, DInPix int
}

// T is the length of one filter row's window, FW·C: contiguous in the input.
func (g *ConvGeom) T() int { return g.FW * g.C }

// Blocks is the number of weight blocks, ceil(K/KB).
func (g *ConvGeom) Blocks() int { return (g.K + g.KB - 1) / g.KB }

// WeightLen is the length of the packed weights.
func (g *ConvGeom) WeightLen() int { return g.Blocks() * g.KB * g.FH * g.T() }

func (g *ConvGeom) check(fn string, out, in, w, bias []float32) {
	g.checkDense(fn)
	needIn := ((g.OH-1)*g.SH+g.FH-1)*g.InRow + (g.OW-1)*g.SW*g.inPix() + g.FW*g.C
	needOut := g.OutOff + (g.OH-1)*g.OutRow + (g.OW-1)*g.outPix() + g.K
	if len(in) < needIn || len(out) < needOut || len(w) < g.WeightLen() || bias != nil && len(bias) < g.K || g.KB < 16 || g.KB%16 != 0 {
		panic(fmt.Errorf("%w: %s: buffers too short for %+v (in %d/%d, out %d/%d, w %d/%d)",
			ErrShape, fn, *g, len(in), needIn, len(out), needOut, len(w), g.WeightLen()))
	}
}

// ConvForward computes output rows [y0, y1) of a conv: for every pixel
// (y, x) and channel k,
//
//	out[y][x][k] = bias[k] + Σ_{i<FH, j<FW, c<C} in[y·SH+i][x·SW+j][c] · w[k][c][i][j]
//
// followed by max(·, 0) when g.ReLU is set, min(max(·, 0), 6) when g.ReLU6
// is (fused into the kernels' stores). bias may be nil (no bias). s
// is the calling worker's scratch memory. It panics with ErrShape if a
// buffer is too short.
func ConvForward(g *ConvGeom, s *Scratch, out, in, w, bias []float32, y0, y1 int) {
	g.check("ConvForward", out, in, w, bias)
	if kernels.convPix != nil && g.pixelConv(kernels.pixWidth) {
		kernels.convPix(g, out, in, w, bias, y0, y1)
		return
	}
	if g.Blocks()*g.KB*g.FH*g.T() <= rowsOuterWeights {
		// Row by row, every weight block for each: see rowsOuterWeights.
		for y := y0; y < y1; y++ {
			kernels.convForward(g, s, out, in, w, bias, y, y+1)
		}
		return
	}
	kernels.convForward(g, s, out, in, w, bias, y0, y1)
}

// rowsOuterWeights is the most weights (values, 16 KB) for which
// ConvForward goes row by row, all the weight blocks for each row, rather
// than block by block over all the rows. The kernels go block by block so
// that a block's weights stay in cache while they pass over the input; when
// all the weights fit in L1 anyway, as for a first layer on RGB (VGG's
// conv1: 1,728), going row by row writes each output pixel whole, one
// stream of full cache lines rather than a part of every pixel in each
// block's pass. That layer's output does not fit in cache: VGG-16's conv1
// ran at a median of 90 GFLOP/s against 82 (AVX-512, cnnc bench, 8 runs
// alternating the two builds; the assembly kernels gained nothing).
const rowsOuterWeights = 4096

// ConvWeightGrad adds to the packed weight gradient dw the contribution of
// output rows [0, OH) for the units [u0, u1), a unit being one filter row
// of one weight block (FH·Blocks() units in all, so that workers given
// different units never write the same values):
//
//	dw[k][c][i][j] += Σ_{y, x} in[y·SH+i][x·SW+j][c] · dout[y][x][k]
//
// dout is laid out by g.DOutRow and g.DOutOff. When db is not nil, the
// unit of filter row 0 of each block also adds the block's bias gradient,
// db[k] += Σ_{y, x} dout[y][x][k], as it passes over dout: no pass of its
// own over the gradient, which for a first layer on RGB costs as much as
// the weight gradient.
func ConvWeightGrad(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, u0, u1 int) {
	g.checkGrad("ConvWeightGrad", dw, in, dout)
	if db != nil {
		db = db[:g.K]
	}
	kernels.convWeightGrad(g, s, dw, db, in, dout, u0, u1)
}

// addBiasGrad adds the output gradient of positions [x0, x1) of rows
// [y0, y1), channels [k0, k0+n), to the bias gradient db.
func (g *ConvGeom) addBiasGrad(db, dout []float32, k0, n, y0, y1, x0, x1 int) {
	d := db[k0:][:n]
	for y := y0; y < y1; y++ {
		kernels.addRows(d, dout[g.DOutOff+y*g.DOutRow+x0*g.dOutPix()+k0:], g.dOutPix(), x1-x0)
	}
}

// Units is the number of units ConvWeightGrad divides its work into.
func (g *ConvGeom) Units() int { return g.FH * g.Blocks() }

func (g *ConvGeom) checkGrad(fn string, dw, in, dout []float32) {
	g.checkDense(fn)
	needIn := ((g.OH-1)*g.SH+g.FH-1)*g.InRow + (g.OW-1)*g.SW*g.inPix() + g.FW*g.C
	needOut := g.DOutOff + (g.OH-1)*g.DOutRow + (g.OW-1)*g.dOutPix() + g.K
	if len(in) < needIn || len(dout) < needOut || len(dw) < g.WeightLen() {
		panic(fmt.Errorf("%w: %s: buffers too short for %+v", ErrShape, fn, *g))
	}
}

// PackConv copies a conv weight from PyTorch's [K][C][FH][FW] layout (src)
// into the packed layout of blocks of kb channels (dst, zero-padded), or
// back when unpack is set.
func PackConv(dst, src []float32, k, c, fh, fw, kb int, unpack bool) {
	blocks := (k + kb - 1) / kb
	if len(dst) < blocks*kb*fh*fw*c || len(src) < k*c*fh*fw {
		panic(fmt.Errorf("%w: PackConv: buffers too short", ErrShape))
	}
	for ko := range k {
		for ci := range c {
			for i := range fh {
				for j := range fw {
					t := ko*c*fh*fw + ci*fh*fw + i*fw + j
					p := (((ko/kb)*fh+i)*fw+j)*c*kb + ci*kb + ko%kb
					if unpack {
						src[t] = dst[p]
					} else {
						dst[p] = src[t]
					}
				}
			}
		}
	}
}

// TransposeConv fills wt, the packed weights of the transposed convolution
// that computes a stride-1 conv's input gradient, from the conv's packed
// weights w: wt has C output channels in blocks of kbt, K input channels,
// and the filter rotated by 180 degrees:
//
//	wt[c][k][i][j] = w[k][c][FH-1-i][FW-1-j]
//
// It writes every value of wt (the padding of a last block of C with
// zeros), tap by tap and block by block: a block of kb output channels by
// kbt input channels of one tap is a kbt × kb matrix of w and, transposed,
// a kb × kbt matrix of wt, both in one piece.
func TransposeConv(wt, w []float32, k, c, fh, fw, kb, kbt int) {
	cbs := (c + kbt - 1) / kbt
	for ko0 := 0; ko0 < k; ko0 += kb {
		kn := min(kb, k-ko0)
		for i := range fh {
			for j := range fw {
				src := w[((ko0/kb*fh+i)*fw+j)*c*kb:][:c*kb]
				ti, tj := fh-1-i, fw-1-j
				for cb := range cbs {
					ci0 := cb * kbt
					cn := min(kbt, c-ci0)
					dst := wt[((cb*fh+ti)*fw+tj)*k*kbt+ko0*kbt:][:kn*kbt]
					s := src[ci0*kb:][:(cn-1)*kb+kn]
					for b := range kn {
						d := dst[b*kbt:][:kbt]
						for a := range cn {
							d[a] = s[a*kb+b]
						}
						clear(d[cn:]) // the padding of a last block
					}
				}
			}
		}
	}
}

// ConvInputGradGeneric adds to din the input gradient of a conv of any
// stride and padding, for input rows [y0, y1) (din laid out like the
// unpadded input: rows of DInRow values from offset DInOff; in-geometry
// padding ph, pw):
//
//	din[y'][x'][c] += Σ w[k][c][i][j] · dout[y][x][k]  over y·SH+i-ph = y', x·SW+j-pw = x'
//
// It gathers, so workers given different rows never write the same values.
// Stride-1 convs use the faster transposed convolution instead.
func ConvInputGradGeneric(g *ConvGeom, din []float32, dinRow, dinOff, h, w, ph, pw int, wts, dout []float32, y0, y1 int) {
	T := g.T()
	for yy := y0; yy < y1; yy++ {
		for xx := range w {
			d := din[dinOff+yy*dinRow+xx*g.C:][:g.C]
			for i := range g.FH {
				ny := yy + ph - i
				if ny < 0 || ny%g.SH != 0 || ny/g.SH >= g.OH {
					continue
				}
				y := ny / g.SH
				for j := range g.FW {
					nx := xx + pw - j
					if nx < 0 || nx%g.SW != 0 || nx/g.SW >= g.OW {
						continue
					}
					x := nx / g.SW
					do := dout[g.DOutOff+y*g.DOutRow+x*g.dOutPix():][:g.K]
					for k, dv := range do {
						blk := wts[(k/g.KB)*g.FH*T*g.KB+(i*T+j*g.C)*g.KB+k%g.KB:]
						for c := range d {
							d[c] += blk[c*g.KB] * dv
						}
					}
				}
			}
		}
	}
	_ = h
}
