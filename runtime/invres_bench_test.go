package runtime

import (
	"fmt"
	"testing"
)

// BenchmarkInvRes: MobileNetV2's features.2 and features.3 blocks, fused
// (InvResForward) and as three kernels through full buffers.
func BenchmarkInvRes(b *testing.B) {
	for _, tc := range []invresCase{
		{h: 112, w: 112, c: 16, ce: 96, k: 24, fh: 3, s: 2, p: 1, eAct: "relu6", dAct: "relu6"},
		{h: 56, w: 56, c: 24, ce: 144, k: 24, fh: 3, s: 1, p: 1, eAct: "relu6", dAct: "relu6"},
		{h: 14, w: 14, c: 96, ce: 576, k: 96, fh: 3, s: 1, p: 1, eAct: "relu6", dAct: "relu6"},
	} {
		r := NewRand(1)
		ge, gd, gp := tc.geoms()
		in := randSlice(r, ge.needIn())
		pe, pd, pp := randSlice(r, ge.WeightLen()), randSlice(r, DepthwiseWeightLen(&gd)), randSlice(r, gp.WeightLen())
		be, bd, bp := randSlice(r, tc.ce), randSlice(r, tc.ce), randSlice(r, tc.k)
		out := make([]float32, gp.needOut())
		e := make([]float32, (gd.H+2*tc.p)*gd.InRow)
		d := make([]float32, gd.OH*gd.OutRow)
		var s Scratch
		name := fmt.Sprintf("%dx%dx%d-%d-s%d", tc.h, tc.w, tc.c, tc.ce, tc.s)
		b.Run(name+"/fused", func(b *testing.B) {
			for range b.N {
				InvResForward(&ge, &gd, &gp, &s, out, in, pe, be, pd, bd, pp, bp, 0, gp.OH)
			}
		})
		b.Run(name+"/unfused", func(b *testing.B) {
			for range b.N {
				Conv1x1Forward(&ge, &s, e, in, pe, be, 0, ge.OH)
				DepthwiseForward(&gd, &s, d, e, pd, bd, 0, gd.OH)
				Conv1x1Forward(&gp, &s, out, d, pp, bp, 0, gp.OH)
			}
		})
	}
}
