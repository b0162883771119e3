// Package runner is the body of `cnnc run`: it reads an input batch (and
// output gradients) from tensor files, runs a network on an engine, and
// writes the results to an .npz file or prints a summary. cnnc links it with
// its interpreter for --engine interp and, in a program it generates and
// builds, with a generated package for --engine gen, so both engines read,
// check and write files the same way.
package runner

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/cnnc/cnnc/runtime"
)

// Engine runs one network.
type Engine interface {
	// Name is the engine's name for messages: "interp", "gen".
	Name() string
	// Input and Output are the shapes of one sample: [C H W], or [F] for a
	// flat output.
	Input() []int
	Output() []int
	// Specs lists the parameters in the network's order.
	Specs() []runtime.ParamSpec
	// Init draws the parameters from seed, as every cnnc engine does.
	Init(seed uint64)
	// SetParams sets the parameters from arrays read from file.
	SetParams(file string, arrays []*runtime.Array) error
	// Run runs n samples forward and, when dy is not nil, backward: it
	// returns the outputs and, with dy, the input gradients and each
	// parameter's gradient summed over the samples (in Specs order).
	Run(x []float64, n int, dy []float64) (y, dx []float64, grads [][]float64, err error)
	// Float32 reports whether the engine computes in float32; its results
	// are then written as float32.
	Float32() bool
}

// Options are the flags of cnnc run (other than --engine).
type Options struct {
	Weights string // .npz or .safetensors; empty to initialise from Seed
	Seed    uint64
	Input   string // X: [N C H W] or [C H W]
	DY      string // optional output gradient, shaped like y
	Out     string // optional .npz to write
	Train   bool   // a training-mode pass (an engine that is a Trainer), dropout seeded by Seed
	// ImageOptions give the samples as image files instead of Input.
	ImageOptions
	// Stdin is what a file named "-" or /dev/stdin reads (one of them at
	// most); nil for os.Stdin.
	Stdin io.Reader
}

// Flags registers the options on fs.
func (o *Options) Flags(fs *flag.FlagSet) {
	fs.StringVar(&o.Weights, "weights", "", "parameters in PyTorch's names and layout (`W.npz` or W.safetensors); default: initialise from --seed")
	fs.Uint64Var(&o.Seed, "seed", 1, "the `seed` that initialises the parameters without --weights")
	fs.StringVar(&o.Input, "input", "", "the input `X.npy`: [N, C, H, W] or one sample [C, H, W]")
	fs.StringVar(&o.DY, "dy", "", "an output gradient `DY.npy` shaped like y: also run backward")
	fs.StringVar(&o.Out, "out", "", "write y (and dx and NAME.grad with --dy) to `OUT.npz`")
	fs.BoolVar(&o.Train, "train", false, "run in training mode: batchnorm on batch statistics, its running statistics updated and written to --out; dropout on, seeded by --seed")
	o.ImageOptions.flags(fs)
}

