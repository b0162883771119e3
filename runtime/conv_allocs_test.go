package runtime

import "testing"

// TestConvKernelsAllocateNothing: once a worker's scratch has grown, the
// kernels of conv_depthwise.go, conv1x1.go and conv_grouped*.go allocate
// nothing, on every path (their arguments live in the scratch: as locals
// they would move to the heap through the kernel set's function values).
func TestConvKernelsAllocateNothing(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		var s Scratch
		dc := dwCases[1] // stride 2, channel slices
		g, in, out, dout, din := benchBuffers(dc, dc.c, dc.c, 0)
		w := make([]float32, DepthwiseWeightLen(g))
		b := make([]float32, dc.c)
		runs := map[string]func(){
			"DepthwiseForward":    func() { DepthwiseForward(g, &s, out, in[3:], w, b, 0, g.OH) },
			"DepthwiseWeightGrad": func() { DepthwiseWeightGrad(g, &s, w, b, in[3:], dout, 0, g.C) },
			"DepthwiseInputGrad":  func() { DepthwiseInputGrad(g, &s, din, w, dout, true, 0, g.H) },
		}
		for i, tc := range conv1x1Cases[:4] { // one long row, panels, row by row, gathered
			g, in, out, dout, din := benchBuffers(tc.dwCase, 1, tc.k, tc.kb)
			if g.InPix > g.C {
				in = in[3:] // a slice from its first channel (see layouts)
			}
			w, wt := make([]float32, g.WeightLen()), make([]float32, Conv1x1TransposedLen(g))
			b := make([]float32, tc.k)
			runs[string(rune('a'+i))+" Conv1x1Forward"] = func() { Conv1x1Forward(g, &s, out, in, w, b, 0, g.OH) }
			runs[string(rune('a'+i))+" Conv1x1WeightGrad"] = func() { Conv1x1WeightGrad(g, &s, w, b, in, dout, 0, g.Blocks()) }
			runs[string(rune('a'+i))+" Conv1x1InputGrad"] = func() { Conv1x1InputGrad(g, &s, din, wt, dout, false, 0, g.H) }
		}
		tc := groupedCases[2]
		gg, gin, gout, gdout, gdin := benchBuffers(tc.dwCase, tc.groups, tc.k, tc.kb)
		gw, gwt := make([]float32, GroupedWeightLen(gg)), make([]float32, GroupedTransposedLen(gg))
		gb := make([]float32, tc.k)
		runs["ConvForwardGrouped"] = func() { ConvForwardGrouped(gg, &s, gout, gin[3:], gw, gb, 0, gg.OH) }
		runs["ConvWeightGradGrouped"] = func() { ConvWeightGradGrouped(gg, &s, gw, gb, gin[3:], gdout, 0, GroupedUnits(gg)) }
		runs["ConvInputGradGrouped"] = func() { ConvInputGradGrouped(gg, &s, gdin, gwt, gdout, true, 0, gg.H) }
		for _, f := range runs {
			f() // the scratch grows
		}
		for name, f := range runs {
			if n := testing.AllocsPerRun(3, f); n != 0 {
				t.Errorf("%s: %v allocations a call", name, n)
			}
		}
	})
}
