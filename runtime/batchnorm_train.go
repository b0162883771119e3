package runtime

import (
	"fmt"
	"math"
)

// bnChunk is the number of channels whose sums the training kernels keep
// at once, on the stack: they pass over every pixel of the batch once per
// chunk, reading runs of up to bnChunk channels. A row's sums are taken
// in float32 by the vector loops, then added up in float64.
const bnChunk = 256

// BatchNormStats computes, for channels [c0, c1), training mode's batch
// statistics over the M = N·H·W values of each channel in the batch xs (N
// samples, each laid out by g.In), in float64 (each row's partial sums in
// float32):
//
//	μ_c  = (1/M) Σ x
//	σ²_c = (1/M) Σ (x − μ_c)²          (biased; two passes over x)
//
// It sets v.Mean = μ and v.InvStd = 1/√(σ² + ε), v.Scale and v.Shift (for
// BatchNormApply, which then normalises each sample), and moves the
// running statistics as PyTorch does, in float64, with the unbiased
// variance:
//
//	RunMean_c ← (1 − momentum)·RunMean_c + momentum·μ_c
//	RunVar_c  ← (1 − momentum)·RunVar_c  + momentum·σ²_c·M/(M − 1)
//
// The buffer num_batches_tracked is the caller's: it adds 1 once per
// training-mode forward pass (for every batchnorm of the network). Workers
// given different channel ranges never write the same values; s is the
// calling worker's scratch memory. M must be
// at least 2 (PyTorch refuses training mode with one value per channel:
// the caller reports that as an error); it panics with ErrShape otherwise,
// or if a buffer is too short.
func BatchNormStats(g *BNGeom, s *Scratch, v *BNVecs, xs [][]float32, c0, c1 int) {
	const fn = "BatchNormStats"
	checkRange(fn, c0, c1, g.C)
	checkVecs(fn, g.C, "Gamma, Beta, RunMean, RunVar, Mean, InvStd, Scale and Shift",
		v.Gamma, v.Beta, v.RunMean, v.RunVar, v.Mean, v.InvStd, v.Scale, v.Shift)
	m := len(xs) * g.H * g.W
	if m < 2 {
		panic(fmt.Errorf("%w: %s: training mode needs more than 1 value per channel, got %d", ErrShape, fn, m))
	}
	for k, x := range xs {
		g.In.checkAt(fn, "input of sample", k, x, g.H, g.W, g.C)
	}
	mf := float64(m)
	// The float32 sums and mean (in scratch memory: a slice passed to a
	// kernel through a function value escapes).
	buf := s.get(2 * bnChunk)
	acc, mean32 := buf[:bnChunk], buf[bnChunk:]
	for cb := c0; cb < c1; cb += bnChunk {
		n := min(bnChunk, c1-cb)
		var sum, sq [bnChunk]float64
		for _, x := range xs {
			for y := range g.H {
				clear(acc[:n])
				kernels.addRows(acc[:n], x[g.In.at(y, 0, cb):], g.In.Pix, g.W)
				for i, a := range acc[:n] {
					sum[i] += float64(a)
				}
			}
		}
		for i := range n {
			mean32[i] = float32(sum[i] / mf)
		}
		for _, x := range xs {
			for y := range g.H {
				clear(acc[:n])
				kernels.ops.sqDev(acc[:n], x[g.In.at(y, 0, cb):], mean32[:n], g.W, g.In.Pix)
				for i, a := range acc[:n] {
					sq[i] += float64(a)
				}
			}
		}
		for i := range n {
			c, mean := cb+i, sum[i]/mf
			// The squares are about the rounded mean: Σ(x − μ')² =
			// Σ(x − μ)² + M·(μ − μ')².
			dm := mean - float64(mean32[i])
			variance := max(sq[i]/mf-dm*dm, 0)
			v.setCoeffs(c, mean, 1/math.Sqrt(variance+g.Eps))
			mo := g.Momentum
			v.RunMean[c] = float32((1-mo)*float64(v.RunMean[c]) + mo*mean)
			v.RunVar[c] = float32((1-mo)*float64(v.RunVar[c]) + mo*variance*mf/(mf-1))
		}
	}
}

