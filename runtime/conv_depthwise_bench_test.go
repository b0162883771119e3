package runtime

import (
	"fmt"
	"testing"
)

// mobileNetDepthwise are MobileNetV2's depthwise layers (3x3, padding 1,
// relu6): input size, channels and stride.
var mobileNetDepthwise = []struct{ hw, c, s int }{
	{112, 32, 1}, {112, 96, 2}, {56, 144, 1}, {56, 144, 2}, {28, 192, 1}, {28, 192, 2},
	{14, 384, 1}, {14, 576, 1}, {14, 576, 2}, {7, 960, 1},
}

// BenchmarkDepthwise measures the depthwise kernels on one thread in
// GFLOP/s (2 flops a multiply-add) and GB/s of the tensors each pass must
// read and write once (input and output; for the weight gradient, input
// and output gradient; for the input gradient, output gradient and input
// gradient).
func BenchmarkDepthwise(b *testing.B) {
	for _, l := range mobileNetDepthwise {
		dc := dwCase{h: l.hw, w: l.hw, c: l.c, fh: 3, fw: 3, sh: l.s, sw: l.s, ph: 1, pw: 1, dh: 1, dw: 1, relu6: true}
		g, in, out, dout, din := benchBuffers(dc, l.c, l.c, 0)
		r := NewRand(2)
		w, bias := randSlice(r, 9*l.c), randSlice(r, l.c)
		dw, db := make([]float32, 9*l.c), make([]float32, l.c)
		flops := 2 * float64(g.OH*g.OW*l.c*9)
		bytes := 4 * float64(l.hw*l.hw*l.c+g.OH*g.OW*l.c)
		var s Scratch
		name := fmt.Sprintf("%dx%dx%d-s%d", l.hw, l.hw, l.c, l.s)
		for _, pass := range []struct {
			name string
			run  func()
		}{
			{"forward", func() { DepthwiseForward(g, &s, out, in, w, bias, 0, g.OH) }},
			{"weightgrad", func() { DepthwiseWeightGrad(g, &s, dw, db, in, dout, 0, l.c) }},
			{"inputgrad", func() { DepthwiseInputGrad(g, &s, din, w, dout, false, 0, l.hw) }},
		} {
			b.Run(name+"/"+pass.name, func(b *testing.B) {
				for b.Loop() {
					pass.run()
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(flops/sec/1e9, "GFLOP/s")
				b.ReportMetric(bytes/sec/1e9, "GB/s")
			})
		}
	}
}
