// An external test: gen imports this package (its graph generator), so the
// package's own tests cannot import gen.
package plan_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/gen"
	"github.com/cnnc/cnnc/gen/plan"
)

// TestRoundOneParity checks that the training plan of a sequential network
// makes round 1's decisions, as the code generator of round 1 (gen/plan.go)
// makes them and its generated source shows them: the same steps (layer
// and fused activation), each tensor's buffer as long and as padded, each
// gradient buffer as long, and the activation's derivative applied in the
// same place. It reads them from gen.File's output: the worker's buffers
// "xN [LEN]float32 // ...: HxWxC padded to ...", the gradients "dN
// [LEN]float32", the forward phase table's layer names and the backward
// table's ActGrad phases. When gen no longer writes that code, the test
// has nothing to compare with and says so.
func TestRoundOneParity(t *testing.T) {
	files := []string{"testdata/chain.cnn"}
	fs, _ := filepath.Glob("../../models/*.cnn")
	for _, f := range fs {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if r, _ := compiler.Compile(filepath.Base(f), src); r != nil && r.Net != nil {
			files = append(files, f)
		}
	}
	compared := 0
	for _, f := range files {
		if testing.Short() && strings.Contains(f, "vgg19") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, ds := compiler.Compile(filepath.Base(f), src)
		if ds.HasErrors() || r.Net == nil {
			t.Fatalf("%s: not a chain the generator takes: %v %v", f, ds, r.NetErr)
		}
		code, err := gen.File(r.Net)
		if err != nil {
			t.Fatal(err)
		}
		old, ok := roundOne(string(code))
		if !ok {
			t.Skip("gen no longer writes round 1's worker buffers and phase tables: nothing to compare with")
		}
		p, err := plan.Build(r.Graph, plan.Options{Mode: plan.Training})
		if err != nil {
			t.Fatal(err)
		}
		compareRoundOne(t, f, p, old)
		compared++
	}
	t.Logf("%d sequential networks plan as round 1 did", compared)
}

// oldPlan is what round 1's generated code shows of its plan.
type oldPlan struct {
	value, grad map[int]int    // tensor -> buffer length
	pad         map[int][2]int // tensor -> padding of its values
	steps       []string       // layer names, "conv1+relu1"
	actGrad     map[string]bool
}

var (
	valueRE   = regexp.MustCompile(`(?m)^\tx(\d+) +\[(\d+)\]float32 +// .*?: (\d+)x(\d+)x\d+(?: padded to (\d+)x(\d+)x\d+)?$|^\tx(\d+) +\[(\d+)\]float32 +// .*$`)
	gradRE    = regexp.MustCompile(`(?m)^\td(\d+) +\[(\d+)\]float32$`)
	forwardRE = regexp.MustCompile(`\{\d+, \(\*worker\)\.\w+Forward, "([^"]+)", (?:true|false)\}`)
	actGradRE = regexp.MustCompile(`\(\*worker\)\.(\w+)ActGrad, "([^"]+)"`)
)

func roundOne(code string) (*oldPlan, bool) {
	o := &oldPlan{value: map[int]int{}, grad: map[int]int{}, pad: map[int][2]int{}, actGrad: map[string]bool{}}
	for _, m := range valueRE.FindAllStringSubmatch(code, -1) {
		if m[1] == "" { // a flat tensor: no shape to read padding from
			o.value[atoi(m[7])] = atoi(m[8])
			continue
		}
		i := atoi(m[1])
		o.value[i] = atoi(m[2])
		if m[5] != "" {
			o.pad[i] = [2]int{(atoi(m[5]) - atoi(m[3])) / 2, (atoi(m[6]) - atoi(m[4])) / 2}
		}
	}
	for _, m := range gradRE.FindAllStringSubmatch(code, -1) {
		o.grad[atoi(m[1])] = atoi(m[2])
	}
	for _, m := range forwardRE.FindAllStringSubmatch(code, -1) {
		if n := len(o.steps); n == 0 || o.steps[n-1] != m[1] {
			o.steps = append(o.steps, m[1])
		}
	}
	for _, m := range actGradRE.FindAllStringSubmatch(code, -1) {
		o.actGrad[m[2]] = true
	}
	return o, len(o.value) > 0 && len(o.grad) > 0 && len(o.steps) > 0
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

func compareRoundOne(t *testing.T, f string, p *plan.Plan, o *oldPlan) {
	t.Helper()
	var names []string
	for _, s := range p.Steps {
		names = append(names, s.Name())
	}
	if strings.Join(names, " ") != strings.Join(o.steps, " ") {
		t.Errorf("%s: steps\n  %v\nround 1:\n  %v", f, names, o.steps)
		return
	}
	if len(o.value) != len(p.Steps)+1 || len(o.grad) != len(p.Steps)+1 {
		t.Errorf("%s: round 1 has %d value and %d gradient buffers for %d steps", f, len(o.value), len(o.grad), len(p.Steps))
		return
	}
	for i := range len(p.Steps) + 1 {
		v := p.Value(p.Graph.Input)
		if i > 0 {
			v = p.Value(p.Steps[i-1].Out)
		}
		l := v.View.Buf.Layout
		if l.Len() != o.value[i] || [2]int{l.PH, l.PW} != o.pad[i] {
			t.Errorf("%s: tensor %d (%s) is %s, len %d; round 1: len %d, padding %v", f, i, v.Name(), l, l.Len(), o.value[i], o.pad[i])
		}
		if n := v.Grad.Buf.Layout.Len(); n != o.grad[i] {
			t.Errorf("%s: gradient %d (%s) is %s, len %d; round 1: len %d", f, i, v.Name(), v.Grad.Buf.Layout, n, o.grad[i])
		}
	}
	for _, s := range p.Steps {
		if want := s.Act != nil && !s.ActGradInReader; o.actGrad[s.Name()] != want {
			t.Errorf("%s: %s applies its activation's derivative in its own pass: %v; round 1: %v", f, s.Name(), want, o.actGrad[s.Name()])
		}
	}
}
