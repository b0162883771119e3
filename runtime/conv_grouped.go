package runtime

import "fmt"

// Grouped convs (1 < Groups < C: each of Groups groups of K/Groups output
// channels reads its own C/Groups input channels) and dilated convs (DH or
// DW > 1, of one group or more) run on the dense kernels: a panel of
// output pixels' windows of one group (im2col: FH·FW·C/Groups values a
// pixel, filter row by filter column by channel) is the input of a 1x1
// conv whose weights are the group's dense packed weights, unchanged. The
// copy costs a value per multiply-add of each of the group's output
// channels. Depthwise convs (Groups == C) have kernels of their own
// (conv_depthwise.go).
//
// Weights are Groups dense packs, one a group: [Groups][ceil(Kg/KB)][FH][FW][Cg][KB]
// (Cg = C/Groups, Kg = K/Groups; PackGrouped converts from PyTorch's
// [K][Cg][FH][FW]); the bias is [K].

// GroupedWeightLen is the length of a grouped (or dilated) conv's weights.
func GroupedWeightLen(g *ConvGeom) int { return g.groups() * g.groupLen() }

// groupLen is the length of one group's packed weights.
func (g *ConvGeom) groupLen() int {
	cg, kg := g.C/g.groups(), g.K/g.groups()
	return (kg + g.KB - 1) / g.KB * g.KB * g.FH * g.FW * cg
}

// groupBlocks is the number of weight blocks of a group.
func (g *ConvGeom) groupBlocks() int { return (g.K/g.groups() + g.KB - 1) / g.KB }

// GroupedUnits is the number of units ConvWeightGradGrouped divides its
// work into: the weight blocks of every group.
func GroupedUnits(g *ConvGeom) int { return g.groups() * g.groupBlocks() }

// PackGrouped copies a grouped conv's weights from PyTorch's
// [K][C/Groups][FH][FW] layout (src) into Groups dense packs (dst), or back
// when unpack is set.
func PackGrouped(g *ConvGeom, dst, src []float32, unpack bool) {
	cg, kg, n := g.C/g.groups(), g.K/g.groups(), g.K*g.C/g.groups()*g.FH*g.FW
	if len(dst) < GroupedWeightLen(g) || len(src) < n {
		panic(fmt.Errorf("%w: PackGrouped: buffers %d and %d, want %d and %d", ErrShape, len(dst), len(src), GroupedWeightLen(g), n))
	}
	for gi := range g.groups() {
		PackConv(dst[gi*g.groupLen():], src[gi*kg*cg*g.FH*g.FW:], kg, cg, g.FH, g.FW, g.KB, unpack)
	}
}

func (g *ConvGeom) checkGrouped(fn string) {
	if !g.valid() || g.KB < 16 || g.KB%16 != 0 {
		panic(fmt.Errorf("%w: %s: sizes, strides and dilations positive, Groups dividing C and K, KB a multiple of 16, got %+v", ErrShape, fn, *g))
	}
}

// im2col copies the windows of groups [g0, g1) of the n output pixels
// from p0 (in row order) into panel, group by group, FH·FW·Cg values a
// pixel: one pass over each window's pixels for all the groups (a pass a
// group would read every input line once per group).
func (g *ConvGeom) im2col(panel, in []float32, g0, g1, p0, n int) {
	cg := g.C / g.groups()
	t := g.FH * g.FW * cg
	for p := range n {
		y, x := (p0+p)/g.OW, (p0+p)%g.OW
		for i := range g.FH {
			row := in[(y*g.SH+i*g.dh())*g.InRow:]
			for j := range g.FW {
				src := row[(x*g.SW+j*g.dw())*g.inPix():]
				dst := panel[p*t+(i*g.FW+j)*cg:]
				for gi := g0; gi < g1; gi++ {
					copyShort(dst[(gi-g0)*n*t:][:cg], src[gi*cg:])
				}
			}
		}
	}
}

