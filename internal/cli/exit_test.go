package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// TestExitStatuses runs every command that reads or writes files on each
// kind of bad path and bad content, and checks the README's rule: a
// missing, unreadable or wrong-kind path (a directory given as a file, a
// file given as a directory, an output format cnnc cannot write, two files
// on standard input) is status 2; a file whose contents are wrong (a model
// with errors, a tensor file that is not one, or does not fit the network)
// is status 1. Every message names the path. No case builds generated
// code: each fails before.
func TestExitStatuses(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeExitFixtures(t)
	root := os.Geteuid() == 0 // permissions do not stop root

	type tc struct {
		args   []string
		stdin  string
		status int
		want   string // in stderr
	}
	var cases []tc
	add := func(status int, want string, args ...string) {
		cases = append(cases, tc{args: args, status: status, want: want})
	}
	// The model file of every command.
	model := map[string][]string{
		"check":   {"check"},
		"fmt":     {"fmt"},
		"compile": {"compile", "-o", "out/"},
		"summary": {"summary"},
		"draw":    {"draw"},
		"run":     {"run", "--input", "x.npy"},
		"train":   {"train", "--data", "d.npz", "--out", "t.npz"},
		"bench":   {"bench"},
	}
	for _, cmd := range []string{"check", "fmt", "compile", "summary", "draw", "run", "train", "bench"} {
		pre := model[cmd]
		add(exitUsage, "missing.cnn", append(pre, "missing.cnn")...)
		add(exitUsage, "adir", append(pre, "adir")...)
		add(exitUsage, "good.cnn/x.cnn", append(pre, "good.cnn/x.cnn")...)
		if !root {
			add(exitUsage, "locked.cnn", append(pre, "locked.cnn")...)
		}
		add(exitError, "binary.cnn", append(pre, "binary.cnn")...)
		if cmd != "fmt" { // fmt reads syntax only
			add(exitError, "shape.cnn", append(pre, "shape.cnn")...)
		}
	}
	// cnnc import's ONNX file and outputs (binary.cnn is no ONNX model
	// either; writing it to binary.cnn would overwrite the input).
	add(exitUsage, "missing.onnx", "import", "missing.onnx")
	add(exitUsage, "adir", "import", "adir")
	add(exitUsage, "good.cnn/x.onnx", "import", "good.cnn/x.onnx")
	add(exitError, "binary.cnn", "import", "-o", "-", "binary.cnn")
	add(exitUsage, "the ONNX file", "import", "binary.cnn")
	add(exitUsage, "adir", "import", "-o", "adir", "binary.cnn")
	add(exitUsage, "w.txt", "import", "--weights-out", "w.txt", "binary.cnn")
	// Tensor inputs: run's --input, --weights and --dy, train's --data and
	// --weights.
	inputs := []struct {
		flag string
		pre  []string
	}{
		{"--input", []string{"run"}},
		{"--weights", []string{"run", "--input", "x.npy"}},
		{"--dy", []string{"run", "--input", "x.npy"}},
		{"--data", []string{"train", "--out", "t.npz"}},
		{"--weights", []string{"train", "--data", "d.npz", "--out", "t.npz"}},
	}
	for _, in := range inputs {
		with := func(path string) []string { return append(append([]string{}, in.pre...), in.flag, path, "good.cnn") }
		add(exitUsage, "missing.npy", with("missing.npy")...)
		if in.flag == "--data" {
			// A folder is a data set (of images in class folders, or IDX
			// files); an empty one is a wrong one. A directory named as a
			// tensor file is still the wrong kind of path.
			add(exitError, "adir: holds no class folders", with("adir")...)
		} else {
			add(exitUsage, "adir", with("adir")...)
		}
		add(exitUsage, "adir.npz", with("adir.npz")...)
		add(exitUsage, "good.cnn/x.npy", with("good.cnn/x.npy")...)
		if !root {
			add(exitUsage, "locked.npz", with("locked.npz")...)
		}
		add(exitError, "text.npy", with("text.npy")...)
		add(exitError, "text.npz", with("text.npz")...)
		add(exitError, "text.bin", with("text.bin")...)
		add(exitError, "empty.npy", with("empty.npy")...)
		add(exitError, "trunc.npz", with("trunc.npz")...)
		add(exitError, "wrong.npy", with("wrong.npy")...)
		cases = append(cases, tc{args: with("-"), stdin: "garbage", status: exitError, want: "<stdin>"})
		cases = append(cases, tc{args: with("/dev/stdin"), stdin: "", status: exitError, want: "/dev/stdin: is empty"})
		// Standard input twice.
		add(exitUsage, "both read standard input", append(append([]string{}, in.pre...), in.flag, "-", "-")...)
	}
	// Two files on standard input, whichever they are.
	add(exitUsage, "--input and --weights both read standard input", "run", "--input", "-", "--weights", "/dev/stdin", "good.cnn")
	add(exitUsage, "the model file and --dy both read standard input", "run", "--input", "x.npy", "--dy", "-", "-")
	add(exitUsage, "--data and --weights both read standard input", "train", "--data", "-", "--weights", "-", "--out", "t.npz", "good.cnn")
	add(exitUsage, "model file 1 and model file 2 both read standard input", "check", "-", "/dev/stdin")
	add(exitUsage, "model file 1 and model file 3 both read standard input", "fmt", "-", "good.cnn", "-")
	add(exitUsage, "-w cannot rewrite standard input", "fmt", "-w", "-")

	// Outputs.
	outputs := []struct {
		flag string
		pre  []string
	}{
		{"--out", []string{"run", "--input", "x.npy"}},
		{"--out", []string{"train", "--data", "d.npz"}},
		{"--log", []string{"train", "--data", "d.npz", "--out", "t.npz"}},
		{"--plot", []string{"train", "--data", "d.npz", "--out", "t.npz"}},
		{"-o", []string{"draw"}},
		{"-o", []string{"compile"}},
	}
	for _, out := range outputs {
		with := func(path string) []string { return append(append([]string{}, out.pre...), out.flag, path, "good.cnn") }
		if out.pre[0] != "compile" { // compile makes the directories -o names
			add(exitUsage, "nodir/o.npz", with("nodir/o.npz")...)
		}
		add(exitUsage, "good.cnn", with("good.cnn/o.npz")...)
		if out.flag != "-o" || out.pre[0] != "compile" { // compile -o DIR writes into it
			add(exitUsage, "adir", with("adir")...)
		}
		if out.flag == "--out" {
			add(exitUsage, "o.txt", with("o.txt")...)
			add(exitUsage, "good.cnn", with("good.cnn")...)
		}
	}
	add(exitUsage, "-: --out wants a file name ending in .npz", "run", "--input", "x.npy", "--out", "-", "good.cnn")
	add(exitUsage, "--log -: want a file name", "train", "--data", "d.npz", "--out", "t.npz", "--log", "-", "good.cnn")
	add(exitUsage, "--plot -: want a file name", "train", "--data", "d.npz", "--out", "t.npz", "--plot", "-", "good.cnn")
	add(exitUsage, "x.npy: --out would overwrite --input", "run", "--input", "x.npy", "--out", "x.npy", "good.cnn")
	add(exitUsage, "w.npz: --out would overwrite --weights", "run", "--input", "x.npy", "--weights", "w.npz", "--out", "w.npz", "good.cnn")
	add(exitUsage, "t.npz: --plot would overwrite --out", "train", "--data", "d.npz", "--out", "t.npz", "--plot", "t.npz", "good.cnn")
	add(exitUsage, "d.npz: --out would overwrite --data", "train", "--data", "d.npz", "--out", "d.npz", "good.cnn")

	// Usage.
	add(exitUsage, "unknown command", "chek")
	add(exitUsage, "flag provided but not defined", "run", "--bogus", "good.cnn")
	add(exitUsage, "--input or --image is required", "run", "good.cnn")
	add(exitUsage, "want exactly one model file, got 2", "summary", "good.cnn", "good.cnn")
	add(exitUsage, "no files given", "check")
	add(exitUsage, "--batch", "bench", "--batch", "100000000", "good.cnn")
	add(exitUsage, `unknown kernels "x"`, "bench", "--kernels", "x", "good.cnn")
	add(exitUsage, "--threads 5000: want 1 to 1024\n--runs 0: want at least 1", "bench", "--threads", "5000", "--runs", "0", "good.cnn")
	add(exitUsage, "--threads 2000: want 0 (every core) to 1024", "train", "--data", "d.npz", "--out", "t.npz", "--threads", "2000", "good.cnn")
	add(exitUsage, "--format csv prints the layer table only", "summary", "--format", "csv", "--mem", "1GB", "good.cnn")
	add(exitUsage, `"1G": unknown unit "G"`, "summary", "--mem", "1G", "good.cnn")
	add(exitUsage, "--batch 9223372036854775807: a batch of", "summary", "--batch", "9223372036854775807", "good.cnn")

	for _, c := range cases {
		var out, errs bytes.Buffer
		status := Run(c.args, strings.NewReader(c.stdin), &out, &errs)
		if status != c.status || !strings.Contains(errs.String(), c.want) {
			t.Errorf("cnnc %s: status %d, want %d; stderr:\n%s(want it to hold %q)", strings.Join(c.args, " "), status, c.status, errs.String(), c.want)
		}
	}
}

