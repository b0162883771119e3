//go:build amd64 && !noasm && !gccgo && !safe

package runtime

// gonum's inner loops are assembly here (the condition is gonum's own, in
// its internal/asm/f32): its Sgemm is twice as fast as gemmGo
// (BenchmarkGemm).
var portableGemm = gemmGonum
