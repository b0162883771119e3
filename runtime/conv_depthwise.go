package runtime

import (
	"fmt"
	"unsafe"
)

// Depthwise convs (Groups == C == K, as MobileNetV2's 3x3 layers) filter
// each channel on its own: FH·FW multiply-adds an output value, too few to
// hide the memory, so the kernels stream the channels-innermost tensors
// once, a row at a time, with the channels in vectors (16 at a time on the
// vector paths, each pixel's whole run of channels in one call).
//
// Weights are [FH][FW][C], channels innermost (PackDepthwise converts from
// PyTorch's [C][1][FH][FW]); the bias is [C]. The geometry is a ConvGeom
// with Groups == C == K; dilation, pixel strides (channel slices), relu and
// relu6 apply.

// DepthwiseWeightLen is the length of a depthwise conv's weights, FH·FW·C.
func DepthwiseWeightLen(g *ConvGeom) int { return g.FH * g.FW * g.C }

// PackDepthwise copies depthwise weights from PyTorch's [C][1][FH][FW]
// layout (src) to [FH][FW][C] (dst), or back when unpack is set.
func PackDepthwise(dst, src []float32, c, fh, fw int, unpack bool) {
	if len(dst) < c*fh*fw || len(src) < c*fh*fw {
		panic(fmt.Errorf("%w: PackDepthwise: buffers %d and %d, want %d", ErrShape, len(dst), len(src), c*fh*fw))
	}
	for ch := range c {
		for t := range fh * fw {
			if unpack {
				src[ch*fh*fw+t] = dst[t*c+ch]
			} else {
				dst[t*c+ch] = src[ch*fh*fw+t]
			}
		}
	}
}

// dwArgs is a run of n pixels for dwTaps: for each pixel p and channel c,
//
//	out[p·outPx + c] = init + Σ_{a<na, b<nb} in[p·inPx + a·inRow + b·inCol + c] · w[a·wRow + b·wCol + c]
//
// where init is bias[c], 0 or out's own value (see the modes), then
// clamped. Strides are in bytes, and may be negative. The assembly reads the
// fields at fixed offsets: keep their order.
type dwArgs struct {
	out, in, w, bias unsafe.Pointer // 0, 8, 16, 24
	outPx, inPx      int            // 32, 40
	inRow, inCol     int            // 48, 56
	wRow, wCol       int            // 64, 72
	na, nb           int            // 80, 88: taps (at least 1 each)
	chunks           int            // 96: the assembly's 16-channel chunks
	mode             int            // 104
	lo, hi           float32        // 112, 116: the clamp
}

// The modes of a dwArgs run.
const (
	dwInitBias = 1 // start from bias (else from 0)
	dwInitOut  = 2 // start from out's values: add to them
	dwMax      = 4 // max(·, lo)
	dwMin      = 8 // min(·, hi)
)

// dwGradArgs is a run of a depthwise weight gradient over rows of n
// pixels, for taps consecutive filter columns t:
//
//	dw[t·dwCol + c] += Σ_{r<rows, p<n} in[r·inRow + p·inPx + t·inCol + c] · dout[r·doutRow + p·doutPx + c]
//
// and, when db is not nil, db[c] += Σ dout[r·doutRow + p·doutPx + c].
// Strides in bytes; the assembly reads the fields at fixed offsets.
type dwGradArgs struct {
	dw, in, dout, db unsafe.Pointer // 0, 8, 16, 24
	dwCol, inCol     int            // 32, 40
	inPx, doutPx     int            // 48, 56
	inRow, doutRow   int            // 64, 72
	n, rows          int            // 80, 88 (at least 1 each)
	chunks           int            // 96
}

// clampMode sets a run's clamp from g's activation.
func (a *dwArgs) clampMode(g *ConvGeom) {
	switch {
	case g.ReLU6:
		a.mode |= dwMax | dwMin
		a.lo, a.hi = 0, 6
	case g.ReLU:
		a.mode |= dwMax
		a.lo = 0
	}
}

func (g *ConvGeom) checkDepthwise(fn string) {
	if !g.valid() || g.Groups != g.C || g.K != g.C {
		panic(fmt.Errorf("%w: %s: a depthwise conv has Groups == C == K, got %+v", ErrShape, fn, *g))
	}
}

