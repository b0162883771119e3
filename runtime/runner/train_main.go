package runner

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/data"
)

// TrainOptions are the flags of cnnc train.
type TrainOptions struct {
	Data      string  // the dataset (see LoadData)
	Val       float64 // the fraction of Data to hold out (0: none)
	ValData   string  // the held-out samples, another data set
	Normalize bool    // normalise by Mean and Std, computed from the training samples when not given
	Mean, Std data.Floats
	Epochs    int
	Batch     int
	OptimOptions
	AugmentOptions
	Seed       uint64
	Threads    int    // 0: every core
	Weights    string // the starting parameters; empty to initialise from Seed
	Out        string // the trained parameters
	Log        string // optional JSON lines, one object an epoch
	Plot       string // optional SVG of the curves
	Checkpoint string // a folder to write a checkpoint to after every epoch
	Resume     bool   // continue the run whose checkpoint Checkpoint holds
	// Stdin is what a --data, --val-data or --weights of "-" or
	// /dev/stdin reads (one of them at most); nil for os.Stdin.
	Stdin io.Reader

	// norm is the normalisation Prepare applied, nil for none;
	// normComputed says that it computed some of it.
	norm         *data.Norm
	normComputed bool
	// resume is the checkpoint Prepare read for --resume.
	resume *checkpoint
}

// Flags registers the options on fs, with cnnc train's defaults.
func (o *TrainOptions) Flags(fs *flag.FlagSet) {
	fs.StringVar(&o.Data, "data", "", "the dataset `D`: an .npz file (x [N, C, H, W] and y, optionally x_val and y_val), IDX files (*-images-idx3-ubyte[.gz], or a folder of them), or a folder of image folders, one per class")
	fs.Float64Var(&o.Val, "val", 0, "hold out this `fraction` of the dataset, chosen at random, to measure after every epoch")
	fs.StringVar(&o.ValData, "val-data", "", "the held-out samples, another dataset `V` (an .npz file's x_val and y_val, or x and y)")
	fs.BoolVar(&o.Normalize, "normalize", false, "normalise every channel by the mean and standard deviation of the training samples (those of --mean and --std when given)")
	fs.Var(&o.Mean, "mean", "normalise by subtracting this `mean` (one number, or one per channel, separated by commas)")
	fs.Var(&o.Std, "std", "normalise by dividing by this standard `deviation` (one number, or one per channel)")
	fs.IntVar(&o.Epochs, "epochs", 20, "the number `N` of epochs (passes over the data)")
	fs.IntVar(&o.Batch, "batch", 32, "the number `N` of samples in a mini-batch")
	o.OptimOptions.flags(fs)
	o.AugmentOptions.flags(fs)
	fs.Uint64Var(&o.Seed, "seed", 1, "the `seed` of the initial parameters (without --weights), the shuffling, the augmentation and dropout")
	fs.IntVar(&o.Threads, "threads", 0, "the number `N` of threads (0: every core; at most 1024)")
	fs.StringVar(&o.Weights, "weights", "", "start from the parameters in `W.npz` (or .safetensors) instead of --seed's")
	fs.StringVar(&o.Out, "out", "", "write the trained parameters to `W.npz` (or .safetensors)")
	fs.StringVar(&o.Log, "log", "", "write one JSON object per epoch to `LOG.jsonl`")
	fs.StringVar(&o.Plot, "plot", "", "draw the loss (and accuracy) curves in `LOSS.svg`")
	fs.StringVar(&o.Checkpoint, "checkpoint", "", "after every epoch, write the weights, the optimiser's state and the run's position to the folder `DIR`")
	fs.BoolVar(&o.Resume, "resume", false, "continue the run whose checkpoint --checkpoint holds, to --epochs")
}

