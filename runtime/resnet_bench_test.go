package runtime

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// resnetLayers are ResNet-50's 3x3 convs at batch 1 (the strided ones
// forward direct only).
var resnetLayers = []convCase{
	{h: 56, w: 56, c: 64, k: 64, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 28, w: 28, c: 128, k: 128, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 14, w: 14, c: 256, k: 256, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 7, w: 7, c: 512, k: 512, fh: 3, fw: 3, sh: 1, sw: 1, ph: 1, pw: 1, kb: 32, relu: true},
	{h: 14, w: 14, c: 512, k: 512, fh: 3, fw: 3, sh: 2, sw: 2, ph: 1, pw: 1, kb: 32, relu: true},
}

// cpuTime is the process's CPU time (user and system): on a machine that
// other programs load, a kernel's speed by CPU time is steadier than by
// wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchCPU runs f b.N times and reports GFLOP/s of flops a run by wall
// time and by CPU time.
func benchCPU(b *testing.B, flops float64, f func()) {
	f()
	c0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		f()
	}
	cpu := cpuTime() - c0
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "cpuGFLOP/s")
}

// BenchmarkResNetConv measures ResNet-50's 3x3 convs forward, direct and
// (where it applies) by Winograd, in GFLOP/s of the direct conv's work.
func BenchmarkResNetConv(b *testing.B) {
	for _, cc := range resnetLayers {
		g := cc.geom()
		r := NewRand(1)
		in := pad(randSlice(r, cc.h*cc.w*cc.c), cc.h, cc.w, cc.c, 1, 1)
		in = append(in, make([]float32, 4*(cc.w+2)*cc.c)...)
		w := randSlice(r, g.WeightLen())
		bias := randSlice(r, cc.k)
		out := make([]float32, g.OH*g.OW*cc.k)
		flops := 2 * float64(g.OH*g.OW*cc.k*cc.c*cc.fh*cc.fw)
		name := fmt.Sprintf("%dx%dx%d-%d-s%d", cc.h, cc.w, cc.c, cc.k, cc.sh)
		var s Scratch
		b.Run(name+"/direct", func(b *testing.B) {
			benchCPU(b, flops, func() { ConvForward(g, &s, out, in, w, bias, 0, g.OH) })
		})
		if WinogradOK(g) {
			u := make([]float32, WinogradLen(g))
			WinogradWeights(g, u, w)
			b.Run(name+"/winograd", func(b *testing.B) {
				benchCPU(b, flops, func() { ConvForwardWinograd(g, &s, out, in, u, bias, 0, (g.OH+1)/2) })
			})
		}
	}
}