// DepthwiseForward computes output rows [y0, y1) of a depthwise conv: for
// every pixel (y, x) and channel c,
//
//	out[y][x][c] = bias[c] + Σ_{i<FH, j<FW} in[y·SH+i·DH][x·SW+j·DW][c] · w[i][j][c]
//
// then relu or relu6 if g says so. bias may be nil. out is laid out by
// OutRow, OutOff and OutPix, in (its padding included) by InRow and InPix.
// It panics with ErrShape if a buffer is too short.
func DepthwiseForward(g *ConvGeom, s *Scratch, out, in, w, bias []float32, y0, y1 int) {
	const fn = "DepthwiseForward"
	g.checkDepthwise(fn)
	checkRange(fn, y0, y1, g.OH)
	needLen(fn, g, "out", out, g.needOut())
	needLen(fn, g, "in", in, g.needIn())
	needLen(fn, g, "w", w, DepthwiseWeightLen(g))
	a := &s.cv.dw
	*a = dwArgs{w: unsafe.Pointer(&w[0]), outPx: g.outPix() * 4, inPx: g.SW * g.inPix() * 4,
		inRow: g.dh() * g.InRow * 4, inCol: g.dw() * g.inPix() * 4, wRow: g.FW * g.C * 4, wCol: g.C * 4, na: g.FH, nb: g.FW}
	if bias != nil {
		needLen(fn, g, "bias", bias, g.C)
		a.bias, a.mode = unsafe.Pointer(&bias[0]), dwInitBias
	}
	a.clampMode(g)
	for y := y0; y < y1; y++ {
		a.out = unsafe.Pointer(&out[g.OutOff+y*g.OutRow])
		a.in = unsafe.Pointer(&in[y*g.SH*g.InRow])
		kernels.dwTaps(a, g.OW, g.C)
	}
}

// DepthwiseWeightGrad adds to the weight gradient dw ([FH][FW][C]) the
// contribution of the channels [c0, c1):
//
//	dw[i][j][c] += Σ_{y, x} in[y·SH+i·DH][x·SW+j·DW][c] · dout[y][x][c]
//
// and, when db is not nil, db[c] += Σ_{y, x} dout[y][x][c]. dout is laid
// out by DOutRow, DOutOff and DOutPix. Workers given different channels
// never write the same values; ranges of multiples of 16 channels run
// fastest.
func DepthwiseWeightGrad(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, c0, c1 int) {
	const fn = "DepthwiseWeightGrad"
	g.checkDepthwise(fn)
	checkRange(fn, c0, c1, g.C)
	needLen(fn, g, "dw", dw, DepthwiseWeightLen(g))
	needLen(fn, g, "in", in, g.needIn())
	needLen(fn, g, "dout", dout, g.needDOut())
	if db != nil {
		needLen(fn, g, "db", db, g.C)
	}
	if c0 == c1 {
		return
	}
	a := &s.cv.dwg
	*a = dwGradArgs{dwCol: g.C * 4, inCol: g.dw() * g.inPix() * 4, inPx: g.SW * g.inPix() * 4, doutPx: g.dOutPix() * 4,
		inRow: g.SH * g.InRow * 4, doutRow: g.DOutRow * 4, n: g.OW}
	// Bands of output rows whose inputs and gradients stay in L2 while
	// each filter row passes over them.
	band := max(1, (256<<10)/((g.SH*g.InRow+g.DOutRow)*4))
	for yb := 0; yb < g.OH; yb += band {
		a.rows = min(band, g.OH-yb)
		for i := range g.FH {
			a.dw = unsafe.Pointer(&dw[i*g.FW*g.C+c0])
			a.in = unsafe.Pointer(&in[(yb*g.SH+i*g.dh())*g.InRow+c0])
			a.dout = unsafe.Pointer(&dout[g.DOutOff+yb*g.DOutRow+c0])
			a.db = nil
			if i == 0 && db != nil {
				a.db = unsafe.Pointer(&db[c0])
			}
			kernels.dwGrad(a, g.FW, c1-c0)
		}
	}
}