// CheckFlags returns what is wrong with the options' values as a usage
// error, or nil.
func (o *Options) CheckFlags() error {
	var errs []string
	if o.Input == "" && len(o.Images) == 0 {
		errs = append(errs, "--input or --image is required")
	}
	errs = append(errs, o.ImageOptions.check(o.Input)...)
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// Args returns the options as the arguments of a program that runs
// Main.
func (o *Options) Args() []string {
	args := []string{"-seed", fmt.Sprint(o.Seed)}
	for _, f := range [][2]string{{"-input", o.Input}, {"-weights", o.Weights}, {"-dy", o.DY}, {"-out", o.Out}} {
		if f[1] != "" {
			args = append(args, f[0], f[1])
		}
	}
	return append(args, o.imageArgs()...)
}

// Exit statuses, as cnnc's.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// Main parses args as cnnc run's flags (without --engine and the model
// file) and runs e; it is the main function of the programs cnnc run
// --engine gen builds.
func Main(e Engine, args []string, stdout, stderr io.Writer) int {
	var o Options
	if !parseProgram("cnnc run", o.Flags, args, stderr) {
		return exitUsage
	}
	if err := o.CheckFlags(); err != nil {
		fmt.Fprintf(stderr, "cnnc run: %v\n", err)
		return exitUsage
	}
	return Run(e, o, stdout, stderr)
}

// parseProgram parses args, the arguments of a program cnnc builds, as the
// flags register defines for the command name: flags only, and a kernel
// path the program can run. It prints what is wrong and returns false.
func parseProgram(name string, register func(*flag.FlagSet), args []string, stderr io.Writer) bool {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	register(fs)
	if err := fs.Parse(args); err != nil {
		return false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected arguments %q\n", name, fs.Args())
		return false
	}
	if err := runtime.KernelsError(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return false
	}
	return true
}

// Run runs e as o says and returns cnnc's exit status: 1 when a weight or
// tensor file is wrong for the network, 2 when a file cannot be read or
// written at all. Weights and outputs that hold NaN or infinities are
// run, with a warning naming each such tensor. On a terminal, stderr shows
// what a long run is doing.
func Run(e Engine, o Options, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "cnnc run: %v\n", err)
		return ExitStatus(err)
	}
	if err := o.CheckFlags(); err != nil {
		fmt.Fprintf(stderr, "cnnc run: %v\n", err)
		return exitUsage
	}
	if err := o.CheckOutputs(); err != nil {
		return fail(err)
	}
	names, err := o.names(e.Output())
	if err != nil {
		return fail(err)
	}
	if o.Weights != "" {
		if err := setWeights(e, o.Weights, o.Stdin, stderr); err != nil {
			return fail(err)
		}
	} else {
		done := Status(stderr, "cnnc run: initialising the parameters")
		e.Init(o.Seed)
		done()
	}
	in, err := o.readInputs(e.Input(), e.Output())
	if err != nil {
		return fail(err)
	}
	done := Status(stderr, "cnnc run: running the model")
	y, dx, grads, buffers, err := o.pass(e, in.x, in.n, in.dy)
	done()
	if err != nil {
		return fail(err)
	}
	warnNonFinite(stderr, "", "the output y", y)
	if o.Out == "" {
		if (len(o.Images) > 0 || names != nil) && len(e.Output()) == 1 {
			topClasses(stdout, y, in.n, 5, o.sources(in.n), names)
			return exitOK
		}
		summarise(stdout, e, y, in.n, in.dy != nil)
		return exitOK
	}
	arrays := []*runtime.Array{array(e, "y", batchShape(e.Output(), in.n, in.single), y)}
	if in.dy != nil {
		arrays = append(arrays, array(e, "dx", batchShape(e.Input(), in.n, in.single), dx))
		for i, s := range e.Specs() {
			arrays = append(arrays, array(e, s.Name+".grad", s.Shape, grads[i]))
		}
	}
	arrays = append(arrays, buffers...)
	release := holdSignals()
	if beforeWrite != nil {
		beforeWrite()
	}
	err = runtime.WriteArrays(o.Out, arrays)
	sig := release()
	if err != nil {
		fmt.Fprintf(stderr, "cnnc run: %v\n", err)
		return exitUsage
	}
	if sig != nil {
		fmt.Fprintf(stderr, "cnnc run: %v: stopped after writing %s\n", sig, o.Out)
		return signalStatus(sig)
	}
	return exitOK
}

// setWeights sets e's parameters from the weight file path, and warns on
// stderr about every tensor that holds NaN or an infinity.
func setWeights(e Engine, path string, stdin io.Reader, stderr io.Writer) error {
	arrays, err := readArrays(path, stdin)
	if err != nil {
		return err
	}
	if err := e.SetParams(runtime.StdinName(path), arrays); err != nil {
		return err
	}
	for _, a := range arrays {
		warnNonFinite(stderr, runtime.StdinName(path), a.Name, a.Float64s())
	}
	return nil
}

// Inputs names the files the options read.
func (o *Options) Inputs() []runtime.NamedPath {
	paths := []runtime.NamedPath{{Name: "--input", Path: o.Input}, {Name: "--weights", Path: o.Weights}, {Name: "--dy", Path: o.DY}, {Name: "--labels", Path: o.Labels}}
	for _, img := range o.Images {
		paths = append(paths, runtime.NamedPath{Name: "--image", Path: img})
	}
	return paths
}

