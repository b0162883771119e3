//go:build !purego

package main

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:noescape
func fmaAVX2(n uintptr)

//go:noescape
func fmaAVX512(n uintptr)

//go:noescape
func readAVX2(p unsafe.Pointer, n uintptr) float32

// loops returns the FMA loops this CPU runs, by name, with the flops one
// iteration does.
func loops() []fmaLoop {
	var ls []fmaLoop
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ls = append(ls, fmaLoop{"avx2", 12 * 8 * 2, fmaAVX2})
	}
	if cpu.X86.HasAVX512F {
		ls = append(ls, fmaLoop{"avx512", 12 * 16 * 2, fmaAVX512})
	}
	return ls
}

// sum reads b with AVX2 loads when the CPU has them.
func sum(b []float32) float32 {
	if !cpu.X86.HasAVX2 {
		return sumGo(b)
	}
	n := len(b) * 4 &^ 255
	return readAVX2(unsafe.Pointer(unsafe.SliceData(b)), uintptr(n))
}
