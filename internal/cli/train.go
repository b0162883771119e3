package cli

import (
	"flag"
	"fmt"
	"os"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/gen"
	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/runner"
)

func init() {
	commands = append(commands, command{"train", "--data D [--val F | --val-data V] [--normalize] [--crop-pad N] [--hflip] [--epochs N] [--batch N] [--optim sgd|adam|adamw] [--lr X] ... --out W.npz FILE", "train a model on a dataset", runTrain})
}

const trainDoc = `Train trains a model with SGD, Adam or AdamW on the dataset D: an
.npz file holding x [N, C, H, W] (float32 or float64) and y, integer class
labels [N] for a network ending in softmax (cross-entropy on the scores before the softmax,
as nn.CrossEntropyLoss) or float targets shaped like the output for any
other (squared error, as nn.MSELoss), and optionally x_val and y_val, held
out and measured after every epoch; IDX files (an images file
*-images-idx3-ubyte[.gz] with its labels file beside it, or a folder
holding the train-* and t10k-* pairs, of which train reads train-*); or a
folder of PNG and JPEG images in one folder per class, as torchvision's
ImageFolder reads it. Pixels become values in [0, 1]. --val holds out a
fraction of D, --val-data another dataset. --normalize subtracts each
channel's mean and divides by its standard deviation over the training
samples (or --mean and --std), and prints them for cnnc eval and run. The
model's generated code is built with the Go toolchain in a temporary
module, as for cnnc run --engine gen, and trains in float32 on every core.

--crop-pad N and --hflip augment the training samples (never the held-out
ones), drawn anew for every sample in every epoch as torchvision's
RandomCrop(size, padding=N) and RandomHorizontalFlip() do: pad the image
with N black pixels on each side and crop one of its size at random,
offsets 0 to 2N; flip it left to right half the time. The padding is a
pixel of 0 before normalising, as with those transforms put before
Normalize, so --mean M --std S makes it (0-M)/S. The draws depend on
--seed, the epoch and the sample alone (not on --threads), so a resumed
run draws what the run that did not stop would have.

Each epoch visits the samples in a shuffled order drawn from --seed, in
mini-batches of --batch (the last holds the rest). --optim is
torch.optim's SGD (the default: --momentum, 0.9 here; --weight-decay, an
L2 penalty), Adam or AdamW (--betas, --eps, --weight-decay: an L2 penalty
for adam, decoupled for adamw), with PyTorch's defaults for the flags left
out (lr 0.01 for sgd, 0.001 for adam and adamw; weight decay 0.01 for
adamw). The learning rate follows --schedule, stepped once an epoch as
torch.optim.lr_scheduler's: constant; step, multiplied by --lr-gamma every
--lr-step epochs (--lr-step alone chooses it); cosine, CosineAnnealingLR
down to --eta-min over --t-max epochs (by default those after the
warm-up). --warmup N first raises it linearly from --warmup-factor (1/3)
of the rate over N epochs (LinearLR, chained as SequentialLR does). On a
terminal a progress bar shows the loss and speed, elsewhere one line per
epoch is printed. The weights are written to --out in PyTorch's names and
layout; --log writes a JSON object per epoch and --plot a picture of the
curves.

--checkpoint DIR writes after every epoch, each file atomically, the
weights and buffers (weights-E.npz, which cnnc eval and run load), the
optimiser's state (optimizer-E.npz, in torch.optim's names) and
checkpoint.json (the epoch, the step, the data order's generator, the
run's settings and the figures so far), and removes the epoch before's.
--resume continues the run DIR holds up to --epochs, with the same flags
(it names any that differ, status 2), and ends with the same weights, bit
for bit, as the run that did not stop, on as many threads.

Ctrl-C (or SIGTERM) stops after the mini-batch in progress, writes the
weights reached to --out (atomically) and exits with status 130 (143);
the checkpoint keeps the last epoch completed.
Problems with the dataset or weights are reported before training starts,
with status 1.`

