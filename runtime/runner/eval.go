package runner

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/data"
)

// EvalOptions are the flags of cnnc eval (other than --engine).
type EvalOptions struct {
	Weights   string // the trained parameters (required)
	Data      string // the test set (see data.LoadTest)
	Format    string // text or json
	Top       int    // the k of top-k accuracy
	Confusion string // an SVG picture of the confusion matrix, optional
	Labels    string // the classes' names, one a line, optional
	Mean, Std data.Floats
	Batch     int
	// Stdin is what a --data or --weights of "-" or /dev/stdin reads (one
	// of them at most); nil for os.Stdin.
	Stdin io.Reader
}

// maxConfusionClasses bounds the classes of the confusion matrix cnnc eval
// draws, and prints as text.
const (
	maxConfusionClasses = 100
	maxTextClasses      = 30
)

// Flags registers the options on fs, with cnnc eval's defaults.
func (o *EvalOptions) Flags(fs *flag.FlagSet) {
	fs.StringVar(&o.Weights, "weights", "", "the trained parameters `W.npz` (or .safetensors)")
	fs.StringVar(&o.Data, "data", "", "the test set `D`: an .npz file (x_val and y_val, else x and y), IDX files (a folder's t10k-* pair), or a folder of image folders, one per class")
	fs.StringVar(&o.Format, "format", "text", "the report's `format`: text or json")
	fs.IntVar(&o.Top, "top", 5, "also measure top-`K` accuracy, when K is above 1 and below the number of classes")
	fs.StringVar(&o.Confusion, "confusion", "", "draw the confusion matrix in `OUT.svg`")
	fs.StringVar(&o.Labels, "labels", "", "the classes' names in `NAMES.txt`, one a line (default: an image folder's class folders)")
	fs.Var(&o.Mean, "mean", "normalise the samples by subtracting this `mean` (one number, or one per channel), as cnnc train did")
	fs.Var(&o.Std, "std", "and dividing by this standard `deviation`")
	fs.IntVar(&o.Batch, "batch", 64, "run `N` samples at a time")
}

