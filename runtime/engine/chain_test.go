package engine

import (
	"math"

	"github.com/cnnc/cnnc/runtime"
)

// The chain program: a 2×3×4 input held with one pixel of padding all
// round, a per-channel affine step (s = w⊙x + b), an fc layer to 5 outputs
// whose weights store their input in H, W, C order, and, for a classifier,
// a softmax. Inference-mode forward passes read the affine weights from a
// derived copy (the prepare hook), training-mode ones from the parameters.
// The fc layer keeps its weight gradients in a stash in runs of samples and
// runs grouped in forward-only batches.
const (
	chH, chW, chC, chK = 2, 3, 4, 5
	chN                = chH * chW * chC
)

// Buffers of the chain program.
const (
	chX0 = iota // input, padded
	chD0
	chX1 // affine output
	chD1
	chX2 // fc output
	chD2
	chX3 // softmax output
	chD3
)

// Tensors of the chain program.
const (
	chAW = iota
	chAB
	chFW
	chFB
)

var chIn = Map{H: chH, W: chW, C: chC, Pix: chC, Row: (chW + 2) * chC, Off: (chW+2)*chC + chC}
var chMap = Map{H: chH, W: chW, C: chC, Pix: chC, Row: chW * chC}
var chFlat = Map{H: 1, W: 1, C: chK, Pix: chK, Row: chK}

// derivedUpdates counts the derived weights' updates.
var derivedUpdates int

func chainProgram(classifier bool) *Program {
	p := &Program{
		Input: View{chX0, chIn}, InputGrad: View{chD0, chMap},
		Output: View{chX2, chFlat}, OutputGrad: View{chD2, chFlat},
		Tensors: []Tensor{
			{Name: "affine.weight", Shape: []int{chC}, FanIn: 1},
			{Name: "affine.bias", Shape: []int{chC}, Init: 0.25},
			{Name: "fc.weight", Shape: []int{chK, chN}, FanIn: chN, Packing: FCInput{H: chH, W: chW, C: chC}},
			{Name: "fc.bias", Shape: []int{chK}},
		},
		Derived: []Derived{{Name: "affine weights, copied", Len: func() int { return chC }, Use: InferenceForward,
			Update: func(w *Weights, d []float32) { derivedUpdates++; copy(d, w.P[chAW]) }}},
		Buffers: []Buffer{{Len: chIn.end() + chIn.Off}, {Len: chN, Grad: true}, {Len: chN}, {Len: chN, Grad: true},
			{Len: chK}, {Len: chK, Grad: true}, {Len: chK}, {Len: chK, Grad: true}},
		Stashes: 1,
		Steps: []Step{{
			Name: "affine", In: []Ref{{chX0, chD0, false}}, Out: []Ref{{chX1, chD1, false}},
			Forward: []Phase{{N: chH, Run: affineForward}},
			Backward: []Phase{{N: chC, Run: affineWeightGrad, Sums: true, Even: true},
				{N: chH, Run: affineInputGrad}},
		}, {
			Name: "fc", In: []Ref{{chX1, chD1, false}}, Out: []Ref{{chX2, chD2, false}},
			Forward: []Phase{{N: chK, Run: func(c *Ctx, lo, hi int) {
				runtime.FCForward(c.F[chX2], c.F[chX1], c.P[chFW], c.P[chFB], chN, lo, hi)
			}}},
			Backward: []Phase{{N: chK, Run: fcWeightGrad, Sums: true}, {N: chN, Run: func(c *Ctx, lo, hi int) {
				runtime.FCInputGrad(c.F[chD1][lo:], c.P[chFW], c.F[chD2][:chK], chN, lo, hi)
			}}},
			Flush: func(c *Ctx) { c.Stashes[0].Flush(c.G[chFW], c.G[chFB], chN) },
		}},
		Loss: Loss{Steps: 2},
		Group: &Group{Step: 1, Size: 3, In: chX1, Out: chX2, Run: func(c *Ctx, in, out []float32, n int) {
			runtime.FCForwardBatch(out, in, c.P[chFW], c.P[chFB], chN, chK, n)
		}},
	}
	if classifier {
		p.Output, p.OutputGrad = View{chX3, chFlat}, View{chD3, chFlat}
		p.Steps = append(p.Steps, Step{
			Name: "softmax", In: []Ref{{chX2, chD2, false}}, Out: []Ref{{chX3, chD3, false}},
			Forward:  []Phase{{N: 1, Run: softmaxForward}},
			Backward: []Phase{{N: 1, Run: softmaxBackward}},
		})
		p.Loss = Loss{Classifier: true, Scores: View{chX2, chFlat}, Probs: View{chX3, chFlat}, ScoresGrad: View{chD2, chFlat}, Steps: 2}
	}
	return p
}

