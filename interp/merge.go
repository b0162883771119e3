package interp

import "github.com/cnnc/cnnc/ir"

// addForward computes the merge of a residual block, the sum of its inputs
// value by value:
//
//	y[i] = Σ_k x_k[i]
func addForward(in [][]float64) []float64 {
	y := append([]float64(nil), in[0]...)
	for _, x := range in[1:] {
		for i, v := range x {
			y[i] += v
		}
	}
	return y
}

// addBackward returns the gradient of each of the k inputs of a sum: dy
// itself, dx_k[i] = dy[i], a copy for each.
func addBackward(k int, dy []float64) [][]float64 {
	dx := make([][]float64, k)
	for i := range dx {
		dx[i] = append([]float64(nil), dy...)
	}
	return dx
}

// concatForward computes torch.cat(dim=1) for a batch: the channels of each
// sample's inputs one after the other, input k's channel c landing at
// channel off_k + c, off_k being the channels of the inputs before it:
//
//	y[s][off_k + c][h][w] = x_k[s][c][h][w]
//
// With channels outermost in a sample, each input's part of a sample is one
// contiguous run.
func concatForward(shapes []ir.Shape, in [][]float64, batch int) []float64 {
	size := 0
	for _, sh := range shapes {
		size += sh.Size()
	}
	y := make([]float64, 0, batch*size)
	for s := range batch {
		for k, sh := range shapes {
			y = append(y, in[k][s*sh.Size():(s+1)*sh.Size()]...)
		}
	}
	return y
}

// concatBackward slices dy by channel: input k's gradient is its own
// channels of dy, dx_k[s][c][h][w] = dy[s][off_k + c][h][w].
func concatBackward(shapes []ir.Shape, dy []float64, batch int) [][]float64 {
	dx := make([][]float64, len(shapes))
	for k, sh := range shapes {
		dx[k] = make([]float64, 0, batch*sh.Size())
	}
	pos := 0
	for range batch {
		for k, sh := range shapes {
			dx[k] = append(dx[k], dy[pos:pos+sh.Size()]...)
			pos += sh.Size()
		}
	}
	return dx
}