// BatchNormBackward computes, for channels [c0, c1), the gradients of a
// batch through a batchnorm (N samples: inputs xs, outputs ys, output
// gradients dys, input gradients dxs, laid out by g.In, g.Out, g.DOut and
// g.DIn), from the statistics the forward pass normalised by (v.Mean and
// v.InvStd) and γ. With a fused activation (g.Act relu or relu6), dy is
// first multiplied by its derivative, read from ys, the activation's
// output: 0 where it is at a bound or NaN (ys is not read otherwise and
// may be nil). With x̂ = (x − μ)·InvStd, summed over the M = N·H·W values
// of each channel (rows in float32, then in float64), it adds to the
// parameters' gradients
//
//	DBeta_c  += Σ dy
//	DGamma_c += Σ dy·x̂
//
// and sets dx (adds to it with g.Acc), in training mode (g.Train) through
// the batch statistics as PyTorch's batch_norm_backward does,
//
//	dx = γ·InvStd · (dy − Σdy/M − x̂·Σdy·x̂/M)
//
// and in inference mode, the statistics being constants, dx = γ·InvStd·dy.
// dys is not changed. Workers given different channel ranges never write
// the same values; s is the calling worker's scratch memory. It panics with ErrShape if a buffer is too short.
func BatchNormBackward(g *BNGeom, s *Scratch, v *BNVecs, dxs, dys, xs, ys [][]float32, c0, c1 int) {
	const fn = "BatchNormBackward"
	checkRange(fn, c0, c1, g.C)
	checkVecs(fn, g.C, "Gamma, Mean, InvStd, DGamma and DBeta", v.Gamma, v.Mean, v.InvStd, v.DGamma, v.DBeta)
	lo, hi := g.clamp(fn)
	mask := g.Act != ActNone
	if len(dxs) != len(xs) || len(dys) != len(xs) || mask && len(ys) != len(xs) {
		panic(fmt.Errorf("%w: %s: %d inputs, %d input gradients, %d output gradients, %d outputs",
			ErrShape, fn, len(xs), len(dxs), len(dys), len(ys)))
	}
	for k := range xs {
		g.In.checkAt(fn, "input of sample", k, xs[k], g.H, g.W, g.C)
		g.DIn.checkAt(fn, "input gradient of sample", k, dxs[k], g.H, g.W, g.C)
		g.DOut.checkAt(fn, "output gradient of sample", k, dys[k], g.H, g.W, g.C)
		if mask {
			g.Out.checkAt(fn, "output of sample", k, ys[k], g.H, g.W, g.C)
		}
	}
	// yrow returns row y of sample k's output from channel cb, or nil.
	yrow := func(k, y, cb int) []float32 {
		if !mask {
			return nil
		}
		return ys[k][g.Out.at(y, 0, cb):]
	}
	mf := float64(len(xs) * g.H * g.W)
	// The float32 sums of a row, and the coefficients of dx: mean, a, b
	// and e, bnChunk apart (see bnGrad), in scratch memory.
	buf := s.get(6 * bnChunk)
	acc1, acc2, coef := buf[:bnChunk], buf[bnChunk:2*bnChunk], buf[2*bnChunk:]
	mean, a, b, e := coef[:bnChunk], coef[bnChunk:2*bnChunk], coef[2*bnChunk:3*bnChunk], coef[3*bnChunk:]
	for cb := c0; cb < c1; cb += bnChunk {
		n := min(bnChunk, c1-cb)
		clear(coef)
		copy(mean[:n], v.Mean[cb:])
		var sdy, sdyx [bnChunk]float64
		for k, x := range xs {
			for y := range g.H {
				clear(acc1[:n])
				clear(acc2[:n])
				kernels.ops.gradSums(acc1[:n], acc2[:n], x[g.In.at(y, 0, cb):], dys[k][g.DOut.at(y, 0, cb):],
					yrow(k, y, cb), mean[:n], g.W, g.In.Pix, g.DOut.Pix, g.Out.Pix, lo, hi)
				for i := range n {
					sdy[i] += float64(acc1[i])
					sdyx[i] += float64(acc2[i])
				}
			}
		}
		// dx = a·dy + b·(x − μ) + e per channel, b and e (the terms of
		// the statistics) 0 in inference mode.
		for i := range n {
			c, invstd := cb+i, float64(v.InvStd[cb+i])
			sdxhat := sdyx[i] * invstd // Σ dy·x̂
			v.DBeta[c] += float32(sdy[i])
			v.DGamma[c] += float32(sdxhat)
			ai := float64(v.Gamma[c]) * invstd
			a[i] = float32(ai)
			if g.Train {
				b[i], e[i] = float32(-ai*invstd*sdxhat/mf), float32(-ai*sdy[i]/mf)
			}
		}
		for k, x := range xs {
			for y := range g.H {
				kernels.ops.bnGrad(dxs[k][g.DIn.at(y, 0, cb):], dys[k][g.DOut.at(y, 0, cb):], x[g.In.at(y, 0, cb):],
					yrow(k, y, cb), coef, n, g.W, g.DIn.Pix, g.DOut.Pix, g.In.Pix, g.Out.Pix, lo, hi, g.Acc)
			}
		}
	}
}
