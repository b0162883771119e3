package cli

import (
	"fmt"
	"os"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/interp"
	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/runner"
)

const runDoc = `Run runs a model on an input batch with the interpreter (--engine interp,
float64) or with the model's generated code (--engine gen, float32, built
with the Go toolchain in a temporary module). X is [N, C, H, W] or one sample
[C, H, W]. Without --weights the parameters come from --seed. With --out, y
is written to OUT.npz ([N, F] when the network ends flat, else [N, C, H, W]);
with --dy (shaped like y) also dx (shaped like X) and NAME.grad for every
parameter: the gradients of sum(y * dy), summed over the batch. Without
--out a summary is printed.

--image classifies PNG and JPEG files instead (a sample each; repeat it for
more), and prints each one's top 5 classes, named by --labels (one name a
line): each image is converted to the network's channels (grayscale for 1,
RGB for 3, as PIL's convert), scaled to [0, 1], resized to --resize HxW
(bilinear, as torchvision's Resize with antialias=False; without it the
image must have the network's size) and normalised by --mean and --std.

The interpreter runs in inference mode by default, as PyTorch's
model.eval(): batchnorm normalises by its running statistics and dropout is
the identity. --train runs one training-mode pass, as model.train():
batchnorm normalises by the batch's statistics (with --dy the gradients go
through them) and moves its running statistics, and dropout drops with
masks seeded by --seed; OUT.npz then also holds every buffer after the pass
under its own name (bn1.running_mean, bn1.running_var and
bn1.num_batches_tracked, an int64). A weight file must hold every parameter
and buffer.`

func runRun(e *env, args []string) int {
	fs := newFlags(e, "run", "[--engine interp|gen] [--weights W.npz|W.safetensors] [--seed N] [--train] (--input X.npy | --image A.png... [--resize HxW] [--mean M --std S]) [--labels NAMES.txt] [--dy DY.npy] [--out OUT.npz] FILE", runDoc)
	engine := fs.String("engine", "interp", "the `engine`: interp or gen")
	var o runner.Options
	o.Flags(fs)
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(files) != 1 {
		fmt.Fprintf(e.stderr, "cnnc run: want exactly one model file, got %d\n", len(files))
		return exitUsage
	}
	if *engine != "interp" && *engine != "gen" {
		fmt.Fprintf(e.stderr, "cnnc run: unknown engine %q (want interp or gen)\n", *engine)
		return exitUsage
	}
	if err := o.CheckFlags(); err != nil {
		fmt.Fprintf(e.stderr, "cnnc run: %v\n", err)
		return exitUsage
	}
	if *engine == "gen" && !e.checkKernels("run", "CNNC_KERNELS", os.Getenv("CNNC_KERNELS")) {
		return exitUsage
	}
	if !e.oneStdin("run", append(modelFiles(files), o.Inputs()...)...) {
		return exitUsage
	}
	// The generated engine's program reads the files, after cnnc's checks.
	if o.Stdin, ok = e.stdinCopy("run", o.Inputs()...); !ok {
		return exitUsage
	}
	r, status := e.loadModel("run", files[0])
	if r == nil {
		return status
	}
	if err := o.CheckOutputs(runtime.NamedPath{Name: "the model file", Path: files[0]}); err != nil {
		fmt.Fprintf(e.stderr, "cnnc run: %v\n", err)
		return runner.ExitStatus(err)
	}
	if *engine == "gen" {
		return e.runGenerated(genModelOf(r), files[0], o)
	}
	m, err := interp.New(r.Graph)
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc run: %v\n", err)
		return exitError
	}
	return runner.Run(&interpEngine{m: m}, o, e.stdout, e.stderr)
}

// loadModel reads and checks a model file, printing its diagnostics. It
// returns nil and the exit status when the model cannot be run.
func (e *env) loadModel(cmd, name string) (*compiler.Result, int) {
	src, err := e.readFile(name)
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc %s: %v\n", cmd, err)
		return nil, exitUsage
	}
	r, diags := compiler.Compile(displayName(name), src)
	for _, d := range diags {
		fmt.Fprintln(e.stderr, d)
	}
	if diags.HasErrors() || r == nil {
		return nil, exitError
	}
	return r, exitOK
}

