package runtime

import "fmt"

// An inverted residual block (MobileNetV2) expands its input with a 1x1
// conv, filters the expansion with a depthwise conv and projects it back
// with another 1x1 conv. Run one layer after the other, the expansion (6
// times the block's channels: 4.8 MB at 112x112x96) goes out to L3 or
// memory and comes back for the depthwise conv. InvResForward runs the
// three over bands of output rows instead: it expands the input rows a
// band's windows read (its padded rows) into a scratch that stays in L2,
// filters them into a second scratch and projects that into the output.
// Consecutive bands share the rows their windows overlap on: the rows
// already expanded move to the top of the scratch instead of being
// computed again, so the expansion runs once a row except at the start of
// a call's range.

// invresScratch is InvResForward's state in a worker's Scratch.
type invresScratch struct {
	e, d       []float32 // the expanded padded rows of a band, its filtered rows
	ge, gd, gp ConvGeom  // the three convs on a band
}

// invresBand is the size, in bytes, InvResForward keeps a band's two
// scratches near: well within L2 (a variable for the tests).
var invresBand = 384 << 10

// checkInvRes panics unless ge, gd and gp chain as InvResForward wants.
func checkInvRes(fn string, ge, gd, gp *ConvGeom) {
	if ge.FH == 1 && ge.FW == 1 {
		ge.check1x1(fn)
	} else {
		ge.checkDense(fn)
	}
	gp.check1x1(fn)
	gd.checkDepthwise(fn)
	ok := gp.SH == 1 && gp.SW == 1 &&
		ge.K == gd.C && ge.OH == gd.H && ge.OW == gd.W && ge.OutRow == gd.InRow && ge.outPix() == gd.inPix() &&
		gd.InRow >= (gd.W+gd.PW)*gd.inPix() &&
		gp.C == gd.K && gp.OH == gd.OH && gp.OW == gd.OW && gp.inPix() == gp.C && gp.InRow == gp.OW*gp.C
	if !ok {
		panic(fmt.Errorf("%w: %s: convs that do not chain: expand %+v, depthwise %+v, project %+v", ErrShape, fn, *ge, *gd, *gp))
	}
}

// InvResForward computes output rows [y0, y1) of an expansion ge (a 1x1
// conv, or a dense one as ConvForward runs: a network's first conv, which
// its input padded), a depthwise conv gd and a projection gp (1x1, stride
// 1) in a row, as
//
//	Conv1x1Forward(ge, ·, e, in, we, be, 0, ge.OH)  // or ConvForward
//	DepthwiseForward(gd, ·, d, e, wd, bd, y0, y1)
//	Conv1x1Forward(gp, ·, out, d, wp, bp, y0, y1)
//
// would, with each conv's activation and bias (nil for none), but without
// the buffers e and d. The geometries are the three convs' own: ge writes
// the padded buffer gd reads (rows of gd.InRow values, pixel (0, 0) at row
// gd.PH, column gd.PW; its padding zero), gd gives its input's size (H, W)
// and padding (PH, PW) and writes a dense map gp reads; gp's output is out.
func InvResForward(ge, gd, gp *ConvGeom, s *Scratch, out, in, we, be, wd, bd, wp, bp []float32, y0, y1 int) {
	const fn = "InvResForward"
	checkInvRes(fn, ge, gd, gp)
	checkRange(fn, y0, y1, gp.OH)
	needLen(fn, ge, "in", in, ge.needIn())
	needLen(fn, gp, "out", out, gp.needOut())
	needLen(fn, ge, "we", we, ge.WeightLen())
	needLen(fn, gd, "wd", wd, DepthwiseWeightLen(gd))
	needLen(fn, gp, "wp", wp, gp.WeightLen())
	for _, b := range []struct {
		g *ConvGeom
		b []float32
	}{{ge, be}, {gd, bd}, {gp, bp}} {
		if b.b != nil {
			needLen(fn, b.g, "bias", b.b, b.g.K)
		}
	}
	if y0 == y1 {
		return
	}
	// A band of nb output rows reads rows of the padded expansion.
	span := (gd.FH-1)*gd.dh() + 1
	rowOut := gd.OW * gp.C
	nb := max(1, min(y1-y0, (invresBand/4-span*gd.InRow)/(gd.SH*gd.InRow+rowOut)))
	r := &s.ir
	e := grow(&r.e, ((nb-1)*gd.SH+span)*gd.InRow)
	d := grow(&r.d, nb*rowOut)
	r.ge, r.gd, r.gp = *ge, *gd, *gp
	r.gd.OutRow, r.gd.OutOff, r.gd.OutPix = rowOut, 0, 0
	r.gp.OutOff = 0
	e0, e1 := 0, 0 // e holds the padded rows [e0, e1)
	for a := y0; a < y1; a += nb {
		b := min(a+nb, y1)
		p0, p1 := a*gd.SH, (b-1)*gd.SH+span
		if p0 < e1 && p0 >= e0 {
			copy(e, e[(p0-e0)*gd.InRow:(e1-e0)*gd.InRow])
		} else {
			e1 = p0
		}
		e0 = p0
		r.expand(s, e, in, we, be, e0, e1, p1)
		e1 = p1
		r.gd.OH = b - a
		DepthwiseForward(&r.gd, s, d, e, wd, bd, 0, b-a)
		r.gp.OH = b - a
		Conv1x1Forward(&r.gp, s, out[gp.OutOff+a*gp.OutRow:], d, wp, bp, 0, b-a)
	}
}

// expand fills the padded rows [from, to) of e, which holds rows from e0
// on: zeros for the padding rows and columns, the expansion of the input
// rows between.
func (r *invresScratch) expand(s *Scratch, e, in, we, be []float32, e0, from, to int) {
	gd := &r.gd
	row := func(p int) []float32 { return e[(p-e0)*gd.InRow:][:gd.InRow] }
	lo, hi := max(from, gd.PH), min(to, gd.PH+gd.H) // rows of the input
	for p := from; p < to; p++ {
		if p < lo || p >= hi {
			clear(row(p))
			continue
		}
		pix := gd.inPix()
		clear(row(p)[:gd.PW*pix])
		clear(row(p)[(gd.PW+gd.W)*pix:])
	}
	if lo >= hi {
		return
	}
	ge := &r.ge
	ge.OH, ge.OutOff = hi-lo, (lo-e0)*gd.InRow+gd.PW*gd.inPix()
	in = in[(lo-gd.PH)*ge.SH*ge.InRow:]
	if ge.FH == 1 && ge.FW == 1 {
		Conv1x1Forward(ge, s, e, in, we, be, 0, hi-lo)
	} else {
		ConvForward(ge, s, e, in, we, be, 0, hi-lo)
	}
}
