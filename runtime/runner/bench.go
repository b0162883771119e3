package runner

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	goruntime "runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cnnc/cnnc/runtime"
)

// BenchOptions are the flags of cnnc bench that reach the program.
type BenchOptions struct {
	Batch, Threads, Runs int
	Backward             bool
	Train                bool   // also time training steps
	Optim                string // with Train: sgd, adam or adamw on a loss, as cnnc train steps (empty: SGD from given output gradients)
	Format               string
	Kernels              string // a kernel path to run instead of CNNC_KERNELS's
	CPUProfile           string // a file to write a CPU profile of the timed passes to
}

// Flags registers the options on fs.
func (o *BenchOptions) Flags(fs *flag.FlagSet) {
	fs.IntVar(&o.Batch, "batch", 1, "samples per pass `N`")
	fs.IntVar(&o.Threads, "threads", goruntime.GOMAXPROCS(0), "workers `N`, at most 1024")
	fs.IntVar(&o.Runs, "runs", 10, "timed runs `N` of each pass (the median is reported)")
	fs.BoolVar(&o.Backward, "backward", false, "also time forward+backward")
	fs.BoolVar(&o.Train, "train", false, "also time training steps: forward and backward in training mode, then an SGD step")
	fs.StringVar(&o.Optim, "optim", "", "with --train, time `method` sgd, adam or adamw steps on random labels (or targets) and the model's loss, as cnnc train takes them")
	fs.StringVar(&o.Format, "format", "text", "output `format`: text or json")
	fs.StringVar(&o.Kernels, "kernels", "", "run the `kernels` avx512, asm-avx2, avx2 or portable (default: $CNNC_KERNELS, else the best the CPU has)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole benchmark to `file` (go tool pprof reads it)")
}

// MaxThreads bounds --threads of cnnc bench and train: every worker holds
// a sample's activations, so thousands of them would exhaust memory on a
// large network before doing any work.
const MaxThreads = 1024

