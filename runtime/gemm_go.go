//go:build !amd64 || noasm || gccgo || safe

package runtime

// gonum's inner loops are Go here (the condition is gonum's own, in its
// internal/asm/f32): gemmGo is 2-3 times as fast as its Sgemm
// (BenchmarkGemm).
var portableGemm = gemmGo
