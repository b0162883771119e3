package engine

import "math"

// Scatter copies src, one tensor in PyTorch's C×H×W order, into buf as m
// lays it out. It writes nothing else of buf (padding stays as it is).
func (m Map) Scatter(buf, src []float32) {
	hw := m.H * m.W
	if hw == 1 {
		copy(buf[m.Off:][:m.C], src[:m.C])
		return
	}
	for c := range m.C {
		for y := range m.H {
			row := buf[m.At(y, 0, c):]
			for x, v := range src[c*hw+y*m.W:][:m.W] {
				row[x*m.Pix] = v
			}
		}
	}
}

// Gather copies the tensor m lays out in buf to dst in PyTorch's C×H×W
// order.
func (m Map) Gather(dst, buf []float32) {
	hw := m.H * m.W
	if hw == 1 {
		copy(dst[:m.C], buf[m.Off:][:m.C])
		return
	}
	for c := range m.C {
		for y := range m.H {
			row := buf[m.At(y, 0, c):]
			d := dst[c*hw+y*m.W:][:m.W]
			for x := range d {
				d[x] = row[x*m.Pix]
			}
		}
	}
}

// loss returns sample s's share of the batch's mean loss and sets the
// gradient where the backward pass from the loss starts.
func (e *Engine) loss(f *Frame, s int) float64 {
	if e.prog.Loss.Classifier {
		return e.crossEntropy(f, int(e.run.labels[s]), e.run.n)
	}
	return e.squaredError(f, e.run.targets[s*e.out:][:e.out], e.run.n)
}

// score computes sample s's loss and whether its top output is its label.
func (e *Engine) score(f *Frame, s int) {
	e.losses[s] = e.loss(f, s)
	e.hits[s] = e.prog.Loss.Classifier && e.top(f) == int(e.run.labels[s])
}

// squaredError returns the sample's share of the mean squared error over a
// batch of n, Σ (y - target)² / (n·out), and sets the output's gradient to
// 2(y - target)/(n·out). The sum runs in the order the buffer holds the
// values.
func (e *Engine) squaredError(f *Frame, target []float32, n int) float64 {
	out, grad := e.prog.Output, e.prog.OutputGrad
	om, gm := out.Map, grad.Map
	y, d := f.F[out.Buf], f.F[grad.Buf]
	hw := om.H * om.W
	scale := 2 / float32(n*e.out)
	var sum float64
	for yy := range om.H {
		for x := range om.W {
			for c := range om.C {
				diff := y[om.At(yy, x, c)] - target[c*hw+yy*om.W+x]
				sum += float64(diff * diff)
				d[gm.At(yy, x, c)] = diff * scale
			}
		}
	}
	return sum / float64(n*e.out)
}

// crossEntropy returns the sample's share of the mean cross-entropy over a
// batch of n, (log Σ exp z - z[label])/n for the scores z before the final
// softmax, and sets their gradient to (softmax(z) - onehot(label))/n, with
// softmax(z) read from the softmax's output.
func (e *Engine) crossEntropy(f *Frame, label, n int) float64 {
	l := &e.prog.Loss
	zm, pm, gm := l.Scores.Map, l.Probs.Map, l.ScoresGrad.Map
	z, p, d := f.F[l.Scores.Buf], f.F[l.Probs.Buf], f.F[l.ScoresGrad.Buf]
	hw := zm.H * zm.W
	ly, lx, lc := label%hw/zm.W, label%zm.W, label/hw
	m := z[zm.At(0, 0, 0)]
	for y := range zm.H {
		for x := range zm.W {
			for _, v := range z[zm.At(y, x, 0):][:zm.C] {
				m = max(m, v)
			}
		}
	}
	var sum float64
	for y := range zm.H {
		for x := range zm.W {
			for _, v := range z[zm.At(y, x, 0):][:zm.C] {
				sum += math.Exp(float64(v - m))
			}
		}
	}
	inv := 1 / float32(n)
	for y := range pm.H {
		for x := range pm.W {
			dst := d[gm.At(y, x, 0):][:gm.C]
			for c, v := range p[pm.At(y, x, 0):][:pm.C] {
				dst[c] = v * inv
			}
		}
	}
	d[gm.At(ly, lx, lc)] -= inv
	return (math.Log(sum) + float64(m-z[zm.At(ly, lx, lc)])) / float64(n)
}

// top returns the index, in PyTorch's order, of the largest output (the
// first of equals).
func (e *Engine) top(f *Frame) int {
	out := e.prog.Output
	m, y := out.Map, f.F[out.Buf]
	hw := m.H * m.W
	best, top := 0, y[m.At(0, 0, 0)]
	for c := range m.C {
		for yy := range m.H {
			for x := range m.W {
				if v := y[m.At(yy, x, c)]; v > top {
					best, top = c*hw+yy*m.W+x, v
				}
			}
		}
	}
	return best
}
