package golden

import (
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// graphCase is one case of graphdata/: its arrays by name.
type graphCase map[string]*runtime.Array

func readGraphCase(t *testing.T, name, file string) graphCase {
	t.Helper()
	list, err := runtime.ReadArrays(filepath.Join("graphdata", name, file))
	if err != nil {
		t.Fatal(err)
	}
	a := graphCase{}
	for _, x := range list {
		a[x.Name] = x
	}
	return a
}

func (a graphCase) get(t *testing.T, name string) *runtime.Array {
	t.Helper()
	x, ok := a[name]
	if !ok {
		t.Fatalf("the fixture has no %q", name)
	}
	return x
}

// loadGraphModel makes case name's generated model with the fixture's
// parameters and buffers.
func loadGraphModel(t *testing.T, name string, threads int) (runtime.Network, graphCase) {
	t.Helper()
	weights := readGraphCase(t, name, "torch.npz")
	m := generatedGraphs[name](1)
	m.SetThreads(threads)
	var arrays []*runtime.Array
	for _, p := range m.Params() {
		arrays = append(arrays, weights.get(t, p.Name))
	}
	if err := m.SetParams("torch.npz", arrays); err != nil {
		t.Fatal(err)
	}
	return m, weights
}

func graphCases() []string {
	var names []string
	for name := range generatedGraphs {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// TestGraphAgainstPyTorch runs the generated package of every graphdata
// case through the fixture's passes, with one thread and with three:
// inference mode (ForwardN, which runs the inference plan with batchnorm
// folded, and ForwardBackwardN, whose backward runs the training plan in
// inference mode) against torch.npz, and a training-mode pass against
// train_mode.npz: y, dx, every parameter's gradient and, in training mode,
// every buffer after the pass, within golden/README.md's tolerance for
// float32 engines.
func TestGraphAgainstPyTorch(t *testing.T) {
	for _, name := range graphCases() {
		for _, threads := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/%dthreads", name, threads), func(t *testing.T) {
				for _, train := range []bool{false, true} {
					checkGraphPass(t, name, threads, train)
				}
			})
		}
	}
}

func checkGraphPass(t *testing.T, name string, threads int, train bool) {
	m, weights := loadGraphModel(t, name, threads)
	pass, mode := weights, "inference"
	if train {
		pass, mode = readGraphCase(t, name, "train_mode.npz"), "training"
	}
	x, dy := pass.get(t, "x"), pass.get(t, "dy")
	in, out := m.Sizes()
	n := len(x.F64) / in
	y := make([]float32, n*out)
	if !train {
		m.ForwardN(to32(x.F64), y)
		expectClose(t, mode+" ForwardN y", to64(y), pass.get(t, "y").Float64s(), tolFloat32)
	}
	m.SetTraining(train, 1)
	dx := make([]float32, n*in)
	m.ZeroGrad()
	m.ForwardBackwardN(to32(x.F64), to32(dy.F64), y, dx)
	m.SetTraining(false, 0)
	expectClose(t, mode+" y", to64(y), pass.get(t, "y").Float64s(), tolFloat32)
	expectClose(t, mode+" dx", to64(dx), pass.get(t, "dx").Float64s(), tolFloat32)
	for _, g := range m.Grads() {
		expectClose(t, mode+" "+g.Name, to64(g.F32), pass.get(t, g.Name).Float64s(), tolFloat32)
	}
	if !train {
		return
	}
	for _, p := range m.Params() {
		want := pass[p.Name]
		if want == nil {
			continue // a parameter: the pass leaves it alone
		}
		if p.I64 != nil {
			if p.I64[0] != want.I64[0] {
				t.Errorf("%s %s = %d, want %d", mode, p.Name, p.I64[0], want.I64[0])
			}
			continue
		}
		expectClose(t, mode+" "+p.Name, to64(p.F32), want.Float64s(), tolFloat32)
	}
}
