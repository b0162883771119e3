package runtime

import (
	"fmt"
	"testing"
)

// benchMaps are maps of ResNet-50 (56x56x256, 14x14x1024) and a narrow
// one with a channel tail (56x56x24, MobileNetV2).
var benchMaps = [][3]int{{56, 56, 256}, {14, 14, 1024}, {56, 56, 24}}

// eachKernelBench runs f under every kernel path this build and CPU have.
func eachKernelBench(b *testing.B, f func(b *testing.B)) {
	saved := kernels
	defer func() { kernels = saved }()
	for _, set := range availableKernels() {
		kernels = set
		b.Run(set.name, f)
	}
}

// BenchmarkBatchNormApply: one sample's inference batchnorm with a fused
// relu; SetBytes counts the map read and the map written.
func BenchmarkBatchNormApply(b *testing.B) {
	eachKernelBench(b, func(b *testing.B) {
		for _, sh := range benchMaps {
			h, w, c := sh[0], sh[1], sh[2]
			b.Run(fmt.Sprintf("%dx%dx%d", h, w, c), func(b *testing.B) {
				r := NewRand(1)
				l := Dense(w, c)
				in, out := randSlice(r, h*w*c), make([]float32, h*w*c)
				g := &BNGeom{H: h, W: w, C: c, In: l, Out: l, Act: ActReLU}
				v := &BNVecs{Scale: randSlice(r, c), Shift: randSlice(r, c)}
				b.SetBytes(int64(2 * 4 * h * w * c))
				for b.Loop() {
					BatchNormApply(g, v, out, in, 0, h)
				}
			})
		}
	})
}

// BenchmarkAddReLU: a residual merge with its relu; SetBytes counts two
// maps read and one written.
func BenchmarkAddReLU(b *testing.B) {
	eachKernelBench(b, func(b *testing.B) {
		for _, sh := range benchMaps {
			h, w, c := sh[0], sh[1], sh[2]
			b.Run(fmt.Sprintf("%dx%dx%d", h, w, c), func(b *testing.B) {
				r := NewRand(1)
				l := Dense(w, c)
				x, y, out := randSlice(r, h*w*c), randSlice(r, h*w*c), make([]float32, h*w*c)
				g := &EltGeom{H: h, W: w, C: c, Out: l, In: []Layout{l, l}, Act: ActReLU}
				b.SetBytes(int64(3 * 4 * h * w * c))
				for b.Loop() {
					Add(g, out, [][]float32{x, y}, 0, h)
				}
			})
		}
	})
}

// BenchmarkBatchNormTrain: training mode over a batch of 8 samples of
// 28x28x128: the statistics (two passes) and the backward (two passes),
// each reading the batch's maps; SetBytes counts one read of x a pass
// for the statistics, x and dy read and dx written for the backward.
func BenchmarkBatchNormTrain(b *testing.B) {
	const n, h, w, c = 8, 28, 28, 128
	r := NewRand(1)
	bc := newBNCase(r, n, h, w, c, [4]Layout{Dense(w, c), Dense(w, c), Dense(w, c), Dense(w, c)}, ActNone, true, false)
	xs, dxs, dys := bufs(bc.xs), bufs(bc.dxs), bufs(bc.dys)
	var sc Scratch
	b.Run("stats", func(b *testing.B) {
		b.SetBytes(int64(2 * 4 * n * h * w * c))
		for b.Loop() {
			BatchNormStats(bc.g, &sc, bc.v, xs, 0, c)
		}
	})
	b.Run("backward", func(b *testing.B) {
		b.SetBytes(int64(5 * 4 * n * h * w * c))
		for b.Loop() {
			BatchNormBackward(bc.g, &sc, bc.v, dxs, dys, xs, nil, 0, c)
		}
	})
}
