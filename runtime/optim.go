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
	c := sgdCoeffs{LR: lr, Momentum: momentum, WeightDecay: weightDecay, First: first}
	if f := kernels.sgd; f != nil {
		f(w, g, v, c)
		return
	}
	sgdPortable(w, g, v, c)
}

// sgdCoeffs are SGDStep's arguments, as its vector loops read them.
type sgdCoeffs struct {
	LR, Momentum, WeightDecay float32
	First                     bool
}

// sgdPortable is SGDStep's scalar loop; the vector loops round alike (a
// product, then a sum: no fused multiply-add).
func sgdPortable(w, g, v []float32, c sgdCoeffs) {
	g = g[:len(w)]
	if c.Momentum != 0 {
		v = v[:len(w)]
	}
	for i, gi := range g {
		// The conversions round each product before its sum, even where
		// the compiler would fuse them (GOAMD64=v3).
		d := gi + float32(c.WeightDecay*w[i])
		if c.Momentum != 0 {
			if c.First {
				v[i] = d
			} else {
				v[i] = float32(c.Momentum*v[i]) + d
			}
			d = v[i]
		}
		w[i] -= float32(c.LR * d)
	}
}

// SGD holds the hyperparameters of torch.optim.SGD: learning rate,
// momentum and weight decay (see SGDStep).
type SGD struct {
	LR, Momentum, WeightDecay float32
}
