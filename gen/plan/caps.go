package plan

import "github.com/cnnc/cnnc/ir"

// What the kernels can do, in one place: the rules the plan's decisions
// rest on.

func isConv(n *ir.Node) bool { _, ok := n.Op.(*ir.Conv); return ok }
func isFC(n *ir.Node) bool   { _, ok := n.Op.(*ir.FC); return ok }

// takesAct reports whether a step led by n can apply an activation as it
// stores its output: every step that computes new values (not an
// element-wise one, and not softmax, whose backward needs its own output).
func takesAct(n *ir.Node) bool {
	switch n.Op.(type) {
	case *ir.Conv, *ir.FC, *ir.Pool, *ir.GlobalPool, *ir.BatchNorm, *ir.Add:
		return true
	}
	return false
}

// fromOutput reports whether an activation's derivative can be told from its
// output alone, so that training can fuse it and keep only the output:
// relu, relu6, sigmoid, tanh, and leaky with a positive slope (its sign
// survives). Hardswish, SiLU and GELU are not monotonic: their input is
// needed, so in training they stay steps of their own.
func fromOutput(a *ir.Activation) bool {
	switch a.Func {
	case ir.ReLU, ir.ReLU6, ir.Sigmoid, ir.Tanh:
		return true
	case ir.Leaky:
		return a.Alpha > 0
	}
	return false
}

// transposed reports whether a conv's input gradient runs as a transposed
// convolution, round 1's dense conv kernel on transposed weights: a dense
// conv (one group, no dilation: the kernel's) of stride 1 whose padding is
// at most F−1. Grouped, depthwise and dilated convs gather their input
// gradient (runtime.DepthwiseInputGrad) and need no padded gradient.
func transposed(n *ir.Node) bool {
	c, ok := n.Op.(*ir.Conv)
	return ok && c.Groups == 1 && c.DH == 1 && c.DW == 1 && c.SH == 1 && c.SW == 1 && c.PH <= c.FH-1 && c.PW <= c.FW-1
}

// gradPad is the padding a step's output gradient needs: a transposed
// convolution reads it with D·(F−1) − P around it.
func gradPad(s *Step) (int, int) {
	if s.Kind != Compute || !s.Transposed {
		return 0, 0
	}
	c := s.Node.Op.(*ir.Conv)
	return c.DH*(c.FH-1) - c.PH, c.DW*(c.FW-1) - c.PW
}

// padNeed is the zero padding node n needs around the value it reads as its
// main input: a conv's, or a mean pool's (its mean counts the padding). A
// max pool clamps its windows and needs none.
func padNeed(n *ir.Node) (int, int) {
	switch op := n.Op.(type) {
	case *ir.Conv:
		return op.PH, op.PW
	case *ir.Pool:
		if op.Mode == ir.Mean {
			return op.PH, op.PW
		}
	}
	return 0, 0
}

// readsSlice reports whether step s can read v, one of its inputs, from a
// channel slice of a wider buffer (pixels more than v's channels apart), and
// in training add its gradient into the same slice of the gradient buffer:
// element-wise work and per-channel reductions can, a skip operand can;
// convs, pools, fc and softmax read whole pixels.
func readsSlice(s *Step, v *ir.Value) bool {
	if v.Shape.H*v.Shape.W == 1 {
		return true // one pixel: a slice is contiguous
	}
	if s.Kind == Copy {
		return true
	}
	for _, k := range s.Skip {
		if k == v {
			return true
		}
	}
	switch s.Node.Op.(type) {
	case *ir.BatchNorm, *ir.Activation, *ir.Dropout, *ir.Add, *ir.GlobalPool:
		return true
	}
	return false
}

// backReads returns the forward values step s's backward reads: a conv's or
// fc's input (the weight gradient), a batchnorm's input (its statistics are
// kept per batch), an activation's input or output (whichever gives its
// derivative), softmax's output; and the output when an activation is fused
// (its derivative is read from it). Max pools, global max pools and dropout
// keep what they need in Aux.
func backReads(s *Step) []*ir.Value {
	var vs []*ir.Value
	if s.Kind == Compute {
		switch op := s.Node.Op.(type) {
		case *ir.Conv, *ir.FC, *ir.BatchNorm:
			vs = append(vs, s.In[0])
		case *ir.Softmax:
			vs = append(vs, s.Out)
		case *ir.Activation:
			if op.Func == ir.Sigmoid || op.Func == ir.Tanh {
				vs = append(vs, s.Out)
			} else {
				vs = append(vs, s.In[0])
			}
		}
	}
	if s.Act != nil {
		vs = append(vs, s.Out)
	}
	return vs
}

// actGradInReader reports whether reader r, the one step reading the output
// of s (which has a fused activation), can apply that activation's
// derivative as it writes the gradient: a transposed convolution row by row
// (from r's input, which is s's output), or a max pool after relu (from its
// own output: the maximum it passes the gradient to is relu's output there,
// and the gradient is zero where that is not positive).
func actGradInReader(s, r *Step) bool {
	if r.Kind != Compute {
		return false
	}
	if r.Transposed {
		return true
	}
	p, ok := r.Node.Op.(*ir.Pool)
	return ok && p.Mode == ir.Max && s.Act.Op.(*ir.Activation).Func == ir.ReLU
}
