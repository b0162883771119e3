package runtime

import (
	"math"
	"testing"
)

// The first outputs of SplitMix64 seeded with 0, as published with the
// reference implementation (Vigna, prng.di.unimi.it/splitmix64.c).
func TestRandSequence(t *testing.T) {
	want := []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f, 0xf88bb8a8724c81ec}
	r := NewRand(0)
	for i, w := range want {
		if got := r.Uint64(); got != w {
			t.Errorf("Uint64 #%d = %#x, want %#x", i, got, w)
		}
	}
}

func TestNormalMoments(t *testing.T) {
	r := NewRand(42)
	const n = 200000
	var sum, sq float64
	for range n {
		v := r.Normal()
		sum += v
		sq += v * v
	}
	mean, variance := sum/n, sq/n-(sum/n)*(sum/n)
	// Standard errors are 1/sqrt(n) ≈ 0.0022 for the mean and about
	// sqrt(2/n) ≈ 0.0032 for the variance; allow 5 of them.
	if math.Abs(mean) > 0.011 || math.Abs(variance-1) > 0.016 {
		t.Errorf("mean %.4f variance %.4f, want 0 and 1", mean, variance)
	}
}

func TestHeNormalScale(t *testing.T) {
	w := make([]float64, 100000)
	HeNormal(NewRand(7), w, 50)
	var sq float64
	for _, v := range w {
		sq += v * v
	}
	if got, want := math.Sqrt(sq/float64(len(w))), math.Sqrt(2.0/50); math.Abs(got-want)/want > 0.02 {
		t.Errorf("std %.4f, want %.4f", got, want)
	}
}

func TestDropoutRandDiffers(t *testing.T) {
	r := DropoutRand(1, 0, 3)
	a := r.Uint64()
	if r2 := DropoutRand(1, 0, 3); r2.Uint64() != a {
		t.Fatal("DropoutRand is not deterministic")
	}
	for _, other := range []Rand{DropoutRand(1, 1, 3), DropoutRand(1, 0, 4), DropoutRand(2, 0, 3)} {
		if other.Uint64() == a {
			t.Error("different (seed, sample, layer) gave the same stream")
		}
	}
}
