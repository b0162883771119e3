package runtime

import (
	"testing"
	"unsafe"
)

// BenchmarkAdamStep: one AdamW step over 1M parameters (ResNet-18 has
// 11.7M); SetBytes counts the 4 arrays read and the 3 written.
func BenchmarkAdamStep(b *testing.B) {
	const n = 1 << 20
	r := NewRand(1)
	w, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range w {
		w[i], g[i] = float32(r.Normal()), float32(r.Normal())
	}
	o := NewAdamW(1e-3)
	c := o.AdamCoeffs(1)
	eachKernelBench(b, func(b *testing.B) {
		b.SetBytes(n * 4 * 7)
		for b.Loop() {
			AdamStep(w, g, m, v, &c)
		}
	})
}

// TestAdamCoeffsLayout pins the offsets adam_amd64.s reads the
// coefficients at.
func TestAdamCoeffsLayout(t *testing.T) {
	var c AdamCoeffs
	got := []uintptr{unsafe.Offsetof(c.Decay), unsafe.Offsetof(c.Shrink), unsafe.Offsetof(c.Beta1), unsafe.Offsetof(c.OneB1),
		unsafe.Offsetof(c.Beta2), unsafe.Offsetof(c.OneB2), unsafe.Offsetof(c.BC2Sqrt), unsafe.Offsetof(c.Eps), unsafe.Offsetof(c.NegStep)}
	for i, off := range got {
		if off != uintptr(4*i) {
			t.Fatalf("field %d of AdamCoeffs at offset %d, adam_amd64.s reads it at %d", i, off, 4*i)
		}
	}
}