// loadGen reads and checks a model file for the code generator, printing
// its diagnostics. It returns nil and the exit status when the model cannot
// be compiled.
func (e *env) loadGen(cmd, name string) (*genModel, int) {
	r, status := e.loadModel(cmd, name)
	if r == nil {
		return nil, status
	}
	return genModelOf(r), exitOK
}

// interpEngine runs a network on the interpreter.
type interpEngine struct{ m *interp.Model }

func (ie *interpEngine) Name() string     { return "interp" }
func (ie *interpEngine) Input() []int     { return ie.m.Graph.Input.Shape.Dims() }
func (ie *interpEngine) Output() []int    { return ie.m.Graph.Output.Shape.Dims() }
func (ie *interpEngine) Float32() bool    { return false }
func (ie *interpEngine) Init(seed uint64) { ie.m.Init(seed) }

// EndsInSoftmax reports whether the network's last node is a softmax, so
// that its outputs are probabilities (see runner.Eval).
func (ie *interpEngine) EndsInSoftmax() bool {
	g := ie.m.Graph
	for _, n := range g.Nodes {
		if n.Output == g.Output {
			_, ok := n.Op.(*ir.Softmax)
			return ok
		}
	}
	return false
}

func (ie *interpEngine) Specs() []runtime.ParamSpec {
	var specs []runtime.ParamSpec
	for _, p := range ie.m.Graph.Params() {
		specs = append(specs, runtime.ParamSpec{Name: p.Name, Shape: p.Shape})
	}
	return specs
}

// tensorSpecs lists every parameter and then every buffer, as a weight
// file must hold them.
func (ie *interpEngine) tensorSpecs() []runtime.ParamSpec {
	specs := ie.Specs()
	for _, b := range ie.m.Graph.Buffers() {
		specs = append(specs, runtime.ParamSpec{Name: b.Name, Shape: b.Shape})
	}
	return specs
}

func (ie *interpEngine) SetParams(file string, arrays []*runtime.Array) error {
	byName, err := runtime.CheckParams(file, arrays, ie.tensorSpecs())
	if err != nil {
		return err
	}
	values := map[string][]float64{}
	for name, a := range byName {
		values[name] = a.Float64s()
	}
	return ie.m.SetParams(values)
}

func (ie *interpEngine) Run(x []float64, n int, dy []float64) (y, dx []float64, grads [][]float64, err error) {
	return ie.pass(x, n, dy, interp.Options{})
}

// TrainPass runs a training-mode pass and returns the buffers after it:
// float64 arrays, and int64 for num_batches_tracked.
func (ie *interpEngine) TrainPass(x []float64, n int, dy []float64, seed uint64) (y, dx []float64, grads [][]float64, buffers []*runtime.Array, err error) {
	y, dx, grads, err = ie.pass(x, n, dy, interp.Options{Train: true, DropoutSeed: seed})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	for i, b := range ie.m.Graph.Buffers() {
		v := ie.m.Buffers[i]
		if b.DType == ir.Int64 {
			ints := make([]int64, len(v))
			for j, f := range v {
				ints[j] = int64(f)
			}
			buffers = append(buffers, runtime.NewArrayInt64(b.Name, b.Shape, ints))
			continue
		}
		buffers = append(buffers, runtime.NewArray64(b.Name, b.Shape, v))
	}
	return y, dx, grads, buffers, nil
}

func (ie *interpEngine) pass(x []float64, n int, dy []float64, opt interp.Options) (y, dx []float64, grads [][]float64, err error) {
	pass, err := ie.m.Forward(x, n, opt)
	if err != nil {
		return nil, nil, nil, err
	}
	if dy == nil {
		return pass.Output(), nil, nil, nil
	}
	dx, grads, err = pass.Backward(dy)
	return pass.Output(), dx, grads, err
}