// Check returns what is wrong with the options as a usage error, or nil.
func (o *TrainOptions) Check() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if o.Data == "" {
		bad("--data is required")
	}
	if o.Out == "" {
		bad("--out is required")
	} else if ext := strings.ToLower(filepath.Ext(o.Out)); ext != ".npz" && ext != ".safetensors" {
		bad("--out %s: want a .npz or .safetensors file", o.Out)
	}
	for _, out := range o.outputs() {
		if out.Path == "-" {
			bad("%s -: want a file name (standard output carries the progress; /dev/stdout writes there anyway)", out.Name)
		}
	}
	if o.Epochs < 1 {
		bad("--epochs %d: want at least 1", o.Epochs)
	}
	if o.Batch < 1 {
		bad("--batch %d: want at least 1", o.Batch)
	}
	o.OptimOptions.check(o.Epochs, bad)
	o.AugmentOptions.check(bad)
	o.checkCheckpoint(bad)
	if o.Threads < 0 || o.Threads > MaxThreads {
		bad("--threads %d: want 0 (every core) to %d", o.Threads, MaxThreads)
	}
	if !(o.Val >= 0 && o.Val < 1) {
		bad("--val %v: want a fraction between 0 and 1", o.Val)
	}
	if o.Val > 0 && o.ValData != "" {
		bad("--val and --val-data: want one held-out set")
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// config returns the training configuration the options describe.
func (o *TrainOptions) config() Config {
	return Config{Epochs: o.Epochs, Batch: o.Batch, Optimizer: o.optimizer(), Schedule: o.schedule(o.Epochs), Seed: o.Seed, Augment: o.augment}
}

// ExitInterrupted is the exit status of a run stopped by Ctrl-C (SIGINT)
// after saving its weights, 128 + 2 as shells report it; SIGTERM gives
// 128 + 15.
const ExitInterrupted = 130

// TrainMain is the main function of the programs cnnc train builds: it
// parses args as cnnc train's flags (without the model file), trains the
// model newModel makes (samples shaped input, outputs output) and returns
// cnnc's exit status: 0 when done, 1 for a dataset or weight file that does
// not fit the network, 2 for usage or I/O trouble, 130 (143) when
// interrupted by SIGINT (SIGTERM), after saving the weights reached.
func TrainMain(newModel func(seed uint64) runtime.Network, input, output []int, args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("cnnc train", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var o TrainOptions
	o.Flags(fset)
	if err := fset.Parse(args); err != nil {
		return exitUsage
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "cnnc train: unexpected arguments %q\n", fset.Args())
		return exitUsage
	}
	if err := o.Check(); err != nil {
		fmt.Fprintf(stderr, "cnnc train: %v\n", err)
		return exitUsage
	}
	if err := runtime.KernelsError(); err != nil {
		fmt.Fprintf(stderr, "cnnc train: %v\n", err)
		return exitUsage
	}
	m := asLearner(newModel(o.Seed))
	train, val, err := Prepare(&o, m.Classifier(), input, output, m.SetParams)
	if err != nil {
		return fail(stderr, err)
	}
	if o.Threads > 0 {
		m.SetThreads(o.Threads)
	}
	if o.norm != nil {
		how := "as given"
		if o.normComputed {
			how = fmt.Sprintf("from the %s trained on", plural(train.N, "sample"))
		}
		fmt.Fprintf(stdout, "normalising by %s (%s); cnnc eval and run want the same flags\n", o.norm, how)
	}
	return (&session{o: &o, m: m, train: train, val: val, stdout: stdout, stderr: stderr}).run()
}

// Prepare checks everything a training run needs before it starts, as
// cnnc train does before building the model's program and the program
// does again: the dataset (see LoadData) and the held-out samples (--val,
// --val-data), normalised as --normalize, --mean and --std say; the
// augmentation (--crop-pad, --hflip) against the network's input; the
// starting weights, which it passes to setParams, or with --resume the
// checkpoint, its weights passed to setParams and its run compared with
// this one's; and that the output files can be written. A returned error
// is a *runtime.FileError or a list of them, an error opening a file, or
// one of a flag's value (ErrUsage).
func Prepare(o *TrainOptions, classifier bool, input, output []int, setParams func(file string, arrays []*runtime.Array) error) (train, val *Data, err error) {
	train, val, err = o.prepareData(data.Spec{Input: input, Output: output, Classifier: classifier, Stdin: o.Stdin})
	if err != nil {
		return nil, nil, err
	}
	if err := o.AugmentOptions.prepare(input, output, classifier, o.norm, o.Seed); err != nil {
		return nil, nil, err
	}
	if o.Weights != "" {
		arrays, err := readArrays(o.Weights, o.Stdin)
		if err != nil {
			return nil, nil, err
		}
		if err := setParams(runtime.StdinName(o.Weights), arrays); err != nil {
			return nil, nil, err
		}
		if err := finiteParams(runtime.StdinName(o.Weights), arrays); err != nil {
			return nil, nil, err
		}
	}
	if o.Resume {
		if o.resume, err = o.readResume(train, val, setParams); err != nil {
			return nil, nil, err
		}
	}
	if err := o.CheckOutputs(); err != nil {
		return nil, nil, err
	}
	return train, val, nil
}

// finiteParams returns an error naming every array of file that holds NaN
// or an infinity: training cannot start from such weights.
func finiteParams(file string, arrays []*runtime.Array) error {
	var errs []error
	for _, a := range arrays {
		for i, v := range a.Float64s() {
			if !finite(v) {
				errs = append(errs, &runtime.FileError{File: file, Entry: a.Name,
					Msg: fmt.Sprintf("holds %v (value %d); training needs finite starting weights", v, i)})
				break
			}
		}
	}
	return errors.Join(errs...)
}

// Inputs names the files the options read.
func (o *TrainOptions) Inputs() []runtime.NamedPath {
	return []runtime.NamedPath{{Name: "--data", Path: o.Data}, {Name: "--val-data", Path: o.ValData}, {Name: "--weights", Path: o.Weights}}
}

// outputs names the files the options write.
func (o *TrainOptions) outputs() []runtime.NamedPath {
	return []runtime.NamedPath{{Name: "--out", Path: o.Out}, {Name: "--log", Path: o.Log}, {Name: "--plot", Path: o.Plot}}
}

// CheckOutputs checks that every output (--out, --log, --plot) can be
// written, so that a long run does not fail at its end, and that none is
// an input or another output (see runtime.CheckOutput and CheckOutputs).
func (o *TrainOptions) CheckOutputs(inputs ...runtime.NamedPath) error {
	inputs = append(inputs, o.Inputs()...)
	outputs := o.outputs()
	if err := runtime.CheckOutputs(inputs, outputs); err != nil {
		return err
	}
	if err := o.checkCheckpointDir(); err != nil {
		return err
	}
	for _, out := range outputs {
		if out.Path == "" {
			continue
		}
		if err := runtime.CheckOutput(out.Path); err != nil {
			return err
		}
	}
	return nil
}

// ExitStatus is cnnc's exit status for an error of Prepare, LoadData or
// Run's files: 2 when a file cannot be opened or written, an output path
// cannot be used (see runtime.ErrOutputPath) or a flag's value does not
// fit the data (ErrUsage), 1 when a file's contents are wrong.
func ExitStatus(err error) int {
	var pe *fs.PathError
	if errors.As(err, &pe) || errors.Is(err, runtime.ErrOutputPath) || errors.Is(err, ErrUsage) {
		return exitUsage
	}
	return exitError
}

// fail prints err and returns its exit status.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "cnnc train: %v\n", err)
	return ExitStatus(err)
}

