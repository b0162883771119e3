package golden

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/interp"
	"github.com/cnnc/cnnc/models/alexnet"
	"github.com/cnnc/cnnc/models/example"
	"github.com/cnnc/cnnc/models/lenet5"
	"github.com/cnnc/cnnc/models/vgg16"
	"github.com/cnnc/cnnc/runtime"
)

// compareWithInterpreter runs the bundled model file both in the
// interpreter and in its generated package m, from the same parameters, on
// n random samples and output gradients, and compares outputs and
// gradients.
//
// With positive set, the parameters and inputs are made positive so that
// every activation is positive: no relu sits at its kink and no max-pool
// window holds a near-tie, so float32 and float64 take the same branch
// everywhere. A big network needs this: among its millions of relus, a few
// have an input within float32 rounding of 0, and the two engines then
// differ legitimately (PyTorch's float32 and float64 differ the same way).
// Kinks and ties themselves are tested on the small fixtures.
func compareWithInterpreter(t *testing.T, file string, m runtime.Network, seed uint64, n int, positive bool) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	net, ds := compiler.Source(file, src)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	im, err := interp.New(net.Graph)
	if err != nil {
		t.Fatal(err)
	}
	im.Init(seed)
	if positive {
		makePositive(im)
	}
	// Both engines start from the same float32 values.
	var arrays []*runtime.Array
	for i, p := range net.Params() {
		v := to32(im.Params[i])
		copy(im.Params[i], to64(v))
		arrays = append(arrays, runtime.NewArray32(p.Name, p.Shape, v))
	}
	if err := m.SetParams(file, arrays); err != nil {
		t.Fatal(err)
	}
	in, out := m.Sizes()
	r := runtime.NewRand(seed + 100)
	x, dy := make([]float64, n*in), make([]float64, n*out)
	for i := range x {
		x[i] = r.Normal()
		if positive {
			x[i] = math.Abs(x[i])
		}
		x[i] = float64(float32(x[i]))
	}
	for i := range dy {
		dy[i] = r.Normal()
	}
	start := time.Now()
	pass, err := im.Forward(x, n, interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dx, grads, err := pass.Backward(dy)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: interpreter %v", file, time.Since(start))

	start = time.Now()
	y32, dx32 := make([]float32, n*out), make([]float32, n*in)
	m.ForwardBackwardN(to32(x), to32(dy), y32, dx32)
	t.Logf("%s: generated code %v", file, time.Since(start))
	expectClose(t, "y", to64(y32), pass.Output(), tolFloat32)
	expectScaled(t, "y", to64(y32), pass.Output())
	expectClose(t, "dx", to64(dx32), dx, tolFloat32)
	expectScaled(t, "dx", to64(dx32), dx)
	for i, g := range m.Grads() {
		expectClose(t, g.Name, to64(g.F32), grads[i], tolFloat32)
		expectScaled(t, g.Name, to64(g.F32), grads[i])
	}
}

// tolScaled bounds max|a-b| / max|ref| with no floor at 1: gradients deep
// in a big network can be far below 1 (AlexNet's conv2 weight gradient is
// about 1e-7 here), where the usual tolerance would hold whatever the
// values. It is looser than tolFloat32 because such tiny gradients are sums
// of terms of both signs that mostly cancel, which magnifies float32's
// relative error (AlexNet's conv2 shows 0.2%); a bug shows as errors of the
// order of the values themselves.
const tolScaled = 1e-2

func expectScaled(t *testing.T, what string, got, want []float64) {
	t.Helper()
	scale := 0.0
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	if scale == 0 {
		t.Errorf("%s: the reference is all zero, which tests nothing", what)
		return
	}
	if ok, msg := closeTo(scaleBy(got, 1/scale), scaleBy(want, 1/scale), tolScaled); !ok {
		t.Errorf("%s (scaled by 1/%.3g): %s", what, scale, msg)
	}
}

func scaleBy(v []float64, k float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x * k
	}
	return out
}

// makePositive replaces every weight w (He-normal, std sqrt(2/fanIn)) by
// |w|/(1.128·sqrt(fanIn)), whose mean is 1/fanIn, so that each layer keeps
// the mean of its positive inputs, and every bias by 0.01.
func makePositive(m *interp.Model) {
	for i, p := range m.Graph.Params() {
		for j, w := range m.Params[i] {
			if p.Init.FanIn == 0 {
				m.Params[i][j] = 0.01
				continue
			}
			m.Params[i][j] = math.Abs(w) / (math.Sqrt(8/math.Pi) * math.Sqrt(float64(p.Init.FanIn)))
		}
	}
}

// TestBundledModels holds the generated packages of the bundled models to
// the interpreter: the small ones always, AlexNet unless -short (15-20 s
// in the interpreter), and the full 224x224 VGG-16 only with CNNC_LONG=1
// (see long).
func TestBundledModels(t *testing.T) {
	t.Run("example", func(t *testing.T) {
		compareWithInterpreter(t, "../models/example.cnn", example.New(3), 3, 4, false)
	})
	t.Run("lenet5", func(t *testing.T) {
		compareWithInterpreter(t, "../models/lenet5.cnn", lenet5.New(4), 4, 4, false)
	})
	t.Run("alexnet", func(t *testing.T) {
		if testing.Short() {
			t.Skip("AlexNet at full size takes 15-20 s in the interpreter")
		}
		compareWithInterpreter(t, "../models/alexnet.cnn", alexnet.New(5), 5, 1, true)
	})
	t.Run("vgg16", func(t *testing.T) {
		long(t, "VGG-16 at full size takes minutes in the interpreter")
		compareWithInterpreter(t, "../models/vgg16.cnn", vgg16.New(6), 6, 1, true)
	})
}

// long skips a test that takes minutes unless the environment has
// CNNC_LONG=1 (and the test is not -short): plain go test ./... stays
// quick, and CI (.ci/run) runs these too.
func long(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CNNC_LONG") != "1" || testing.Short() {
		t.Skipf("%s: run with CNNC_LONG=1 (and without -short)", why)
	}
}