// Check returns what is wrong with the options as a usage error, or nil.
func (o *EvalOptions) Check() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if o.Weights == "" {
		bad("--weights is required")
	}
	if o.Data == "" {
		bad("--data is required")
	}
	if o.Format != "text" && o.Format != "json" {
		bad("--format %q: want text or json", o.Format)
	}
	if o.Top < 1 {
		bad("--top %d: want at least 1", o.Top)
	}
	if (len(o.Mean) == 0) != (len(o.Std) == 0) {
		bad("--mean and --std come together")
	}
	if o.Batch < 1 {
		bad("--batch %d: want at least 1", o.Batch)
	}
	if o.Confusion == "-" {
		bad("--confusion -: want a file name (standard output carries the report)")
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// Inputs names the files the options read.
func (o *EvalOptions) Inputs() []runtime.NamedPath {
	return []runtime.NamedPath{{Name: "--data", Path: o.Data}, {Name: "--weights", Path: o.Weights}, {Name: "--labels", Path: o.Labels}}
}

// CheckOutputs checks that --confusion can be written and is none of the
// inputs.
func (o *EvalOptions) CheckOutputs(inputs ...runtime.NamedPath) error {
	if o.Confusion == "" {
		return nil
	}
	outputs := []runtime.NamedPath{{Name: "--confusion", Path: o.Confusion}}
	if err := runtime.CheckOutputs(append(inputs, o.Inputs()...), outputs); err != nil {
		return err
	}
	return runtime.CheckOutput(o.Confusion)
}

// CheckWeights checks that the weights fit a network of parameters specs,
// as Eval's engine will; cnnc eval --engine gen calls it before the build.
func (o *EvalOptions) CheckWeights(specs []runtime.ParamSpec) error {
	arrays, err := readArrays(o.Weights, o.Stdin)
	if err != nil {
		return err
	}
	_, err = runtime.CheckParams(runtime.StdinName(o.Weights), arrays, specs)
	return err
}

// EvalMain parses args as cnnc eval's flags (without --engine and the
// model file) and evaluates e; it is the main function of the programs
// cnnc eval --engine gen builds.
func EvalMain(e Engine, args []string, stdout, stderr io.Writer) int {
	var o EvalOptions
	if !parseProgram("cnnc eval", o.Flags, args, stderr) {
		return exitUsage
	}
	if err := o.Check(); err != nil {
		fmt.Fprintf(stderr, "cnnc eval: %v\n", err)
		return exitUsage
	}
	return Eval(e, o, stdout, stderr)
}

// EvalInputs reads and checks what an evaluation of a network with
// samples shaped input and outputs output needs, before anything runs:
// the classes' names and the test set, normalised. It is what Eval
// reads; cnnc eval --engine gen calls it before the build, to fail fast.
func (o *EvalOptions) EvalInputs(input, output []int) (*Data, []string, error) {
	if len(output) != 1 {
		return nil, nil, fmt.Errorf("the network's output is %s, not one score per class: cnnc eval measures classifiers", strings.ReplaceAll(dims(output), " ", "x"))
	}
	if o.Confusion != "" && output[0] > maxConfusionClasses {
		return nil, nil, usagef("--confusion %s: cnnc draws confusion matrices of up to %d classes; the network has %d", o.Confusion, maxConfusionClasses, output[0])
	}
	var names []string
	if o.Labels != "" {
		var err error
		if names, err = data.ReadNames(o.Labels, output[0], o.Stdin); err != nil {
			return nil, nil, err
		}
	}
	set, err := data.LoadTest(o.Data, data.Spec{Input: input, Output: output, Classifier: true, Stdin: o.Stdin})
	if err != nil {
		return nil, nil, err
	}
	if names == nil {
		names = set.Classes
	}
	if len(o.Mean) > 0 {
		size := sizeOf(input)
		norm, err := data.NewNorm(o.Mean, o.Std, channels(input))
		if err != nil {
			return nil, nil, usagef("%v", err)
		}
		norm.Apply(set.X, size)
		if err := checkNonFinite("the test set", set, size); err != nil {
			return nil, nil, err
		}
	}
	return set, names, nil
}

// Eval measures e, a classifier, on the test set o names and reports it
// as o says; it returns cnnc's exit status: 1 when the weights or the
// test set are wrong for the network, 2 when a file cannot be read or
// written or a flag does not fit.
func Eval(e Engine, o EvalOptions, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "cnnc eval: %v\n", err)
		return ExitStatus(err)
	}
	if err := o.CheckOutputs(); err != nil {
		return fail(err)
	}
	if err := setWeights(e, o.Weights, o.Stdin, stderr); err != nil {
		return fail(err)
	}
	set, names, err := o.EvalInputs(e.Input(), e.Output())
	if err != nil {
		return fail(err)
	}
	ev, err := evaluate(e, set, names, o, stderr)
	if err != nil {
		return fail(err)
	}
	if ev.NonFinite > 0 {
		fmt.Fprintf(stderr, "cnnc eval: warning: the outputs of %s hold NaN or an infinity\n", plural(ev.NonFinite, "sample"))
	}
	if o.Format == "json" {
		err = ev.writeJSON(stdout)
	} else {
		ev.writeText(stdout)
	}
	if err != nil {
		return fail(err)
	}
	if o.Confusion != "" {
		if err := runtime.WriteFileAtomic(o.Confusion, ev.ConfusionSVG(), 0o644); err != nil {
			fmt.Fprintf(stderr, "cnnc eval: %v\n", err)
			return exitUsage
		}
	}
	return exitOK
}

// evaluate runs e on the samples of set, o.Batch at a time, and counts
// what it gives. On a terminal, stderr shows how far it is.
func evaluate(e Engine, set *Data, names []string, o EvalOptions, stderr io.Writer) (*Evaluation, error) {
	classes := e.Output()[0]
	ev := newEvaluation(classes, o.Top, names)
	ev.Source, ev.Engine = set.Source, e.Name()
	softmax := false
	if s, ok := e.(interface{ EndsInSoftmax() bool }); ok {
		softmax = s.EndsInSoftmax()
	}
	tiny := math.SmallestNonzeroFloat64
	if e.Float32() {
		tiny = math.SmallestNonzeroFloat32
	}
	size := sizeOf(e.Input())
	for lo := 0; lo < set.N; lo += o.Batch {
		hi := min(lo+o.Batch, set.N)
		done := Status(stderr, fmt.Sprintf("cnnc eval: %d of %d samples", lo, set.N))
		x := make([]float64, (hi-lo)*size)
		for i, v := range set.X[lo*size : hi*size] {
			x[i] = float64(v)
		}
		y, _, _, err := e.Run(x, hi-lo, nil)
		done()
		if err != nil {
			return nil, err
		}
		ev.add(y, set.Labels[lo:hi], softmax, tiny)
	}
	return ev, nil
}

func dims(shape []int) string { return strings.Trim(fmt.Sprint(shape), "[]") }
