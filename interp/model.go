package interp

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/runtime"
)

// Model is a network with its parameters. Params[i] holds the values of
// Net.Params()[i] in PyTorch's row-major layout. Net must not change after
// New has checked it; Params may be read and written freely between passes.
type Model struct {
	Net    *compiler.Net
	Params [][]float64
}

// New returns a model of net with every parameter zero. It returns an error
// if net is nil, is not complete (a layer's shape failed), or is not
// consistent with itself (see check).
func New(net *compiler.Net) (*Model, error) {
	if net == nil {
		return nil, errors.New("interp: nil net")
	}
	if !net.Complete() {
		return nil, errors.New("interp: the net is incomplete: a layer's shape could not be computed")
	}
	if err := check(net); err != nil {
		return nil, err
	}
	m := &Model{Net: net}
	for _, p := range net.Params() {
		m.Params = append(m.Params, make([]float64, p.Size()))
	}
	return m, nil
}

// Init sets every parameter from seed: one runtime.NewRand(seed) fills the
// weights, in Net.Params() order, with runtime.HeNormal for their fan-in;
// biases are set to zero and draw nothing.
func (m *Model) Init(seed uint64) {
	r := runtime.NewRand(seed)
	for i, p := range m.Net.Params() {
		if p.FanIn > 0 {
			runtime.HeNormal(r, m.Params[i], p.FanIn)
			continue
		}
		clear(m.Params[i])
	}
}

// SetParams copies the values of byName into the parameters of the same
// name. Every parameter must be given, with its exact number of values, and
// no other name; otherwise SetParams changes nothing and returns an error
// that lists every problem.
func (m *Model) SetParams(byName map[string][]float64) error {
	var problems []string
	known := map[string]bool{}
	for _, p := range m.Net.Params() {
		known[p.Name] = true
		v, ok := byName[p.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%q is missing", p.Name))
		case len(v) != p.Size():
			problems = append(problems, fmt.Sprintf("%q has %d values, want %d (%v)", p.Name, len(v), p.Size(), p.Shape))
		}
	}
	var unknown []string
	for name := range byName {
		if !known[name] {
			unknown = append(unknown, fmt.Sprintf("%q is not a parameter of the net", name))
		}
	}
	sort.Strings(unknown)
	problems = append(problems, unknown...)
	if len(problems) > 0 {
		return fmt.Errorf("interp: SetParams: %s", strings.Join(problems, "; "))
	}
	for i, p := range m.Net.Params() {
		copy(m.Params[i], byName[p.Name])
	}
	return nil
}

// Options select how Forward runs.
type Options struct {
	// Train turns dropout on; without it dropout is the identity.
	Train bool
	// DropoutSeed is the seed of the training step's dropout masks.
	DropoutSeed uint64
}

// Pass is what Forward keeps for Backward: every layer's input, the
// position of each maximum of max pooling and the masks of dropout.
//
// Backward reads the model's parameters when it runs: changing them between
// Forward and Backward gives the gradient of neither.
type Pass struct {
	model *Model
	batch int
	// acts[i] is the input of layer i for the whole batch, and
	// acts[len(Layers)] the network's output.
	acts [][]float64
	// argmax[i], for a max pooling layer i, gives for each output value the
	// index in acts[i] of the input it was taken from.
	argmax [][]int
	// mask[i], for a dropout layer i in training, is the factor each value
	// was multiplied by: 0 or 1/(1-p).
	mask [][]float64
}