// DepthwiseInputGrad computes the input gradient of a depthwise conv for
// the input rows [y0, y1):
//
//	din[y'][x'][c] = Σ w[i][j][c] · dout[y][x][c]  over y·SH+i·DH-PH = y', x·SW+j·DW-PW = x'
//
// setting din, or adding to it when add is set (for an input read by
// several nodes). din is laid out by DInRow, DInOff and DInPix, H×W pixels;
// PH and PW are the forward input's padding. It gathers, so workers given
// different rows never write the same values.
func DepthwiseInputGrad(g *ConvGeom, s *Scratch, din, w, dout []float32, add bool, y0, y1 int) {
	const fn = "DepthwiseInputGrad"
	g.checkDepthwise(fn)
	checkRange(fn, y0, y1, g.H)
	needLen(fn, g, "din", din, g.needDIn())
	needLen(fn, g, "dout", dout, g.needDOut())
	needLen(fn, g, "w", w, DepthwiseWeightLen(g))
	a := &s.cv.dw
	dpix := g.dInPix()
	runs, sj, sx := s.cv.colRuns(g)
	for y := y0; y < y1; y++ {
		row := g.DInOff + y*g.DInRow
		i0, si, na, oy, sy := tapSpan(y, g.PH, g.FH, g.SH, g.dh(), g.OH)
		if na == 0 {
			if !add {
				clearPixels(din[row:], g.W, dpix, g.C)
			}
			continue
		}
		for _, run := range runs {
			x := run.x
			switch {
			case run.nb > 0:
				*a = dwArgs{out: unsafe.Pointer(&din[row+x*dpix]), outPx: g.SW * dpix * 4,
					in: unsafe.Pointer(&dout[g.DOutOff+oy*g.DOutRow+run.ox*g.dOutPix()]), inPx: g.dOutPix() * 4,
					inRow: -sy * g.DOutRow * 4, inCol: -sx * g.dOutPix() * 4,
					w: unsafe.Pointer(&w[(i0*g.FW+run.j0)*g.C]), wRow: si * g.FW * g.C * 4, wCol: sj * g.C * 4, na: na, nb: run.nb}
				if add {
					a.mode = dwInitOut
				}
				kernels.dwTaps(a, run.m, g.C)
			case !add:
				for k := range run.m {
					clear(din[row+(x+k*g.SW)*dpix:][:g.C])
				}
			}
		}
	}
}

// dwRun is a run of m input-gradient pixels of a row, from x on, SW
// apart, that the same filter columns reach: nb of them from j0, the first
// reading output pixel ox and each next one the pixel after.
type dwRun struct{ x, m, j0, nb, ox int }

// colRuns returns the runs of a row of the input gradient, which are the
// same for every row: its pixels fall in classes x ≡ r (mod SW), and
// along a class, away from the borders, every pixel has the same taps and
// reads the next output pixel, a run the kernels take at once. The runs
// live in s.
func (s *convScratch) colRuns(g *ConvGeom) (runs []dwRun, sj, sx int) {
	runs = s.runs[:0]
	for r := range min(g.SW, g.W) {
		for x := r; x < g.W; {
			j0, st, nb, ox, os := tapSpan(x, g.PW, g.FW, g.SW, g.dw(), g.OW)
			sj, sx = st, os
			m := 1
			for ; x+m*g.SW < g.W; m++ {
				if j, _, n, _, _ := tapSpan(x+m*g.SW, g.PW, g.FW, g.SW, g.dw(), g.OW); j != j0 || n != nb {
					break
				}
			}
			runs = append(runs, dwRun{x, m, j0, nb, ox})
			x += m * g.SW
		}
	}
	s.runs = runs
	return runs, sj, sx
}

// clearPixels zeroes c values of n pixels px apart.
func clearPixels(buf []float32, n, px, c int) {
	for x := range n {
		clear(buf[x*px:][:c])
	}
}

// tapSpan finds the taps of a filter of f taps, dilation d, that reach
// input position p (padding pad) of a conv of stride s and n output
// positions: k taps t0, t0+st, …, the first reading output position o0,
// each next one the position os before.
func tapSpan(p, pad, f, s, d, n int) (t0, st, k, o0, os int) {
	st = s / gcd(s, d)
	t0 = -1
	for t := range f {
		q := p + pad - t*d
		if q >= 0 && q%s == 0 && q/s < n {
			t0 = t
			break
		}
	}
	if t0 < 0 {
		return 0, st, 0, 0, 0
	}
	for t := t0; t < f && p+pad-t*d >= 0; t += st {
		k++
	}
	return t0, st, k, (p + pad - t0*d) / s, st * d / s
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
