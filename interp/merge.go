package interp

import "github.com/cnnc/cnnc/ir"

// The merges join the branches of a block: add (a residual block's
// body(x) + shortcut(x)) and concat (torch.cat(dim=1), an Inception or
// DenseNet block).

// addForward returns the sum of its inputs, value by value, added in input
// order:
//
//	y[i] = x₀[i] + x₁[i] + ... + x_{k−1}[i]
func addForward(xs [][]float64) []float64 {
	y := append([]float64(nil), xs[0]...)
	for _, x := range xs[1:] {
		for i, v := range x {
			y[i] += v
		}
	}
	return y
}

// addBackward returns each input's gradient: ∂y/∂x_j is the identity, so
// every input receives dy itself (a copy each),
//
//	dx_j[i] = dy[i]
func addBackward(dy []float64, inputs int) [][]float64 {
	dxs := make([][]float64, inputs)
	for j := range dxs {
		dxs[j] = append([]float64(nil), dy...)
	}
	return dxs
}

// concatForward joins inputs shaped like ins along channels, in order: for
// a batch of n samples, sample s of the output is sample s of x₀ (its C₀
// channels), then sample s of x₁, and so on, so that output channel
// C₀ + ... + C_{j−1} + c is channel c of x_j:
//
//	y[s][C₀+...+C_{j−1}+c][h][w] = x_j[s][c][h][w]
//
// A flat input (H = W = 1) joins its features the same way.
func concatForward(ins []ir.Shape, xs [][]float64, n int) []float64 {
	var y []float64
	for s := range n {
		for j, in := range ins {
			y = append(y, xs[j][s*in.Size():(s+1)*in.Size()]...)
		}
	}
	return y
}

// concatBackward slices dy by channel: input j's gradient is the block of
// channels it filled,
//
//	dx_j[s][c][h][w] = dy[s][C₀+...+C_{j−1}+c][h][w]
func concatBackward(ins []ir.Shape, dy []float64, n int) [][]float64 {
	dxs := make([][]float64, len(ins))
	offset := 0 // where sample s's slice of input j starts in dy
	for range n {
		for j, in := range ins {
			dxs[j] = append(dxs[j], dy[offset:offset+in.Size()]...)
			offset += in.Size()
		}
	}
	return dxs
}
