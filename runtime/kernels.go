package runtime

import "unsafe"

// kernelSet is one implementation of the hot loops, a kernel path (see
// kernelpath.go for their names and how one is chosen).
type kernelSet struct {
	name           string
	convForward    func(g *ConvGeom, s *Scratch, out, in, w, bias []float32, y0, y1 int)
	convWeightGrad func(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, u0, u1 int)
	// convPix, when set, is ConvForward's kernel for the layers that
	// pixelConv(pixWidth) accepts (conv_small.go).
	convPix  func(g *ConvGeom, out, in, w, bias []float32, y0, y1 int)
	pixWidth int
	dot      func(x, y []float32) float32
	axpy     func(alpha float32, x, y []float32)
	// fc computes outputs [o0, o1) of an fc layer for m samples (see
	// fcForwardTiles); nil runs FCForward's rows through dot.
	fc             func(out, in, w, b []float32, n, k, m, o0, o1 int)
	rows8          rowsKind // axpy8's kernel (fc_rows.go)
	maxPoolForward func(g *PoolGeom, out []float32, idx []int32, in []float32, y0, y1 int)
	maxPool        func(g *PoolGeom, out, in []float32, y0, y1 int) // without the positions
	reluGrad       func(d, y []float32)
	addRows        func(acc, x []float32, stride, count int)
	// winoIn and winoOut are the transforms of ConvForwardWinograd.
	winoIn  func(g *ConvGeom, v, in []float32, first, n, stride int)
	winoOut func(g *ConvGeom, out, m, bias []float32, first, n, stride int)
	// winoGradOut and winoGradW are the transforms of the weight gradient.
	winoGradOut func(g *ConvGeom, z, dout []float32, first, n, stride int)
	winoGradW   func(g *ConvGeom, dw, du []float32, b0, b1 int)
	// math is tanh, sigmoid and their derivatives (vecmath.go).
	math mathSet
	// ops are the loops of batchnorm and the elementwise steps (eltwise.go).
	ops opsSet
	// wino4 says the forward Winograd convs run as F(4×4, 3×3), not
	// F(2×2, 3×3): see winograd4.go.
	wino4 bool
	// winoB4 and winoA4, when not nil, are F(4×4, 3×3)'s transforms
	// (winograd4.go) in vectors: a set that has them runs F(4×4, 3×3)
	// forward where the transformed weights are few (see wino4MaxCK), its
	// products by the conv kernels.
	winoB4 func(o0, o1, o2, o3, o4, o5, d0, d1, d2, d3, d4, d5 []float32)
	winoA4 func(y0, y1, y2, y3, m0, m1, m2, m3, m4, m5, bias []float32, relu bool)
	// dwTaps and dwGrad are the depthwise conv's loops (conv_depthwise.go).
	dwTaps func(a *dwArgs, n, c int)
	dwGrad func(a *dwGradArgs, taps, c int)
	// adam is AdamStep's vector loop (adam_*_amd64.go), nil for the scalar one.
	adam func(w, g, m, v []float32, c *AdamCoeffs)
	// sgd is SGDStep's vector loop (sgd_*_amd64.go), nil for the scalar one.
	sgd func(w, g, v []float32, c sgdCoeffs)
}

// Scratch is per-worker memory for kernels that need a temporary buffer;
// it grows on first use and is then reused, so that kernels allocate
// nothing. The zero Scratch is ready to use; one Scratch must not be used by
// two goroutines at once.
type Scratch struct {
	buf  []float32
	geom ConvGeom // weightGradPacked's panels, described as a layer
	// convForward16's biases of a channel group, and the outputs of a
	// pixel and of 4 pixels
	bias16, out16 [16]float32
	out64         [64]float32
	winoBuf       []float32     // ConvForwardWinograd's transformed tiles
	winoGeom      ConvGeom      // and its products, described as a layer (products)
	winoDU        []float32     // ConvWeightGradWinograd's transformed gradient
	winoEdge      ConvGeom      // ConvForwardWinogradOdd's last row or column, as a layer
	cv            convScratch   // the kernels of conv_depthwise.go, conv_grouped.go and conv1x1.go
	blocks        ConvGeom      // ConvForwardBlocks's part of a layer
	ir            invresScratch // InvResForward's bands
}

func (s *Scratch) get(n int) []float32 { return grow(&s.buf, n) }

