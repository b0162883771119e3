//go:build !amd64 || noasm || gccgo || safe

package runtime

// gonum's inner loops are Go here (the condition is gonum's own, in its
// internal/asm/f32): gemmGo is three times as fast as its Sgemm.
var portableGemm = gemmGo
