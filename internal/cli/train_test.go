package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cnnc/cnnc/models/digits"
	"github.com/cnnc/cnnc/runtime"
)

// TestTrainScripts runs testdata/train/*.txtar: cnnc train's exit
// statuses, messages, log and plot files, and its parity with PyTorch
// (the fixtures of testdata/train/parity, made by make_parity.py).
func TestTrainScripts(t *testing.T) {
	goEnv := goCaches(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/train",
		Setup: func(env *testscript.Env) error {
			for k, v := range goEnv {
				env.Setenv(k, v)
			}
			env.Setenv("CNNC_CACHE", programCacheDir(t))
			env.Setenv("MODELS", mustAbs(t, "../../models"))
			env.Setenv("DATA", mustAbs(t, "../../data"))
			env.Setenv("FIXTURES", mustAbs(t, "../../runtime/data/testdata"))
			env.Setenv("PARITY", mustAbs(t, "testdata/train/parity"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mknpz":    mkNPZ,
			"npzclose": npzClose,
			"logclose": logClose,
			"lines":    lines,
		},
	})
}

// goCaches returns the go command's build and module caches, which the
// scripts keep (testscript sets HOME to a directory that does not exist):
// building the training programs then takes a second, and finds the
// modules the runtime needs offline.
func goCaches(t *testing.T) map[string]string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	v := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(v) != 2 {
		t.Fatalf("go env printed %q", out)
	}
	return map[string]string{"GOCACHE": v[0], "GOMODCACHE": v[1]}
}

// mkNPZ writes an .npz file of arrays given as NAME:DTYPE:SHAPE[=VALUES],
// SHAPE as 4x1x6x6 (or "scalar"), VALUES a comma-separated list repeated
// to fill the array (NaN and Inf allowed); floats default to values drawn
// from runtime.NewRand(1) in [0, 1), integers to 0, 1, 2, ...
//
//	mknpz data.npz x:float32:4x1x6x6 y:int64:4=0,1,4,2
func mkNPZ(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: mknpz OUT.npz NAME:DTYPE:SHAPE[=VALUES]...")
	}
	var arrays []*runtime.Array
	for _, spec := range args[1:] {
		spec, values, hasValues := strings.Cut(spec, "=")
		parts := strings.Split(spec, ":")
		if len(parts) != 3 {
			ts.Fatalf("mknpz: bad array %q", spec)
		}
		var shape []int
		size := 1
		if parts[2] != "scalar" {
			for _, d := range strings.Split(parts[2], "x") {
				n, err := strconv.Atoi(d)
				ts.Check(err)
				shape = append(shape, n)
				size *= n
			}
		}
		r := runtime.NewRand(1)
		vals := make([]float64, size)
		list := strings.Split(values, ",")
		for i := range vals {
			switch {
			case hasValues:
				v, err := strconv.ParseFloat(list[i%len(list)], 64)
				ts.Check(err)
				vals[i] = v
			case parts[1] == "int64":
				vals[i] = float64(i)
			default:
				vals[i] = r.Float64()
			}
		}
		switch parts[1] {
		case "float32":
			f := make([]float32, size)
			for i, v := range vals {
				f[i] = float32(v)
			}
			arrays = append(arrays, runtime.NewArray32(parts[0], shape, f))
		case "float64":
			arrays = append(arrays, runtime.NewArray64(parts[0], shape, vals))
		case "int64":
			n := make([]int64, size)
			for i, v := range vals {
				n[i] = int64(v)
			}
			arrays = append(arrays, runtime.NewArrayInt64(parts[0], shape, n))
		default:
			ts.Fatalf("mknpz: unknown dtype %q", parts[1])
		}
	}
	ts.Check(runtime.WriteArrays(ts.MkAbs(args[0]), arrays))
}

// logClose compares fields of a JSON-lines log, epoch by epoch, with
// arrays of an .npz file of the same names, within tol relative to the
// larger of 1 and the reference's magnitude.
//
//	logclose TOL LOG.jsonl WANT.npz FIELD...
func logClose(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 4 {
		ts.Fatalf("usage: logclose TOL LOG.jsonl WANT.npz FIELD...")
	}
	tol, err := strconv.ParseFloat(args[0], 64)
	ts.Check(err)
	var epochs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(ts.ReadFile(args[1])), "\n") {
		var e map[string]any
		ts.Check(json.Unmarshal([]byte(line), &e))
		epochs = append(epochs, e)
	}
	want, err := runtime.ReadArrays(ts.MkAbs(args[2]))
	ts.Check(err)
	for _, field := range args[3:] {
		var ref []float64
		for _, a := range want {
			if a.Name == field {
				ref = a.Float64s()
			}
		}
		if len(ref) != len(epochs) {
			ts.Fatalf("%s: %d epochs logged, %d wanted", field, len(epochs), len(ref))
		}
		for i, e := range epochs {
			got, ok := e[field].(float64)
			if !ok || math.Abs(got-ref[i]) > tol*max(1, math.Abs(ref[i])) {
				ts.Fatalf("epoch %d: %s = %v, want %v", i+1, field, e[field], ref[i])
			}
		}
	}
}

// lines checks that a file has N lines.
//
//	lines N FILE
func lines(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: lines N FILE")
	}
	n := strings.Count(ts.ReadFile(args[1]), "\n")
	if (fmt.Sprint(n) == args[0]) == neg {
		ts.Fatalf("%s has %d lines", args[1], n)
	}
}

// TestTrainInterrupt starts cnnc train as a user would and interrupts it
// during the second epoch: cnnc passes the signal on, and the training
// program writes the weights reached, which cnnc run then loads, and exits
// with status 130.
func TestTrainInterrupt(t *testing.T) {
	cnnc := cnncToInterrupt(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "w.npz")
	cmd := exec.Command(cnnc, "train", "--data", "../../data/digits.npz", "--epochs", "10000", "--batch", "8",
		"--out", out, "../../models/digits.cnn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// On failure, stop the training program too (killing cnnc would leave
	// it running); cnnc passes the signal on.
	defer cmd.Process.Signal(os.Interrupt)
	sc := bufio.NewScanner(stdout)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.HasPrefix(sc.Text(), "epoch") {
			break
		}
	}
	if len(seen) == 0 || !strings.HasPrefix(seen[len(seen)-1], "epoch") {
		t.Fatalf("no epoch line before the output ended:\n%s\n%s", strings.Join(seen, "\n"), stderr.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	rest := make(chan string)
	go func() {
		var b strings.Builder
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
		}
		rest <- b.String()
	}()
	var tail string
	select {
	case tail = <-rest:
	case <-time.After(time.Minute):
		t.Fatal("cnnc train did not stop within a minute of SIGINT")
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("exit: %v, want status 130", err)
	}
	if want := "cnnc train: interrupt: stopped after "; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
	}
	if want := "weights written to " + out; !strings.Contains(tail, want) {
		t.Errorf("stdout does not end with %q:\n%s", want, tail)
	}
	var ok strings.Builder
	if status := Run([]string{"run", "--weights", out, "--input", "../../data/digits_samples.npy", "../../models/digits.cnn"}, nil, &ok, &ok); status != 0 {
		t.Errorf("cnnc run cannot use the weights written on interrupt (status %d):\n%s", status, ok.String())
	}
	if err := digits.New(1).LoadWeights(out); err != nil {
		t.Errorf("the generated package cannot load the weights written on interrupt: %v", err)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".*")); len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}
