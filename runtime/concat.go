package runtime

// CopyGeom describes a copy of an H×W×C map between two layouts: the
// concat of branches that cannot write into their channel slice of the
// concat's buffer directly, its gradient split, and the gradient of a
// residual merge passed to each input (see AddBackward).
type CopyGeom struct {
	H, W, C  int
	Dst, Src Layout
	// Acc adds src to dst instead of copying it: a gradient passed to a
	// value that has several readers.
	Acc bool
}

// CopyMap copies rows [y0, y1) of an H×W×C map from src (laid out by
// g.Src) into dst (g.Dst), or adds them with g.Acc. With a channel slice
// for one side, as Layout describes it, it copies a branch's output into
// channels [c0, c0+C) of a concat's buffer (Dst.Off includes c0, Dst.Pix
// is the concat's channels), or the concat's gradient back out of it
// (the same layout as Src). Workers given different rows never write the
// same values. It panics with ErrShape if a buffer is too short.
func CopyMap(g *CopyGeom, dst, src []float32, y0, y1 int) {
	const fn = "CopyMap"
	checkRange(fn, y0, y1, g.H)
	g.Dst.check(fn, "destination", dst, g.H, g.W, g.C)
	g.Src.check(fn, "source", src, g.H, g.W, g.C)
	n, count := runs(g.W, g.C, g.Dst, g.Src)
	for y := y0; y < y1; y++ {
		d, s := dst[g.Dst.at(y, 0, 0):], src[g.Src.at(y, 0, 0):]
		for p := range count {
			dp, sp := d[p*g.Dst.Pix:][:n], s[p*g.Src.Pix:][:n]
			if g.Acc {
				kernels.addRows(dp, sp, 0, 1)
			} else {
				copy(dp, sp)
			}
		}
	}
}
