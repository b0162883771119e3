package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/gen"
	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/runner"
)

const benchDoc = `Bench builds the model's generated code the fast way the toolchain allows
(Go's SIMD experiment on amd64: AVX-512 or AVX2 kernels chosen at run time,
else portable code) and times it: the median time of a forward pass and, with
--backward, of forward+backward over a batch, their GFLOP/s (2 flops a
multiply-add; forward+backward counts 3 times the forward work), with
--train of a training step (zeroed gradients, forward and backward in
training mode, an SGD step; with --optim sgd|adam|adamw, a step of that
rule on the model's loss over random labels, as cnnc train takes it, and the
images a second it makes), allocations
per run, and one sample's time layer by layer (at a batch above one, the
whole batch's forward pass layer by layer too). --kernels chooses another
kernel path for comparisons (avx512, asm-avx2, avx2 or portable; default:
$CNNC_KERNELS, else the best this CPU runs); a path the CPU lacks is an
error. --cpuprofile writes a CPU profile of the whole benchmark for go tool
pprof. With --format json it prints one object with forward_ms,
forward_backward_ms, batch, threads, path and more.`

func runBench(e *env, args []string) int {
	fs := newFlags(e, "bench", "[--batch N] [--threads N] [--runs N] [--backward] [--train [--optim M]] [--kernels K] [--cpuprofile FILE] [--format text|json] FILE", benchDoc)
	var o runner.BenchOptions
	o.Flags(fs)
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(files) != 1 {
		fmt.Fprintf(e.stderr, "cnnc bench: want exactly one model file, got %d\n", len(files))
		return exitUsage
	}
	if err := o.Check(); err != nil {
		fmt.Fprintf(e.stderr, "cnnc bench: %v\n", err)
		return exitUsage
	}
	if !e.checkKernels("bench", "--kernels", o.Kernels) ||
		o.Kernels == "" && !e.checkKernels("bench", "CNNC_KERNELS", os.Getenv("CNNC_KERNELS")) {
		return exitUsage
	}
	m, status := e.loadGen("bench", files[0])
	if m == nil {
		return status
	}
	// The program allocates the batch's inputs, outputs and output
	// gradients at once.
	if v := float64(o.Batch) * float64(m.Input.Shape.Size()+2*m.Output.Shape.Size()); v > compiler.MaxValues {
		fmt.Fprintf(e.stderr, "cnnc bench: --batch %d: the batch's inputs, outputs and output gradients would hold %.3g values, more than the %s a benchmark allocates\n",
			o.Batch, v, compiler.BigCount(compiler.MaxValues))
		return exitUsage
	}
	pass := []string{"-batch", fmt.Sprint(o.Batch), "-threads", fmt.Sprint(o.Threads),
		"-runs", fmt.Sprint(o.Runs), fmt.Sprintf("-backward=%v", o.Backward), fmt.Sprintf("-train=%v", o.Train), "-format", o.Format, "-kernels", o.Kernels, "-optim", o.Optim}
	if o.CPUProfile != "" {
		abs, err := filepath.Abs(o.CPUProfile)
		if err != nil {
			fmt.Fprintf(e.stderr, "cnnc bench: --cpuprofile: %v\n", err)
			return exitUsage
		}
		pass = append(pass, "-cpuprofile", abs)
	}
	return e.runProgram("bench", m, files[0], benchMain(m), pass, nil)
}

// checkKernels checks the kernel path that a program cnnc builds is asked
// to run (by source, a flag or CNNC_KERNELS), before anything is built: it
// prints why and returns false for an unknown name or a path this CPU
// cannot run. The program itself refuses a path its build lacks (see
// runtime.KernelsError).
func (e *env) checkKernels(cmd, source, name string) bool {
	if name == "" {
		return true
	}
	if err := runtime.CheckKernels(name); err != nil {
		fmt.Fprintf(e.stderr, "cnnc %s: %s: %v\n", cmd, source, err)
		return false
	}
	return true
}

// benchMain writes the main of the benchmark program: runner.BenchMain with
// the model's constructor, multiply-adds and layers (see benchLayers).
func benchMain(m *genModel) func(*jen.File) {
	const runnerPath = "github.com/cnnc/cnnc/runtime/runner"
	const model = "cnncprog/model"
	return func(f *jen.File) {
		f.Func().Id("main").Params().Block(
			jen.Id("m").Op(":=").Qual(runnerPath, "Model").Values(jen.Dict{
				jen.Id("Name"):   jen.Lit(m.Name),
				jen.Id("MACs"):   jen.Lit(int(m.macs())),
				jen.Id("Layers"): benchLayers(m),
				jen.Id("New"): jen.Func().Params(jen.Id("seed").Uint64()).Qual(gen.RuntimePath, "Network").Block(
					jen.Return(jen.Qual(model, "New").Call(jen.Id("seed"))),
				),
			}),
			jen.Qual("os", "Exit").Call(jen.Qual(runnerPath, "BenchMain").Call(jen.Id("m"), jen.Qual("os", "Args").Index(jen.Lit(1).Op(":")), jen.Qual("os", "Stdout"), jen.Qual("os", "Stderr"))),
		)
	}
}
