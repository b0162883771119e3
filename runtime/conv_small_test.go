package runtime

import (
	"fmt"
	"testing"
)

// smallLayers are LeNet-5's convs: 32x32x1 → 28x28x6 and 14x14x6 →
// 10x10x16, 5x5 filters, no padding.
var smallLayers = []convCase{
	{h: 32, w: 32, c: 1, k: 6, fh: 5, fw: 5, sh: 1, sw: 1, kb: 16},
	{h: 14, w: 14, c: 6, k: 16, fh: 5, fw: 5, sh: 1, sw: 1, kb: 16},
}

// BenchmarkConvSmall measures LeNet-5's convs forward on one thread, with
// the path's pixel-vectorised kernel (pix) where it has one and with the
// channel tiles (tiles), in GFLOP/s (2 flops a multiply-add).
func BenchmarkConvSmall(b *testing.B) {
	for _, cc := range smallLayers {
		g := cc.geom()
		r := NewRand(1)
		in := randSlice(r, cc.h*cc.w*cc.c)
		w := randSlice(r, g.WeightLen())
		bias := randSlice(r, cc.k)
		out := make([]float32, g.OH*g.OW*cc.k)
		flops := 2 * float64(g.OH*g.OW*cc.k*cc.c*cc.fh*cc.fw)
		var s Scratch
		for _, pix := range []bool{true, false} {
			name := fmt.Sprintf("%dx%dx%d-%d/tiles", cc.h, cc.w, cc.c, cc.k)
			if pix {
				if kernels.convPix == nil || !g.pixelConv(kernels.pixWidth) {
					continue
				}
				name = name[:len(name)-len("tiles")] + "pix"
			}
			b.Run(name, func(b *testing.B) {
				saved := kernels
				defer func() { kernels = saved }()
				if !pix {
					set := *kernels
					set.convPix = nil
					kernels = &set
				}
				for b.Loop() {
					ConvForward(g, &s, out, in, w, bias, 0, g.OH)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
