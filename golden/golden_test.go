package golden

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/interp"
	"github.com/cnnc/cnnc/runtime"
)

var update = flag.Bool("update", false, "rewrite the golden generated sources")

// Tolerances, per tensor, as max|a-b| <= tol * max(1, max|ref|):
// float32 engines against a reference (ARCHITECTURE.md), and the float64
// interpreter against PyTorch's float64, which differ only in summation
// order.
const (
	tolFloat32 = 1e-4
	tolFloat64 = 1e-9
)

// fixture is one case's torch.npz.
type fixture struct {
	name   string
	net    *compiler.Net
	arrays map[string]*runtime.Array
	params []*runtime.Array // in the net's order
	n      int              // batch size
}

func cases(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("testdata/*/model.cnn")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	var names []string
	for _, d := range dirs {
		names = append(names, filepath.Base(filepath.Dir(d)))
	}
	return names
}

func loadFixture(t *testing.T, name string) *fixture {
	t.Helper()
	dir := filepath.Join("testdata", name)
	src, err := os.ReadFile(filepath.Join(dir, "model.cnn"))
	if err != nil {
		t.Fatal(err)
	}
	net, ds := compiler.Source(filepath.Join(dir, "model.cnn"), src)
	if ds.HasErrors() || net == nil {
		t.Fatalf("%s: %v", name, ds)
	}
	list, err := runtime.ReadArrays(filepath.Join(dir, "torch.npz"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{name: name, net: net, arrays: map[string]*runtime.Array{}}
	for _, a := range list {
		f.arrays[a.Name] = a
	}
	for _, p := range net.Params() {
		a, ok := f.arrays[p.Name]
		if !ok {
			t.Fatalf("%s: torch.npz has no %s", name, p.Name)
		}
		f.params = append(f.params, a)
	}
	f.n = f.get(t, "x").Shape[0]
	return f
}

func (f *fixture) get(t *testing.T, name string) *runtime.Array {
	t.Helper()
	a, ok := f.arrays[name]
	if !ok {
		t.Fatalf("%s: torch.npz has no %q", f.name, name)
	}
	return a
}

// closeTo reports whether got is within tol of want, relative to the larger
// of 1 and want's largest magnitude, and describes the worst difference.
func closeTo(got, want []float64, tol float64) (bool, string) {
	if len(got) != len(want) {
		return false, fmt.Sprintf("length %d, want %d", len(got), len(want))
	}
	scale, worst, at := 1.0, 0.0, 0
	for i := range want {
		scale = max(scale, math.Abs(want[i]))
		if d := math.Abs(got[i] - want[i]); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	if len(want) == 0 {
		return true, ""
	}
	ok := worst <= tol*scale
	return ok, fmt.Sprintf("max |diff| %.3g at %d (got %.9g, want %.9g), allowed %.3g", worst, at, got[at], want[at], tol*scale)
}

func expectClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if ok, msg := closeTo(got, want, tol); !ok {
		t.Errorf("%s: %s", what, msg)
	}
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// interpRun runs the interpreter on a fixture's weights, x and dy.
func interpRun(t *testing.T, f *fixture) (y, dx []float64, grads [][]float64) {
	t.Helper()
	m, err := interp.New(f.net.Graph)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]float64{}
	for _, a := range f.params {
		byName[a.Name] = a.Float64s()
	}
	if err := m.SetParams(byName); err != nil {
		t.Fatal(err)
	}
	pass, err := m.Forward(f.get(t, "x").Float64s(), f.n, interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dx, grads, err = pass.Backward(f.get(t, "dy").Float64s())
	if err != nil {
		t.Fatal(err)
	}
	return pass.Output(), dx, grads
}

// TestInterpreterAgainstPyTorch: the float64 interpreter reproduces
// PyTorch's float64 outputs and gradients on every fixture.
func TestInterpreterAgainstPyTorch(t *testing.T) {
	for _, name := range cases(t) {
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, name)
			y, dx, grads := interpRun(t, f)
			expectClose(t, "y", y, f.get(t, "y").Float64s(), tolFloat64)
			expectClose(t, "dx", dx, f.get(t, "dx").Float64s(), tolFloat64)
			for i, p := range f.net.Params() {
				expectClose(t, p.Name+".grad", grads[i], f.get(t, p.Name+".grad").Float64s(), tolFloat64)
			}
		})
	}
}

// genRun runs a case's generated package on the fixture's weights, x and dy.
func genRun(t *testing.T, f *fixture, threads int) (y, dx []float32, grads []*runtime.Array) {
	t.Helper()
	newModel, ok := generated[f.name]
	if !ok {
		t.Fatalf("no generated package for %s: add it to registry_test.go", f.name)
	}
	m := newModel(1)
	m.SetThreads(threads)
	var ps []*runtime.Array
	for _, a := range f.params {
		ps = append(ps, runtime.NewArray32(a.Name, a.Shape, a.Float32s()))
	}
	if err := m.SetParams(f.name, ps); err != nil {
		t.Fatal(err)
	}
	in, out := m.Sizes()
	y = make([]float32, f.n*out)
	dx = make([]float32, f.n*in)
	m.ForwardBackwardN(to32(f.get(t, "x").Float64s()), to32(f.get(t, "dy").Float64s()), y, dx)
	return y, dx, m.Grads()
}

// TestGeneratedAgainstReferences: the generated float32 code agrees with
// PyTorch and with the interpreter on every fixture of 3 samples: with one
// worker, with three (one sample each) and with four (the samples one after
// the other, each split across the workers).
func TestGeneratedAgainstReferences(t *testing.T) {
	for _, name := range cases(t) {
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, name)
			iy, idx, igrads := interpRun(t, f)
			for _, threads := range []int{1, 3, 4} {
				y, dx, grads := genRun(t, f, threads)
				expectClose(t, fmt.Sprintf("y (%d threads) vs PyTorch", threads), to64(y), f.get(t, "y").Float64s(), tolFloat32)
				expectClose(t, "y vs interpreter", to64(y), iy, tolFloat32)
				expectClose(t, "dx vs PyTorch", to64(dx), f.get(t, "dx").Float64s(), tolFloat32)
				expectClose(t, "dx vs interpreter", to64(dx), idx, tolFloat32)
				for i, p := range f.net.Params() {
					if grads[i].Name != p.Name+".grad" || !slices.Equal(grads[i].Shape, p.Shape) {
						t.Fatalf("gradient %d is %s %v, want %s.grad %v", i, grads[i].Name, grads[i].Shape, p.Name, p.Shape)
					}
					expectClose(t, p.Name+".grad vs PyTorch", to64(grads[i].F32), f.get(t, p.Name+".grad").Float64s(), tolFloat32)
					expectClose(t, p.Name+".grad vs interpreter", to64(grads[i].F32), igrads[i], tolFloat32)
				}
			}
		})
	}
}

// TestRegistryComplete keeps registry_test.go in step with testdata.
func TestRegistryComplete(t *testing.T) {
	for _, name := range cases(t) {
		if _, ok := generated[name]; !ok {
			t.Errorf("case %s has no generated package in registry_test.go", name)
		}
	}
}
