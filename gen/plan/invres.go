package plan

import "github.com/cnnc/cnnc/ir"

// InvertedResidual reports whether the steps i, i+1 and i+2 of an
// inference plan are an inverted residual block (MobileNetV2's) that one
// kernel runs over bands of rows, keeping the two maps between them in
// the cache instead of buffers: a 1x1 conv of stride 1 (the expansion; or
// a dense conv, as MobileNetV2's first conv before its first block),
// a depthwise conv reading only it, and a 1x1 conv of stride 1 reading
// only the depthwise conv (the projection, which may add a residual as it
// stores). The first two may apply relu or relu6 as they store, nothing
// else. The training plan keeps the three steps: its backward reads the
// maps between them.
func (p *Plan) InvertedResidual(i int) bool {
	if p.Options.Mode != Inference || i < 0 || i+2 >= len(p.Steps) {
		return false
	}
	e, d, r := p.Steps[i], p.Steps[i+1], p.Steps[i+2]
	for _, s := range []*Step{e, d, r} {
		if s.Kind != Compute || !isConv(s.Node) || s.Pool != nil || len(s.In) != 1 {
			return false
		}
	}
	chained := func(from, to *Step) bool {
		return to.In[0] == from.Out && len(from.Out.Readers) == 1 && from.Out != p.Graph.Output
	}
	plain := func(s *Step) bool {
		return s.Add == nil && (s.Act == nil || actIs(s.Act, ir.ReLU) || actIs(s.Act, ir.ReLU6))
	}
	return (pointwise(e.Node) || dense(e.Node)) && depthwise(d.Node) && pointwise(r.Node) &&
		chained(e, d) && chained(d, r) && plain(e) && plain(d)
}

// pointwise reports whether conv n is 1x1 of stride 1, one group, no
// padding or dilation.
func pointwise(n *ir.Node) bool {
	op := n.Op.(*ir.Conv)
	return op.FH == 1 && op.FW == 1 && op.SH == 1 && op.SW == 1 && op.PH == 0 && op.PW == 0 && op.Groups <= 1
}

// dense reports whether conv n has one group and no dilation.
func dense(n *ir.Node) bool {
	op := n.Op.(*ir.Conv)
	return op.Groups <= 1 && op.DH <= 1 && op.DW <= 1
}

// depthwise reports whether conv n filters each channel on its own.
func depthwise(n *ir.Node) bool {
	op, c := n.Op.(*ir.Conv), n.In().C
	return op.Groups > 1 && op.Groups == c && op.K == c
}

func actIs(n *ir.Node, f ir.Func) bool { return n.Op.(*ir.Activation).Func == f }