// grow returns the first n values of *buf, first making it n long if it is
// shorter: a Scratch buffer, allocated on first use and then reused.
func grow(buf *[]float32, n int) []float32 {
	if len(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}

// Dot returns Σ x[i]·y[i] over len(x) values; y must be at least as long.
func Dot(x, y []float32) float32 { return kernels.dot(x, y[:len(x)]) }

// Axpy adds alpha·x to y, value by value; y must be at least as long as x.
func Axpy(alpha float32, x, y []float32) { kernels.axpy(alpha, x, y[:len(x)]) }

// ReLUGrad multiplies the gradient d by relu's derivative, known from relu's
// output y: d[i] becomes 0 where y[i] <= 0 (where the input was not
// positive), as PyTorch's threshold_backward does. y must be at least as
// long as d.
func ReLUGrad(d, y []float32) { kernels.reluGrad(d, y[:len(d)]) }

// weightChunk is the number of output positions of a row the
// weight-gradient kernels take at once when pixels are narrow: their inputs
// and gradients (a few KB) then stay in L1 while every tile passes over
// them.
const weightChunk = 32

// smallMap is the most bytes of a sample's inputs and output gradients
// for which weightGradWalk runs each tile over the whole map.
const smallMap = 96 << 10

// weightBand is the number of output rows whose inputs and gradients the
// weight-gradient kernels keep hot in L2 when pixels are wide.
func weightBand(g *ConvGeom) int {
	perRow := (g.InRow*g.SH + g.OW*g.K) * 4
	return max(1, (512<<10)/perRow)
}

// weightGradWalk walks the work of ConvWeightGrad for units [u0, u1),
// calling group for each channel group of each unit over a run of positions
// of output rows. Narrow pixels (C < 256) go rows outermost, units in
// groups whose gradient blocks fit in L2, so that each chunk of inputs and
// gradients is read once for all of a group's units; wide pixels go units
// outermost, each over bands of rows kept in L2, since a chunk of them does
// not fit L1 anyway and long runs amortise loading the tiles.
func weightGradWalk(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, u0, u1 int,
	group func(g *ConvGeom, dwi, in, dout []float32, i, h, k0, width, lanes, y0, y1, x0, x1 int)) {
	T := g.T()
	unit := func(u, y0, y1, x0, x1 int) {
		b, i := u/g.FH, u%g.FH
		dwi := g.unitGrad(dw, b, i)
		for h := 0; h < g.KB; {
			width, k0, lanes := g.group(b, h)
			if lanes <= 0 {
				break
			}
			group(g, dwi, in, dout, i, h, k0, width, lanes, y0, y1, x0, x1)
			h += width
		}
		if i == 0 && db != nil {
			k0 := b * g.KB
			g.addBiasGrad(db, dout, k0, min(g.KB, g.K-k0), y0, y1, x0, x1)
		}
	}
	if g.C >= 256 && T%packT == 0 {
		weightGradPacked(g, s, dw, db, in, dout, u0, u1, group)
		return
	}
	if g.C >= 256 {
		band := weightBand(g)
		for u := u0; u < u1; u++ {
			for y := 0; y < g.OH; y += band {
				unit(u, y, min(y+band, g.OH), 0, g.OW)
			}
		}
		return
	}
	if g.OW <= weightChunk && g.OH*(g.InRow*g.SH+g.OW*g.dOutPix())*4 <= smallMap {
		// A small map (the 7x7 and 14x14 layers of a 28x28 network): its
		// inputs and gradients stay in L1 and L2 for every unit, so each
		// tile runs over all of it at once instead of loading and storing
		// its accumulators a row of a few positions at a time. The sums
		// run in the same order.
		for u := u0; u < u1; u++ {
			unit(u, 0, g.OH, 0, g.OW)
		}
		return
	}
	per := max(1, (512<<10)/(T*g.KB*4))
	chunk := weightChunk
	if T < 16 {
		// A few multiply-adds a position (a first layer on RGB): a tile
		// over a short chunk would spend much of its time loading and
		// storing its block; a whole row's gradient, re-read from L2 by
		// each tile, keeps up with them.
		chunk = g.OW
	}
	for ga := u0; ga < u1; ga += per {
		for y := range g.OH {
			for x0 := 0; x0 < g.OW; x0 += chunk {
				for u := ga; u < min(ga+per, u1); u++ {
					unit(u, y, y+1, x0, min(x0+chunk, g.OW))
				}
			}
		}
	}
}

// packT is the number of window values a packed input panel holds per
// pixel: one cache line.
const packT = 16

// packPixels is about how many output pixels weightGradPacked packs at a
// time: their input panel (64 bytes a pixel) stays in L1, and a channel
// group's gradient panel (128 bytes a pixel) streams from L2 in order.
const packPixels = 128

// weightGradPacked is weightGradWalk for wide pixels. Their values lie C
// and K floats apart, a multiple of 1 KB when C and K are multiples of 256,
// so a tile's walk over the pixels of a band maps every input and gradient
// line to the same few sets of the L1 cache, which then keeps almost none
// of them from one tile to the next. So, for each filter row and band of
// output rows, it copies the band's output gradient, a channel group at a
// time, and its windows, 16 values at a time, into contiguous panels in the
// worker's scratch, and runs the same tiles over the panels, through a
// geometry that describes them, for every unit in [u0, u1) of that filter
// row: each panel of windows is copied once for all of them.
func weightGradPacked(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, u0, u1 int,
	group func(g *ConvGeom, dwi, in, dout []float32, i, h, k0, width, lanes, y0, y1, x0, x1 int)) {
	T := g.T()
	rows := max(1, packPixels/g.OW)
	b0, b1 := u0/g.FH, (u1-1)/g.FH+1 // the blocks with a unit in range
	buf := s.get(rows * g.OW * (packT + (b1-b0)*g.KB))
	pin, pd := buf[:rows*g.OW*packT], buf[rows*g.OW*packT:]
	for i := range g.FH {
		bi0, bi1 := b0, b1 // the blocks whose unit of filter row i is in range
		if bi0*g.FH+i < u0 {
			bi0++
		}
		if (bi1-1)*g.FH+i >= u1 {
			bi1--
		}
		for y0 := 0; y0 < g.OH && bi0 < bi1; y0 += rows {
			y1 := min(y0+rows, g.OH)
			n := (y1 - y0) * g.OW
			// The gradient panels, [block][group][pixel][channel]; a last
			// narrow group is done unpacked.
			for b := bi0; b < bi1; b++ {
				for h := 0; h < g.KB; h += groupWidth(g.KB - h) {
					width, k0, lanes := g.group(b, h)
					if lanes <= 0 {
						break
					}
					bias := i == 0 && db != nil
					if lanes < width {
						group(g, g.unitGrad(dw, b, i), in, dout, i, h, k0, width, lanes, y0, y1, 0, g.OW)
						if bias {
							g.addBiasGrad(db, dout, k0, lanes, y0, y1, 0, g.OW)
						}
						break
					}
					panel := pd[((b-bi0)*g.KB+h)*n:]
					for y := y0; y < y1; y++ {
						for x := range g.OW {
							src := dout[g.DOutOff+y*g.DOutRow+x*g.dOutPix()+k0:][:width]
							copy(panel[((y-y0)*g.OW+x)*width:][:width], src)
						}
					}
					if bias {
						kernels.addRows(db[k0:][:width], panel, width, n)
					}
				}
			}
			for t0 := 0; t0 < T; t0 += packT {
				for y := y0; y < y1; y++ {
					src := (y*g.SH+i)*g.InRow + t0
					for x := range g.OW {
						*(*[packT]float32)(pin[((y-y0)*g.OW+x)*packT:]) = *(*[packT]float32)(in[src+x*g.SW*g.inPix():])
					}
				}
				for b := bi0; b < bi1; b++ {
					dwi := g.unitGrad(dw, b, i)[t0*g.KB:]
					for h := 0; h < g.KB; h += groupWidth(g.KB - h) {
						width, _, lanes := g.group(b, h)
						if lanes < width {
							break
						}
						// The panels as a layer: one row of n pixels, packT
						// channels of a 1x1 filter in, width channels out.
						s.geom = ConvGeom{C: packT, InRow: n * packT, OH: 1, OW: n, K: width,
							FH: 1, FW: 1, SH: 1, SW: 1, KB: g.KB, DOutRow: n * width}
						group(&s.geom, dwi, pin, pd[((b-bi0)*g.KB+h)*n:], 0, h, 0, width, width, 0, 1, 0, n)
					}
				}
			}
		}
	}
}

// group describes channel group h of weight block b: its width (see
// groupWidth), its first channel k0, and the number of its channels that
// exist, lanes: fewer than width in a last, partial group, none past K.
func (g *ConvGeom) group(b, h int) (width, k0, lanes int) {
	width = groupWidth(g.KB - h)
	k0 = b*g.KB + h
	return width, k0, min(width, g.K-k0)
}

// unitGrad is the part of the packed weight gradient dw that unit (b, i),
// filter row i of weight block b, owns: T·KB values.
func (g *ConvGeom) unitGrad(dw []float32, b, i int) []float32 {
	n := g.T() * g.KB
	return dw[(b*g.FH+i)*n:][:n]
}

// storeAct is the activation the conv kernels apply to their outputs as
// they store them: 0 none, 1 relu (max(·, 0)), 2 relu6 (then min(·, 6)).
func (g *ConvGeom) storeAct() uint8 {
	switch {
	case g.ReLU6:
		return 2
	case g.ReLU:
		return 1
	}
	return 0
}

// tile16 computes 16 channels of conv output for a few pixels (4, or 1
// into a 16-value temporary) of geometry g, from the pixels' input window
// at in and the weights at w, starting from the 16 biases bs; a tile of 4
// stores its pixels outStride values apart.
type tile16 func(g *ConvGeom, out, in, w unsafe.Pointer, bs *[16]float32, outStride int)

// convForward16 walks the work of ConvForward for kernel sets that take 16
// channels at a time (KB is a multiple of 16): for each group of 16
// channels of each weight block, four's tiles of 4 pixels along each output
// row, then the rest of the row with one. A last group of fewer than 16
// channels (LeNet-5's 6) runs the same tiles into a temporary and stores
// only the valid lanes.
// s holds the biases and the temporary (a pointer passed to a function value
// escapes: in s they need no allocation).
func convForward16(g *ConvGeom, s *Scratch, out, in, w, bias []float32, y0, y1 int, four, one tile16) {
	ffc := g.FH * g.T()
	for b := range g.Blocks() {
		wb := w[b*ffc*g.KB:]
		for h := 0; h < g.KB; h += 16 {
			k0 := b*g.KB + h
			lanes := min(16, g.K-k0)
			if lanes <= 0 {
				break
			}
			bs, tmp := &s.bias16, &s.out16
			*bs = [16]float32{}
			if bias != nil {
				copy(bs[:], bias[k0:k0+lanes])
			}
			for y := y0; y < y1; y++ {
				base := y * g.SH * g.InRow
				o := g.OutOff + y*g.OutRow + k0
				x := 0
				if lanes == 16 {
					for ; x+4 <= g.OW; x += 4 {
						four(g, unsafe.Pointer(&out[o+x*g.outPix()]), unsafe.Pointer(&in[base+x*g.SW*g.inPix()]), unsafe.Pointer(&wb[h]), bs, g.outPix())
					}
				} else {
					t4 := &s.out64
					for ; x+4 <= g.OW; x += 4 {
						four(g, unsafe.Pointer(t4), unsafe.Pointer(&in[base+x*g.SW*g.inPix()]), unsafe.Pointer(&wb[h]), bs, 16)
						for j := range 4 {
							copy(out[o+(x+j)*g.outPix():][:lanes], t4[16*j:][:lanes])
						}
					}
				}
				for ; x < g.OW; x++ {
					one(g, unsafe.Pointer(tmp), unsafe.Pointer(&in[base+x*g.SW*g.inPix()]), unsafe.Pointer(&wb[h]), bs, 0)
					copy(out[o+x*g.outPix():][:lanes], tmp[:lanes])
				}
			}
		}
	}
}

// groupWidth is the number of channels the SIMD kernels take at once from
// the rest of a weight block: 32, or 16 for a last 16 of a block (KB is a
// multiple of 16).
func groupWidth(rest int) int {
	if rest >= 32 {
		return 32
	}
	return 16
}

// weightGradLanes handles a last group narrower than its width with safe,
// scalar code, over positions [x0, x1) of rows [y0, y1): it is rare (a K
// that is no multiple of 16) and small.
func weightGradLanes(g *ConvGeom, dwi, in, dout []float32, i, h, k0, lanes, y0, y1, x0, x1 int) {
	T := g.T()
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			win := in[(y*g.SH+i)*g.InRow+x*g.SW*g.inPix():][:T]
			d := dout[g.DOutOff+y*g.DOutRow+x*g.dOutPix()+k0:][:lanes]
			for t, v := range win {
				row := dwi[t*g.KB+h:][:lanes]
				for k, dv := range d {
					row[k] += v * dv
				}
			}
		}
	}
}
