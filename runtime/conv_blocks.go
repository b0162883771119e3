package runtime

import "fmt"

// ConvForwardBlocks computes the output channels of weight blocks [b0, b1)
// (channels [b0·KB, min(b1·KB, K))) of output rows [y0, y1) of a dense
// conv, exactly as ConvForward computes them (the same kernels on the same
// weights: the same bits). A small map split between workers by rows
// gives each only a few rows, for each of which it reads all of the
// layer's weights (ResNet-18's 7x7x512 convs: 9.4 MB for 7 rows); split by
// weight blocks over all rows, each worker reads only its blocks' weights,
// and the parts can be as many as the blocks.
func ConvForwardBlocks(g *ConvGeom, s *Scratch, out, in, w, bias []float32, b0, b1, y0, y1 int) {
	if b0 < 0 || b1 > g.Blocks() || b0 >= b1 {
		panic(fmt.Errorf("%w: ConvForwardBlocks: blocks [%d, %d) of %d", ErrShape, b0, b1, g.Blocks()))
	}
	k0 := b0 * g.KB
	s.blocks = *g
	p := &s.blocks
	p.K, p.OutPix, p.OutOff = min(g.K, b1*g.KB)-k0, g.outPix(), g.OutOff+k0
	if bias != nil {
		bias = bias[k0:]
	}
	ConvForward(p, s, out, in, w[k0*g.FH*g.T():], bias, y0, y1)
}

// AddChannels is Add for channels [c0, c1) of rows [y0, y1) only: the
// residual add of a conv whose output channels are split between workers
// (ConvForwardBlocks).
func AddChannels(g *EltGeom, out []float32, in [][]float32, c0, c1, y0, y1 int) {
	if c0 < 0 || c1 > g.C || c0 >= c1 || len(in) > 4 {
		panic(fmt.Errorf("%w: AddChannels: channels [%d, %d) of %d, %d inputs (at most 4)", ErrShape, c0, c1, g.C, len(in)))
	}
	sub := *g
	sub.C = c1 - c0
	var ins [4][]float32
	for k, x := range in {
		ins[k] = x[c0:]
	}
	Add(&sub, out[c0:], ins[:len(in)], y0, y1)
}
