package interp

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cnnc/cnnc/compiler"
)

// BenchmarkConv measures the reference interpreter's conv forward pass in
// GFLOP/s (2 flops a multiply-add) on three of the VGG layers that
// runtime's BenchmarkConv times, so that the generated code's kernels can
// be set against it (go test -bench Conv ./runtime, and with -tags purego
// for the portable kernels).
func BenchmarkConv(b *testing.B) {
	for _, l := range []struct{ hw, c, k int }{{56, 64, 64}, {28, 256, 256}, {14, 512, 512}} {
		src := fmt.Sprintf("input %dx%dx%d\nconv 3x3x%d s1 p1\n", l.hw, l.hw, l.c, l.k)
		net, ds := compiler.Source("bench.cnn", []byte(src))
		if ds.HasErrors() {
			b.Fatal(ds)
		}
		m, err := New(net.Graph)
		if err != nil {
			b.Fatal(err)
		}
		m.Init(1)
		r := rand.New(rand.NewPCG(1, 2))
		x := make([]float64, l.hw*l.hw*l.c)
		for i := range x {
			x[i] = r.Float64()
		}
		flops := 2 * float64(l.hw*l.hw*l.k*l.c*9)
		b.Run(fmt.Sprintf("%dx%dx%d-%d/forward", l.hw, l.hw, l.c, l.k), func(b *testing.B) {
			for b.Loop() {
				if _, err := m.Forward(x, 1, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
