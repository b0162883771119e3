package cli

import (
	"flag"
	"fmt"
	"os"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/interp"
	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/runner"
)

func init() {
	commands = append(commands, command{"eval", "[--engine interp|gen] --weights W --data D [--format text|json] [--top K] [--confusion OUT.svg] FILE", "measure a trained classifier on a test set", runEval})
}

const evalUsage = "[--engine interp|gen] --weights W.npz --data D [--format text|json] [--top K] [--confusion OUT.svg] [--labels NAMES.txt] [--mean M --std S] [--batch N] FILE"

const evalDoc = `Eval measures a trained classifier on a test set D: an .npz file (its
x_val and y_val, or x and y when it has no x_val), IDX files (an images
file, or a folder's t10k-* pair, the test set) or a folder of images in one
folder per class. It prints the accuracy, the mean cross-entropy loss, the
top-K accuracy (when K is above 1 and below the number of classes), each
class's accuracy and the confusion matrix; --format json prints them as one
JSON object, whose accuracy is a fraction from 0 to 1. --confusion draws the
matrix in an SVG file. The samples must be normalised as in training: give
the --mean and --std cnnc train printed.

The network's outputs are its classes' probabilities when it ends in
softmax (the loss is -ln p of the true class), else their scores (the loss
is that of their softmax, as nn.CrossEntropyLoss takes it); the top class
is the first of the highest. --engine interp (the default) runs the float64
interpreter, --engine gen the model's generated code in float32, as cnnc
run does. Problems with the weights or the test set are status 1.`

func runEval(e *env, args []string) int {
	fs := newFlags(e, "eval", evalUsage, evalDoc)
	engine := fs.String("engine", "interp", "the `engine`: interp or gen")
	var o runner.EvalOptions
	o.Flags(fs)
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(files) != 1 {
		fmt.Fprintf(e.stderr, "cnnc eval: want exactly one model file, got %d\n", len(files))
		return exitUsage
	}
	if *engine != "interp" && *engine != "gen" {
		fmt.Fprintf(e.stderr, "cnnc eval: unknown engine %q (want interp or gen)\n", *engine)
		return exitUsage
	}
	if err := o.Check(); err != nil {
		fmt.Fprintf(e.stderr, "cnnc eval: %v\n", err)
		return exitUsage
	}
	if *engine == "gen" && !e.checkKernels("eval", "CNNC_KERNELS", os.Getenv("CNNC_KERNELS")) {
		return exitUsage
	}
	if !e.oneStdin("eval", append(modelFiles(files), o.Inputs()...)...) {
		return exitUsage
	}
	if o.Stdin, ok = e.stdinCopy("eval", o.Inputs()...); !ok {
		return exitUsage
	}
	r, status := e.loadModel("eval", files[0])
	if r == nil {
		return status
	}
	if err := o.CheckOutputs(runtime.NamedPath{Name: "the model file", Path: files[0]}); err != nil {
		fmt.Fprintf(e.stderr, "cnnc eval: %v\n", err)
		return runner.ExitStatus(err)
	}
	if *engine == "gen" {
		return e.evalGenerated(genModelOf(r), files[0], o, fs)
	}
	m, err := interp.New(r.Graph)
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc eval: %v\n", err)
		return exitError
	}
	return runner.Eval(&interpEngine{m: m}, o, e.stdout, e.stderr)
}

// evalGenerated checks the weights and the test set against net, then
// builds the model's code with a main that evaluates it, and runs it with
// the flags of fs (but --engine).
func (e *env) evalGenerated(m *genModel, file string, o runner.EvalOptions, fs *flag.FlagSet) int {
	err := o.CheckWeights(m.tensors())
	if err == nil {
		_, _, err = o.EvalInputs(m.input(), m.output())
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc eval: %v\n", err)
		return runner.ExitStatus(err)
	}
	var pass []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "engine" {
			pass = append(pass, "-"+f.Name+"="+f.Value.String())
		}
	})
	return e.runProgram("eval", m, file, evalMain(m), pass, nil)
}

// evalMain writes the main of the program cnnc eval --engine gen runs:
//
//	func main() {
//		e := runner.Generated(func(seed uint64) runtime.Network { return model.New(seed) },
//			[]int{C, H, W}, []int{F}, model.ParamSpecs())
//		os.Exit(runner.EvalMain(e, os.Args[1:], os.Stdout, os.Stderr))
//	}
func evalMain(m *genModel) func(*jen.File) {
	return programMain(m, "EvalMain")
}
