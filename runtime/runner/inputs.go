package runner

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/data"
)

// inputs are the batches cnnc run reads: x, and dy for a backward pass.
type inputs struct {
	x, dy  []float64
	n      int  // samples
	single bool // one sample [C H W] rather than a batch
}

// readInputs reads --input and --dy and checks them against a network
// whose samples are shaped input and outputs output.
func (o *Options) readInputs(input, output []int) (inputs, error) {
	var in inputs
	var err error
	if len(o.Images) > 0 {
		in.x, err = o.readImages(input, o.Stdin)
		in.n = len(o.Images)
	} else {
		in.x, in.n, in.single, err = readBatch(o.Input, "--input", input, o.Stdin)
	}
	if err != nil || o.DY == "" {
		return in, err
	}
	dy, n, single, err := readBatch(o.DY, "--dy", output, o.Stdin)
	if err != nil {
		return in, err
	}
	if n != in.n || single != in.single {
		return in, fmt.Errorf("%s: --dy holds %s, but --input holds %s", runtime.StdinName(o.DY), samples(n, single), samples(in.n, in.single))
	}
	in.dy = dy
	return in, nil
}

// Check checks the files of o as Run would, without running anything, for
// a network whose samples are shaped input, outputs output and parameters
// specs: the outputs (see CheckOutputs), the weights' names and shapes, and
// the batches' shapes. cnnc run --engine gen calls it before the build, to
// fail fast; standard input is read from o.Stdin, which must then be a
// copy the program does not read. A FIFO, which can be read only once, is
// left to Run.
func (o *Options) Check(input, output []int, specs []runtime.ParamSpec) error {
	if err := o.CheckOutputs(); err != nil {
		return err
	}
	if o.Weights != "" && rereadable(o.Weights) {
		arrays, err := readArrays(o.Weights, o.Stdin)
		if err != nil {
			return err
		}
		if _, err := runtime.CheckParams(runtime.StdinName(o.Weights), arrays, specs); err != nil {
			return err
		}
	}
	if _, err := o.names(output); err != nil {
		return err
	}
	if !rereadable(o.Input) || o.DY != "" && !rereadable(o.DY) || !all(o.Images, rereadable) {
		return nil
	}
	_, err := o.readInputs(input, output)
	return err
}

// rereadable reports whether path may be read by Check before Run reads
// it again: standard input (a copy), a regular file, or a missing one
// (reported at once).
func rereadable(path string) bool {
	if runtime.IsStdin(path) {
		return true
	}
	st, err := os.Stat(path)
	return err != nil || st.Mode().IsRegular()
}

// warnNonFinite prints a warning when values hold NaN or an infinity:
//
//	cnnc run: warning: w.npz: conv1.weight holds NaN (value 3, and 5 more of 54)
func warnNonFinite(w io.Writer, file, name string, values []float64) {
	first, count := -1, 0
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if first < 0 {
				first = i
			}
			count++
		}
	}
	if count == 0 {
		return
	}
	if file != "" {
		file += ": "
	}
	more := ""
	if count > 1 {
		more = fmt.Sprintf(", and %d more of %d", count-1, len(values))
	}
	fmt.Fprintf(w, "cnnc run: warning: %s%s holds %v (value %d%s)\n", file, name, values[first], first, more)
}

// Status shows msg on w, a one-line status for a long step, when w is a
// terminal, and returns the function that clears it; elsewhere it prints
// nothing.
func Status(w io.Writer, msg string) (clear func()) {
	if !isTerminal(w) {
		return func() {}
	}
	fmt.Fprintf(w, "\r\x1b[K%s…", msg)
	return func() { fmt.Fprint(w, "\r\x1b[K") }
}

func all(paths []string, f func(string) bool) bool {
	for _, p := range paths {
		if !f(p) {
			return false
		}
	}
	return true
}

// names reads --labels for a network whose output is shaped output: nil
// without --labels.
func (o *Options) names(output []int) ([]string, error) {
	if o.Labels == "" {
		return nil, nil
	}
	if len(output) != 1 {
		return nil, usagef("--labels %s: the network's output is %s, not one score per class", o.Labels, strings.ReplaceAll(dims(output), " ", "x"))
	}
	return data.ReadNames(o.Labels, output[0], o.Stdin)
}

// sources names the samples of a run for its report: the image files, or
// "sample i".
func (o *Options) sources(n int) []string {
	if len(o.Images) > 0 {
		out := make([]string, len(o.Images))
		for i, p := range o.Images {
			out[i] = runtime.StdinName(p)
		}
		return out
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("sample %d", i)
	}
	return out
}