// copyShort is copy(dst, src) for len(dst) <= len(src), with moves of 4
// values for the few channels of a narrow group (ResNeXt's 4), where a
// call of memmove a window would cost more than the window.
func copyShort(dst, src []float32) {
	n := len(dst)
	if n >= 16 {
		copy(dst, src)
		return
	}
	src = src[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		*(*[4]float32)(dst[i:]) = *(*[4]float32)(src[i:])
	}
	for ; i < n; i++ {
		dst[i] = src[i]
	}
}

// pad16 rounds n up to a multiple of 16: the channels a panel computes.
// The dense kernels take a last group of fewer than 16 channels a pixel at
// a time (its weight gradient in scalar Go: MobileNetV2's 144→24 ran at
// 1.7 GFLOP/s); in a panel the packed weights' zero padding computes the
// rest of the 16 at the kernels' speed, and only the real channels are
// kept.
func pad16(n int) int { return (n + 15) &^ 15 }

// panelGeom describes to the dense kernels a panel of n pixels of group
// windows as a 1x1 conv of one row: t values in (pix apart), kp channels
// out.
func (s *convScratch) panelGeom(g *ConvGeom, t, pix, kp, n int) *ConvGeom {
	s.g = ConvGeom{C: t, InPix: pix, InRow: n * pix, OH: 1, OW: n, K: kp, OutRow: n * kp, DOutRow: n * kp,
		FH: 1, FW: 1, SH: 1, SW: 1, KB: g.KB, ReLU: g.ReLU, ReLU6: g.ReLU6}
	return &s.g
}

// paddedBias returns the kg biases from k0, padded with zeros to kp in the
// scratch when kp > kg; nil for no bias.
func (s *convScratch) paddedBias(bias []float32, k0, kg, kp int) []float32 {
	if bias == nil || kp == kg {
		if bias == nil {
			return nil
		}
		return bias[k0:]
	}
	b := grow(&s.bias, kp)
	copy(b, bias[k0:][:kg])
	clear(b[kg:])
	return b
}

// inPlace reports whether the panels can read the input where it is: a 1x1
// conv of one group over a flat input.
func (g *ConvGeom) inPlace() bool {
	return g.FH == 1 && g.FW == 1 && g.groups() == 1 && g.flatIn()
}

// ConvForwardGrouped computes output rows [y0, y1) of a conv of any
// groups and dilation: for every pixel (y, x) and channel k of group
// gi = k/Kg,
//
//	out[y][x][k] = bias[k] + Σ_{i, j, c<Cg} in[y·SH+i·DH][x·SW+j·DW][gi·Cg+c] · w[k][c][i][j]
//
// then relu or relu6; bias may be nil. The tensors are laid out as for
// DepthwiseForward.
func ConvForwardGrouped(g *ConvGeom, s *Scratch, out, in, w, bias []float32, y0, y1 int) {
	const fn = "ConvForwardGrouped"
	g.checkGrouped(fn)
	checkRange(fn, y0, y1, g.OH)
	needLen(fn, g, "out", out, g.needOut())
	needLen(fn, g, "in", in, g.needIn())
	needLen(fn, g, "w", w, GroupedWeightLen(g))
	if bias != nil {
		needLen(fn, g, "bias", bias, g.K)
	}
	forwardPanels(g, s, out, in, w, bias, y0, y1)
}

// forwardPanels computes rows [y0, y1) panel by panel of pixels, group by
// group: the windows gathered (or read in place), the dense kernels'
// products in the scratch, copied to the output.
func forwardPanels(g *ConvGeom, s *Scratch, out, in, w, bias []float32, y0, y1 int) {
	cg, kg := g.C/g.groups(), g.K/g.groups()
	t, kp := g.FH*g.FW*cg, pad16(kg)
	gt := g.groups() * t // a pixel's windows, all groups
	n := panel1x1(gt, kp)
	buf := grow(&s.cv.panel, n*(gt+kp))
	a, b := buf[:n*gt], buf[n*gt:]
	for p0, end := y0*g.OW, y1*g.OW; p0 < end; p0 += n {
		m := min(n, end-p0)
		if !g.inPlace() {
			g.im2col(a, in, 0, g.groups(), p0, m)
		}
		for gi := range g.groups() {
			src, pix := a[gi*m*t:], t
			if g.inPlace() {
				src, pix = in[p0*g.inPix():], g.inPix()
			}
			ConvForward(s.cv.panelGeom(g, t, pix, kp, m), s, b, src, w[gi*g.groupLen():], s.cv.paddedBias(bias, gi*kg, kg, kp), 0, 1)
			for p := range m {
				y, x := (p0+p)/g.OW, (p0+p)%g.OW
				copy(out[g.OutOff+y*g.OutRow+x*g.outPix()+gi*kg:][:kg], b[p*kp:][:kg])
			}
		}
	}
}

