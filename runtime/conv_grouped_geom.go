package runtime

import "fmt"

// The geometry of the kernels of conv_depthwise.go, conv_grouped.go and
// conv1x1.go: ConvGeom's strides with their defaults, and the checks that
// bound every access of their unsafe inner loops.

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func (g *ConvGeom) inPix() int   { return orDefault(g.InPix, g.C) }
func (g *ConvGeom) outPix() int  { return orDefault(g.OutPix, g.K) }
func (g *ConvGeom) dOutPix() int { return orDefault(g.DOutPix, g.K) }
func (g *ConvGeom) dInPix() int  { return orDefault(g.DInPix, g.C) }
func (g *ConvGeom) dh() int      { return orDefault(g.DH, 1) }
func (g *ConvGeom) dw() int      { return orDefault(g.DW, 1) }
func (g *ConvGeom) groups() int  { return orDefault(g.Groups, 1) }

// checkDense panics unless the kernels of conv.go can compute g: a dense
// conv without dilation, whose input pixels hold just its channels unless
// its filter is one pixel wide (a window row is then one pixel, contiguous
// whatever the pixel stride). Outputs and output gradients may be channel
// slices. The direct kernels store relu6 (ConvForward); the Winograd
// transforms do not.
func (g *ConvGeom) checkDense(fn string) {
	if g.groups() != 1 || g.dh() != 1 || g.dw() != 1 || g.inPix() != g.C && g.FW != 1 || g.inPix() < g.C ||
		g.outPix() < g.K || g.dOutPix() < g.K {
		panic(fmt.Errorf("%w: %s: a dense conv without dilation, input pixels of C values unless FW is 1, got %+v", ErrShape, fn, *g))
	}
}

// span is the extent of a run of n positions, the first at 0, step apart,
// each w values long: the values a buffer must hold from the run's start.
func span(n, step, w int) int {
	if n <= 0 {
		return 0
	}
	return (n-1)*step + w
}

// needIn is the length of input a conv's windows read: pixel
// (y·SH+i·DH, x·SW+j·DW) for y < OH, x < OW, i < FH, j < FW, C channels
// at InPix apart, rows InRow apart.
func (g *ConvGeom) needIn() int {
	if g.OH <= 0 || g.OW <= 0 {
		return 0
	}
	return ((g.OH-1)*g.SH+(g.FH-1)*g.dh())*g.InRow + span((g.OW-1)*g.SW+(g.FW-1)*g.dw()+1, g.inPix(), g.C)
}

func (g *ConvGeom) needOut() int {
	return g.OutOff + span(g.OH, g.OutRow, span(g.OW, g.outPix(), g.K))
}

func (g *ConvGeom) needDOut() int {
	return g.DOutOff + span(g.OH, g.DOutRow, span(g.OW, g.dOutPix(), g.K))
}

func (g *ConvGeom) needDIn() int {
	return g.DInOff + span(g.H, g.DInRow, span(g.W, g.dInPix(), g.C))
}

// valid reports whether g's sizes and strides are positive and its pixel
// strides hold their channels: no run of the kernels then leaves the
// buffers that the need functions measure.
func (g *ConvGeom) valid() bool {
	pos := g.C > 0 && g.K > 0 && g.OH > 0 && g.OW > 0 && g.FH > 0 && g.FW > 0 && g.SH > 0 && g.SW > 0 &&
		g.dh() > 0 && g.dw() > 0 && g.groups() > 0 && g.InRow >= 0 && g.OutRow >= 0 && g.DOutRow >= 0 && g.DInRow >= 0 &&
		g.OutOff >= 0 && g.DOutOff >= 0 && g.DInOff >= 0 && g.H >= 0 && g.W >= 0 && g.PH >= 0 && g.PW >= 0
	return pos && g.inPix() >= g.C && g.outPix() >= g.K && g.dOutPix() >= g.K && g.dInPix() >= g.C &&
		g.C%g.groups() == 0 && g.K%g.groups() == 0
}

// shapeError is the panic of a kernel given buffers too short for g (or a
// geometry it cannot run, or a work range outside [0, n)).
func shapeError(fn string, g *ConvGeom, what string, got, want int) error {
	return fmt.Errorf("%w: %s: %s %d, want %d for %+v", ErrShape, fn, what, got, want, *g)
}

// needLen panics unless len(buf) >= want.
func needLen(fn string, g *ConvGeom, what string, buf []float32, want int) {
	if len(buf) < want {
		panic(shapeError(fn, g, what, len(buf), want))
	}
}

// convScratch is a worker's state for the kernels of conv_depthwise.go,
// conv_grouped.go and conv1x1.go: their arguments, which as locals would
// move to the heap through the kernel set's function values.
type convScratch struct {
	dw    dwArgs
	dwg   dwGradArgs
	runs  []dwRun   // DepthwiseInputGrad's runs of pixels
	g     ConvGeom  // a part of a layer, for the dense kernels
	panel []float32 // pixels gathered, or computed before they are scattered
	bias  []float32 // a bias, or bias gradient, padded to a multiple of 16
}
