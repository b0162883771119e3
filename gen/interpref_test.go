package gen_test

import (
	"fmt"
	"math"

	"github.com/cnnc/cnnc/interp"
)

// The training step of testdata/property: SGD's learning rate, momentum and
// weight decay, and the seed of its dropout masks.
const (
	trainLR, trainMomentum, trainDecay = 0.1, 0.9, 0.01
	trainSeed                          = 7
)

// compareWithInterp checks what the program wrote for model m (got, by
// array name, with the inputs it read) against the interpreter run on the same inputs from the same
// parameters, and returns every difference beyond the tolerance.
func compareWithInterp(m *propModel, got map[string][]float64) []string {
	net := m.net
	var problems []string
	check := func(name string, want []float64) {
		if p := within(name, got[name], want); p != "" {
			problems = append(problems, p)
		}
	}
	fail := func(err error) []string { return append(problems, err.Error()) }

	ref, err := interp.New(net.Graph)
	if err != nil {
		return fail(err)
	}
	// New(seed) draws the interpreter's weights, rounded to float32; the
	// rest starts from exactly the generated code's values.
	ref.Init(m.seed)
	start := map[string][]float64{}
	for i, p := range net.Params() {
		start[p.Name] = got["init."+p.Name]
		for j, w := range ref.Params[i] {
			if j >= len(start[p.Name]) || float64(float32(w)) != start[p.Name][j] {
				return fail(fmt.Errorf("init.%s differs from the interpreter's Init(%d)", p.Name, m.seed))
			}
		}
	}
	if err := ref.SetParams(start); err != nil {
		return fail(err)
	}

	in := readInputs(got)
	for _, b := range []struct {
		name    string
		x, dy   []float64
		samples int
	}{{"3", in.x3, in.dy3, 3}, {"1", in.x1, in.dy1, 1}} {
		pass, err := ref.Forward(b.x, b.samples, interp.Options{})
		if err != nil {
			return fail(err)
		}
		check("y"+b.name, pass.Output())
		check("fb"+b.name+".y", pass.Output())
		dx, grads, err := pass.Backward(b.dy)
		if err != nil {
			return fail(err)
		}
		check("fb"+b.name+".dx", dx)
		for i, p := range net.Params() {
			check("fb"+b.name+"."+p.Name+".grad", grads[i])
		}
	}

	loss, grads, err := trainingGradients(ref, in)
	if err != nil {
		return fail(err)
	}
	check("train.loss", []float64{loss})
	for i, p := range net.Params() {
		check("train."+p.Name+".grad", grads[i])
		// torch.optim.SGD's first step: the momentum buffer is the
		// gradient with weight decay, so momentum does not show yet.
		w := make([]float64, len(grads[i]))
		for j, g := range grads[i] {
			old := ref.Params[i][j]
			w[j] = old - trainLR*(g+trainDecay*old)
		}
		check("train."+p.Name, w)
	}
	return problems
}

// inputs are what writeInputs gave the program, read back as float64.
type inputs struct {
	x3, x1, dy3, dy1, targets []float64
	labels                    []int
}

func readInputs(a map[string][]float64) inputs {
	in := inputs{x3: a["x3"], x1: a["x1"], dy3: a["dy3"], dy1: a["dy1"], targets: a["targets"]}
	for _, l := range a["labels"] {
		in.labels = append(in.labels, int(l))
	}
	return in
}

// trainingGradients returns the loss of TrainN on the batch of three and the
// gradient of every parameter, with dropout on: for a network that ends in
// softmax, the mean cross-entropy of the scores z before it (the loss's
// gradient at z being (softmax(z) - onehot(label))/n); for any other, the
// mean squared error against the targets.
func trainingGradients(ref *interp.Model, in inputs) (float64, [][]float64, error) {
	g := ref.Graph
	const n = 3
	opt := interp.Options{Train: true, DropoutSeed: trainSeed}
	if last := g.Output.Producer; last != nil && last.Op.Kind() == "softmax" {
		// The scores: the same network without its last node, which has
		// no parameters.
		prefix, err := g.Prefix(len(g.Nodes) - 1)
		if err != nil {
			return 0, nil, err
		}
		scores, err := interp.New(prefix)
		if err != nil {
			return 0, nil, err
		}
		scores.Params = ref.Params
		pass, err := scores.Forward(in.x3, n, opt)
		if err != nil {
			return 0, nil, err
		}
		z := pass.Output()
		size := len(z) / n
		dz := make([]float64, len(z))
		loss := 0.0
		for s := range n {
			zs := z[s*size : (s+1)*size]
			top := math.Inf(-1)
			for _, v := range zs {
				top = max(top, v)
			}
			sum := 0.0
			for _, v := range zs {
				sum += math.Exp(v - top)
			}
			l := in.labels[s]
			loss += (math.Log(sum) + top - zs[l]) / n
			for i, v := range zs {
				dz[s*size+i] = math.Exp(v-top) / sum / n
			}
			dz[s*size+l] -= 1.0 / n
		}
		_, grads, err := pass.Backward(dz)
		return loss, grads, err
	}
	pass, err := ref.Forward(in.x3, n, opt)
	if err != nil {
		return 0, nil, err
	}
	y := pass.Output()
	dy := make([]float64, len(y))
	loss := 0.0
	for i := range y {
		e := y[i] - in.targets[i]
		loss += e * e / float64(len(y))
		dy[i] = 2 * e / float64(len(y))
	}
	_, grads, err := pass.Backward(dy)
	return loss, grads, err
}
