package runtime

import (
	"fmt"
	"os"
	goruntime "runtime"
	"strings"
	"sync"
)

// A kernel path is one implementation of the hot loops, known everywhere
// (CNNC_KERNELS, cnnc bench --kernels, Kernels, the README) by one name.
// kernelPaths lists them best first: the default is the first that this
// build has and the CPU supports. asm-avx2 comes before avx2, which only
// a build with Go's SIMD experiment has besides it: on an AMD EPYC (Zen 4),
// VGG-16's forward pass on one core took 353-361 ms with asm-avx2 and
// 495-497 ms with avx2 (cnnc bench --kernels, alternated).
var kernelPaths = []*kernelPath{
	{name: "avx512", cpu: []string{"AVX512F", "AVX512CD", "AVX512BW", "AVX512DQ", "AVX512VL"}, build: simdBuild},
	{name: "asm-avx2", cpu: []string{"AVX2", "FMA"}, build: "a build for amd64 without the purego tag"},
	{name: "avx2", cpu: []string{"AVX2", "FMA"}, build: simdBuild},
	{name: "portable", set: &portableKernels},
}

const simdBuild = "a build for amd64 with Go's SIMD experiment (GOEXPERIMENT=simd)"

type kernelPath struct {
	name  string
	cpu   []string   // the CPU features it needs, as x/sys/cpu names them
	build string     // the build that has it, for messages
	set   *kernelSet // nil when this build does not have it
}

// cpuHas holds the CPU's features by name (with the operating system's
// support for their registers); cpu_amd64.go fills it in, other
// architectures have none of the features above.
var cpuHas = cpuFeatures()

// kernels is the implementation in use, chosen at init (not in its
// declaration: the kernels themselves call through it).
var kernels *kernelSet

// kernelsErr is why CNNC_KERNELS could not be honoured, or nil.
var kernelsErr error

// registerKernels records that this build has set, and chooses the kernels
// again: each build-tagged file's init calls it, in whatever order, and the
// last call settles the choice.
func registerKernels(set *kernelSet) {
	for _, p := range kernelPaths {
		if p.name == set.name {
			p.set = set
		}
	}
	chooseFromEnv()
}

func init() { chooseFromEnv() }

// chooseFromEnv selects the kernels CNNC_KERNELS names, or the best ones
// when it is empty or names kernels this program cannot run (kernelsErr
// then says why).
func chooseFromEnv() {
	kernels, kernelsErr = bestKernels(), nil
	if name := os.Getenv("CNNC_KERNELS"); name != "" {
		if err := SetKernels(name); err != nil {
			kernelsErr = fmt.Errorf("CNNC_KERNELS: %w", err)
		}
	}
}

// availableKernels returns the sets this build has and the CPU supports,
// best first; the last is always the portable set.
func availableKernels() []*kernelSet {
	var sets []*kernelSet
	for _, p := range kernelPaths {
		if p.set != nil && len(p.missing()) == 0 {
			sets = append(sets, p.set)
		}
	}
	return sets
}

func bestKernels() *kernelSet { return availableKernels()[0] }

// missing returns the CPU features p needs that this CPU lacks.
func (p *kernelPath) missing() []string {
	var out []string
	for _, f := range p.cpu {
		if !cpuHas[f] {
			out = append(out, f)
		}
	}
	return out
}

// KernelPaths returns the name of every kernel path, best first, whether
// or not this build and CPU have it: avx512, asm-avx2, avx2, portable.
func KernelPaths() []string {
	names := make([]string, len(kernelPaths))
	for i, p := range kernelPaths {
		names[i] = p.name
	}
	return names
}

// CheckKernels returns nil when name is a kernel path this CPU can run,
// else an error that lists the valid names (for an unknown one) or the CPU
// features that are missing. It does not ask whether this build has the
// path: cnnc checks before it builds a program, whose build differs from
// its own.
func CheckKernels(name string) error {
	_, err := findKernelPath(name)
	return err
}

func findKernelPath(name string) (*kernelPath, error) {
	for _, p := range kernelPaths {
		if p.name != name {
			continue
		}
		m := p.missing()
		switch {
		case len(m) == 0:
			return p, nil
		case goruntime.GOARCH != "amd64":
			return nil, fmt.Errorf("kernels %q need an amd64 CPU with %s; this is %s", name, and(p.cpu), goruntime.GOARCH)
		}
		return nil, fmt.Errorf("kernels %q need a CPU with %s; this one lacks %s", name, and(p.cpu), and(m))
	}
	return nil, fmt.Errorf("unknown kernels %q (want %s)", name, or(KernelPaths()))
}

// SetKernels makes the named kernel path the one in use for every model
// of the program, or the best one for "". It returns an error, and changes
// nothing, when the name is unknown, the CPU lacks a feature the path needs
// or this build does not have it. A path it sets replaces CNNC_KERNELS's
// (KernelsError is then nil). Call it before running any model, not while
// one runs.
func SetKernels(name string) error {
	set := bestKernels()
	if name != "" {
		p, err := findKernelPath(name)
		if err != nil {
			return err
		}
		if p.set == nil {
			return fmt.Errorf("kernels %q are not in this program: they need %s", name, p.build)
		}
		set = p.set
	}
	kernels, kernelsErr = set, nil
	return nil
}

// Kernels names the kernel path in use: "avx512", "asm-avx2", "avx2" or
// "portable". The environment variable CNNC_KERNELS, read at start-up, can
// choose a lesser one (for tests and comparisons); see KernelsError.
func Kernels() string { return kernels.name }

// KernelsError returns why the kernels CNNC_KERNELS names cannot run here
// (an unknown name, a CPU feature missing, a build without them), or nil.
// The runtime never panics for it: it runs the best kernels it has
// instead, and the first model a program makes prints the error once on
// standard error. The programs cnnc builds check it first and exit with
// status 2.
func KernelsError() error { return kernelsErr }

var warnKernels sync.Once

// warnKernelsError prints KernelsError once, when a program makes its
// first model.
func warnKernelsError() {
	if kernelsErr == nil {
		return
	}
	warnKernels.Do(func() {
		fmt.Fprintf(os.Stderr, "cnnc runtime: %v; running the %s kernels\n", kernelsErr, kernels.name)
	})
}

// and joins names as "a, b and c"; or as "a, b or c".
func and(names []string) string { return join(names, "and") }
func or(names []string) string  { return join(names, "or") }

func join(names []string, last string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + last + " " + names[len(names)-1]
}