// Forward runs the network on a batch of n samples, x holding n times the
// input size values in [n, C, H, W] order. It returns an error if n is not
// positive, if len(x) is not n times the input size, or if a parameter does
// not have its size (Params was changed by hand).
func (m *Model) Forward(x []float64, n int, opt Options) (*Pass, error) {
	if n < 1 {
		return nil, fmt.Errorf("interp: Forward: batch size %d is not positive", n)
	}
	if want := n * m.Net.Input.Size(); len(x) != want {
		return nil, fmt.Errorf("interp: Forward: input has %d values, want %d (%d samples of %s)", len(x), want, n, m.Net.Input)
	}
	if err := m.checkParams(); err != nil {
		return nil, err
	}
	layers := m.Net.Layers
	p := &Pass{
		model:  m,
		batch:  n,
		acts:   make([][]float64, len(layers)+1),
		argmax: make([][]int, len(layers)),
		mask:   make([][]float64, len(layers)),
	}
	p.acts[0] = append([]float64(nil), x...)
	first := 0 // index in Params of the current layer's first parameter
	for i, l := range layers {
		in := p.acts[i]
		var out []float64
		switch l.Kind {
		case compiler.Conv:
			out = convForward(l, in, m.Params[first], m.Params[first+1], n)
		case compiler.MaxPool:
			out, p.argmax[i] = maxPoolForward(l, in, n)
		case compiler.MeanPool:
			out = meanPoolForward(l, in, n)
		case compiler.FC:
			out = fcForward(l, in, m.Params[first], m.Params[first+1], n)
		case compiler.ReLU, compiler.Sigmoid, compiler.Tanh, compiler.Leaky:
			out = activationForward(l, in)
		case compiler.Softmax:
			out = softmaxForward(l, in, n)
		case compiler.Dropout:
			if opt.Train {
				p.mask[i] = dropoutMask(l, i, opt.DropoutSeed, n)
			}
			out = dropoutForward(in, p.mask[i])
		default:
			return nil, fmt.Errorf("interp: layer %d (%s) has unknown kind %v", i, l.Text, l.Kind)
		}
		p.acts[i+1] = out
		first += len(l.Params)
	}
	return p, nil
}

// Output returns a copy of the network's output, n times the output size
// values in [n, C, H, W] (or [n, F]) order.
func (p *Pass) Output() []float64 {
	return append([]float64(nil), p.acts[len(p.acts)-1]...)
}

// Backward returns the gradient of sum(y·dy), y being the output of the
// pass: dx for the input and grads[i] for Params[i], summed over the
// batch. dy must have as many values as the output. Backward leaves the pass
// as it was, so it may be called again with another dy.
func (p *Pass) Backward(dy []float64) (dx []float64, grads [][]float64, err error) {
	m := p.model
	if want := p.batch * m.Net.Output().Size(); len(dy) != want {
		return nil, nil, fmt.Errorf("interp: Backward: dy has %d values, want %d (%d samples of %s)", len(dy), want, p.batch, m.Net.Output())
	}
	if err := m.checkParams(); err != nil {
		return nil, nil, err
	}
	n := p.batch
	grads = make([][]float64, len(m.Params))
	first := len(m.Params) // index in Params of the current layer's first parameter
	grad := append([]float64(nil), dy...)
	for i := len(m.Net.Layers) - 1; i >= 0; i-- {
		l := m.Net.Layers[i]
		first -= len(l.Params)
		in, out := p.acts[i], p.acts[i+1]
		switch l.Kind {
		case compiler.Conv:
			grad, grads[first], grads[first+1] = convBackward(l, in, m.Params[first], grad, n)
		case compiler.MaxPool:
			grad = maxPoolBackward(l, p.argmax[i], grad, n)
		case compiler.MeanPool:
			grad = meanPoolBackward(l, grad, n)
		case compiler.FC:
			grad, grads[first], grads[first+1] = fcBackward(l, in, m.Params[first], grad, n)
		case compiler.ReLU, compiler.Sigmoid, compiler.Tanh, compiler.Leaky:
			grad = activationBackward(l, in, out, grad)
		case compiler.Softmax:
			grad = softmaxBackward(l, out, grad, n)
		case compiler.Dropout:
			grad = dropoutBackward(grad, p.mask[i])
		default:
			return nil, nil, fmt.Errorf("interp: layer %d (%s) has unknown kind %v", i, l.Text, l.Kind)
		}
	}
	return grad, grads, nil
}

// checkParams reports a parameter whose length is not its size, which only
// a hand-made change to Params can cause.
func (m *Model) checkParams() error {
	ps := m.Net.Params()
	if len(m.Params) != len(ps) {
		return fmt.Errorf("interp: the model has %d parameters, want %d", len(m.Params), len(ps))
	}
	for i, p := range ps {
		if len(m.Params[i]) != p.Size() {
			return fmt.Errorf("interp: parameter %q has %d values, want %d", p.Name, len(m.Params[i]), p.Size())
		}
	}
	return nil
}
