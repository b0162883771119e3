package interp

import (
	"fmt"
	"math"

	"github.com/cnnc/cnnc/ir"
)

// Batch normalisation is nn.BatchNorm2d on a map [n, C, H, W], where
// channel c's statistics run over the M = n·H·W values x[s][c][h][w], and
// nn.BatchNorm1d on flat features [n, C], where they run over the M = n
// values x[s][c] (a flat shape has H = W = 1, so one set of loops serves
// both). With μ_c and σ²_c the mean and variance it normalises by,
//
//	x̂[s][c][h][w] = (x[s][c][h][w] − μ_c) / sqrt(σ²_c + eps)
//	y[s][c][h][w] = γ_c · x̂[s][c][h][w] + β_c
//
// In inference mode (model.eval()) μ and σ² are the buffers running_mean
// and running_var, constants of the pass. In training mode (model.train())
// they are the batch's own, functions of x:
//
//	μ_c  = (1/M) Σ x            (over the M values of channel c)
//	σ²_c = (1/M) Σ (x − μ_c)²   (biased: divided by M)
//
// and the pass then moves the running statistics toward them with
// momentum m, using the unbiased variance, and counts the batch:
//
//	running_mean_c ← (1 − m)·running_mean_c + m·μ_c
//	running_var_c  ← (1 − m)·running_var_c  + m·σ²_c·M/(M − 1)
//	num_batches_tracked ← num_batches_tracked + 1
//
// PyTorch refuses training mode when M = 1 ("Expected more than 1 value
// per channel when training"): the unbiased variance would divide by 0 and
// x̂ would be 0 whatever x is. batchNormStats refuses it too.

// bnStats are the μ_c and 1/sqrt(σ²_c + eps) a pass normalised by, for
// each channel c.
type bnStats struct {
	mean, invstd []float64
	// variance is the biased batch variance σ²_c of a training-mode pass
	// (nil in inference mode); the running statistics' update reads it.
	variance []float64
}

// bnEach calls f for the index in a batch of n samples shaped like sh of
// every value of channel c: x[s][c][h][w] for all s, h, w.
func bnEach(sh ir.Shape, n, c int, f func(i int)) {
	for s := range n {
		for h := range sh.H {
			for w := range sh.W {
				f(at(sh, s, c, h, w))
			}
		}
	}
}

// bnRunningStats returns the statistics of inference mode: μ_c is
// running_mean_c and the inverse deviation 1/sqrt(running_var_c + eps).
func bnRunningStats(op *ir.BatchNorm, runningMean, runningVar []float64) bnStats {
	st := bnStats{mean: append([]float64(nil), runningMean...), invstd: make([]float64, len(runningVar))}
	for c, v := range runningVar {
		st.invstd[c] = 1 / math.Sqrt(v+op.Eps)
	}
	return st
}

// bnBatchStats returns the statistics of training mode for a batch of n
// samples shaped like sh: each channel's mean μ_c = (1/M) Σ x and biased
// variance σ²_c = (1/M) Σ (x − μ_c)² over its M = n·H·W values, and
// 1/sqrt(σ²_c + eps). It refuses M = 1, as PyTorch does.
func bnBatchStats(op *ir.BatchNorm, sh ir.Shape, x []float64, n int) (bnStats, error) {
	m := n * sh.H * sh.W
	if m < 2 {
		return bnStats{}, fmt.Errorf("batchnorm in training mode needs more than 1 value per channel, got %d (batch %d of %s): the batch variance of one value is undefined", m, n, sh)
	}
	st := bnStats{mean: make([]float64, sh.C), invstd: make([]float64, sh.C), variance: make([]float64, sh.C)}
	for c := range sh.C {
		sum := 0.0
		bnEach(sh, n, c, func(i int) { sum += x[i] })
		mean := sum / float64(m)
		sq := 0.0
		bnEach(sh, n, c, func(i int) { sq += (x[i] - mean) * (x[i] - mean) })
		st.mean[c], st.variance[c] = mean, sq/float64(m)
		st.invstd[c] = 1 / math.Sqrt(st.variance[c]+op.Eps)
	}
	return st, nil
}

