package gen_test

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/gen"
	"github.com/cnnc/cnnc/runtime"
)

var (
	propModels = flag.Int("gen.models", 0, "random models TestGeneratedModels builds (default 20 with -short, 40 without; CI runs 400)")
	propSeed   = flag.Uint64("gen.seed", 1, "the first seed of TestGeneratedModels' random models")
)

// propModel is one random model of the property test and where its code
// went.
type propModel struct {
	seed uint64
	src  string
	net  *compiler.Net
	pkg  string // the generated package's directory in the module
	// prefix starts the names of a model that shares its package.
	prefix string
}

// TestGeneratedModels is the generator's property test: every model cnnc
// check accepts compiles into Go that builds, vets clean and agrees with the
// interpreter. It draws random models (every statement kind, output sizes
// PyTorch floors, and the degenerate ones: no layers, no parameters, pools
// only, flat only, softmax only; see randomModel), generates them all into
// one temporary module (every other one into a package they share, their
// names prefixed: see WithPrefix), builds and vets that once, and runs one
// program over all of them: forward on a batch of three (one worker a run
// of samples) and on one sample (each layer split across the workers),
// forward and backward both ways, the loss and hits of Evaluate, and one
// training step with dropout, momentum and weight decay. Each output, input
// gradient, parameter gradient, loss and updated parameter must be within
// max|a-b| <= 1e-4·max(1, max|ref|) of the float64 interpreter's, the
// tolerance of ../shared/ARCHITECTURE.md.
//
// -gen.models and -gen.seed choose the models; a failure names the seed,
// whose model -gen.seed=SEED -gen.models=1 runs alone.
func TestGeneratedModels(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build generated code with")
	}
	n := *propModels
	if n == 0 {
		n = 40
		if testing.Short() {
			n = 20
		}
	}
	dir := t.TempDir()
	var models []*propModel
	for i := range n {
		seed := *propSeed + uint64(i)
		src, net, _ := randomModel(seed)
		m := &propModel{seed: seed, src: src, net: net, pkg: fmt.Sprintf("m%d", seed)}
		opts := []gen.Option{gen.WithSource("rand.cnn")}
		if i%2 == 1 {
			// Every other model shares one package, its names prefixed.
			m.pkg, m.prefix = "shared", fmt.Sprintf("M%d", seed)
			opts = append(opts, gen.WithPrefix(m.prefix))
		}
		code, err := gen.File(net, append(opts, gen.WithPackage(m.pkg))...)
		if err != nil {
			t.Errorf("seed %d: %v\n%s", seed, err, src)
			continue
		}
		name := fmt.Sprintf("m%d", seed)
		writeFile(t, filepath.Join(dir, m.pkg, name+"_cnn.go"), code)
		writeFile(t, filepath.Join(dir, m.pkg, name+".cnn"), []byte(src))
		models = append(models, m)
	}
	// A model whose tensors fill the checker's limits is built (the
	// compiler refuses an Input or Output as a local: "stack frame too
	// large") but not run.
	huge, _ := compiler.Source("huge.cnn", []byte("input 2048x1024x1024\nrelu\nsoftmax\n"))
	code, err := gen.File(huge, gen.WithPackage("huge"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "huge", "huge_cnn.go"), code)
	writeModule(t, dir, models)
	for i, m := range models {
		writeInputs(t, filepath.Join(dir, fmt.Sprintf("in%d.npz", i)), m)
	}

	for _, args := range [][]string{{"vet", "./..."}, {"build", "-o", "prog", "."}} {
		cmd := exec.Command(goCmd, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, blame(out, models))
		}
	}
	var stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(dir, "prog"), dir)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("running the generated models: %v\n%s", err, blameRun(stderr.String(), models))
	}
	for i, m := range models {
		got := readArrays(t, filepath.Join(dir, fmt.Sprintf("in%d.npz", i)), filepath.Join(dir, fmt.Sprintf("out%d.npz", i)))
		if problems := compareWithInterp(m, got); len(problems) > 0 {
			t.Errorf("seed %d: the generated code and the interpreter differ:\n\t%s\nmodel:\n%s", m.seed, strings.Join(problems, "\n\t"), m.src)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeModule writes the module around the generated packages: go.mod,
// which replaces cnnc by this checkout so that the build needs no network,
// and the program that runs every model (testdata/property).
func writeModule(t *testing.T, dir string, models []*propModel) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	mainSrc, err := os.ReadFile(filepath.Join("testdata", "property", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	var mod strings.Builder
	fmt.Fprintf(&mod, "module cnncprop\n\ngo 1.26\n\nrequire github.com/cnnc/cnnc v0.0.0\n\nreplace github.com/cnnc/cnnc => %s\n", strconv.Quote(root))
	var list strings.Builder
	list.WriteString("package main\n\nimport (\n\t\"github.com/cnnc/cnnc/runtime\"\n\t_ \"cnncprop/huge\"\n")
	imported := map[string]bool{}
	for _, m := range models {
		if !imported[m.pkg] {
			fmt.Fprintf(&list, "\t%q\n", "cnncprop/"+m.pkg)
			imported[m.pkg] = true
		}
	}
	list.WriteString(")\n\nfunc init() {\n\tmodels = []func(uint64) runtime.Network{\n")
	for _, m := range models {
		fmt.Fprintf(&list, "\t\tfunc(seed uint64) runtime.Network { return %s.%sNew(seed) },\n", m.pkg, m.prefix)
	}
	list.WriteString("\t}\n}\n")
	writeFile(t, filepath.Join(dir, "go.mod"), []byte(mod.String()))
	writeFile(t, filepath.Join(dir, "go.sum"), sum)
	writeFile(t, filepath.Join(dir, "main.go"), mainSrc)
	writeFile(t, filepath.Join(dir, "models.go"), []byte(list.String()))
}

// writeInputs writes what the program feeds model m: the seed of its
// parameters, a batch of three samples and one sample with output gradients,
// and class labels and targets for the batch of three.
func writeInputs(t *testing.T, path string, m *propModel) {
	t.Helper()
	r := rand.New(rand.NewPCG(m.seed, 2))
	normal := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	in, out := m.net.Input.Size(), m.net.Output().Size()
	labels := make([]int64, 3)
	for i := range labels {
		labels[i] = int64(r.IntN(out))
	}
	arrays := []*runtime.Array{
		runtime.NewArrayInt64("seed", []int{1}, []int64{int64(m.seed)}),
		runtime.NewArray32("x3", []int{3 * in}, normal(3*in)),
		runtime.NewArray32("x1", []int{in}, normal(in)),
		runtime.NewArray32("dy3", []int{3 * out}, normal(3*out)),
		runtime.NewArray32("dy1", []int{out}, normal(out)),
		runtime.NewArrayInt64("labels", []int{3}, labels),
		runtime.NewArray32("targets", []int{3 * out}, normal(3*out)),
	}
	if err := runtime.WriteArrays(path, arrays); err != nil {
		t.Fatal(err)
	}
}

var fileLine = regexp.MustCompile(`(?m)^(?:vet: )?\.?/?\w+/m(\d+)_cnn\.go:`)

// blame appends to a build's output the source of each model it names.
func blame(out []byte, models []*propModel) string {
	var b strings.Builder
	b.Write(out)
	seen := map[string]bool{}
	for _, sub := range fileLine.FindAllSubmatch(out, -1) {
		seed := string(sub[1])
		if seen[seed] {
			continue
		}
		seen[seed] = true
		for _, m := range models {
			if fmt.Sprint(m.seed) == seed {
				fmt.Fprintf(&b, "\nseed %d (package %s):\n%s", m.seed, m.pkg, m.src)
			}
		}
	}
	return b.String()
}

// blameRun appends to the program's stderr the source of the model it was
// running when it failed.
func blameRun(stderr string, models []*propModel) string {
	i := strings.LastIndex(stderr, "\nmodel ")
	if i < 0 {
		i = -1
	}
	var n int
	if _, err := fmt.Sscanf(stderr[i+1:], "model %d", &n); err != nil || n >= len(models) {
		return stderr
	}
	return fmt.Sprintf("%s\nseed %d:\n%s", stderr, models[n].seed, models[n].src)
}

// readArrays reads the arrays of every file into one map by name.
func readArrays(t *testing.T, files ...string) map[string][]float64 {
	t.Helper()
	a := map[string][]float64{}
	for _, f := range files {
		arrays, err := runtime.ReadArrays(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range arrays {
			a[x.Name] = x.Float64s()
		}
	}
	return a
}

// within is the tolerance of ARCHITECTURE.md: max|got-want| <=
// 1e-4·max(1, max|want|). It returns a description of the worst value when
// got is not within it of want.
func within(name string, got, want []float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%s: %d values, want %d", name, len(got), len(want))
	}
	scale, worst, at := 1.0, 0.0, -1
	for i := range want {
		scale = max(scale, math.Abs(want[i]))
	}
	for i := range want {
		d := math.Abs(got[i] - want[i])
		if d > worst || math.IsNaN(d) {
			worst, at = d, i
			if math.IsNaN(d) {
				break
			}
		}
	}
	if at >= 0 && !(worst <= 1e-4*scale) {
		return fmt.Sprintf("%s[%d] = %g, want %g (max|ref| %g)", name, at, got[at], want[at], scale)
	}
	return ""
}
