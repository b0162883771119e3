package engine

import (
	"github.com/cnnc/cnnc/runtime"
)

// allocTensors allocates the tensors: parameters in one arena (the
// optimiser walks it whole), statistics in another, counts on their own.
func (e *Engine) allocTensors() {
	p := e.prog
	e.P = make([][]float32, len(p.Tensors))
	e.Counts = make([][]int64, len(p.Tensors))
	e.D = make([][]float32, len(p.Derived))
	e.stale = make([]bool, len(p.Derived))
	var np, ns int
	for i := range p.Tensors {
		switch t := &p.Tensors[i]; t.Kind {
		case Param:
			np += t.Len()
		case Stat:
			ns += t.Len()
		case Count:
			e.Counts[i] = make([]int64, t.Size())
		}
	}
	e.params, e.stats = make([]float32, np), make([]float32, ns)
	e.P = e.sliceTensors(e.params, Param)
	ps := e.sliceTensors(e.stats, Stat)
	for i, s := range ps {
		if s != nil {
			e.P[i] = s
		}
	}
}

// sliceTensors cuts arena into the tensors of kind k, indexed like
// Program.Tensors (nil for the others).
func (e *Engine) sliceTensors(arena []float32, k Kind) [][]float32 {
	out := make([][]float32, len(e.prog.Tensors))
	for i := range e.prog.Tensors {
		if t := &e.prog.Tensors[i]; t.Kind == k {
			n := t.Len()
			out[i], arena = arena[:n:n], arena[n:]
		}
	}
	return out
}

// init sets every tensor to its initial values: He-normal values drawn in
// PyTorch's order from one runtime.NewRand(seed) for those with a fan-in,
// Init for the others.
func (e *Engine) init(seed uint64) {
	r := runtime.NewRand(seed)
	var t []float32
	for i := range e.prog.Tensors {
		d := &e.prog.Tensors[i]
		switch {
		case d.Kind == Count:
			clear(e.Counts[i])
		case d.FanIn > 0:
			if cap(t) < d.Size() {
				t = make([]float32, d.Size())
			}
			runtime.HeNormal32(r, t[:d.Size()], d.FanIn)
			e.pack(i, t[:d.Size()])
		default:
			for j := range e.P[i] {
				e.P[i][j] = d.Init
			}
		}
	}
	e.changed()
}

// pack sets tensor i from src in PyTorch's layout.
func (e *Engine) pack(i int, src []float32) {
	t := &e.prog.Tensors[i]
	if t.Packing == nil {
		copy(e.P[i], src)
		return
	}
	t.Packing.Pack(e.P[i], src, t.Shape)
}

// unpack copies tensor i of sums (the parameters or gradient sums) to dst
// in PyTorch's layout.
func (e *Engine) unpack(dst []float32, sums [][]float32, i int) {
	t := &e.prog.Tensors[i]
	if t.Packing == nil {
		copy(dst, sums[i])
		return
	}
	t.Packing.Unpack(dst, sums[i], t.Shape)
}

// changed marks the derived weights as lagging behind the tensors.
func (e *Engine) changed() {
	for i := range e.stale {
		e.stale[i] = true
	}
}

// prepare brings the derived weights that passes of kind use read up to
// date.
func (e *Engine) prepare(use Use) {
	for i := range e.prog.Derived {
		d := &e.prog.Derived[i]
		if d.Use&use == 0 {
			continue
		}
		if e.D[i] == nil {
			e.D[i] = make([]float32, d.Len())
			e.stale[i] = true
		}
		if e.stale[i] {
			d.Update(&e.Weights, e.D[i])
			e.stale[i] = false
		}
	}
}

// Params returns a copy of every tensor (parameters and buffers) in
// PyTorch's names and layout: a state_dict.
func (e *Engine) Params() []*runtime.Array {
	out := make([]*runtime.Array, len(e.prog.Tensors))
	for i := range e.prog.Tensors {
		t := &e.prog.Tensors[i]
		if t.Kind == Count {
			out[i] = runtime.NewArrayInt64(t.Name, t.Shape, append([]int64(nil), e.Counts[i]...))
			continue
		}
		data := make([]float32, t.Size())
		e.unpack(data, e.P, i)
		out[i] = runtime.NewArray32(t.Name, t.Shape, data)
	}
	return out
}

