package runtime

import (
	"fmt"
	"testing"
)

// alexLayers are AlexNet's convs (models/alexnet.cnn), one sample.
var alexLayers = []convCase{
	{h: 227, w: 227, c: 3, k: 96, fh: 11, fw: 11, sh: 4, sw: 4, kb: 32, relu: true},
	{h: 27, w: 27, c: 96, k: 256, fh: 5, fw: 5, sh: 1, sw: 1, ph: 2, pw: 2, kb: 32, relu: true},
	{h: 13, w: 13, c: 256, k: 384, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 13, w: 13, c: 384, k: 384, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 13, w: 13, c: 384, k: 256, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
}

// BenchmarkConvAlexNet measures ConvForward on AlexNet's convs in GFLOP/s
// (2 flops a multiply-add) on one thread.
func BenchmarkConvAlexNet(b *testing.B) {
	for i, cc := range alexLayers {
		g := cc.geom()
		r := NewRand(1)
		in := pad(randSlice(r, cc.h*cc.w*cc.c), cc.h, cc.w, cc.c, cc.ph, cc.pw)
		w := randSlice(r, g.WeightLen())
		bias := randSlice(r, cc.k)
		out := make([]float32, g.OH*g.OW*cc.k)
		flops := 2 * float64(g.OH*g.OW*cc.k*cc.c*cc.fh*cc.fw)
		var s Scratch
		b.Run(fmt.Sprintf("conv%d", i+1), func(b *testing.B) {
			for b.Loop() {
				ConvForward(g, &s, out, in, w, bias, 0, g.OH)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
