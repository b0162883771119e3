package runtime

import "fmt"

// The input gradient of a grouped or dilated conv (or of any conv: a dense
// one of stride 2 too) gathers by input rows: for input row y', each filter
// row i that reaches it from output row y, each filter column j and each
// group, the products of output row y's gradients (Kg channels, at DOutPix
// apart) with tap (i, j)'s transposed weights are a 1x1 conv the dense
// kernels compute; each product then adds to the input pixel the tap
// reaches. Every multiply-add is done once, at the dense kernels' speed.

// GroupedTransposedLen is the length of the transposed weights
// ConvInputGradGrouped reads: for each group and tap, Cg output channels
// in blocks of KB by Kg.
func GroupedTransposedLen(g *ConvGeom) int { return g.groups() * g.FH * g.FW * g.tapLen() }

// tapLen is the length of one tap's transposed weights of one group.
func (g *ConvGeom) tapLen() int {
	cg, kg := g.C/g.groups(), g.K/g.groups()
	return (cg + g.KB - 1) / g.KB * g.KB * kg
}

// GroupedTranspose fills wt (GroupedTransposedLen values) from the packed
// weights w (PackGrouped's): for each group gi and tap (i, j), the packed
// weights of a 1x1 conv from Kg channels to Cg,
//
//	wt[gi][i][j][c][k] = w[gi·Kg+k][c][i][j]
//
// Call it whenever the weights change.
func GroupedTranspose(g *ConvGeom, wt, w []float32) {
	g.checkGrouped("GroupedTranspose")
	if len(wt) < GroupedTransposedLen(g) || len(w) < GroupedWeightLen(g) {
		panic(fmt.Errorf("%w: GroupedTranspose: buffers %d and %d, want %d and %d", ErrShape,
			len(wt), len(w), GroupedTransposedLen(g), GroupedWeightLen(g)))
	}
	// Block by block: the kb × kb matrix of channels (c, k) of one tap is
	// in one piece in w and, transposed, in wt; the channels past Cg in
	// the last block of c are zeros.
	cg, kg, kb, tl := g.C/g.groups(), g.K/g.groups(), g.KB, g.tapLen()
	for gi := range g.groups() {
		src := w[gi*g.groupLen():]
		for i := range g.FH {
			for j := range g.FW {
				dst := wt[((gi*g.FH+i)*g.FW+j)*tl:][:tl]
				for k0 := 0; k0 < kg; k0 += kb {
					kn := min(kb, kg-k0)
					s := src[((k0/kb*g.FH+i)*g.FW+j)*cg*kb:][:cg*kb]
					for c0 := 0; c0 < cg; c0 += kb {
						cn := min(kb, cg-c0)
						d := dst[(c0/kb*kg+k0)*kb:][:kn*kb]
						for k := range kn {
							row := d[k*kb:][:kb]
							for c := range cn {
								row[c] = s[(c0+c)*kb+k]
							}
							clear(row[cn:])
						}
					}
				}
			}
		}
	}
}

// ConvInputGradGrouped computes the input gradient of a conv of any
// groups, stride, padding and dilation for the input rows [y0, y1) of H:
//
//	din[y'][x'][gi·Cg+c] = Σ w[gi·Kg+k][c][i][j] · dout[y][x][gi·Kg+k]  over y·SH+i·DH−PH = y', x·SW+j·DW−PW = x'
//
// setting din (0 where no tap reaches), or adding to it when add is set;
// wt is GroupedTranspose's. Laid out as for DepthwiseInputGrad; workers
// given different rows never write the same values.
func ConvInputGradGrouped(g *ConvGeom, s *Scratch, din, wt, dout []float32, add bool, y0, y1 int) {
	const fn = "ConvInputGradGrouped"
	g.checkGrouped(fn)
	checkRange(fn, y0, y1, g.H)
	needLen(fn, g, "din", din, g.needDIn())
	needLen(fn, g, "dout", dout, g.needDOut())
	needLen(fn, g, "wt", wt, GroupedTransposedLen(g))
	inputGradTaps(g, s, din, wt, dout, add, y0, y1)
}

// inputGradTaps is ConvInputGradGrouped's work, for rows [y0, y1); the
// products of a tap are computed for a multiple of 16 channels.
func inputGradTaps(g *ConvGeom, s *Scratch, din, wt, dout []float32, add bool, y0, y1 int) {
	cg, kg := g.C/g.groups(), g.K/g.groups()
	cp := pad16(cg)
	prod := grow(&s.cv.panel, g.OW*cp)
	for y := y0; y < y1; y++ {
		row := din[g.DInOff+y*g.DInRow:]
		if !add {
			clearPixels(row, g.W, g.dInPix(), g.C)
		}
		for i := range g.FH {
			q := y + g.PH - i*g.dh()
			if q < 0 || q%g.SH != 0 || q/g.SH >= g.OH {
				continue
			}
			drow := dout[g.DOutOff+q/g.SH*g.DOutRow:]
			for j := range g.FW {
				// The output pixels whose tap j reaches an input pixel:
				// 0 <= x·SW + j·DW − PW < W.
				off := j*g.dw() - g.PW
				x0 := max(0, (-off+g.SW-1)/g.SW)
				x1 := min(g.OW, (g.W-1-off)/g.SW+1)
				if g.W-1-off < 0 || x0 >= x1 {
					continue
				}
				n := x1 - x0
				s.cv.g = ConvGeom{C: kg, InPix: g.dOutPix(), InRow: n * g.dOutPix(), OH: 1, OW: n, K: cp, OutRow: n * cp,
					FH: 1, FW: 1, SH: 1, SW: 1, KB: g.KB}
				for gi := range g.groups() {
					ConvForward(&s.cv.g, s, prod, drow[x0*g.dOutPix()+gi*kg:], wt[((gi*g.FH+i)*g.FW+j)*g.tapLen():], nil, 0, 1)
					for x := x0; x < x1; x++ {
						d := row[(x*g.SW+off)*g.dInPix()+gi*cg:][:cg]
						for c, v := range prod[(x-x0)*cp:][:cg] {
							d[c] += v
						}
					}
				}
			}
		}
	}
}
