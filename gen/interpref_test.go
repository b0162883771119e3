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
// array name, with the inputs it read) against the interpreter run on the
// same inputs from the same parameters, and returns every difference beyond
// the tolerance.
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

	evalLoss, _, err := lossGradients(ref, in, interp.Options{})
	if err != nil {
		return fail(err)
	}
	check("eval", []float64{evalLoss, float64(hits(ref, in))})
	loss, grads, err := lossGradients(ref, in, interp.Options{Train: true, DropoutSeed: trainSeed})
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

// classifier says the interpreter's network ends in softmax.
func classifier(ref *interp.Model) bool {
	last := ref.Graph.Output.Producer
	return last != nil && last.Op.Kind() == "softmax"
}

// hits returns how many samples of the batch of three have their label as
// the top output (the first of equals) of a classifier; 0 for any other.
func hits(ref *interp.Model, in inputs) int {
	if !classifier(ref) {
		return 0
	}
	pass, err := ref.Forward(in.x3, 3, interp.Options{})
	if err != nil {
		return -1
	}
	y := pass.Output()
	size, n := len(y)/3, 0
	for s := range 3 {
		best := 0
		for i := range size {
			if y[s*size+i] > y[s*size+best] {
				best = i
			}
		}
		if best == in.labels[s] {
			n++
		}
	}
	return n
}

// lossGradients returns the loss of TrainN or EvaluateN on the batch of
// three and the gradient of every parameter, with the options' dropout: for
// a network that ends in softmax, the mean cross-entropy of the scores z
// before it (the loss's gradient at z being (softmax(z) - onehot(label))/n);
// for any other, the mean squared error against the targets.
func lossGradients(ref *interp.Model, in inputs, opt interp.Options) (float64, [][]float64, error) {
	g := ref.Graph
	const n = 3
	if classifier(ref) {
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
