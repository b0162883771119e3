package runtime

// Drain adds src to dst value by value and sets src to zero, a few
// thousand values at a time so that they are cleared while in cache. It
// panics if the lengths differ.
func Drain(dst, src []float32) {
	if len(src) != len(dst) {
		panic("runtime: Drain: lengths differ")
	}
	const block = 4096
	for b := 0; b < len(src); b += block {
		s := src[b:min(b+block, len(src))]
		kernels.addRows(dst[b:][:len(s)], s, 0, 1)
		clear(s)
	}
}

// SGDStep updates the parameters w from their gradient g as
// torch.optim.SGD(lr, momentum, weight_decay) does, without dampening or
// Nesterov momentum:
//
//	g' = g + weightDecay·w
//	v  = g'                     on the first step (first is true)
//	v  = momentum·v + g'        after it
//	w  = w - lr·v               (w - lr·g' without momentum)
//
// v holds the momentum buffer and is ignored (may be nil) when momentum is
// 0. The arithmetic is in float32, as in PyTorch. It panics if the lengths
// of w, g and a needed v differ.
func SGDStep(w, g, v []float32, lr, momentum, weightDecay float32, first bool) {
	if len(g) != len(w) || momentum != 0 && len(v) != len(w) {
		panic("runtime: SGDStep: lengths differ")
	}
	for i, gi := range g {
		d := gi + weightDecay*w[i]
		if momentum != 0 {
			if first {
				v[i] = d
			} else {
				v[i] = momentum*v[i] + d
			}
			d = v[i]
		}
		w[i] -= lr * d
	}
}

// SGD holds the hyperparameters of torch.optim.SGD: learning rate,
// momentum and weight decay (see SGDStep).
type SGD struct {
	LR, Momentum, WeightDecay float32
}
