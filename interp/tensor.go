package interp

import "github.com/cnnc/cnnc/ir"

// at returns where value [s][c][y][x] of a batch of samples shaped like sh
// sits in the batch's row-major [n, C, H, W] array. For a flat shape
// (H = W = 1), at(sh, s, i, 0, 0) is feature i of sample s.
func at(sh ir.Shape, s, c, y, x int) int {
	return ((s*sh.C+c)*sh.H+y)*sh.W + x
}

// weightAt returns where w[k][c'][i][j] sits in the [K, C/G, Fh, Fw]
// weight of conv l on input in, c' < C/G being the channel within the
// filter's group.
func weightAt(l *ir.Conv, in ir.Shape, k, c, i, j int) int {
	return ((k*(in.C/l.Groups)+c)*l.FH+i)*l.FW + j
}

// inside reports whether row y and column x lie in a sample shaped like sh,
// rather than in the padding around it.
func inside(sh ir.Shape, y, x int) bool {
	return y >= 0 && y < sh.H && x >= 0 && x < sh.W
}