// Grads returns a copy of every parameter's gradient sum in PyTorch's
// layout, named NAME.grad after its parameter (all zero before the first
// backward pass).
func (e *Engine) Grads() []*runtime.Array {
	e.growSums()
	var out []*runtime.Array
	for i := range e.prog.Tensors {
		if t := &e.prog.Tensors[i]; t.Kind == Param {
			data := make([]float32, t.Size())
			e.unpack(data, e.g, i)
			out = append(out, runtime.NewArray32(t.Name+".grad", t.Shape, data))
		}
	}
	return out
}

// ParamSpecs returns the name and shape of every tensor (parameters and
// buffers), in order: what a weight file holds.
func (p *Program) ParamSpecs() []runtime.ParamSpec {
	out := make([]runtime.ParamSpec, len(p.Tensors))
	for i, t := range p.Tensors {
		out[i] = runtime.ParamSpec{Name: t.Name, Shape: append([]int(nil), t.Shape...)}
	}
	return out
}

// SetParams sets every tensor (parameters and buffers) from arrays in
// PyTorch's names and layout. It checks every name and shape first (see
// runtime.CheckParams), and on error changes nothing; file names the
// arrays' origin in the error.
func (e *Engine) SetParams(file string, arrays []*runtime.Array) error {
	byName, err := runtime.CheckParams(file, arrays, e.prog.ParamSpecs())
	if err != nil {
		return err
	}
	for i := range e.prog.Tensors {
		t := &e.prog.Tensors[i]
		a := byName[t.Name]
		if t.Kind != Count {
			e.pack(i, a.Float32s())
			continue
		}
		if a.I64 != nil {
			copy(e.Counts[i], a.I64)
		} else {
			for j, v := range a.Float64s() {
				e.Counts[i][j] = int64(v)
			}
		}
	}
	e.changed()
	return nil
}

// LoadWeights reads the tensors from an .npz, .npy or .safetensors file in
// PyTorch's names and layout; see SetParams.
func (e *Engine) LoadWeights(path string) error {
	arrays, err := runtime.ReadArrays(path)
	if err != nil {
		return err
	}
	return e.SetParams(path, arrays)
}

// SaveWeights writes the tensors to an .npz or .safetensors file in
// PyTorch's names and layout, replacing the file atomically.
func (e *Engine) SaveWeights(path string) error {
	return runtime.WriteArrays(path, e.Params())
}

// growSums allocates the model's gradient sums on first use.
func (e *Engine) growSums() {
	if e.grads == nil {
		e.grads = make([]float32, len(e.params))
		e.g = e.sliceTensors(e.grads, Param)
	}
}

// sums returns the gradient sums worker i adds to in a batch: the model's
// own for worker 0, a private set for the others, reduced after the batch.
func (e *Engine) sums(i int) [][]float32 {
	e.growSums()
	if i == 0 {
		return e.g
	}
	w := e.workers[i]
	if w.grads == nil {
		w.grads = make([]float32, len(e.params))
		w.g = e.sliceTensors(w.grads, Param)
	}
	return w.g
}

// ZeroGrad sets the gradient sums to zero, with every worker when they
// are many (VGG-16's are 553 MB).
func (e *Engine) ZeroGrad() {
	if len(e.grads) < zeroSplit {
		clear(e.grads)
		return
	}
	e.pool.Run(len(e.grads), e.zeroChunk)
}

// zeroSplit is the number of gradient values from which ZeroGrad splits
// its work: below it, waking the workers costs more than it saves.
var zeroSplit = 1 << 20

// runZeroChunk is ZeroGrad for the values [lo, hi) of the arena.
func (e *Engine) runZeroChunk(_, lo, hi int) { clear(e.grads[lo:hi]) }

// reduce adds the gradient sums of the workers that ran samples of the
// batch into the model's, in worker order, and clears them; every worker
// takes a part of the arena (VGG's sums are 553 MB a worker).
func (e *Engine) reduce() {
	ran := false
	for _, w := range e.workers[1:] {
		ran = ran || w.ran
	}
	if ran {
		e.pool.Run(len(e.grads), e.reduceChunk)
	}
	for _, w := range e.workers {
		w.ran = false
	}
}

// runReduceChunk is reduce for the values [lo, hi) of the arena.
func (e *Engine) runReduceChunk(_, lo, hi int) {
	for _, w := range e.workers[1:] {
		if w.ran {
			runtime.Drain(e.grads[lo:hi], w.grads[lo:hi])
		}
	}
}
