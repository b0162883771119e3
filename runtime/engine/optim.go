package engine

import (
	"fmt"

	"github.com/cnnc/cnnc/runtime"
)

// optim is the optimiser's state: for each slot of the rule last used
// (runtime.Optimizer.Slots), one arena laid out as the parameters', and the
// number of steps taken since it was zero.
type optim struct {
	rule  runtime.Optimizer // the rule of the last step (or of SetOptimizerState)
	state [][]float32       // by slot; nil before the first step that keeps state
	steps int64
	step  runtime.OptimStep // the step being taken
}

// Step updates every parameter from its gradient sum as torch.optim.SGD
// does (see runtime.SGDStep): with weight decay wd, g += wd·w; with
// momentum μ, v = μ·v + g (v = g on the first step) and g = v; then
// w -= lr·g. Buffers are left alone.
func (e *Engine) Step(lr, momentum, weightDecay float32) {
	e.Update(runtime.SGD{LR: lr, Momentum: momentum, WeightDecay: weightDecay}.Optimizer())
}

// Update takes one step of the rule o (see runtime.Optimizer) with the
// gradient sums, continuing its state from the steps before when they
// were of the same kind (runtime.Optimizer.SameState), from zero
// otherwise. Buffers are left alone; without gradient sums nothing
// changes. o must be valid (o.Check).
func (e *Engine) Update(o runtime.Optimizer) {
	if e.grads == nil {
		return
	}
	e.changed()
	if !o.SameState(e.opt.rule) || len(e.opt.state) != len(o.Slots()) {
		e.resetOptim(o)
	}
	e.opt.rule = o
	e.opt.steps++
	e.opt.step = o.Step(e.opt.steps)
	e.pool.Run(len(e.params), e.stepChunk)
}

// resetOptim zeroes the optimiser's state for the rule o.
func (e *Engine) resetOptim(o runtime.Optimizer) {
	e.opt.state = e.opt.state[:0]
	for range o.Slots() {
		e.opt.state = append(e.opt.state, make([]float32, len(e.params)))
	}
	e.opt.rule, e.opt.steps = o, 0
}

// runStepChunk is Update for the values [lo, hi) of the parameter arena.
func (e *Engine) runStepChunk(_, lo, hi int) {
	var st [2][]float32
	for i, s := range e.opt.state {
		st[i] = s[lo:hi]
	}
	e.opt.step.Run(e.params[lo:hi], e.grads[lo:hi], st[:len(e.opt.state)])
}

// OptimizerState returns the optimiser's state after the steps taken since
// it was zero, for a checkpoint: the rule of the last step, the number of
// steps, and for each parameter, in order, one array per slot in
// PyTorch's layout, named after the parameter and the slot as
// torch.optim's state_dict names them (conv1.weight.exp_avg,
// conv1.weight.exp_avg_sq). Before the first step it returns no steps and
// no arrays.
func (e *Engine) OptimizerState() (rule runtime.Optimizer, steps int64, state []*runtime.Array) {
	if e.opt.steps == 0 {
		return e.opt.rule, 0, nil
	}
	slots := e.opt.rule.Slots()
	byTensor := make([][][]float32, len(e.opt.state))
	for s, arena := range e.opt.state {
		byTensor[s] = e.sliceTensors(arena, Param)
	}
	for i := range e.prog.Tensors {
		t := &e.prog.Tensors[i]
		if t.Kind != Param {
			continue
		}
		for s := range e.opt.state {
			data := make([]float32, t.Size())
			e.unpack(data, byTensor[s], i)
			state = append(state, runtime.NewArray32(t.Name+"."+slots[s], t.Shape, data))
		}
	}
	return e.opt.rule, e.opt.steps, state
}

// SetOptimizerState sets the optimiser's state that the next step of rule
// continues from: steps taken and arrays as OptimizerState returns them
// (for rule's slots; none with steps 0). It checks every name and shape
// first (see runtime.CheckParams), and on error changes nothing; file names
// the arrays' origin in errors.
func (e *Engine) SetOptimizerState(file string, rule runtime.Optimizer, steps int64, arrays []*runtime.Array) error {
	if err := rule.Check(); err != nil {
		return err
	}
	if steps < 0 {
		return fmt.Errorf("%s: %d optimiser steps: want 0 or more", file, steps)
	}
	var params []runtime.ParamSpec
	for _, t := range e.prog.Tensors {
		if t.Kind == Param {
			params = append(params, runtime.ParamSpec{Name: t.Name, Shape: t.Shape})
		}
	}
	specs := rule.StateSpecs(params, steps)
	byName, err := runtime.CheckParams(file, arrays, specs)
	if err != nil {
		return err
	}
	e.resetOptim(rule)
	e.opt.steps = steps
	if steps == 0 {
		return nil
	}
	slots := rule.Slots()
	for s, arena := range e.opt.state {
		byTensor := e.sliceTensors(arena, Param)
		for i := range e.prog.Tensors {
			if t := &e.prog.Tensors[i]; t.Kind == Param {
				src := byName[t.Name+"."+slots[s]].Float32s()
				if t.Packing == nil {
					copy(byTensor[i], src)
				} else {
					t.Packing.Pack(byTensor[i], src, t.Shape)
				}
			}
		}
	}
	return nil
}

var _ runtime.Learner = (*Engine)(nil)
