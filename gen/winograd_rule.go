package gen

import "github.com/cnnc/cnnc/ir"

// Winograd says whether the generated code runs the forward pass of conv
// op, over an input of shape in giving out, as Winograd's minimal
// filtering rather than a direct convolution: the rule both generators
// apply (a dense 3×3 stride-1 conv of at least winoMinC input channels and
// an even output). cnnc bench marks such layers, whose GFLOP/s count the
// direct convolution's multiply-adds.
func Winograd(op *ir.Conv, in, out ir.Shape) bool {
	return convKindOf(op, in.C) == kindDense && winograd(op, in.C, out.H, out.W)
}
