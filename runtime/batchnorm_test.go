package runtime

import (
	"fmt"
	"math"
	"testing"
)

// The batchnorm by its definition, in float64 (interp/batchnorm.go), on a
// batch of maps: channel c's values are those of every sample and pixel.

// refBNStats returns each channel's batch mean and biased variance.
func refBNStats(xs []*testMap) (mean, variance []float64) {
	c := xs[0].c
	mean, variance = make([]float64, c), make([]float64, c)
	m := float64(len(xs) * xs[0].h * xs[0].w)
	for _, x := range xs {
		for i, v := range x.values() {
			mean[i%c] += v / m
		}
	}
	for _, x := range xs {
		for i, v := range x.values() {
			variance[i%c] += (v - mean[i%c]) * (v - mean[i%c]) / m
		}
	}
	return mean, variance
}

// refBNForward returns y = act((x − μ)/√(σ² + ε)·γ + β).
func refBNForward(xs []*testMap, gamma, beta, mean, variance []float64, eps float64, act Act) [][]float64 {
	c := len(gamma)
	ys := make([][]float64, len(xs))
	for s, x := range xs {
		ys[s] = x.values()
		for i, v := range ys[s] {
			ys[s][i] = refAct(act, 0, (v-mean[i%c])/math.Sqrt(variance[i%c]+eps)*gamma[i%c]+beta[i%c])
		}
	}
	return ys
}

// refBNBackward returns dx, dγ and dβ of sum(y·dy) (before any relu), as
// PyTorch's batch_norm_backward: through the batch statistics when train.
func refBNBackward(xs []*testMap, dys [][]float64, gamma, mean, variance []float64, eps float64, train bool) (dxs [][]float64, dgamma, dbeta []float64) {
	c := len(gamma)
	m := float64(len(xs) * xs[0].h * xs[0].w)
	dgamma, dbeta = make([]float64, c), make([]float64, c)
	xhat := func(s, i int) float64 {
		return (float64(xs[s].get(i)) - mean[i%c]) / math.Sqrt(variance[i%c]+eps)
	}
	for s := range xs {
		for i, d := range dys[s] {
			dbeta[i%c] += d
			dgamma[i%c] += d * xhat(s, i)
		}
	}
	dxs = make([][]float64, len(xs))
	for s := range xs {
		dxs[s] = make([]float64, len(dys[s]))
		for i, d := range dys[s] {
			k := gamma[i%c] / math.Sqrt(variance[i%c]+eps)
			if train {
				dxs[s][i] = k / m * (m*d - dbeta[i%c] - xhat(s, i)*dgamma[i%c])
			} else {
				dxs[s][i] = k * d
			}
		}
	}
	return dxs, dgamma, dbeta
}

// bnCase holds a batch and a batchnorm's vectors for the tests.
type bnCase struct {
	g                        *BNGeom
	v                        *BNVecs
	xs, ys, dys, dxs         []*testMap
	gamma, beta, rmean, rvar []float64
}

func f32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func f64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// newBNCase makes a batch of n h×w×c samples (each channel with an offset
// and a spread of its own), laid out as ls[0..3] give x, y, dy and dx,
// and random vectors.
func newBNCase(r *Rand, n, h, w, c int, ls [4]Layout, act Act, train, acc bool) *bnCase {
	bc := &bnCase{
		g: &BNGeom{H: h, W: w, C: c, In: ls[0], Out: ls[1], DOut: ls[2], DIn: ls[3],
			Eps: 1e-3, Momentum: 0.3, Act: act, Train: train, Acc: acc},
		gamma: make([]float64, c), beta: make([]float64, c), rmean: make([]float64, c), rvar: make([]float64, c),
	}
	for i := range c {
		bc.gamma[i], bc.beta[i] = float64(float32(1+0.5*r.Normal())), float64(float32(r.Normal()))
		bc.rmean[i], bc.rvar[i] = float64(float32(r.Normal())), float64(float32(0.5+math.Abs(r.Normal())))
	}
	for range n {
		x := randMap(r, ls[0], h, w, c, 1)
		for i := range x.size() {
			x.set(i, x.get(i)*float32(1+i%c%3)+float32(i%c%5-2))
		}
		bc.xs = append(bc.xs, x)
		bc.ys = append(bc.ys, newTestMap(ls[1], h, w, c))
		bc.dys = append(bc.dys, randMap(r, ls[2], h, w, c, 1))
		bc.dxs = append(bc.dxs, randMap(r, ls[3], h, w, c, 1))
	}
	z := func() []float32 { return make([]float32, c) }
	bc.v = &BNVecs{Gamma: f32s(bc.gamma), Beta: f32s(bc.beta), RunMean: f32s(bc.rmean), RunVar: f32s(bc.rvar),
		Mean: z(), InvStd: z(), Scale: z(), Shift: z(), DGamma: f32s(bc.beta), DBeta: f32s(bc.gamma)}
	return bc
}

func bufs(ms []*testMap) [][]float32 {
	b := make([][]float32, len(ms))
	for i, m := range ms {
		b[i] = m.buf
	}
	return b
}

// bnTol is the tolerance of the batchnorm kernels against the float64
// definition, relative to max(1, |want|): the statistics are float64 sums
// rounded once, the outputs a float32 multiply-add of rounded coefficients.
const bnTol = 1e-5

// bnLayouts returns the four layouts of x, y, dy and dx of case i.
func bnLayouts(w, c, i int) [4]Layout {
	ls := testLayouts(w, c)
	return [4]Layout{ls[i%3], ls[(i+1)%3], ls[(i+2)%3], ls[(i/3)%3]}
}

