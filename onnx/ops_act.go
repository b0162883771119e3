package onnx

import (
	"math"

	"github.com/cnnc/cnnc/ir"
)

// The element-wise operators, softmax and dropout.

// activation adds an activation of input x for node n.
func (l *lowerer) activation(n *Node, f ir.Func, alpha float64, x string) error {
	v, err := l.get(x)
	if err != nil {
		return err
	}
	if v.net == nil {
		return unsupported("input %q is a constant; cnnc applies %s only to the network's values", x, f)
	}
	return l.emit(n, &ir.Activation{Func: f, Alpha: alpha}, nil, v.flat, v.net)
}

func lowerActivation(l *lowerer, n *Node) error {
	if len(n.Inputs) < 1 {
		return unsupported("input 1 is missing")
	}
	alpha := 0.0
	var f ir.Func
	switch n.OpType {
	case "Relu":
		f = ir.ReLU
	case "Sigmoid":
		f = ir.Sigmoid
	case "Tanh":
		f = ir.Tanh
	case "HardSwish":
		f = ir.Hardswish
	case "LeakyRelu":
		f = ir.Leaky
		_, alpha = decimal(n.attrFloat("alpha", 0.01))
	}
	return l.activation(n, f, alpha, n.Inputs[0])
}

// lowerClip maps Clip(0, 6) to relu6 and Clip(0, ∞) to relu. The bounds
// are attributes before opset 11, optional constant inputs from then on.
func lowerClip(l *lowerer, n *Node) error {
	lo, hi := math.Inf(-1), math.Inf(1)
	if l.x.opset < 11 {
		lo, hi = float64(n.attrFloat("min", -math.MaxFloat32)), float64(n.attrFloat("max", math.MaxFloat32))
	} else {
		for i, b := range []*float64{&lo, &hi} {
			c, err := l.constInput(n, i+1, true)
			if err != nil {
				return err
			}
			if c != nil {
				if c.size() != 1 {
					return unsupported("its bound %q is not one number", n.Inputs[i+1])
				}
				*b = c.at(0)
			}
		}
	}
	switch {
	case lo == 0 && hi == 6:
		return l.activation(n, ir.ReLU6, 0, n.Inputs[0])
	case lo == 0 && hi >= math.MaxFloat32:
		return l.activation(n, ir.ReLU, 0, n.Inputs[0])
	}
	return unsupported("it clips to [%g, %g]; cnnc maps Clip only to [0, 6] (relu6) and [0, ∞) (relu)", lo, hi)
}

// lowerSoftmax maps a softmax over all of a sample's features. Before
// opset 13 Softmax flattens from its axis (1 by default), which is that
// on a map too; from 13 it normalises one axis (-1 by default), which is
// that only on [N, F] or a 1x1 map.
func lowerSoftmax(l *lowerer, n *Node) error {
	x, err := l.netInput(n, 0)
	if err != nil {
		return err
	}
	r := int64(x.rank())
	s := x.net.Shape
	if l.x.opset < 13 {
		if a := wrap(n.attrInt("axis", 1), r); a != 1 {
			return unsupported("it normalises from axis %d; cnnc's softmax normalises all of a sample's features (axis 1)", n.attrInt("axis", 1))
		}
	} else {
		a := wrap(n.attrInt("axis", -1), r)
		if a != 1 || r == 4 && (s.H != 1 || s.W != 1) {
			return unsupported("it normalises axis %d of %s; cnnc's softmax normalises all of a sample's features", n.attrInt("axis", -1), s)
		}
	}
	return l.emit(n, &ir.Softmax{}, nil, false, x.net)
}

// lowerDropout keeps a dropout as `dropout P` (the identity at
// inference). The ratio is an attribute before opset 12, an optional
// constant input from then on; 0.5 by default.
func lowerDropout(l *lowerer, n *Node) error {
	x, err := l.netInput(n, 0)
	if err != nil {
		return err
	}
	ratio := float32(0.5)
	if l.x.opset < 12 {
		ratio = n.attrFloat("ratio", 0.5)
	} else if c, err := l.constInput(n, 1, true); err != nil {
		return err
	} else if c != nil {
		if c.size() != 1 {
			return unsupported("its ratio is not one number")
		}
		ratio = float32(c.at(0))
	}
	if ratio < 0 || ratio >= 1 {
		return unsupported("its ratio %g is outside [0, 1)", ratio)
	}
	_, p := decimal(ratio)
	return l.emit(n, &ir.Dropout{P: p}, nil, x.flat, x.net)
}
