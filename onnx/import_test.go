package onnx

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/dsl"
	"github.com/cnnc/cnnc/interp"
	"github.com/cnnc/cnnc/runtime"
)

// The fixtures of testdata/ (made by make_fixtures.py) between them use
// every operator cnnc import maps. PyTorch's outputs were computed in
// float64 from the float32 weights the ONNX files hold, and the
// interpreter computes in float64 from the same weights, so the two agree
// to rounding: 1e-9, relative to the output's largest magnitude. Where the
// exporter folded batchnorm into the conv before it, it did so in float32:
// then 1e-6.
func tolerance(name string) float64 {
	if strings.Contains(name, "folded") {
		return 1e-6
	}
	return 1e-9
}

var fixtures = []string{"convs", "lenet", "bn_kept", "bn_folded", "resnet", "inception", "mlp", "opset9", "opset11", "opset14", "opset17"}

func importFixture(t *testing.T, path string) *Result {
	t.Helper()
	m, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Import(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestFixtures imports each fixture, checks that the file is what cnnc
// check accepts and cnnc fmt leaves alone, and runs it on the recorded
// input with the interpreter.
func TestFixtures(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			r := importFixture(t, filepath.Join("testdata", name+".onnx"))
			checkText(t, r.Text)
			x, y := readXY(t, filepath.Join("testdata", name+".npz"))
			got := runInterp(t, r, x)
			compareOutputs(t, got, y.F64, tolerance(name))
		})
	}
}

// checkText checks that text passes cnnc check without errors and that
// cnnc fmt leaves it unchanged.
func checkText(t *testing.T, text []byte) {
	t.Helper()
	if _, ds := compiler.Compile("m.cnn", text); ds.HasErrors() {
		t.Fatalf("the file does not check: %v\n%s", ds, text)
	}
	f, errs := dsl.Parse("m.cnn", text)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if out := dsl.Format(f); !bytes.Equal(out, text) {
		t.Errorf("cnnc fmt changes the file:\n%s\nto\n%s", text, out)
	}
}

func readXY(t *testing.T, path string) (x, y *runtime.Array) {
	t.Helper()
	arrays, err := runtime.ReadArrays(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arrays {
		switch a.Name {
		case "x":
			x = a
		case "y":
			y = a
		}
	}
	return x, y
}

// runInterp runs the imported model on x with its weights.
func runInterp(t *testing.T, r *Result, x *runtime.Array) []float64 {
	t.Helper()
	m, err := interp.New(r.Graph)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]float64{}
	for _, a := range r.Arrays {
		v := make([]float64, 0, len(a.F32)+len(a.F64)+len(a.I64))
		for _, f := range a.F32 {
			v = append(v, float64(f))
		}
		v = append(v, a.F64...)
		for _, i := range a.I64 {
			v = append(v, float64(i))
		}
		byName[a.Name] = v
	}
	if err := m.SetParams(byName); err != nil {
		t.Fatal(err)
	}
	in := make([]float64, len(x.F32))
	for i, f := range x.F32 {
		in[i] = float64(f)
	}
	p, err := m.Forward(in, x.Shape[0], interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Output()
}

func compareOutputs(t *testing.T, got, want []float64, tolerance float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d outputs, PyTorch gave %d", len(got), len(want))
	}
	scale, worst := 0.0, 0.0
	for i := range want {
		scale = math.Max(scale, math.Abs(want[i]))
		worst = math.Max(worst, math.Abs(got[i]-want[i]))
	}
	if worst > tolerance*math.Max(scale, 1) {
		t.Errorf("largest difference from PyTorch %g (largest output %g), want at most %g relative", worst, scale, tolerance)
	}
}

// TestPyTorchNames checks that a PyTorch export keeps its state_dict's
// names, so that its weights load into the imported file by name.
func TestPyTorchNames(t *testing.T) {
	for _, name := range []string{"convs", "bn_kept", "resnet", "inception"} {
		t.Run(name, func(t *testing.T) {
			r := importFixture(t, filepath.Join("testdata", name+".onnx"))
			data, err := os.ReadFile(filepath.Join("testdata", name+".keys"))
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Fields(string(data))
			var got []string
			for _, a := range r.Arrays {
				got = append(got, a.Name)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("names\n%v\nwant PyTorch's\n%v", got, want)
			}
		})
	}
}
