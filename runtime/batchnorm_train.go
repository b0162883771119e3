package runtime

import (
	"fmt"
	"math"
)

// bnChunk is the number of channels whose float64 sums the training
// kernels keep at once, on the stack: they pass over every pixel of the
// batch once per chunk, reading runs of up to bnChunk channels.
const bnChunk = 64

// BatchNormStats computes, for channels [c0, c1), training mode's batch
// statistics over the M = N·H·W values of each channel in the batch xs (N
// samples, each laid out by g.In), in float64:
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
// given different channel ranges never write the same values. M must be
// at least 2 (PyTorch refuses training mode with one value per channel:
// the caller reports that as an error); it panics with ErrShape otherwise,
// or if a buffer is too short.
func BatchNormStats(g *BNGeom, v *BNVecs, xs [][]float32, c0, c1 int) {
	const fn = "BatchNormStats"
	checkRange(fn, c0, c1, g.C)
	checkVecs(fn, g.C, "Gamma, Beta, RunMean, RunVar, Mean, InvStd, Scale and Shift",
		v.Gamma, v.Beta, v.RunMean, v.RunVar, v.Mean, v.InvStd, v.Scale, v.Shift)
	m := len(xs) * g.H * g.W
	if m < 2 {
		panic(fmt.Errorf("%w: %s: training mode needs more than 1 value per channel, got %d", ErrShape, fn, m))
	}
	for s, x := range xs {
		g.In.checkAt(fn, "input of sample", s, x, g.H, g.W, g.C)
	}
	mf := float64(m)
	for cb := c0; cb < c1; cb += bnChunk {
		n := min(bnChunk, c1-cb)
		var sum, sq, mean [bnChunk]float64
		g.eachRun(xs, g.In, cb, n, func(run []float32) {
			for i, x := range run {
				sum[i] += float64(x)
			}
		})
		for i := range n {
			mean[i] = sum[i] / mf
		}
		g.eachRun(xs, g.In, cb, n, func(run []float32) {
			for i, x := range run {
				d := float64(x) - mean[i]
				sq[i] += d * d
			}
		})
		for i := range n {
			c, variance := cb+i, sq[i]/mf
			v.setCoeffs(c, mean[i], 1/math.Sqrt(variance+g.Eps))
			mo := g.Momentum
			v.RunMean[c] = float32((1-mo)*float64(v.RunMean[c]) + mo*mean[i])
			v.RunVar[c] = float32((1-mo)*float64(v.RunVar[c]) + mo*variance*mf/(mf-1))
		}
	}
}

// eachRun calls f with the run of channels [c0, c0+n) of every pixel of
// every sample of bufs, laid out by l.
func (g *BNGeom) eachRun(bufs [][]float32, l Layout, c0, n int, f func(run []float32)) {
	for _, b := range bufs {
		for y := range g.H {
			for x := range g.W {
				f(b[l.at(y, x, c0):][:n])
			}
		}
	}
}

// BatchNormBackward computes, for channels [c0, c1), the gradients of a
// batch through a batchnorm (N samples: inputs xs, outputs ys, output
// gradients dys, input gradients dxs, laid out by g.In, g.Out, g.DOut and
// g.DIn), from the statistics the forward pass normalised by (v.Mean and
// v.InvStd) and γ. With g.ReLU, dy is first multiplied by relu's
// derivative, read from ys (the relu's output; ys is not read otherwise
// and may be nil). With x̂ = (x − μ)·InvStd, summed over the M = N·H·W
// values of each channel in float64, it adds to the parameters' gradients
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
// the same values. It panics with ErrShape if a buffer is too short.
func BatchNormBackward(g *BNGeom, v *BNVecs, dxs, dys, xs, ys [][]float32, c0, c1 int) {
	const fn = "BatchNormBackward"
	checkRange(fn, c0, c1, g.C)
	checkVecs(fn, g.C, "Gamma, Mean, InvStd, DGamma and DBeta", v.Gamma, v.Mean, v.InvStd, v.DGamma, v.DBeta)
	if len(dxs) != len(xs) || len(dys) != len(xs) || g.ReLU && len(ys) != len(xs) {
		panic(fmt.Errorf("%w: %s: %d inputs, %d input gradients, %d output gradients, %d outputs",
			ErrShape, fn, len(xs), len(dxs), len(dys), len(ys)))
	}
	for s := range xs {
		g.In.checkAt(fn, "input of sample", s, xs[s], g.H, g.W, g.C)
		g.DIn.checkAt(fn, "input gradient of sample", s, dxs[s], g.H, g.W, g.C)
		g.DOut.checkAt(fn, "output gradient of sample", s, dys[s], g.H, g.W, g.C)
		if g.ReLU {
			g.Out.checkAt(fn, "output of sample", s, ys[s], g.H, g.W, g.C)
		}
	}
	mf := float64(len(xs) * g.H * g.W)
	for cb := c0; cb < c1; cb += bnChunk {
		n := min(bnChunk, c1-cb)
		var sdy, sdyx, mean, invstd [bnChunk]float64
		for i := range n {
			mean[i], invstd[i] = float64(v.Mean[cb+i]), float64(v.InvStd[cb+i])
		}
		for s, x := range xs {
			for y := range g.H {
				for xx := range g.W {
					xr, dr := x[g.In.at(y, xx, cb):][:n], dys[s][g.DOut.at(y, xx, cb):][:n]
					var yr []float32
					if g.ReLU {
						yr = ys[s][g.Out.at(y, xx, cb):][:n]
					}
					for i, d := range dr {
						if yr != nil && yr[i] <= 0 {
							continue
						}
						sdy[i] += float64(d)
						sdyx[i] += float64(d) * (float64(xr[i]) - mean[i]) * invstd[i]
					}
				}
			}
		}
		// dx = a·dy + b·x̂ + e per channel, the terms of the mean absent in
		// inference mode.
		var a, b, e [bnChunk]float64
		for i := range n {
			c := cb + i
			v.DBeta[c] += float32(sdy[i])
			v.DGamma[c] += float32(sdyx[i])
			a[i] = float64(v.Gamma[c]) * invstd[i]
			if g.Train {
				b[i], e[i] = -a[i]*sdyx[i]/mf, -a[i]*sdy[i]/mf
			}
		}
		for s, x := range xs {
			for y := range g.H {
				for xx := range g.W {
					xr, dr := x[g.In.at(y, xx, cb):][:n], dys[s][g.DOut.at(y, xx, cb):][:n]
					dx := dxs[s][g.DIn.at(y, xx, cb):][:n]
					var yr []float32
					if g.ReLU {
						yr = ys[s][g.Out.at(y, xx, cb):][:n]
					}
					for i, d := range dr {
						if yr != nil && yr[i] <= 0 {
							d = 0
						}
						xhat := (float64(xr[i]) - mean[i]) * invstd[i]
						r := float32(a[i]*float64(d) + b[i]*xhat + e[i])
						if g.Acc {
							dx[i] += r
						} else {
							dx[i] = r
						}
					}
				}
			}
		}
	}
}
