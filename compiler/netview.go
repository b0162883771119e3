package compiler

import (
	"fmt"

	"github.com/cnnc/cnnc/ir"
)

// netOf returns the sequential view of g, whose nodes end with the failed
// statement f when f is not nil, or an error saying why g has none ("it has
// residual or concat blocks", "it uses bn (batchnorm at 3:1)"): it branches,
// or it uses an operation round 1's layers do not have.
func netOf(g *ir.Graph, f *Failure) (*Net, error) {
	if !g.Chain() {
		return nil, fmt.Errorf("it has residual or concat blocks")
	}
	net := &Net{Name: g.Name, File: g.File, Input: g.Input.Shape, InputPos: lexPos(g.InputPos), Graph: g}
	for _, n := range g.Nodes {
		l, err := layerOf(n.Op, n.In())
		if err != nil {
			return nil, fmt.Errorf("%w (%s at %d:%d)", err, n.Text, n.Pos.Line, n.Pos.Col)
		}
		l.Name, l.Text, l.Pos, l.Copy = n.Name, n.Text, lexPos(n.Pos), n.Copy
		l.Out, l.MACs = n.Out(), n.MACs
		for _, t := range n.Tensors {
			l.Params = append(l.Params, Param{Name: t.Name, Shape: t.Shape, FanIn: t.Init.FanIn})
		}
		net.Layers = append(net.Layers, l)
	}
	if f != nil && len(f.In) == 1 {
		l, err := layerOf(f.Op, f.In[0])
		if err != nil {
			return nil, fmt.Errorf("%w (%s at %d:%d)", err, f.Text, f.Pos.Line, f.Pos.Column)
		}
		l.Text, l.Pos, l.Copy, l.Failed = f.Text, f.Pos, f.Copy, true
		net.Layers = append(net.Layers, l)
	}
	return net, nil
}

// layerKinds maps the operations of round 1 to their layer kinds.
var layerKinds = map[string]Kind{
	"conv": Conv, "maxpool": MaxPool, "meanpool": MeanPool, "fc": FC, "relu": ReLU, "sigmoid": Sigmoid,
	"tanh": Tanh, "leaky": Leaky, "dropout": Dropout, "softmax": Softmax,
}

// layerOf returns the layer of op on an input of shape in, with its kind and
// attributes, or an error for an operation or option round 1's layers do
// not have.
func layerOf(op ir.Op, in Shape) (*Layer, error) {
	k, ok := layerKinds[op.Kind()]
	if !ok {
		return nil, fmt.Errorf("it uses %s", op.Kind())
	}
	l := &Layer{Kind: k, In: in}
	switch op := op.(type) {
	case *ir.Conv:
		if op.Groups != 1 || op.DH != 1 || op.DW != 1 || op.NoBias {
			return nil, fmt.Errorf("it uses a grouped, dilated or bias-free conv")
		}
		l.FH, l.FW, l.K, l.SH, l.SW, l.PH, l.PW = op.FH, op.FW, op.K, op.SH, op.SW, op.PH, op.PW
	case *ir.Pool:
		l.FH, l.FW, l.SH, l.SW, l.PH, l.PW = op.FH, op.FW, op.SH, op.SW, op.PH, op.PW
	case *ir.FC:
		l.K = op.K
	case *ir.Activation:
		l.Alpha = op.Alpha
	case *ir.Dropout:
		l.Alpha = op.P
	}
	return l, nil
}