// Check returns what is wrong with the options, one problem a line, or
// nil.
func (o *BenchOptions) Check() error {
	var errs []string
	if o.Batch < 1 {
		errs = append(errs, fmt.Sprintf("--batch %d: want at least 1", o.Batch))
	}
	if o.Threads < 1 || o.Threads > MaxThreads {
		errs = append(errs, fmt.Sprintf("--threads %d: want 1 to %d", o.Threads, MaxThreads))
	}
	if o.Runs < 1 {
		errs = append(errs, fmt.Sprintf("--runs %d: want at least 1", o.Runs))
	}
	if o.Optim != "" {
		if _, err := runtime.ParseMethod(o.Optim); err != nil {
			errs = append(errs, fmt.Sprintf("--optim: %v", err))
		} else if !o.Train {
			errs = append(errs, "--optim: wants --train")
		}
	}
	if o.Format != "text" && o.Format != "json" {
		errs = append(errs, fmt.Sprintf("--format %q: want text or json", o.Format))
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// Model describes the benchmarked network to BenchMain.
type Model struct {
	Name string
	// MACs is the multiply-adds of one sample's forward pass; Layers
	// describes each node, by name ("conv1").
	MACs   int64
	Layers map[string]Layer
	New    func(seed uint64) runtime.Network
}

// profiler is what generated models offer benchmarks: one sample run phase
// by phase, each timed and named by its layer.
type profiler interface {
	ProfileN(x, dy []float32, report func(layer string, backward bool, d time.Duration))
}

// Timing is a median and the spread of a timed pass.
type Timing struct {
	Median, Min, Max time.Duration
}

func timing(ds []time.Duration) Timing {
	s := slices.Clone(ds)
	slices.Sort(s)
	return Timing{Median: s[len(s)/2], Min: s[0], Max: s[len(s)-1]}
}

// LayerTiming is one layer's share of a pass, from a profile of one sample
// and, at batches above one, of the whole batch's forward pass.
type LayerTiming struct {
	Name string `json:"name"`
	// Kind, Winograd, MACs and the bytes: see Layer (those of the step's
	// nodes together; the kinds of a step of several convs or fcs joined
	// by "+").
	Kind           string  `json:"kind,omitempty"`
	Winograd       bool    `json:"winograd,omitempty"`
	MACs           int64   `json:"macs"`
	InBytes        int64   `json:"in_bytes,omitempty"`
	OutBytes       int64   `json:"out_bytes,omitempty"`
	ParamBytes     int64   `json:"param_bytes,omitempty"`
	ForwardMS      float64 `json:"forward_ms"`
	BackwardMS     float64 `json:"backward_ms,omitempty"`
	ForwardGFLOPS  float64 `json:"forward_gflops,omitempty"`
	BackwardGFLOPS float64 `json:"backward_gflops,omitempty"`
	// BatchForwardMS is the layer's time in the whole batch's forward pass
	// as ForwardN runs it (summed over the workers), at batches above one;
	// BatchForwardGFLOPS its rate.
	BatchForwardMS     float64 `json:"batch_forward_ms,omitempty"`
	BatchForwardGFLOPS float64 `json:"batch_forward_gflops,omitempty"`
	forward, backward  []time.Duration
}

// BenchResult is what cnnc bench reports (its JSON form).
type BenchResult struct {
	Model                 string  `json:"model"`
	Path                  string  `json:"path"`
	Batch                 int     `json:"batch"`
	Threads               int     `json:"threads"`
	Runs                  int     `json:"runs"`
	ForwardMS             float64 `json:"forward_ms"`
	ForwardMinMS          float64 `json:"forward_min_ms"`
	ForwardMaxMS          float64 `json:"forward_max_ms"`
	ForwardGFLOPS         float64 `json:"forward_gflops"`
	ForwardCPUMS          float64 `json:"forward_cpu_ms,omitempty"` // the forward's median CPU time (see TrainStepCPUMS)
	ForwardBackwardMS     float64 `json:"forward_backward_ms,omitempty"`
	ForwardBackwardMinMS  float64 `json:"forward_backward_min_ms,omitempty"`
	ForwardBackwardMaxMS  float64 `json:"forward_backward_max_ms,omitempty"`
	ForwardBackwardGFLOPS float64 `json:"forward_backward_gflops,omitempty"`
	TrainStepMS           float64 `json:"train_step_ms,omitempty"`
	TrainStepMinMS        float64 `json:"train_step_min_ms,omitempty"`
	TrainStepMaxMS        float64 `json:"train_step_max_ms,omitempty"`
	Optim                 string  `json:"optim,omitempty"`
	ImagesPerS            float64 `json:"images_per_s,omitempty"` // batch / training step's median
	// The training step's median CPU time (the process's, all threads) and
	// the images a CPU-second that makes: on one thread, a measure that
	// other programs sharing the cores disturb less than the wall time.
	TrainStepCPUMS  float64       `json:"train_step_cpu_ms,omitempty"`
	ImagesPerCPUSec float64       `json:"images_per_cpu_s,omitempty"`
	AllocsPerRun    float64       `json:"allocs_per_run"`
	Allocs          uint64        `json:"allocs"` // in all timed runs
	TimedRuns       int           `json:"timed_runs"`
	Layers          []LayerTiming `json:"layers"`
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// gflops is the rate of 2 flops a multiply-add, for macs multiply-adds
// (a float64: macs times a batch may pass an int64) in d.
func gflops(macs float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return 2 * macs / d.Seconds() / 1e9
}

// BenchMain is the main function of the programs cnnc bench builds: it
// parses args as BenchOptions and times the model.
func BenchMain(m Model, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cnnc bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o BenchOptions
	o.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	err := runtime.KernelsError()
	if o.Kernels != "" {
		if err = runtime.SetKernels(o.Kernels); err != nil {
			err = fmt.Errorf("--kernels: %w", err)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "cnnc bench: %v\n", err)
		return exitUsage
	}
	if err := o.Check(); err != nil {
		fmt.Fprintf(stderr, "cnnc bench: %v\n", err)
		return exitUsage
	}
	stop, err := startProfile(o.CPUProfile)
	if err != nil {
		fmt.Fprintf(stderr, "cnnc bench: --cpuprofile: %v\n", err)
		return exitUsage
	}
	res := Bench(m, o)
	if err := stop(); err != nil {
		fmt.Fprintf(stderr, "cnnc bench: --cpuprofile: %v\n", err)
		return exitUsage
	}
	if o.Format == "json" {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	writeBench(stdout, res, o.Backward, o.Train)
	return exitOK
}

// startProfile starts a CPU profile into the file path, unless path is
// empty; stop ends it and closes the file.
func startProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// Bench times m as o says: whole passes over a batch, then one sample layer
// by layer.
func Bench(m Model, o BenchOptions) BenchResult {
	net := m.New(1)
	net.SetThreads(o.Threads)
	in, out := net.Sizes()
	r := runtime.NewRand(7)
	x, dy := make([]float32, o.Batch*in), make([]float32, o.Batch*out)
	for i := range x {
		x[i] = float32(r.Normal())
	}
	for i := range dy {
		dy[i] = float32(r.Normal())
	}
	y := make([]float32, o.Batch*out)
	res := BenchResult{Model: m.Name, Path: runtime.Kernels(), Batch: o.Batch, Threads: o.Threads, Runs: o.Runs}

	var mallocs uint64
	passes := 0
	var cpu []time.Duration // the CPU time of each run of the last timeRuns
	timeRuns := func(f func()) Timing {
		f() // warm up: first use allocates buffers
		// The timings' slices are made before counting: they are not the passes'.
		ds := make([]time.Duration, o.Runs)
		cpu = make([]time.Duration, o.Runs)
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		for i := range ds {
			start, c0 := time.Now(), cpuTime()
			f()
			ds[i], cpu[i] = time.Since(start), cpuTime()-c0
		}
		goruntime.ReadMemStats(&after)
		mallocs += after.Mallocs - before.Mallocs
		passes += o.Runs
		return timing(ds)
	}
	fwd := timeRuns(func() { net.ForwardN(x, y) })
	res.ForwardMS, res.ForwardMinMS, res.ForwardMaxMS = ms(fwd.Median), ms(fwd.Min), ms(fwd.Max)
	res.ForwardGFLOPS = gflops(float64(m.MACs)*float64(o.Batch), fwd.Median)
	res.ForwardCPUMS = ms(timing(cpu).Median)
	if o.Backward {
		fb := timeRuns(func() { net.ForwardBackwardN(x, dy, nil, nil) })
		res.ForwardBackwardMS, res.ForwardBackwardMinMS, res.ForwardBackwardMaxMS = ms(fb.Median), ms(fb.Min), ms(fb.Max)
		res.ForwardBackwardGFLOPS = gflops(3*float64(m.MACs)*float64(o.Batch), fb.Median)
	}
	if o.Train {
		// A training step as PyTorch's loop takes one: zero the gradients,
		// forward and backward in training mode (dropout on, batchnorm on
		// the batch's statistics), an SGD step with momentum. The small
		// rate keeps the weights from drifting far over the runs.
		step := func() {
			net.ZeroGrad()
			net.ForwardBackwardN(x, dy, nil, nil)
			net.Step(1e-4, 0.9, 0)
		}
		if o.Optim != "" {
			step = lossStep(net, o, r)
			res.Optim = o.Optim
		}
		net.SetTraining(true, 1)
		tr := timeRuns(step)
		net.SetTraining(false, 0)
		res.TrainStepMS, res.TrainStepMinMS, res.TrainStepMaxMS = ms(tr.Median), ms(tr.Min), ms(tr.Max)
		res.ImagesPerS = float64(o.Batch) / tr.Median.Seconds()
		if c := timing(cpu).Median; c > 0 {
			res.TrainStepCPUMS, res.ImagesPerCPUSec = ms(c), float64(o.Batch)/c.Seconds()
		}
	}
	res.AllocsPerRun = float64(mallocs) / float64(passes)
	res.Allocs, res.TimedRuns = mallocs, passes
	res.Layers = profile(m, net, x, dy, o)
	return res
}

// lossStep returns a training step as cnnc train takes one: the rule
// o.Optim (PyTorch's defaults; SGD with rate 0.01 and momentum 0.9) on the
// model's loss over random labels (a classifier) or targets, through
// runtime.Learner's TrainWith (see asLearner for other networks).
func lossStep(net runtime.Network, o BenchOptions, r *runtime.Rand) func() {
	in, out := net.Sizes()
	x := make([]float32, o.Batch*in)
	for i := range x {
		x[i] = float32(r.Normal())
	}
	var labels []int32
	var targets []float32
	if net.Classifier() {
		labels = make([]int32, o.Batch)
		for i := range labels {
			labels[i] = int32(r.Uint64() % uint64(out))
		}
	} else {
		targets = make([]float32, o.Batch*out)
		for i := range targets {
			targets[i] = float32(r.Normal())
		}
	}
	method, _ := runtime.ParseMethod(o.Optim) // checked by o.Check
	opt := runtime.NewSGD(0.01, 0.9, 0)
	switch method {
	case runtime.AdamMethod:
		opt = runtime.NewAdam(1e-3)
	case runtime.AdamWMethod:
		opt = runtime.NewAdamW(1e-3)
	}
	l := asLearner(net)
	var seed uint64
	return func() {
		seed++
		if _, err := l.TrainWith(x, labels, targets, opt, seed); err != nil {
			panic(err) // the inputs are finite and the rule valid
		}
	}
}

func writeBench(w io.Writer, r BenchResult, backward, train bool) {
	fmt.Fprintf(w, "model %s, batch %d, %s, kernels %s, %s\n\n", r.Model, r.Batch, plural(r.Threads, "thread"), r.Path, plural(r.Runs, "run"))
	fmt.Fprintf(w, "forward           %9s ms (min %s, max %s)  %7.1f GFLOP/s\n", millis(r.ForwardMS), millis(r.ForwardMinMS), millis(r.ForwardMaxMS), r.ForwardGFLOPS)
	if backward {
		fmt.Fprintf(w, "forward+backward  %9s ms (min %s, max %s)  %7.1f GFLOP/s\n", millis(r.ForwardBackwardMS), millis(r.ForwardBackwardMinMS), millis(r.ForwardBackwardMaxMS), r.ForwardBackwardGFLOPS)
	}
	if train {
		what := "training step"
		if r.Optim != "" {
			what += " (" + r.Optim + ")"
		}
		fmt.Fprintf(w, "%-17s %9s ms (min %s, max %s)  %7.0f images/s\n", what, millis(r.TrainStepMS), millis(r.TrainStepMinMS), millis(r.TrainStepMaxMS), r.ImagesPerS)
		if r.TrainStepCPUMS > 0 {
			fmt.Fprintf(w, "  its CPU time    %9s ms (median)  %19.0f images a CPU-second\n", millis(r.TrainStepCPUMS), r.ImagesPerCPUSec)
		}
	}
	fmt.Fprintf(w, "allocations per run: %s (%s in %s)\n", perRun(r.AllocsPerRun), plural(int(r.Allocs), "allocation"), plural(r.TimedRuns, "timed run"))
	writeLayers(w, r, backward)
}

// millis formats milliseconds to two decimals, or three significant digits
// below 1 ms: "176.25", "0.00412".
func millis(v float64) string {
	if v >= 1 || v == 0 {
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// perRun formats an average count to at most two decimals: "0", "0.33",
// "12.5".
func perRun(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

func gf(v float64) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f", v)
}
