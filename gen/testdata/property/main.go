// Command property runs the models the property test in gen generated and
// compiled: for each model i it reads in<i>.npz from the directory given as
// its argument (the inputs, output gradients, labels or targets), runs the
// model through the runtime.Network API and writes out<i>.npz. The test
// compares the results with the interpreter.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cnnc/cnnc/runtime"
)

// models is set in models.go, which the test writes: one constructor per
// generated model, in order.
var models []func(seed uint64) runtime.Network

func main() {
	dir := os.Args[1]
	for i, newNet := range models {
		// A panic in a worker goroutine ends the program: name the model
		// first so that the test can say which.
		fmt.Fprintf(os.Stderr, "model %d\n", i)
		if err := run(newNet, filepath.Join(dir, fmt.Sprintf("in%d.npz", i)), filepath.Join(dir, fmt.Sprintf("out%d.npz", i))); err != nil {
			fmt.Fprintf(os.Stderr, "model %d: %v\n", i, err)
			os.Exit(1)
		}
	}
}

func run(newNet func(seed uint64) runtime.Network, in, out string) error {
	arrays, err := runtime.ReadArrays(in)
	if err != nil {
		return err
	}
	a := map[string]*runtime.Array{}
	for _, x := range arrays {
		a[x.Name] = x
	}
	seed := uint64(a["seed"].I64[0])
	x3, x1 := a["x3"].Float32s(), a["x1"].Float32s()
	dy3, dy1 := a["dy3"].Float32s(), a["dy1"].Float32s()

	m := newNet(seed)
	m.SetThreads(2)
	nIn, nOut := m.Sizes()
	var res []*runtime.Array
	add := func(prefix string, list []*runtime.Array) {
		for _, x := range list {
			x.Name = prefix + x.Name
			res = append(res, x)
		}
	}
	vec := func(name string, v []float32) { res = append(res, runtime.NewArray32(name, []int{len(v)}, v)) }
	add("init.", m.Params())

	// Forward: three samples on two workers (each its own samples), and one
	// sample split across both.
	y3, y1 := make([]float32, 3*nOut), make([]float32, nOut)
	m.ForwardN(x3, y3)
	m.ForwardN(x1, y1)
	vec("y3", y3)
	vec("y1", y1)

	// Forward and backward, the same two ways.
	for _, b := range []struct {
		name    string
		x, dy   []float32
		samples int
	}{{"fb3.", x3, dy3, 3}, {"fb1.", x1, dy1, 1}} {
		m.ZeroGrad()
		y, dx := make([]float32, b.samples*nOut), make([]float32, b.samples*nIn)
		m.ForwardBackwardN(b.x, b.dy, y, dx)
		vec(b.name+"y", y)
		vec(b.name+"dx", dx)
		add(b.name, m.Grads())
	}

	// The loss and hits of the batch of three, then one training step with
	// dropout on, momentum and weight decay.
	var labels []int32
	for _, l := range a["labels"].I64 {
		labels = append(labels, int32(l))
	}
	var targets []float32
	if !m.Classifier() {
		labels, targets = nil, a["targets"].Float32s()
	}
	evalLoss, correct, err := m.EvaluateN(x3, labels, targets)
	if err != nil {
		return err
	}
	res = append(res, runtime.NewArray64("eval", []int{2}, []float64{evalLoss, float64(correct)}))
	loss, err := m.TrainN(x3, labels, targets, runtime.SGD{LR: 0.1, Momentum: 0.9, WeightDecay: 0.01}, 7)
	if err != nil {
		return err
	}
	res = append(res, runtime.NewArray64("train.loss", []int{1}, []float64{loss}))
	add("train.", m.Grads())
	add("train.", m.Params())
	return runtime.WriteArrays(out, res)
}
