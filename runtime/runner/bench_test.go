package runner

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// TestBenchKernels: --kernels runs the path it names, and an unknown one is
// a usage error that lists the valid names.
func TestBenchKernels(t *testing.T) {
	defer runtime.SetKernels("")
	m := Model{Name: "fake", MACs: 10, New: func(uint64) runtime.Network { return &recorder{} }}
	var out, errs bytes.Buffer
	if s := BenchMain(m, []string{"-runs", "1", "-kernels", "portable"}, &out, &errs); s != exitOK {
		t.Fatalf("status %d: %s", s, errs.String())
	}
	if !strings.Contains(out.String(), "kernels portable, 1 run\n") {
		t.Errorf("output %q lacks the kernels and runs", out.String())
	}
	out.Reset()
	errs.Reset()
	if s := BenchMain(m, []string{"-kernels", "avx3"}, &out, &errs); s != exitUsage {
		t.Errorf("-kernels avx3: status %d, want %d", s, exitUsage)
	}
	want := `cnnc bench: --kernels: unknown kernels "avx3" (want avx512, asm-avx2, avx2 or portable)` + "\n"
	if errs.String() != want || out.Len() > 0 {
		t.Errorf("-kernels avx3: stderr %q, stdout %q; want %q", errs.String(), out.String(), want)
	}
}

// TestBenchText: allocations per run are rounded to two decimals with the
// count they come from, short times keep three significant digits, and
// counts of one are singular.
func TestBenchText(t *testing.T) {
	var b bytes.Buffer
	writeBench(&b, BenchResult{Model: "m", Path: "avx512", Batch: 1, Threads: 1, Runs: 1,
		ForwardMS: 0.00412, ForwardMinMS: 0.004, ForwardMaxMS: 0.0051, ForwardGFLOPS: 1.5,
		AllocsPerRun: 1.0 / 3, Allocs: 10, TimedRuns: 30}, false, false)
	for _, want := range []string{
		"model m, batch 1, 1 thread, kernels avx512, 1 run\n",
		"forward             0.00412 ms (min 0.004, max 0.0051)      1.5 GFLOP/s\n",
		"allocations per run: 0.33 (10 allocations in 30 timed runs)\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output\n%s\nlacks %q", b.String(), want)
		}
	}
	b.Reset()
	writeBench(&b, BenchResult{Runs: 10, Threads: 2, ForwardMS: 176.254, AllocsPerRun: 0, TimedRuns: 10, TrainStepMS: 12.5,
		TrainStepMinMS: 12, TrainStepMaxMS: 14}, false, true)
	for _, want := range []string{"   176.25 ms", "allocations per run: 0 (0 allocations in 10 timed runs)\n",
		"training step         12.50 ms (min 12.00, max 14.00)        0 images/s\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output\n%s\nlacks %q", b.String(), want)
		}
	}
}

// TestBenchOptim: --optim times steps of that rule (here through TrainN:
// the network has no TrainWith) on the batch's random labels, and
// reports images a second; it wants --train and a known rule.
func TestBenchOptim(t *testing.T) {
	rec := &recorder{}
	m := Model{Name: "fake", MACs: 10, New: func(uint64) runtime.Network { return rec }}
	var out, errs bytes.Buffer
	if s := BenchMain(m, []string{"-runs", "2", "-batch", "3", "-train", "-optim", "sgd", "-format", "json"}, &out, &errs); s != exitOK {
		t.Fatalf("status %d: %s", s, errs.String())
	}
	if len(rec.batches) != 3 { // a warm-up and two timed steps
		t.Fatalf("%d TrainN calls, want 3", len(rec.batches))
	}
	for i, l := range rec.labels {
		if len(l) != 3 || len(rec.batches[i]) != 3 {
			t.Errorf("step %d: %d labels, %d inputs; want 3 of each", i, len(l), len(rec.batches[i]))
		}
		for _, c := range l {
			if c < 0 || c >= 2 {
				t.Errorf("step %d: label %d is not one of the 2 classes", i, c)
			}
		}
	}
	if !strings.Contains(out.String(), `"optim": "sgd"`) || !strings.Contains(out.String(), `"images_per_s": `) {
		t.Errorf("output %s lacks the optimiser or images/s", out.String())
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-optim", "sgd"}, "cnnc bench: --optim: wants --train\n"},
		{[]string{"-train", "-optim", "rmsprop"}, `cnnc bench: --optim: unknown optimiser "rmsprop" (want sgd, adam or adamw)` + "\n"},
	} {
		errs.Reset()
		if s := BenchMain(m, tc.args, &out, &errs); s != exitUsage || errs.String() != tc.want {
			t.Errorf("%q: status %d, stderr %q; want %d, %q", tc.args, s, errs.String(), exitUsage, tc.want)
		}
	}
}
