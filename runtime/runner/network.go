package runner

import (
	"github.com/cnnc/cnnc/runtime"
)

// Generated adapts a generated package to Engine (and Trainer): newModel
// is its New, input and output the shapes of one sample, specs its
// parameters (ParamSpecs() less the buffers, when it has any). The
// model is made by Init, or by SetParams when Init was not called: drawing
// VGG-16's 138 million weights takes seconds, so they are drawn once.
func Generated(newModel func(seed uint64) runtime.Network, input, output []int, specs []runtime.ParamSpec) Engine {
	return &generated{newModel: newModel, input: input, output: output, specs: specs}
}

type generated struct {
	newModel      func(seed uint64) runtime.Network
	m             runtime.Network // nil before Init or SetParams
	input, output []int
	specs         []runtime.ParamSpec
}

func (g *generated) Name() string               { return "gen" }
func (g *generated) Input() []int               { return g.input }
func (g *generated) Output() []int              { return g.output }
func (g *generated) Specs() []runtime.ParamSpec { return g.specs }
func (g *generated) Float32() bool              { return true }
func (g *generated) Init(seed uint64)           { g.m = g.newModel(seed) }

// EndsInSoftmax reports whether the network's outputs are probabilities
// (see Eval); it is known once the model is made.
func (g *generated) EndsInSoftmax() bool { return g.m != nil && g.m.Classifier() }

func (g *generated) SetParams(file string, a []*runtime.Array) error {
	if g.m == nil {
		g.m = g.newModel(1)
	}
	return g.m.SetParams(file, a)
}

func (g *generated) Run(x []float64, n int, dy []float64) (y, dx []float64, grads [][]float64, err error) {
	in, out := g.m.Sizes()
	y32 := make([]float32, n*out)
	if dy == nil {
		g.m.ForwardN(to32(x), y32)
		return to64(y32), nil, nil, nil
	}
	dx32 := make([]float32, n*in)
	g.m.ZeroGrad()
	g.m.ForwardBackwardN(to32(x), to32(dy), y32, dx32)
	for _, a := range g.m.Grads() {
		grads = append(grads, to64(a.F32))
	}
	return to64(y32), to64(dx32), grads, nil
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
