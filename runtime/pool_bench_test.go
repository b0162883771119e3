package runtime

import (
	"fmt"
	"math"
	"testing"
)

// BenchmarkMaxPool: VGG-16's five 2x2 stride-2 max pools of one sample,
// with positions (a training pass) and without (a forward-only one), on the
// kernel path in use (CNNC_KERNELS chooses another); GB/s count the input
// read and the output written.
func BenchmarkMaxPool(b *testing.B) {
	for _, l := range [][2]int{{224, 64}, {112, 128}, {56, 256}, {28, 512}, {14, 512}} {
		h, c := l[0], l[1]
		g := &PoolGeom{C: c, H: h, W: h, InRow: h * c, OH: h / 2, OW: h / 2, OutRow: h / 2 * c,
			FH: 2, FW: 2, SH: 2, SW: 2, DInRow: h * c}
		r := NewRand(1)
		in, out, idx := randSlice(r, h*h*c), make([]float32, h*h*c/4), make([]int32, h*h*c/4)
		bytes := int64(len(in)+len(out)) * 4
		b.Run(fmt.Sprintf("%dx%dx%d/index", h, h, c), func(b *testing.B) {
			b.SetBytes(bytes)
			for b.Loop() {
				MaxPoolForward(g, out, idx, in, 0, g.OH)
			}
		})
		b.Run(fmt.Sprintf("%dx%dx%d/noindex", h, h, c), func(b *testing.B) {
			b.SetBytes(bytes)
			for b.Loop() {
				MaxPoolForwardNoIndex(g, out, in, 0, g.OH)
			}
		})
	}
}

// BenchmarkVecOps: the level-1 loops on 64K values (in L2), on the kernel
// path in use; GB/s count every value read and written.
func BenchmarkVecOps(b *testing.B) {
	const n = 64 << 10
	r := NewRand(2)
	d, y, x := randSlice(r, n), randSlice(r, n), randSlice(r, n)
	b.Run("relugrad", func(b *testing.B) {
		b.SetBytes(3 * n * 4)
		for b.Loop() {
			ReLUGrad(d, y)
		}
	})
	b.Run("axpy", func(b *testing.B) {
		b.SetBytes(3 * n * 4)
		for b.Loop() {
			Axpy(1e-3, x, y)
		}
	})
	b.Run("addrows", func(b *testing.B) { // a bias gradient: 512 channels, 128 pixels
		b.SetBytes(n * 4)
		acc := make([]float32, 512)
		for b.Loop() {
			kernels.addRows(acc, x, 512, n/512)
		}
	})
}

// BenchmarkTanhSigmoid: 4704 values (LeNet-5's first map) through each
// function on the kernel path in use, against the float64 library call a
// value the generated code makes today ("libm"); ns/op for the whole map.
func BenchmarkTanhSigmoid(b *testing.B) {
	const n = 28 * 28 * 6
	r := NewRand(3)
	x, y := randSlice(r, n), make([]float32, n)
	b.Run("tanh/libm", func(b *testing.B) {
		for b.Loop() {
			for i, v := range x {
				y[i] = float32(math.Tanh(float64(v)))
			}
		}
	})
	b.Run("tanh", func(b *testing.B) {
		for b.Loop() {
			Tanh(y, x)
		}
	})
	b.Run("sigmoid/libm", func(b *testing.B) {
		for b.Loop() {
			for i, v := range x {
				y[i] = float32(1 / (1 + math.Exp(-float64(v))))
			}
		}
	})
	b.Run("sigmoid", func(b *testing.B) {
		for b.Loop() {
			Sigmoid(y, x)
		}
	})
	b.Run("tanhgrad", func(b *testing.B) {
		for b.Loop() {
			TanhGrad(y, x)
		}
	})
}