// signalStatus is the exit status of a run stopped by sig: 128 plus the
// signal's number, as shells report it (130 for SIGINT).
func signalStatus(sig os.Signal) int {
	if n, ok := sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return ExitInterrupted
}

// session is one run of TrainMain.
type session struct {
	o          *TrainOptions
	m          runtime.Learner
	train, val *Data
	stdout     io.Writer
	stderr     io.Writer
	ckpt       ckptWriter // --checkpoint's
}

func (s *session) run() int {
	var log *jsonLog
	if s.o.Log != "" {
		var err error
		if log, err = createLog(s.o.Log); err != nil {
			return fail(s.stderr, err)
		}
		defer log.close()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	caught := make(chan os.Signal, 1)
	go func() {
		if sig, ok := <-sigs; ok {
			caught <- sig
			cancel()
		}
	}()

	c := s.o.config()
	if err := s.checkpoints(&c); err != nil {
		return fail(s.stderr, err)
	}
	rep := newReporter(s.stdout, s.m.Classifier(), c.Epochs)
	c.OnStep = rep.step
	var logErr error
	if log != nil && c.Resume != nil {
		for _, e := range c.Resume.History {
			if logErr == nil {
				logErr = log.write(e)
			}
		}
	}
	c.OnEpoch = func(e Epoch) {
		rep.epoch(e)
		if log != nil && logErr == nil {
			logErr = log.write(e)
		}
	}
	rep.start(s.train, s.val, c)
	history, err := Train(ctx, s.m, s.train, s.val, c)
	rep.finish()
	status := exitOK
	var diverged *DivergedError
	switch {
	case errors.As(err, &diverged):
		// Never write diverged weights over what --out holds: those of the
		// last good epoch, or none.
		status = exitError
		if diverged.Kept == 0 {
			fmt.Fprintf(s.stderr, "cnnc train: %v; no epoch completed, so no weights were written\n", err)
			return status
		}
		fmt.Fprintf(s.stderr, "cnnc train: %v; writing the weights of epoch %d\n", err, diverged.Kept)
	case errors.Is(err, context.Canceled):
		sig := <-caught
		status = signalStatus(sig)
		partial := ""
		if rep.steps > 0 {
			partial = fmt.Sprintf(" and %s of the next", plural(rep.steps, "step"))
		}
		fmt.Fprintf(s.stderr, "cnnc train: %v: stopped after %d of %s%s\n", sig, len(history), plural(s.o.Epochs, "epoch"), partial)
	case err != nil:
		return fail(s.stderr, err)
	}
	if err := runtime.WriteArrays(s.o.Out, s.m.Params()); err != nil {
		fmt.Fprintf(s.stderr, "cnnc train: %v\n", err)
		return exitUsage
	}
	if logErr != nil {
		fmt.Fprintf(s.stderr, "cnnc train: %v\n", logErr)
		return exitUsage
	}
	if s.o.Plot != "" {
		if err := WritePlot(s.o.Plot, history, s.m.Classifier()); err != nil {
			fmt.Fprintf(s.stderr, "cnnc train: %v\n", err)
			return exitUsage
		}
	}
	rep.summary(history, s.o.Out)
	return status
}