// bnActs are the activations the batchnorm kernels fuse.
var bnActs = []Act{ActNone, ActReLU, ActReLU6}

// TestBatchNormEval: inference mode's coefficients and BatchNormApply,
// with each fused activation, on every layout mix and kernel path; then
// the backward with the statistics as constants.
func TestBatchNormEval(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, sh := range mapShapes {
			for k, act := range bnActs {
				h, w, c := sh[0], sh[1], sh[2]
				bc := newBNCase(NewRand(uint64(n+1)), 2, h, w, c, bnLayouts(w, c, n+k), act, false, k == 1)
				what := fmt.Sprintf("%dx%dx%d %v", h, w, c, act)
				BatchNormEval(bc.g, bc.v)
				want := refBNForward(bc.xs, bc.gamma, bc.beta, bc.rmean, bc.rvar, bc.g.Eps, act)
				for s := range bc.xs {
					halves(h, func(y0, y1 int) { BatchNormApply(bc.g, bc.v, bc.ys[s].buf, bc.xs[s].buf, y0, y1) })
					within(t, what, bc.ys[s], want[s], bnTol)
				}
				checkBNBackward(t, what, bc, bc.rmean, bc.rvar)
			}
		}
	})
}

// checkBNBackward runs BatchNormBackward over two channel ranges and
// compares dx, dγ and dβ with the definition, from statistics mean and
// variance; with a fused activation, dy is first masked where the output
// is at a bound.
func checkBNBackward(t *testing.T, what string, bc *bnCase, mean, variance []float64) {
	t.Helper()
	dys := make([][]float64, len(bc.dys))
	for s, d := range bc.dys {
		dys[s] = d.values()
		for i := range dys[s] {
			lo, hi, _ := bc.g.Act.clamp()
			if y := bc.ys[s].get(i); bc.g.Act != ActNone && !(y > lo && y < hi) {
				dys[s][i] = 0
			}
		}
	}
	dxs, dgamma, dbeta := refBNBackward(bc.xs, dys, bc.gamma, mean, variance, bc.g.Eps, bc.g.Train)
	for i := range dgamma {
		dgamma[i] += float64(bc.v.DGamma[i]) // added to
		dbeta[i] += float64(bc.v.DBeta[i])
	}
	for s := range dxs {
		for i := range dxs[s] {
			if bc.g.Acc {
				dxs[s][i] += float64(bc.dxs[s].get(i))
			}
		}
	}
	var sc Scratch
	halves(bc.g.C, func(c0, c1 int) {
		BatchNormBackward(bc.g, &sc, bc.v, bufs(bc.dxs), bufs(bc.dys), bufs(bc.xs), bufs(bc.ys), c0, c1)
	})
	for s := range dxs {
		within(t, what+" dx", bc.dxs[s], dxs[s], bnTol)
	}
	vecWithin(t, what+" dγ", bc.v.DGamma, dgamma, bnTol)
	vecWithin(t, what+" dβ", bc.v.DBeta, dbeta, bnTol)
}

// vecWithin fails t at the first value of got farther than
// tol·max(1, |want|) from want; NaN must match NaN.
func vecWithin(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	for i, w := range want {
		g := float64(got[i])
		if math.IsNaN(g) && math.IsNaN(w) {
			continue
		}
		if d := math.Abs(g - w); !(d <= tol*max(1, math.Abs(w))) {
			t.Errorf("%s[%d] = %g, want %g (tolerance %g)", what, i, got[i], w, tol)
			return
		}
	}
}

// TestBatchNormTrain: training mode's batch statistics (over two channel
// ranges), the running statistics' update with the unbiased variance,
// BatchNormApply, and the backward through the statistics, with each
// fused activation, setting dx and adding to it, on every layout mix and
// kernel path, against the definition.
func TestBatchNormTrain(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, sh := range mapShapes {
			for k := range 6 {
				h, w, c := sh[0], sh[1], sh[2]
				act, acc := bnActs[k%3], k >= 3
				bc := newBNCase(NewRand(uint64(10*n+k)), 3, h, w, c, bnLayouts(w, c, n+k), act, true, acc)
				what := fmt.Sprintf("%dx%dx%d %v acc %v", h, w, c, act, acc)
				mean, variance := refBNStats(bc.xs)
				var sc Scratch
				halves(c, func(c0, c1 int) { BatchNormStats(bc.g, &sc, bc.v, bufs(bc.xs), c0, c1) })
				m := float64(3 * h * w)
				wantRM, wantRV, invstd := make([]float64, c), make([]float64, c), make([]float64, c)
				for i := range c {
					wantRM[i] = 0.7*bc.rmean[i] + 0.3*mean[i]
					wantRV[i] = 0.7*bc.rvar[i] + 0.3*variance[i]*m/(m-1)
					invstd[i] = 1 / math.Sqrt(variance[i]+bc.g.Eps)
				}
				vecWithin(t, what+" mean", bc.v.Mean, mean, 1e-6)
				vecWithin(t, what+" invstd", bc.v.InvStd, invstd, 1e-6)
				vecWithin(t, what+" running mean", bc.v.RunMean, wantRM, 1e-6)
				vecWithin(t, what+" running var", bc.v.RunVar, wantRV, 1e-6)
				want := refBNForward(bc.xs, bc.gamma, bc.beta, mean, variance, bc.g.Eps, act)
				for s := range bc.xs {
					halves(h, func(y0, y1 int) { BatchNormApply(bc.g, bc.v, bc.ys[s].buf, bc.xs[s].buf, y0, y1) })
					within(t, what, bc.ys[s], want[s], bnTol)
				}
				checkBNBackward(t, what, bc, mean, variance)
			}
		}
	})
}
