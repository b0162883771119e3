package runtime

import (
	"math"
	"testing"
)

// mathInputs: a fine grid over [−20, 20], the regions where the forms
// change (tiny, the clamps, exp's range), and ±0, ±∞, NaN, denormals.
func mathInputs() []float32 {
	var v []float32
	for x := -20.0; x <= 20; x += 1.0 / 1024 {
		v = append(v, float32(x))
	}
	for _, x := range []float64{0.0004, 0.00039999, 0.00040001, 1e-5, 1e-20, 1e-40, 7.9053, 7.906, 9, 30,
		87.3, 87.4, 88.3, 88.4, 89, 100, 1e30, math.MaxFloat32} {
		v = append(v, float32(x), float32(-x))
	}
	return append(v, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
}

// ulpsFrom is |got − want| in units of the last place of want as a float32.
func ulpsFrom(got float32, want float64) float64 {
	w := float32(want)
	ulp := float64(math.Nextafter32(float32(math.Abs(float64(w))), float32(math.Inf(1))) - float32(math.Abs(float64(w))))
	return math.Abs(float64(got)-want) / ulp
}

// TestTanhSigmoid: every path against the float64 functions, within the
// bounds vecmath.go states; NaN kept; each value's result the same
// wherever it lies in the slice (vector or tail); in place works.
func TestTanhSigmoid(t *testing.T) {
	in := mathInputs()
	eachKernelSet(t, func(t *testing.T) {
		for _, f := range []struct {
			name   string
			run    func(dst, src []float32)
			ref    func(float64) float64
			maxULP float64
			absTol float64 // where the float32 result underflows
		}{
			{"tanh", Tanh, math.Tanh, 7, 0},
			{"sigmoid", Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, 3, 5e-39},
		} {
			out := make([]float32, len(in)+1)
			out[len(in)] = 42
			f.run(out, in)
			if out[len(in)] != 42 {
				t.Fatalf("%s wrote past len(src)", f.name)
			}
			worst := 0.0
			for i, x := range in {
				want := f.ref(float64(x))
				got := out[i]
				if math.IsNaN(want) {
					if !math.IsNaN(float64(got)) {
						t.Fatalf("%s(%v) = %v, want NaN", f.name, x, got)
					}
					continue
				}
				u := ulpsFrom(got, want)
				if u > f.maxULP && math.Abs(float64(got)-want) > f.absTol {
					t.Fatalf("%s(%v) = %v, want %v (%.1f ulp)", f.name, x, got, want, u)
				}
				if math.Abs(float64(got)-want) > f.absTol {
					worst = max(worst, u)
				}
			}
			t.Logf("%s: worst %.2f ulp", f.name, worst)
			// Every value alone (a tail) gives the bits it gave in a vector.
			for i := 0; i < len(in); i += 97 {
				var one [1]float32
				f.run(one[:], in[i:i+1])
				if !sameValue(one[0], out[i]) && !(one[0] != one[0] && out[i] != out[i]) {
					t.Fatalf("%s(%v): %v alone, %v in a vector", f.name, in[i], one[0], out[i])
				}
			}
			// In place, on a length with a tail.
			buf := append([]float32(nil), in[:1003]...)
			f.run(buf, buf)
			for i := range buf {
				if !sameValue(buf[i], out[i]) && !(buf[i] != buf[i] && out[i] != out[i]) {
					t.Fatalf("%s in place: [%d] = %v, want %v", f.name, i, buf[i], out[i])
				}
			}
		}
	})
}

// TestTanhSigmoidGrad: d·(1 − y²) and d·y·(1 − y), in float32 in that
// order, on every path, lengths with and without a tail; values past len(d)
// untouched.
func TestTanhSigmoidGrad(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		r := NewRand(4)
		for _, n := range vecLengths {
			y, d := randSlice(r, n), randSlice(r, n+2)
			for i := range y {
				y[i] = float32(math.Tanh(float64(y[i])))
			}
			for _, g := range []struct {
				name string
				run  func(d, y []float32)
				f    func(d, y float32) float32
			}{
				{"tanh", TanhGrad, func(d, y float32) float32 { return d * (1 - y*y) }},
				{"sigmoid", SigmoidGrad, func(d, y float32) float32 { return d * (y * (1 - y)) }},
			} {
				got := append([]float32(nil), d...)
				g.run(got[:n], y)
				for i := range got {
					want := d[i]
					if i < n {
						want = g.f(d[i], y[i])
					}
					if got[i] != want {
						t.Fatalf("%s n=%d: [%d] = %v, want %v", g.name, n, i, got[i], want)
					}
				}
			}
		}
	})
}

func TestVecMathShapesAndAllocs(t *testing.T) {
	a, b := make([]float32, 13), make([]float32, 12)
	wantShapePanics(t, map[string]func(){
		"Tanh dst":      func() { Tanh(b, a) },
		"Sigmoid dst":   func() { Sigmoid(b, a) },
		"TanhGrad y":    func() { TanhGrad(a, b) },
		"SigmoidGrad y": func() { SigmoidGrad(a, b) },
	})
	eachKernelSet(t, func(t *testing.T) {
		for name, f := range map[string]func(){
			"Tanh": func() { Tanh(a, a) }, "Sigmoid": func() { Sigmoid(a, a) },
			"TanhGrad": func() { TanhGrad(b[:5], a) }, "SigmoidGrad": func() { SigmoidGrad(a[:3], b) },
		} {
			if n := testing.AllocsPerRun(10, f); n != 0 {
				t.Errorf("%s: %v allocations", name, n)
			}
		}
	})
}
