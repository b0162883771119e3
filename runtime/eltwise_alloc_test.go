package runtime

import "testing"

// TestOpsAllocs: the batchnorm, elementwise, global pooling and copy
// kernels allocate nothing, on every kernel path.
func TestOpsAllocs(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		const h, w, c = 3, 4, 37
		r := NewRand(1)
		l := testLayouts(w, c)[2]
		a, b, o := randMap(r, l, h, w, c, 1), randMap(r, l, h, w, c, 1), randMap(r, l, h, w, c, 1)
		ins := [][]float32{a.buf, b.buf}
		eg := &EltGeom{H: h, W: w, C: c, Out: l, In: []Layout{l, l}, DOut: l, DIn: []Layout{l, l}, Act: ActReLU, Acc: []bool{true, false}}
		bc := newBNCase(r, 2, h, w, c, [4]Layout{l, l, l, l}, ActReLU6, true, false)
		xs, ys, dxs, dys := bufs(bc.xs), bufs(bc.ys), bufs(bc.dxs), bufs(bc.dys)
		pg := &GlobalPoolGeom{H: h, W: w, C: c, In: l, DIn: l}
		vec, idx := make([]float32, c), make([]int32, c)
		var s Scratch
		BatchNormStats(bc.g, &s, bc.v, xs, 0, c) // the scratch memory grows on first use
		cg := &CopyGeom{H: h, W: w, C: c, Dst: l, Src: l, Acc: true}
		wts, bias := randSlice(r, c*5), make([]float32, c)
		for name, f := range map[string]func(){
			"Add":                   func() { Add(eg, o.buf, ins, 0, h) },
			"ActForward":            func() { eg.Act = ActGELU; ActForward(eg, o.buf, a.buf, 0, h) },
			"ActBackward":           func() { ActBackward(eg, o.buf, a.buf, b.buf, b.buf, 0, h) },
			"AddBackward":           func() { AddBackward(eg, [][]float32{a.buf, nil}, o.buf, 0, h) },
			"BatchNormEval":         func() { BatchNormEval(bc.g, bc.v) },
			"BatchNormStats":        func() { BatchNormStats(bc.g, &s, bc.v, xs, 0, c) },
			"BatchNormApply":        func() { BatchNormApply(bc.g, bc.v, ys[0], xs[0], 0, h) },
			"BatchNormBackward":     func() { BatchNormBackward(bc.g, &s, bc.v, dxs, dys, xs, ys, 0, c) },
			"FoldBatchNorm":         func() { FoldBatchNorm(wts, bias, wts, nil, bc.v.Gamma, bc.v.Beta, bc.v.RunMean, bc.v.RunVar, 1e-5) },
			"GlobalAvgPoolForward":  func() { GlobalAvgPoolForward(pg, vec, a.buf, 0, c) },
			"GlobalAvgPoolBackward": func() { GlobalAvgPoolBackward(pg, o.buf, vec, 0, c) },
			"GlobalMaxPoolForward":  func() { GlobalMaxPoolForward(pg, vec, idx, a.buf, 0, c) },
			"GlobalMaxPoolBackward": func() { GlobalMaxPoolBackward(pg, o.buf, vec, idx, 0, c) },
			"CopyMap":               func() { CopyMap(cg, o.buf, a.buf, 0, h) },
		} {
			if n := testing.AllocsPerRun(5, f); n != 0 {
				t.Errorf("%s: %v allocations a call", name, n)
			}
		}
	})
}
