package runtime

import "os"

// kernelSet is one implementation of the hot loops: AVX-512 or AVX2 when
// built with GOEXPERIMENT=simd on a CPU that has them, else portable Go
// (gonum's assembly where it serves).
type kernelSet struct {
	name           string
	convForward    func(g *ConvGeom, s *Scratch, out, in, w, bias []float32, y0, y1 int)
	convWeightGrad func(g *ConvGeom, s *Scratch, dw, in, dout []float32, u0, u1 int)
	dot            func(x, y []float32) float32
	axpy           func(alpha float32, x, y []float32)
}

// kernels is the implementation in use; SIMD builds replace it at init.
var kernels = &portableKernels

// simdKernels lists the SIMD implementations this build has, best first,
// each with whether the CPU supports it; filled in by SIMD builds.
var simdKernels []struct {
	set       *kernelSet
	supported bool
}

func init() {
	choose(getenvKernels())
}

func getenvKernels() string { return os.Getenv("CNNC_KERNELS") }

// choose selects the kernels: the named set ("avx512", "avx2", "portable")
// when it is available, else the best the CPU supports.
func choose(name string) {
	kernels = &portableKernels
	if name == "portable" {
		return
	}
	for _, k := range simdKernels {
		if k.supported && (name == "" || name == k.set.name) {
			kernels = k.set
			return
		}
	}
}

// Kernels names the implementation of the hot loops in use: "avx512",
// "avx2" or "portable". The environment variable CNNC_KERNELS, read at
// start-up, can choose a lesser one (for tests and comparisons).
func Kernels() string { return kernels.name }

// Scratch is per-worker memory for kernels that need a temporary buffer;
// it grows on first use and is then reused, so that kernels allocate
// nothing. The zero Scratch is ready to use; one Scratch must not be used by
// two goroutines at once.
type Scratch struct {
	buf []float32
}

func (s *Scratch) get(n int) []float32 {
	if len(s.buf) < n {
		s.buf = make([]float32, n)
	}
	return s.buf[:n]
}

// Dot returns Σ x[i]·y[i] over len(x) values; y must be at least as long.
func Dot(x, y []float32) float32 { return kernels.dot(x, y[:len(x)]) }

// Axpy adds alpha·x to y, value by value; y must be at least as long as x.
func Axpy(alpha float32, x, y []float32) { kernels.axpy(alpha, x, y[:len(x)]) }
