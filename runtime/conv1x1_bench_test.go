package runtime

import (
	"fmt"
	"testing"
)

// resNet1x1 are ResNet-50's 1x1 convs (and two of MobileNetV2's): input size, channels in and out,
// stride, and whether the output is padded for a 3x3 conv after it (its
// rows are then not one long row).
var resNet1x1 = []struct {
	hw, c, k, s int
	padOut      bool
}{
	{56, 64, 256, 1, false}, {56, 256, 64, 1, true}, {56, 256, 512, 2, false}, {28, 512, 128, 1, true},
	{14, 1024, 256, 1, true}, {7, 2048, 512, 1, true}, {7, 512, 2048, 1, false},
	// MobileNetV2's 24-channel projection and expansion (K and C no
	// multiple of 16).
	{56, 144, 24, 1, false}, {56, 24, 144, 1, false},
}

// BenchmarkConv1x1 measures Conv1x1Forward, Conv1x1WeightGrad and
// Conv1x1InputGrad on ResNet-50's 1x1 layers, one thread, in GFLOP/s (2
// flops a multiply-add).
func BenchmarkConv1x1(b *testing.B) {
	for _, l := range resNet1x1 {
		dc := dwCase{h: l.hw, w: l.hw, c: l.c, fh: 1, fw: 1, sh: l.s, sw: l.s, dh: 1, dw: 1, relu: true, padOut: l.padOut}
		g, in, out, dout, din := benchBuffers(dc, 1, l.k, 32)
		r := NewRand(2)
		w, bias := randSlice(r, g.WeightLen()), randSlice(r, l.k)
		wt := make([]float32, Conv1x1TransposedLen(g))
		Conv1x1Transpose(g, wt, w)
		dw, db := make([]float32, g.WeightLen()), make([]float32, l.k)
		flops := 2 * float64(g.OH*g.OW*l.c*l.k)
		var s Scratch
		name := fmt.Sprintf("%dx%dx%d-%d-s%d", l.hw, l.hw, l.c, l.k, l.s)
		for _, pass := range []struct {
			name string
			run  func()
		}{
			{"forward", func() { Conv1x1Forward(g, &s, out, in, w, bias, 0, g.OH) }},
			{"weightgrad", func() { Conv1x1WeightGrad(g, &s, dw, db, in, dout, 0, g.Blocks()) }},
			{"inputgrad", func() { Conv1x1InputGrad(g, &s, din, wt, dout, false, 0, l.hw) }},
		} {
			b.Run(name+"/"+pass.name, func(b *testing.B) {
				for b.Loop() {
					pass.run()
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