func affineForward(c *Ctx, lo, hi int) {
	w, b := c.P[chAW], c.P[chAB]
	if !c.Train {
		w = c.D[0]
	}
	in, out := c.F[chX0], c.F[chX1]
	for y := lo; y < hi; y++ {
		for x := range chW {
			for ch := range chC {
				out[chMap.At(y, x, ch)] = w[ch]*in[chIn.At(y, x, ch)] + b[ch]
			}
		}
	}
}

func affineWeightGrad(c *Ctx, lo, hi int) {
	in, d := c.F[chX0], c.F[chD1]
	for ch := lo; ch < hi; ch++ {
		for y := range chH {
			for x := range chW {
				c.G[chAW][ch] += d[chMap.At(y, x, ch)] * in[chIn.At(y, x, ch)]
				c.G[chAB][ch] += d[chMap.At(y, x, ch)]
			}
		}
	}
}

func affineInputGrad(c *Ctx, lo, hi int) {
	if !c.NeedDx {
		return
	}
	w, d, din := c.P[chAW], c.F[chD1], c.F[chD0]
	for y := lo; y < hi; y++ {
		for x := range chW {
			for ch := range chC {
				din[chMap.At(y, x, ch)] = w[ch] * d[chMap.At(y, x, ch)]
			}
		}
	}
}

func fcWeightGrad(c *Ctx, lo, hi int) {
	if c.Stash {
		c.Stashes[0].Add(c.F[chX1][:chN], c.F[chD2][:chK])
		return
	}
	runtime.FCWeightGrad(c.G[chFW], c.G[chFB], c.F[chX1], c.F[chD2], chN, lo, hi)
}

func softmaxForward(c *Ctx, lo, hi int) {
	in, out := c.F[chX2], c.F[chX3]
	m := in[0]
	for _, v := range in {
		m = max(m, v)
	}
	var sum float64
	for i, v := range in {
		e := math.Exp(float64(v - m))
		out[i] = float32(e)
		sum += e
	}
	for i := range out {
		out[i] *= float32(1 / sum)
	}
}

func softmaxBackward(c *Ctx, lo, hi int) {
	y, dout, din := c.F[chX3], c.F[chD3], c.F[chD2]
	var dot float64
	for i, d := range dout {
		dot += float64(d * y[i])
	}
	for i := range din {
		din[i] = y[i] * (dout[i] - float32(dot))
	}
}

// chainRef is the chain program in float64: params in PyTorch's layout
// (as Params returns them), x one sample in C×H×W order.
type chainRef struct {
	aw, ab, fw, fb []float64
}

func newChainRef(ps []*runtime.Array) chainRef {
	return chainRef{ps[0].Float64s(), ps[1].Float64s(), ps[2].Float64s(), ps[3].Float64s()}
}

// forward returns the affine output s (C×H×W) and the fc output z.
func (r chainRef) forward(x []float64) (s, z []float64) {
	s = make([]float64, chN)
	for i := range s {
		c := i / (chH * chW)
		s[i] = r.aw[c]*x[i] + r.ab[c]
	}
	z = make([]float64, chK)
	for o := range z {
		z[o] = r.fb[o]
		for i, v := range s {
			z[o] += r.fw[o*chN+i] * v
		}
	}
	return s, z
}

// backward adds the gradients of dz to g (aw, ab, fw, fb) and returns dx.
func (r chainRef) backward(x, s, dz []float64, g [][]float64) []float64 {
	ds := make([]float64, chN)
	for o, d := range dz {
		g[3][o] += d
		for i := range s {
			g[2][o*chN+i] += d * s[i]
			ds[i] += r.fw[o*chN+i] * d
		}
	}
	dx := make([]float64, chN)
	for i, d := range ds {
		c := i / (chH * chW)
		g[0][c] += d * x[i]
		g[1][c] += d
		dx[i] = r.aw[c] * d
	}
	return dx
}

// softmax returns the softmax of z.
func softmax(z []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, v)
	}
	p, sum := make([]float64, len(z)), 0.0
	for i, v := range z {
		p[i] = math.Exp(v - m)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}
