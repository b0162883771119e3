package interp

import "fmt"

// Options select how Forward runs.
type Options struct {
	// Train runs the training mode (PyTorch's model.train()): dropout
	// drops, and batchnorm normalises by the batch's statistics and moves
	// its running statistics, in the model's Buffers, toward them. Without
	// it (model.eval()) dropout is the identity and batchnorm normalises by
	// its running statistics.
	Train bool
	// DropoutSeed is the seed of the training step's dropout masks.
	DropoutSeed uint64
}

// Pass is what Forward keeps for Backward: every value of the graph for
// the whole batch, and what nodes keep of their own (the position of each
// maximum of max pooling, the masks of dropout).
//
// Backward reads the model's parameters when it runs: changing them between
// Forward and Backward gives the gradient of neither.
type Pass struct {
	model *Model
	batch int
	opt   Options
	// vals[v] is value v (by ID) for the whole batch: vals[Input.ID] the
	// input, vals[Output.ID] the network's output.
	vals [][]float64
	// argmax[n], for a max pooling node n, gives for each output value the
	// index in its input of the value it was taken from.
	argmax [][]int
	// mask[n], for a dropout node n in training, is the factor each value
	// was multiplied by: 0 or 1/(1-p).
	mask [][]float64
	// bn[n], for a batchnorm node n, holds the statistics it normalised
	// by: the running ones at inference, the batch's in training.
	bn []bnStats
}

// Forward runs the network on a batch of n samples, x holding n times the
// input size values in [n, C, H, W] order: every node in topological order,
// each value kept. It returns an error if n is not positive, if len(x) is
// not n times the input size, if a parameter does not have its size
// (Params was changed by hand), or, in training mode, if a batchnorm has a
// single value per channel; buffers then keep their values.
func (m *Model) Forward(x []float64, n int, opt Options) (*Pass, error) {
	g := m.Graph
	if n < 1 {
		return nil, fmt.Errorf("interp: Forward: batch size %d is not positive", n)
	}
	if want := n * g.Input.Shape.Size(); len(x) != want {
		return nil, fmt.Errorf("interp: Forward: input has %d values, want %d (%d samples of %s)", len(x), want, n, g.Input.Shape)
	}
	if err := m.checkParams(); err != nil {
		return nil, err
	}
	p := &Pass{
		model:  m,
		batch:  n,
		opt:    opt,
		vals:   make([][]float64, len(g.Values)),
		argmax: make([][]int, len(g.Nodes)),
		mask:   make([][]float64, len(g.Nodes)),
		bn:     make([]bnStats, len(g.Nodes)),
	}
	p.vals[g.Input.ID] = append([]float64(nil), x...)
	for _, node := range g.Nodes {
		in := make([][]float64, len(node.Inputs))
		for i, v := range node.Inputs {
			in[i] = p.vals[v.ID]
		}
		out, err := p.forward(node, in, m.tensors(node))
		if err != nil {
			return nil, err
		}
		p.vals[node.Output.ID] = out
	}
	if opt.Train {
		p.updateRunningStats()
	}
	return p, nil
}

// Output returns a copy of the network's output, n times the output size
// values in [n, C, H, W] (or [n, F]) order.
func (p *Pass) Output() []float64 {
	return append([]float64(nil), p.vals[p.model.Graph.Output.ID]...)
}

// Backward returns the gradient of sum(y·dy), y being the output of the
// pass: dx for the input and grads[i] for Params[i], summed over the batch.
// It visits the nodes in reverse topological order; the gradient of a value
// read by several nodes is the sum of what each reader passes back, and a
// value no path leads from to the output gets zero. dy must have as many
// values as the output. Backward leaves the pass as it was, so it may be
// called again with another dy.
func (p *Pass) Backward(dy []float64) (dx []float64, grads [][]float64, err error) {
	m, g := p.model, p.model.Graph
	if want := p.batch * g.Output.Shape.Size(); len(dy) != want {
		return nil, nil, fmt.Errorf("interp: Backward: dy has %d values, want %d (%d samples of %s)", len(dy), want, p.batch, g.Output.Shape)
	}
	if err := m.checkParams(); err != nil {
		return nil, nil, err
	}
	grads = make([][]float64, len(m.Params))
	for i := range grads {
		grads[i] = make([]float64, len(m.Params[i]))
	}
	// dv[v] is the gradient of value v, nil while no reader has passed one.
	dv := make([][]float64, len(g.Values))
	dv[g.Output.ID] = append([]float64(nil), dy...)
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		node := g.Nodes[i]
		dout := dv[node.Output.ID]
		if dout == nil {
			dout = make([]float64, p.batch*node.Out().Size())
		}
		din, dts, err := p.backward(node, dout, m.tensors(node))
		if err != nil {
			return nil, nil, err
		}
		for j, v := range node.Inputs {
			dv[v.ID] = accumulate(dv[v.ID], din[j])
		}
		for j, t := range node.Tensors {
			if !t.Buffer && j < len(dts) && dts[j] != nil {
				copy(grads[m.slots[node.ID][j]], dts[j])
			}
		}
	}
	dx = dv[g.Input.ID]
	if dx == nil {
		dx = make([]float64, p.batch*g.Input.Shape.Size())
	}
	return dx, grads, nil
}

// accumulate adds d to the gradient sum (nil when nothing has been added
// yet) and returns the sum.
func accumulate(sum, d []float64) []float64 {
	if sum == nil {
		return d
	}
	for i, v := range d {
		sum[i] += v
	}
	return sum
}

// unsupported is the error for an operation or option the interpreter does
// not run yet.
func unsupported(what string) error {
	return fmt.Errorf("the interpreter does not support %s yet", what)
}