// writeExitFixtures writes the files TestExitStatuses uses into the
// working directory.
func writeExitFixtures(t *testing.T) {
	t.Helper()
	files := map[string]string{
		"good.cnn":   "input 5x5x3\nconv 3x3x2 s2 p1\n",
		"shape.cnn":  "input 5x5x3\npool max 2x2 s2\n",
		"binary.cnn": "\x00\xff\xfe input",
		"locked.cnn": "input 5x5x3\n",
		"text.npy":   "not an array",
		"text.npz":   "not an archive",
		"text.bin":   "just bytes",
		"empty.npy":  "",
	}
	for name, data := range files {
		must(t, os.WriteFile(name, []byte(data), 0o644))
	}
	for _, d := range []string{"adir", "adir.npz"} {
		must(t, os.Mkdir(d, 0o755))
	}
	x := runtime.NewArray32("x", []int{2, 3, 5, 5}, make([]float32, 150))
	must(t, runtime.WriteArrays("x.npy", []*runtime.Array{x}))
	must(t, runtime.WriteArrays("wrong.npy", []*runtime.Array{runtime.NewArray32("x", []int{2, 4}, make([]float32, 8))}))
	must(t, runtime.WriteArrays("d.npz", []*runtime.Array{x, runtime.NewArray32("y", []int{2, 2, 3, 3}, make([]float32, 36))}))
	must(t, runtime.WriteArrays("locked.npz", []*runtime.Array{x}))
	must(t, runtime.WriteArrays("w.npz", []*runtime.Array{runtime.NewArray32("conv1.weight", []int{2, 3, 3, 3}, make([]float32, 54)),
		runtime.NewArray32("conv1.bias", []int{2}, make([]float32, 2))}))
	data, err := os.ReadFile("d.npz")
	must(t, err)
	must(t, os.WriteFile("trunc.npz", data[:len(data)/2], 0o644))
	must(t, os.Chmod("locked.cnn", 0))
	must(t, os.Chmod("locked.npz", 0))
}
