package runner

import (
	"fmt"
	"strings"

	"github.com/cnnc/cnnc/runtime"
)

// asLearner returns m as a runtime.Learner: m itself when it is one, else
// m with the optimiser applied from outside (see outside).
func asLearner(m runtime.Network) runtime.Learner {
	if l, ok := m.(runtime.Learner); ok {
		return l
	}
	return &outside{Network: m}
}

// outside makes a Learner of a Network that only knows SGD (generated code
// older than runtime/engine): each step computes the gradients with an SGD
// step of rate 0, which leaves the parameters as they are, and then runs
// the rule on copies of the parameters in PyTorch's layout and sets them
// back. The rules work value by value, so the results are those of a
// Learner's own step; only slower, by the copies.
type outside struct {
	runtime.Network
	rule  runtime.Optimizer
	state [][][]float32 // by gradient (Grads' order), by slot
	steps int64
}

func (o *outside) TrainWith(x []float32, labels []int32, targets []float32, opt runtime.Optimizer, seed uint64) (float64, error) {
	if err := opt.Check(); err != nil {
		return 0, err
	}
	loss, err := o.TrainN(x, labels, targets, runtime.SGD{}, seed)
	if err != nil {
		return 0, err
	}
	params, grads := o.Params(), o.Grads()
	byName := make(map[string]*runtime.Array, len(params))
	for _, p := range params {
		byName[p.Name] = p
	}
	if !opt.SameState(o.rule) || o.state == nil {
		o.reset(opt, grads)
	}
	o.rule = opt
	o.steps++
	step := opt.Step(o.steps)
	for i, g := range grads {
		p := byName[strings.TrimSuffix(g.Name, ".grad")]
		step.Run(p.F32, g.F32, o.state[i])
	}
	return loss, o.SetParams("", params)
}

// reset zeroes the state for rule, shaped as grads.
func (o *outside) reset(rule runtime.Optimizer, grads []*runtime.Array) {
	o.state = make([][][]float32, len(grads))
	for i, g := range grads {
		for range rule.Slots() {
			o.state[i] = append(o.state[i], make([]float32, g.Size()))
		}
	}
	o.rule, o.steps = rule, 0
}

func (o *outside) OptimizerState() (runtime.Optimizer, int64, []*runtime.Array) {
	var state []*runtime.Array
	for i, g := range o.Grads() {
		for s, slot := range o.rule.Slots() {
			if o.state != nil {
				state = append(state, runtime.NewArray32(strings.TrimSuffix(g.Name, ".grad")+"."+slot, g.Shape, append([]float32(nil), o.state[i][s]...)))
			}
		}
	}
	return o.rule, o.steps, state
}

func (o *outside) SetOptimizerState(file string, rule runtime.Optimizer, steps int64, arrays []*runtime.Array) error {
	if err := rule.Check(); err != nil {
		return err
	}
	if steps < 0 {
		return fmt.Errorf("%s: %d optimiser steps: want 0 or more", file, steps)
	}
	grads := o.Grads()
	params := make([]runtime.ParamSpec, len(grads))
	for i, g := range grads {
		params[i] = runtime.ParamSpec{Name: strings.TrimSuffix(g.Name, ".grad"), Shape: g.Shape}
	}
	byName, err := runtime.CheckParams(file, arrays, rule.StateSpecs(params, steps))
	if err != nil {
		return err
	}
	o.reset(rule, grads)
	o.steps = steps
	for i, p := range params {
		for s, slot := range rule.Slots() {
			if a := byName[p.Name+"."+slot]; a != nil {
				copy(o.state[i][s], a.Float32s())
			}
		}
	}
	return nil
}