func runTrain(e *env, args []string) int {
	fs := newFlags(e, "train", "--data D [--val FRACTION | --val-data V] [--normalize] [--mean M --std S] [--crop-pad N] [--hflip] [--epochs N] [--batch N] [--optim sgd|adam|adamw] [--lr X] [--momentum X | --betas B1,B2 --eps X] [--weight-decay X] [--schedule constant|step|cosine] [--lr-step N --lr-gamma X] [--t-max N --eta-min X] [--warmup N [--warmup-factor F]] [--seed N] [--threads N] [--weights START.npz] [--checkpoint DIR [--resume]] --out W.npz [--log LOG.jsonl] [--plot LOSS.svg] FILE", trainDoc)
	var o runner.TrainOptions
	o.Flags(fs)
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(files) != 1 {
		fmt.Fprintf(e.stderr, "cnnc train: want exactly one model file, got %d\n", len(files))
		return exitUsage
	}
	if err := o.Check(); err != nil {
		fmt.Fprintf(e.stderr, "cnnc train: %v\n", err)
		return exitUsage
	}
	if !e.checkKernels("train", "CNNC_KERNELS", os.Getenv("CNNC_KERNELS")) {
		return exitUsage
	}
	stdinFiles := o.Inputs()
	if !e.oneStdin("train", append(modelFiles(files), stdinFiles...)...) {
		return exitUsage
	}
	m, status := e.loadGen("train", files[0])
	if m == nil {
		return status
	}
	// cnnc checks the files before building, the program reads them again.
	if o.Stdin, ok = e.stdinCopy("train", stdinFiles...); !ok {
		return exitUsage
	}
	if len(m.Params()) == 0 {
		fmt.Fprintf(e.stderr, "cnnc train: %s: the network has no parameters to train\n", displayName(files[0]))
		return exitError
	}
	if err := o.CheckOutputs(runtime.NamedPath{Name: "the model file", Path: files[0]}); err != nil {
		fmt.Fprintf(e.stderr, "cnnc train: %v\n", err)
		return runner.ExitStatus(err)
	}
	// Check the dataset and weights before building, to fail fast; the
	// program checks them again.
	specs := m.tensors()
	setParams := func(file string, arrays []*runtime.Array) error {
		_, err := runtime.CheckParams(file, arrays, specs)
		return err
	}
	if _, _, err := runner.Prepare(&o, m.classifier(), m.input(), m.output(), setParams); err != nil {
		fmt.Fprintf(e.stderr, "cnnc train: %v\n", err)
		return runner.ExitStatus(err)
	}

	var pass []string
	fs.Visit(func(f *flag.Flag) { pass = append(pass, "-"+f.Name+"="+f.Value.String()) })
	return e.trainGenerated(m, files[0], pass)
}

// trainGenerated builds the model's code with a main that trains it, and
// runs it with the flags pass. From the build on, Ctrl-C belongs to the
// training program, which saves the weights: cnnc passes on the signals
// it gets, waits, and cleans up (see job).
func (e *env) trainGenerated(m *genModel, file string, pass []string) int {
	return e.runProgram("train", m, file, trainMain(m), pass, nil)
}

// trainMain writes the training program's main:
//
//	func main() {
//		os.Exit(runner.TrainMain(func(seed uint64) runtime.Network { return model.New(seed) },
//			[]int{C, H, W}, []int{F}, os.Args[1:], os.Stdout, os.Stderr))
//	}
func trainMain(m *genModel) func(*jen.File) {
	return func(f *jen.File) {
		newModel := jen.Func().Params(jen.Id("seed").Uint64()).Qual(gen.RuntimePath, "Network").Block(
			jen.Return(jen.Qual("cnncprog/model", "New").Call(jen.Id("seed"))))
		f.Func().Id("main").Params().Block(
			jen.Qual("os", "Exit").Call(jen.Qual(gen.RuntimePath+"/runner", "TrainMain").Call(
				newModel, intsLit(m.input()), intsLit(m.output()),
				jen.Qual("os", "Args").Index(jen.Lit(1).Op(":")), jen.Qual("os", "Stdout"), jen.Qual("os", "Stderr"))))
	}
}
