package interp

import (
	"fmt"

	"github.com/cnnc/cnnc/ir"
)

// supported returns an error for an operation or option of n the
// interpreter does not run yet.
func supported(n *ir.Node) error {
	switch n.Op.(type) {
	case *ir.Conv, *ir.Pool, *ir.GlobalPool, *ir.FC, *ir.Activation, *ir.Dropout, *ir.Softmax,
		*ir.BatchNorm, *ir.Add, *ir.Concat:
		return nil
	}
	return unsupported(n.Op.Kind())
}

// forward runs node n on its inputs in (each for the whole batch), with its
// tensors ts (n.Tensors' values), and returns its output. It keeps in the
// pass what backward needs beyond the values.
func (p *Pass) forward(n *ir.Node, in [][]float64, ts [][]float64) ([]float64, error) {
	x, batch := in[0], p.batch
	switch op := n.Op.(type) {
	case *ir.Conv:
		return convForward(op, n.In(), n.Out(), x, ts[0], optional(ts, 1), batch), nil
	case *ir.Pool:
		if op.Mode == ir.Max {
			y, argmax := maxPoolForward(op, n.In(), n.Out(), x, batch)
			p.argmax[n.ID] = argmax
			return y, nil
		}
		return meanPoolForward(op, n.In(), n.Out(), x, batch), nil
	case *ir.GlobalPool:
		if op.Mode == ir.Max {
			y, argmax := globalMaxPoolForward(n.In(), x, batch)
			p.argmax[n.ID] = argmax
			return y, nil
		}
		return globalAvgPoolForward(n.In(), x, batch), nil
	case *ir.BatchNorm:
		return p.batchNorm(op, n, x, ts)
	case *ir.FC:
		return fcForward(op, n.In(), x, ts[0], optional(ts, 1), batch), nil
	case *ir.Activation:
		return activationForward(op, x), nil
	case *ir.Softmax:
		return softmaxForward(n.In(), x, batch), nil
	case *ir.Dropout:
		if p.opt.Train {
			p.mask[n.ID] = dropoutMask(op, n.In(), n.ID, p.opt.DropoutSeed, batch)
		}
		return dropoutForward(x, p.mask[n.ID]), nil
	case *ir.Add:
		return addForward(in), nil
	case *ir.Concat:
		return concatForward(n.InShapes(), in, batch), nil
	}
	return nil, fmt.Errorf("interp: node %d (%s): %w", n.ID, nodeText(n), unsupported(n.Op.Kind()))
}

// backward returns, for node n whose output's gradient is dy, the gradient
// of each input and of each tensor (nil for buffers and for tensors
// without one), reading the values the forward pass kept.
func (p *Pass) backward(n *ir.Node, dy []float64, ts [][]float64) (din, dts [][]float64, err error) {
	batch := p.batch
	x, y := p.vals[n.Inputs[0].ID], p.vals[n.Output.ID]
	one := func(dx []float64, grads ...[]float64) ([][]float64, [][]float64, error) {
		return [][]float64{dx}, grads, nil
	}
	switch op := n.Op.(type) {
	case *ir.Conv:
		dx, dw, db := convBackward(op, n.In(), n.Out(), x, ts[0], dy, batch)
		return one(dx, dw, db)
	case *ir.Pool:
		if op.Mode == ir.Max {
			return one(maxPoolBackward(n.In(), p.argmax[n.ID], dy, batch))
		}
		return one(meanPoolBackward(op, n.In(), n.Out(), dy, batch))
	case *ir.GlobalPool:
		if op.Mode == ir.Max {
			return one(globalMaxPoolBackward(n.In(), p.argmax[n.ID], dy, batch))
		}
		return one(globalAvgPoolBackward(n.In(), dy, batch))
	case *ir.BatchNorm:
		dx, dgamma, dbeta := bnBackward(n.In(), x, ts[0], dy, p.bn[n.ID], batch, p.opt.Train)
		return one(dx, dgamma, dbeta)
	case *ir.FC:
		dx, dw, db := fcBackward(op, n.In(), x, ts[0], dy, batch)
		return one(dx, dw, db)
	case *ir.Activation:
		return one(activationBackward(op, x, y, dy))
	case *ir.Softmax:
		return one(softmaxBackward(n.In(), y, dy, batch))
	case *ir.Dropout:
		return one(dropoutBackward(dy, p.mask[n.ID]))
	case *ir.Add:
		return addBackward(len(n.Inputs), dy), nil, nil
	case *ir.Concat:
		return concatBackward(n.InShapes(), dy, batch), nil, nil
	}
	return nil, nil, fmt.Errorf("interp: node %d (%s): %w", n.ID, nodeText(n), unsupported(n.Op.Kind()))
}

// optional returns ts[i], or nil when the node has no such tensor (a conv
// or fc without bias).
func optional(ts [][]float64, i int) []float64 {
	if i < len(ts) {
		return ts[i]
	}
	return nil
}
