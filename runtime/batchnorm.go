package runtime

import (
	"fmt"
	"math"
)

// Batch normalisation, nn.BatchNorm2d on H×W×C maps and nn.BatchNorm1d on
// flat features (H = W = 1), as interp's batchnorm.go defines it: with μ_c
// and σ²_c the statistics it normalises channel c by,
//
//	x̂ = (x − μ_c) / √(σ²_c + ε)
//	y = γ_c · x̂ + β_c
//
// In inference mode μ and σ² are the running statistics; the kernels then
// apply y = x·Scale + Shift (BatchNormEval computes the coefficients), or
// a conv or fc before the batchnorm takes them into its weights
// (FoldBatchNorm). In training mode they are the batch's own, over the
// M = N·H·W values of each channel (BatchNormStats), and backward runs
// through them (BatchNormBackward).

// BNGeom describes one batchnorm to its kernels. Every sample's x, y, dx
// and dy is an H×W×C map laid out as given (padded, or a channel slice of
// a wider map).
type BNGeom struct {
	H, W, C   int
	In, Out   Layout  // x and y
	DIn, DOut Layout  // dx and dy
	Eps       float64 // ε
	Momentum  float64 // the running statistics' momentum, in training mode
	// Act fuses an activation after the batchnorm: ActNone, ActReLU or
	// ActReLU6 (MobileNetV2's). The forward stores act(y) (a NaN kept),
	// the backward applies the derivative read from that output first.
	Act Act
	// Train makes BatchNormBackward differentiate through the batch
	// statistics (training mode); otherwise they are constants.
	Train bool
	// Acc makes BatchNormBackward add to dx instead of setting it, for a
	// value with several readers.
	Acc bool
}

// BNVecs holds one batchnorm's per-channel vectors, C values each. The
// kernels read and write the ones their documentation names; the others
// may be nil.
type BNVecs struct {
	Gamma, Beta     []float32 // γ and β: weight and bias
	RunMean, RunVar []float32 // running_mean and running_var (buffers)
	// Mean and InvStd are the statistics the forward pass normalised by,
	// μ and 1/√(σ² + ε): the running ones in inference mode, the batch's
	// in training mode.
	Mean, InvStd []float32
	// Scale and Shift are γ·InvStd and β − Mean·Scale: the affine map
	// BatchNormApply computes.
	Scale, Shift  []float32
	DGamma, DBeta []float32 // the parameters' gradients, added to
}

// checkVecs panics with ErrShape unless every vector holds c values.
func checkVecs(fn string, c int, names string, vecs ...[]float32) {
	for _, v := range vecs {
		if len(v) < c {
			panic(fmt.Errorf("%w: %s: the vectors %s need %d values each, one has %d", ErrShape, fn, names, c, len(v)))
		}
	}
}

// BatchNormEval sets v's Mean, InvStd, Scale and Shift for inference
// mode from Gamma, Beta, RunMean and RunVar (all channels, in float64,
// rounded once):
//
//	InvStd = 1/√(RunVar + ε),  Scale = γ·InvStd,  Shift = β − RunMean·Scale
//
// Call it again whenever the parameters or buffers change.
func BatchNormEval(g *BNGeom, v *BNVecs) {
	checkVecs("BatchNormEval", g.C, "Gamma, Beta, RunMean, RunVar, Mean, InvStd, Scale and Shift",
		v.Gamma, v.Beta, v.RunMean, v.RunVar, v.Mean, v.InvStd, v.Scale, v.Shift)
	for c := range g.C {
		invstd := 1 / math.Sqrt(float64(v.RunVar[c])+g.Eps)
		v.setCoeffs(c, float64(v.RunMean[c]), invstd)
	}
}

// setCoeffs sets channel c's Mean, InvStd, Scale and Shift from μ and
// 1/√(σ² + ε).
func (v *BNVecs) setCoeffs(c int, mean, invstd float64) {
	scale := float64(v.Gamma[c]) * invstd
	v.Mean[c], v.InvStd[c] = float32(mean), float32(invstd)
	v.Scale[c], v.Shift[c] = float32(scale), float32(float64(v.Beta[c])-mean*scale)
}

// BatchNormApply computes rows [y0, y1) of one sample's batchnorm from its
// coefficients (see BatchNormEval and BatchNormStats):
//
//	out[y][x][c] = act(in[y][x][c]·Scale[c] + Shift[c])
//
// in laid out by g.In and out by g.Out; out may be in (same layout). This
// is PyTorch's CPU form in both modes. It panics with ErrShape if a buffer
// is too short.
func BatchNormApply(g *BNGeom, v *BNVecs, out, in []float32, y0, y1 int) {
	const fn = "BatchNormApply"
	checkRange(fn, y0, y1, g.H)
	checkVecs(fn, g.C, "Scale and Shift", v.Scale, v.Shift)
	g.In.check(fn, "input", in, g.H, g.W, g.C)
	g.Out.check(fn, "output", out, g.H, g.W, g.C)
	lo, hi := g.clamp(fn)
	scale, shift := v.Scale[:g.C], v.Shift[:g.C]
	for y := y0; y < y1; y++ {
		kernels.ops.scaleShift(out[g.Out.at(y, 0, 0):], in[g.In.at(y, 0, 0):], scale, shift,
			g.W, g.Out.Pix, g.In.Pix, lo, hi)
	}
}

// clamp returns the bounds of g.Act's clamp; it panics with ErrShape if
// g.Act is not one the kernels fuse.
func (g *BNGeom) clamp(fn string) (lo, hi float32) {
	lo, hi, ok := g.Act.clamp()
	if !ok {
		panic(fmt.Errorf("%w: %s: cannot fuse %v after a batchnorm (none, relu or relu6)", ErrShape, fn, g.Act))
	}
	return lo, hi
}

// FoldBatchNorm takes an inference-mode batchnorm into the conv or fc
// before it: for the k = len(gamma) output channels of the weights src in
// PyTorch's layout ([K][C][FH][FW], or [K][F] for an fc: each output
// channel's weights contiguous, len(src)/k of them) and their bias
// srcBias (nil for a conv without one: b = 0),
//
//	s_k = γ_k / √(var_k + ε)
//	w[k][…] = src[k][…] · s_k
//	b[k]    = (srcBias[k] − mean_k) · s_k + β_k
//
// computed in float64 and rounded once. w may be src (in place); pack w
// for the conv kernels after. Fold again whenever the weights or the
// batchnorm's parameters or buffers change. It panics with ErrShape if the
// lengths do not fit.
func FoldBatchNorm(w, b, src, srcBias, gamma, beta, mean, variance []float32, eps float64) {
	k := len(gamma)
	if k == 0 || len(src)%k != 0 || len(w) < len(src) || len(b) < k || srcBias != nil && len(srcBias) < k {
		panic(fmt.Errorf("%w: FoldBatchNorm: %d weights, %d biases for %d channels (w %d, b %d)",
			ErrShape, len(src), len(srcBias), k, len(w), len(b)))
	}
	checkVecs("FoldBatchNorm", k, "beta, mean and variance", beta, mean, variance)
	per := len(src) / k
	for c := range k {
		s := float64(gamma[c]) / math.Sqrt(float64(variance[c])+eps)
		for i, x := range src[c*per : (c+1)*per] {
			w[c*per+i] = float32(float64(x) * s)
		}
		bias := 0.0
		if srcBias != nil {
			bias = float64(srcBias[c])
		}
		b[c] = float32((bias-float64(mean[c]))*s + float64(beta[c]))
	}
}