// bnUpdate moves the running statistics toward a training-mode pass's
// batch statistics st, over M = n·H·W values per channel, and counts the
// batch (tracked holds num_batches_tracked as its one value):
//
//	running_mean_c ← (1 − m)·running_mean_c + m·μ_c
//	running_var_c  ← (1 − m)·running_var_c  + m·σ²_c·M/(M − 1)
//	num_batches_tracked ← num_batches_tracked + 1
func bnUpdate(op *ir.BatchNorm, sh ir.Shape, n int, st bnStats, runningMean, runningVar, tracked []float64) {
	m := float64(n * sh.H * sh.W)
	for c := range runningMean {
		runningMean[c] = (1-op.Momentum)*runningMean[c] + op.Momentum*st.mean[c]
		runningVar[c] = (1-op.Momentum)*runningVar[c] + op.Momentum*st.variance[c]*m/(m-1)
	}
	tracked[0]++
}

// bnForward returns y = γ_c·(x − μ_c)·invstd_c + β_c for a batch of n
// samples shaped like sh, normalised by st (running or batch statistics).
func bnForward(sh ir.Shape, x, gamma, beta []float64, st bnStats, n int) []float64 {
	y := make([]float64, len(x))
	for c := range sh.C {
		bnEach(sh, n, c, func(i int) {
			y[i] = (x[i]-st.mean[c])*st.invstd[c]*gamma[c] + beta[c]
		})
	}
	return y
}

// bnBackward returns the gradients of sum(y·dy) for a batch normalised by
// st. The parameters' are the same in both modes, summed over the M values
// of each channel:
//
//	dβ_c = Σ dy
//	dγ_c = Σ dy · x̂
//
// In inference mode μ and σ² are constants, so dx is dy scaled:
//
//	dx = γ_c · invstd_c · dy
//
// In training mode (train) μ_c and σ²_c are functions of every x of the
// channel; differentiating through them (∂μ/∂x = 1/M, ∂σ²/∂x = 2(x − μ)/M)
// gives, as in PyTorch's batch_norm_backward,
//
//	dx = γ_c · invstd_c / M · (M·dy − Σ dy − x̂ · Σ dy·x̂)
func bnBackward(sh ir.Shape, x, gamma, dy []float64, st bnStats, n int, train bool) (dx, dgamma, dbeta []float64) {
	m := float64(n * sh.H * sh.W)
	dx = make([]float64, len(x))
	dgamma = make([]float64, sh.C)
	dbeta = make([]float64, sh.C)
	for c := range sh.C {
		xhat := func(i int) float64 { return (x[i] - st.mean[c]) * st.invstd[c] }
		bnEach(sh, n, c, func(i int) {
			dbeta[c] += dy[i]
			dgamma[c] += dy[i] * xhat(i)
		})
		scale := gamma[c] * st.invstd[c]
		bnEach(sh, n, c, func(i int) {
			if train {
				dx[i] = scale / m * (m*dy[i] - dbeta[c] - xhat(i)*dgamma[c])
			} else {
				dx[i] = scale * dy[i]
			}
		})
	}
	return dx, dgamma, dbeta
}

// batchNorm runs batchnorm node n forward on x with its tensors ts
// (weight γ, bias β, running_mean, running_var, num_batches_tracked),
// keeping the statistics it normalised by for backward and for the update
// of the running statistics.
func (p *Pass) batchNorm(op *ir.BatchNorm, n *ir.Node, x []float64, ts [][]float64) ([]float64, error) {
	st := bnRunningStats(op, ts[2], ts[3])
	if p.opt.Train {
		var err error
		if st, err = bnBatchStats(op, n.In(), x, p.batch); err != nil {
			return nil, fmt.Errorf("interp: %s: %w", nodeText(n), err)
		}
	}
	p.bn[n.ID] = st
	return bnForward(n.In(), x, ts[0], ts[1], st, p.batch), nil
}

// updateRunningStats applies bnUpdate to every batchnorm of a training
// pass, once the whole forward pass has succeeded: a pass that fails
// leaves the buffers as they were.
func (p *Pass) updateRunningStats() {
	for _, n := range p.model.Graph.Nodes {
		if op, ok := n.Op.(*ir.BatchNorm); ok {
			ts := p.model.tensors(n)
			bnUpdate(op, n.In(), p.batch, p.bn[n.ID], ts[2], ts[3], ts[4])
		}
	}
}