// ConvWeightGradGrouped adds to the weight gradient dw (and to db unless
// nil) the contribution of every output pixel, for the units [u0, u1) of
// GroupedUnits (the weight blocks of every group, group by group; workers
// given different units never write the same values):
//
//	dw[k][c][i][j] += Σ_{y, x} in[y·SH+i·DH][x·SW+j·DW][gi·Cg+c] · dout[y][x][k],  db[k] += Σ dout[y][x][k]
func ConvWeightGradGrouped(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, u0, u1 int) {
	const fn = "ConvWeightGradGrouped"
	g.checkGrouped(fn)
	checkRange(fn, u0, u1, GroupedUnits(g))
	needLen(fn, g, "dw", dw, GroupedWeightLen(g))
	needLen(fn, g, "in", in, g.needIn())
	needLen(fn, g, "dout", dout, g.needDOut())
	if db != nil {
		needLen(fn, g, "db", db, g.K)
	}
	weightGradPanels(g, s, dw, db, in, dout, u0, u1)
}

// weightGradPanels runs the weight gradient panel by panel of pixels: the
// windows gathered (or read in place), the output gradient copied next to
// them, padded with zeros to a multiple of 16 channels.
func weightGradPanels(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, u0, u1 int) {
	cg, kg, nb := g.C/g.groups(), g.K/g.groups(), g.groupBlocks()
	t, kp := g.FH*g.FW*cg, pad16(kg)
	if u0 == u1 {
		return
	}
	g0, g1 := u0/nb, (u1+nb-1)/nb // the groups with a unit in range
	gt := (g1 - g0) * t
	n := panel1x1(gt, kp)
	buf := grow(&s.cv.panel, n*(gt+kp))
	a, d := buf[:n*gt], buf[n*gt:]
	clear(d) // the padding channels stay 0
	for p0, end := 0, g.OH*g.OW; p0 < end; p0 += n {
		m := min(n, end-p0)
		if !g.inPlace() {
			g.im2col(a, in, g0, g1, p0, m)
		}
		for gi := g0; gi < g1; gi++ {
			src, pix := a[(gi-g0)*m*t:], t
			if g.inPlace() {
				src, pix = in[p0*g.inPix():], g.inPix()
			}
			for p := range m {
				y, x := (p0+p)/g.OW, (p0+p)%g.OW
				copy(d[p*kp:][:kg], dout[g.DOutOff+y*g.DOutRow+x*g.dOutPix()+gi*kg:][:kg])
			}
			b0, b1 := max(u0-gi*nb, 0), min(u1-gi*nb, nb) // the group's blocks in range
			sub := s.cv.panelGeom(g, t, pix, kp, m)
			sub.ReLU = false
			ConvWeightGrad(sub, s, dw[gi*g.groupLen():], s.cv.biasGrad(db, gi*kg, kg, kp), src, d, b0, b1)
			s.cv.addBiasGrad(db, gi*kg, kg, kp)
		}
	}
}

// biasGrad returns where the dense kernels add the bias gradient of kg
// channels from k0: db itself, or, for a group padded to kp channels, kp
// zeros in the scratch that addBiasGrad then adds to db; nil for none.
func (s *convScratch) biasGrad(db []float32, k0, kg, kp int) []float32 {
	if db == nil || kp == kg {
		if db == nil {
			return nil
		}
		return db[k0:]
	}
	b := grow(&s.bias, kp)
	clear(b)
	return b
}

// addBiasGrad adds biasGrad's padded sums to db.
func (s *convScratch) addBiasGrad(db []float32, k0, kg, kp int) {
	if db == nil || kp == kg {
		return
	}
	for k, v := range s.bias[:kg] {
		db[k0+k] += v
	}
}
