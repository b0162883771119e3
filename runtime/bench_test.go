package runtime

import (
	"fmt"
	"testing"
)

// benchLayers are VGG's 3x3 conv layers at the sizes ../shared/PERF.md
// measured PyTorch on: 64→64 at 56x56 and 256→256 at 28x28.
var benchLayers = []convCase{
	{h: 224, w: 224, c: 3, k: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	// conv1 on 16 rows: its 0.9 MB output and gradient stay in L2, which
	// shows how much of the full layer's time is memory.
	{h: 16, w: 224, c: 3, k: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 224, w: 224, c: 64, k: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 56, w: 56, c: 64, k: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 56, w: 56, c: 64, k: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 64, relu: true},
	{h: 28, w: 28, c: 256, k: 256, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 64, relu: true},
	{h: 28, w: 28, c: 256, k: 256, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 28, w: 28, c: 512, k: 512, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 14, w: 14, c: 512, k: 512, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
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
		if WinogradOK(g) {
			// GFLOP/s of the direct conv's work: the speed-up shows as more.
			u := make([]float32, WinogradLen(g))
			WinogradWeights(g, u, w)
			b.Run(name+"/winograd", func(b *testing.B) {
				for b.Loop() {
					ConvForwardWinograd(g, &s, out, in, u, bias, 0, g.OH/2)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			b.Run(name+"/winogradgrad", func(b *testing.B) {
				dw, db := make([]float32, g.WeightLen()), make([]float32, cc.k)
				for b.Loop() {
					ConvWeightGradWinograd(g, &s, dw, db, in, dout, 0, g.Blocks())
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		b.Run(name+"/weightgrad", func(b *testing.B) {
			dw, db := make([]float32, g.WeightLen()), make([]float32, cc.k)
			for b.Loop() {
				ConvWeightGrad(g, &s, dw, db, in, dout, 0, g.Units())
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkFC measures VGG's fc1 (25088 → 4096, 411 MB of weights) on
// every kernel path: at batch 1, a matrix-vector product bound by the
// memory's read bandwidth, on one thread and on two (each computing half
// the outputs, as the engine's workers split a sample's fc phase), and at
// batch 8, where each weight is read once for the 8 samples. It reports
// the weights read in GB/s, to set against BenchmarkStreamRead, and the
// multiply-adds in GFLOP/s, against the FMA peak (go run ./bench/peak).
func BenchmarkFC(b *testing.B) {
	const n, k = 25088, 4096
	w := make([]float32, n*k)
	for i := range w {
		w[i] = float32(i%7) * 0.01
	}
	bias := make([]float32, k)
	eachKernelBench(b, func(b *testing.B) {
		for _, c := range []struct{ m, threads int }{{1, 1}, {1, 2}, {8, 1}} {
			b.Run(fmt.Sprintf("batch%d/threads%d", c.m, c.threads), func(b *testing.B) {
				in, out := make([]float32, c.m*n), make([]float32, c.m*k)
				for b.Loop() {
					switch {
					case c.m > 1:
						FCForwardBatch(out, in, w, bias, n, k, c.m)
					case c.threads == 2:
						done := make(chan bool)
						go func() { FCForward(out, in, w, bias, n, k/2, k); done <- true }()
						FCForward(out, in, w, bias, n, 0, k/2)
						<-done
					default:
						FCForward(out, in, w, bias, n, 0, k)
					}
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(float64(len(w)*4)/sec/1e9, "GB/s")
				b.ReportMetric(float64(2*n*k*c.m)/sec/1e9, "GFLOP/s")
			})
		}
	})
}

// BenchmarkStreamRead reads 411 MB (fc1's weights) the plainest fast way:
// copy (the runtime's assembly memmove) into a small buffer that stays in
// cache, so that the figure is the memory's read bandwidth, to judge the fc
// kernels by.
func BenchmarkStreamRead(b *testing.B) {
	w := make([]float32, 25088*4096)
	dst := make([]float32, 16<<10)
	for b.Loop() {
		for i := 0; i < len(w); i += len(dst) {
			copy(dst, w[i:])
		}
	}
	b.ReportMetric(float64(len(w)*4)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}

// BenchmarkGemm measures both implementations of portableGemm on a product
// of F(4×4, 3×3)'s shape (64 tiles × 192 channels, 256 deep), whichever
// one the build uses; run it with -tags noasm for gonum's pure-Go Sgemm.
func BenchmarkGemm(b *testing.B) {
	const m, n, k = 64, 192, 256
	r := NewRand(1)
	x, y, z := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
	for _, impl := range []struct {
		name string
		gemm func(bool, int, int, int, []float32, int, []float32, int, []float32, int, bool)
	}{{"gonum", gemmGonum}, {"go", gemmGo}} {
		b.Run(impl.name, func(b *testing.B) {
			for b.Loop() {
				impl.gemm(false, m, n, k, x, k, y, n, z, n, false)
			}
			b.ReportMetric(2*m*n*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
