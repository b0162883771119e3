package runtime

import (
	"fmt"
	"testing"
)

// benchLayers are VGG's 3x3 conv layers at the sizes ../shared/PERF.md
// measured PyTorch on: 64→64 at 56x56 and 256→256 at 28x28.
var benchLayers = []convCase{
	{h: 224, w: 224, c: 3, k: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 56, w: 56, c: 64, k: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 56, w: 56, c: 64, k: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 64, relu: true},
	{h: 28, w: 28, c: 256, k: 256, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 64, relu: true},
	{h: 28, w: 28, c: 256, k: 256, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
}

// BenchmarkConv measures the conv kernels in GFLOP/s (2 flops a
// multiply-add) on one thread: forward, weight gradient and input gradient
// (a transposed convolution with the forward kernel).
func BenchmarkConv(b *testing.B) {
	for _, cc := range benchLayers {
		g := cc.geom()
		r := NewRand(1)
		in := pad(randSlice(r, cc.h*cc.w*cc.c), cc.h, cc.w, cc.c, 1, 1)
		w := randSlice(r, g.WeightLen())
		bias := randSlice(r, cc.k)
		out := make([]float32, g.OH*g.OW*cc.k)
		dout := pad(randSlice(r, g.OH*g.OW*cc.k), g.OH, g.OW, cc.k, 1, 1)
		g.DOutRow, g.DOutOff = (g.OW+2)*cc.k, (g.OW+2)*cc.k+cc.k
		flops := 2 * float64(g.OH*g.OW*cc.k*cc.c*cc.fh*cc.fw)
		name := fmt.Sprintf("%dx%dx%d-%d", cc.h, cc.w, cc.c, cc.k)
		var s Scratch
		b.Run(name+"/forward", func(b *testing.B) {
			for b.Loop() {
				ConvForward(g, &s, out, in, w, bias, 0, g.OH)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(name+"/weightgrad", func(b *testing.B) {
			dw := make([]float32, g.WeightLen())
			for b.Loop() {
				ConvWeightGrad(g, &s, dw, in, dout, 0, g.Units())
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
