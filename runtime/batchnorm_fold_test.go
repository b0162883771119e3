package runtime

import (
	"fmt"
	"math"
	"testing"
)

// TestFoldBatchNorm: a conv whose weights FoldBatchNorm folded (in
// PyTorch's layout, then packed) computes, on every kernel path, what the
// conv followed by the inference-mode batchnorm computes by definition
// (float64); with and without the conv's bias, folded in place or not.
// An fc folds the same way: its weights are [K][F].
func TestFoldBatchNorm(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, cc := range convCases[:7] {
			cc.relu = false
			r := NewRand(uint64(n + 40))
			x := randSlice(r, cc.h*cc.w*cc.c)
			w := randSlice(r, cc.k*cc.c*cc.fh*cc.fw)
			var b []float32
			if n%2 == 0 {
				b = randSlice(r, cc.k)
			}
			gamma, beta, mean, variance := randSlice(r, cc.k), randSlice(r, cc.k), randSlice(r, cc.k), randSlice(r, cc.k)
			for i := range variance {
				variance[i] = float32(math.Abs(float64(variance[i])) + 0.1)
			}
			const eps = 1e-3
			convBias := b
			if b == nil {
				convBias = make([]float32, cc.k)
			}
			conv := naiveConv(cc, x, w, convBias)
			want := make([]float64, len(conv))
			for i, v := range conv {
				k := i % cc.k
				want[i] = (float64(v)-float64(mean[k]))/math.Sqrt(float64(variance[k])+eps)*float64(gamma[k]) + float64(beta[k])
			}
			fw, fb := make([]float32, len(w)), make([]float32, cc.k)
			if n%3 == 0 {
				fw = w // in place
			}
			FoldBatchNorm(fw, fb, w, b, gamma, beta, mean, variance, eps)
			g := cc.geom()
			packed := make([]float32, g.WeightLen())
			PackConv(packed, fw, cc.k, cc.c, cc.fh, cc.fw, cc.kb, false)
			out := make([]float32, g.OutOff+(g.OH+cc.oph)*g.OutRow)
			var s Scratch
			ConvForward(g, &s, out, pad(x, cc.h, cc.w, cc.c, cc.ph, cc.pw), packed, fb, 0, g.OH)
			got := unpad(out[g.OutOff-cc.oph*g.OutRow-cc.opw*cc.k:], g.OH, g.OW, cc.k, cc.oph, cc.opw)
			vecWithin(t, fmt.Sprintf("conv case %d bias %v", n, b != nil), got, want, 1e-4)
		}

		// An fc of 7 features to 5: y = W·x + b, then the batchnorm.
		r := NewRand(9)
		x, w, b := randSlice(r, 7), randSlice(r, 35), randSlice(r, 5)
		gamma, beta, mean := randSlice(r, 5), randSlice(r, 5), randSlice(r, 5)
		variance := []float32{0.5, 1, 2, 0.01, 3}
		fw, fb := make([]float32, 35), make([]float32, 5)
		FoldBatchNorm(fw, fb, w, b, gamma, beta, mean, variance, 1e-5)
		want := make([]float64, 5)
		got := make([]float32, 5)
		for k := range 5 {
			sum := float64(b[k])
			for i := range 7 {
				sum += float64(w[k*7+i]) * float64(x[i])
			}
			want[k] = (sum-float64(mean[k]))/math.Sqrt(float64(variance[k])+1e-5)*float64(gamma[k]) + float64(beta[k])
			got[k] = Dot(fw[k*7:(k+1)*7], x) + fb[k]
		}
		vecWithin(t, "fc", got, want, 1e-5)
	})
}

// TestBatchNormShapePanics: short buffers and vectors, bad ranges and a
// batch of one value per channel in training mode panic with ErrShape.
func TestBatchNormShapePanics(t *testing.T) {
	l := Dense(2, 3)
	g := &BNGeom{H: 2, W: 2, C: 3, In: l, Out: l, DIn: l, DOut: l, Train: true}
	v := &BNVecs{}
	for _, p := range []*[]float32{&v.Gamma, &v.Beta, &v.RunMean, &v.RunVar, &v.Mean, &v.InvStd, &v.Scale, &v.Shift, &v.DGamma, &v.DBeta} {
		*p = make([]float32, 3)
	}
	m := make([]float32, 12)
	wantShapePanic(t, "short input", func() { BatchNormApply(g, v, m, m[:11], 0, 2) })
	wantShapePanic(t, "rows", func() { BatchNormApply(g, v, m, m, 1, 3) })
	var s Scratch
	wantShapePanic(t, "short sample", func() { BatchNormStats(g, &s, v, [][]float32{m, m[:5]}, 0, 3) })
	wantShapePanic(t, "channels", func() { BatchNormStats(g, &s, v, [][]float32{m}, 0, 4) })
	g1 := &BNGeom{H: 1, W: 1, C: 3, In: Dense(1, 3)}
	wantShapePanic(t, "one value per channel", func() { BatchNormStats(g1, &s, v, [][]float32{m}, 0, 3) })
	wantShapePanic(t, "gradients", func() { BatchNormBackward(g, &s, v, [][]float32{m}, nil, [][]float32{m}, nil, 0, 3) })
	wantShapePanic(t, "activation", func() {
		g2 := *g
		g2.Act = ActSiLU
		BatchNormApply(&g2, v, m, m, 0, 2)
	})
	v.Scale = v.Scale[:2]
	wantShapePanic(t, "short vector", func() { BatchNormApply(g, v, m, m, 0, 2) })
	wantShapePanic(t, "fold", func() { FoldBatchNorm(m, m, m[:10], nil, v.Gamma, v.Beta, v.Mean, v.InvStd, 1e-5) })
}