// CheckOutputs checks that --out can be written and is none of the
// inputs (see runtime.CheckOutput and CheckOutputs), so that the run does
// not fail at its end, nor overwrite its input.
func (o *Options) CheckOutputs(inputs ...runtime.NamedPath) error {
	switch o.Out {
	case "":
		return nil
	case "-":
		return &runtime.FileError{File: "-", Msg: "--out wants a file name ending in .npz, .npy or .safetensors", Err: runtime.ErrOutputPath}
	}
	inputs = append(inputs, o.Inputs()...)
	if err := runtime.CheckOutputs(inputs, []runtime.NamedPath{{Name: "--out", Path: o.Out}}); err != nil {
		return err
	}
	if err := runtime.CheckOutput(o.Out); err != nil {
		return err
	}
	return runtime.CheckArraysPath(o.Out)
}

// readBatch reads a batch of samples shaped like sample ([N, ...sample]) or
// one sample ([...sample], single is then true).
func readBatch(path, flagName string, sample []int, stdin io.Reader) (data []float64, n int, single bool, err error) {
	arrays, err := readArrays(path, stdin)
	if err != nil {
		return nil, 0, false, err
	}
	path = runtime.StdinName(path)
	if len(arrays) != 1 {
		return nil, 0, false, &runtime.FileError{File: path, Msg: fmt.Sprintf("%s wants one array, the file has %d", flagName, len(arrays))}
	}
	a := arrays[0]
	switch {
	case slices.Equal(a.Shape, sample):
		n, single = 1, true
	case len(a.Shape) == len(sample)+1 && slices.Equal(a.Shape[1:], sample) && a.Shape[0] > 0:
		n = a.Shape[0]
	default:
		return nil, 0, false, &runtime.FileError{File: path, Msg: fmt.Sprintf("shape %v does not fit the network: %s wants [N %s] or %v",
			a.Shape, flagName, strings.Trim(fmt.Sprint(sample), "[]"), sample)}
	}
	data = a.Float64s()
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, false, &runtime.FileError{File: path, Msg: fmt.Sprintf("value %d is %v", i, v)}
		}
	}
	return data, n, single, nil
}

func samples(n int, single bool) string {
	if single {
		return "one sample"
	}
	return fmt.Sprintf("a batch of %d", n)
}

// batchShape is [n, ...sample], or sample for a single sample.
func batchShape(sample []int, n int, single bool) []int {
	if single {
		return sample
	}
	return append([]int{n}, sample...)
}

// array makes an output array in the engine's precision.
func array(e Engine, name string, shape []int, data []float64) *runtime.Array {
	if !e.Float32() {
		return runtime.NewArray64(name, shape, data)
	}
	f := make([]float32, len(data))
	for i, v := range data {
		f[i] = float32(v)
	}
	return runtime.NewArray32(name, shape, f)
}

// summarise prints the outputs for a person: their shape, and for a flat
// output each sample's top class and score, else the first values.
func summarise(w io.Writer, e Engine, y []float64, n int, backward bool) {
	out := e.Output()
	size := len(y) / n
	fmt.Fprintf(w, "engine %s: output %v for %s\n", e.Name(), append([]int{n}, out...), plural(n, "sample"))
	for s := range n {
		row := y[s*size : (s+1)*size]
		if len(out) == 1 {
			best := 0
			for i, v := range row {
				if v > row[best] {
					best = i
				}
			}
			fmt.Fprintf(w, "sample %d: top class %d, score %.6g\n", s, best, row[best])
			continue
		}
		fmt.Fprintf(w, "sample %d: %s\n", s, firstValues(row, 8))
	}
	if backward {
		fmt.Fprintf(w, "backward done: write dx and the parameter gradients with --out OUT.npz\n")
	}
}

func firstValues(v []float64, k int) string {
	var b strings.Builder
	for i, x := range v[:min(k, len(v))] {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%.6g", x)
	}
	if len(v) > k {
		fmt.Fprintf(&b, " ... (%d values)", len(v))
	}
	return b.String()
}
