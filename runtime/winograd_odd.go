package runtime

import "fmt"

// WinogradOddOK says whether a conv runs as ConvForwardWinogradOdd: a 3×3
// filter, stride 1, an odd output height or width (AlexNet's 13×13 maps),
// which WinogradOK refuses.
func WinogradOddOK(g *ConvGeom) bool {
	return winogradShape(g) && (g.OH%2 == 1 || g.OW%2 == 1)
}

// ConvForwardWinogradOdd computes the output rows [2·t0, min(2·t1, OH)) of
// a conv for which WinogradOddOK holds, as ConvForward does (bias may be
// nil; relu when g.ReLU is set): Winograd's F(2×2, 3×3) tiles, from the
// transformed weights u (WinogradWeights), cover the map but for its last
// row when OH is odd and its last column when OW is odd, which the direct
// kernels compute from the packed weights w, the column as a row of pixels
// one input row apart (a 13×13 map: 36 tiles of 2×2, a row of 13 pixels and
// a column of 12). The work goes by pairs of output rows, the last of an
// odd height its last row alone: (OH+1)/2 pairs. Where the kernels run
// F(4×4, 3×3) instead (g.wino4: the portable kernels; few channels on the
// AVX-512 path), it runs the direct conv.
func ConvForwardWinogradOdd(g *ConvGeom, s *Scratch, out, in, u, w, bias []float32, t0, t1 int) {
	g.check("ConvForwardWinogradOdd", out, in, w, bias)
	if !WinogradOddOK(g) || g.ReLU6 || len(u) < WinogradLen(g) || t0 < 0 || t1 > (g.OH+1)/2 {
		panic(fmt.Errorf("%w: ConvForwardWinogradOdd: %+v, pairs of rows [%d, %d) (u %d; relu6 is not fused)", ErrShape, *g, t0, t1, len(u)))
	}
	y0, y1 := 2*t0, min(2*t1, g.OH)
	if y0 >= y1 {
		return
	}
	if g.wino4() {
		ConvForward(g, s, out, in, w, bias, y0, y1)
		return
	}
	if te := min(t1, g.OH/2); t0 < te && g.OW >= 2 {
		convForwardWinograd2(g, s, out, in, u, bias, t0, te)
	}
	e := &s.winoEdge // a local would escape through the kernel set's function values
	if g.OH%2 == 1 && y1 == g.OH && g.OW >= 2 {
		// The last row but for its last pixel, the column's when OW is odd.
		*e = *g
		e.OW = g.OW &^ 1
		kernels.convForward(e, s, out, in, w, bias, g.OH-1, g.OH)
	}
	if g.OW%2 == 1 {
		// The last column of rows [y0, y1): a row of y1-y0 pixels whose
		// windows (each still FW·C contiguous values a row) lie InRow
		// values apart, their outputs OutRow apart.
		x := g.OW - 1
		*e = *g
		e.OH, e.OW = 1, y1-y0
		e.InPix, e.OutPix = g.InRow, g.OutRow
		e.OutOff = g.OutOff + y0*g.OutRow + x*g.outPix()
		kernels.convForward(e, s, out, in[y0*g.InRow+x*g.inPix():], w, bias, 0, 1)
	} else if g.OW < 2 {
		kernels.convForward(g, s, out, in, w, bias, y0, y1)
	}
}
