package runtime

import (
	"fmt"
	"testing"
)

// BenchmarkConvGrouped measures the grouped and dilated conv paths on one
// thread in GFLOP/s (2 flops a multiply-add): ResNeXt-50 32x4d's grouped
// 3x3, a dilated 3x3 as DeepLab's, and ResNet-50's dense 3x3 of stride 2,
// whose input gradient it also takes through ConvInputGradGeneric, the
// dense kernels' gather.
func BenchmarkConvGrouped(b *testing.B) {
	for _, l := range []struct {
		name                string
		hw, c, k, groups, s int
		d                   int
	}{
		{"resnext-grouped", 56, 128, 128, 32, 1, 1},
		{"dilated", 28, 256, 256, 1, 1, 2},
		{"resnet-s2", 56, 128, 128, 1, 2, 1},
	} {
		dc := dwCase{h: l.hw, w: l.hw, c: l.c, fh: 3, fw: 3, sh: l.s, sw: l.s, ph: l.d, pw: l.d, dh: l.d, dw: l.d, relu: true}
		g, in, out, dout, din := benchBuffers(dc, l.groups, l.k, 32)
		r := NewRand(2)
		w, bias := randSlice(r, GroupedWeightLen(g)), randSlice(r, l.k)
		wt := make([]float32, GroupedTransposedLen(g))
		GroupedTranspose(g, wt, w)
		dw, db := make([]float32, len(w)), make([]float32, l.k)
		flops := 2 * float64(g.OH*g.OW*l.c/l.groups*l.k*9)
		var s Scratch
		passes := []struct {
			name string
			run  func()
		}{
			{"forward", func() { ConvForwardGrouped(g, &s, out, in, w, bias, 0, g.OH) }},
			{"weightgrad", func() { ConvWeightGradGrouped(g, &s, dw, db, in, dout, 0, GroupedUnits(g)) }},
			{"inputgrad", func() { ConvInputGradGrouped(g, &s, din, wt, dout, false, 0, l.hw) }},
		}
		if l.groups == 1 && l.d == 1 {
			dense := *g
			dense.Groups, dense.DH, dense.DW = 0, 0, 0
			passes = append(passes, struct {
				name string
				run  func()
			}{"inputgrad-generic", func() {
				clear(din)
				ConvInputGradGeneric(&dense, din, g.DInRow, g.DInOff, l.hw, l.hw, 1, 1, w, dout, 0, l.hw)
			}})
		}
		for _, pass := range passes {
			b.Run(fmt.Sprintf("%s-%dx%dx%d/%s", l.name, l.hw, l.hw, l.c, pass.name), func(b *testing.B) {
				for b.Loop() {
					pass.run()
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
