package engine

import "github.com/cnnc/cnnc/runtime"

// Weights are the tensors the steps read: P the float32 ones (parameters
// and statistics) in their stored layout, indexed like Program.Tensors
// (nil for Count tensors), Counts the int64 ones (nil for the others), D
// the derived weights, indexed like Program.Derived (each nil until a pass
// first needs it).
type Weights struct {
	P      [][]float32
	Counts [][]int64
	D      [][]float32
}

// Frame holds the buffers of one sample in flight: F the float32 ones,
// indexed like Program.Buffers (a gradient buffer is nil before the first
// backward pass), I the int32 ones, indexed like Program.Ints.
type Frame struct {
	F [][]float32
	I [][]int32
}

// Batch is every sample's frame in a layer-major pass.
type Batch struct {
	Frames []*Frame
	views  [][][]float32 // views[buf][sample]
}

// F returns buffer buf of every sample, in sample order. The slice is the
// engine's: it stays valid until the next batch.
func (b *Batch) F(buf int) [][]float32 { return b.views[buf] }

// set makes frames the batch. The views are built here, once, since the
// workers of a batch phase read them at once.
func (b *Batch) set(frames []*Frame, buffers int) {
	b.Frames = frames
	if len(b.views) != buffers {
		b.views = make([][][]float32, buffers)
	}
	for i := range b.views {
		v := b.views[i][:0]
		for _, f := range frames {
			v = append(v, f.F[i])
		}
		b.views[i] = v
	}
}

// Ctx is what a phase runs with: the weights, the sample's buffers (or
// the batch's), where gradients go and the pass's settings. Each worker
// has its own; phases must not keep it.
type Ctx struct {
	*Weights
	// Frame is the sample's buffers; nil in a batch phase.
	*Frame
	// Batch is every sample's buffers in a batch phase; nil otherwise.
	Batch *Batch
	// B holds the batch buffers (Program.BatchBuffers), which every worker
	// shares.
	B [][]float32
	// G holds the gradient sums this pass adds to, indexed like
	// Program.Tensors (nil for tensors that are not parameters); nil in
	// passes without a backward pass.
	G [][]float32
	// Scratch is the worker's temporary memory for the kernels.
	Scratch *runtime.Scratch
	// Stashes are the worker's runtime.FCStash (Program.Stashes of them).
	Stashes []runtime.FCStash
	// Sample is the index of the sample in its batch (dropout draws its
	// masks from it and Seed).
	Sample int
	// Train says the pass runs in training mode (dropout on, batch
	// statistics); Seed is the seed of its dropout masks.
	Train bool
	Seed  uint64
	// NeedDx says the input's gradient is wanted: the first step's
	// backward pass may skip it otherwise.
	NeedDx bool
	// Stash says the worker runs a run of samples of a batch: a phase
	// that adds to the gradient sums may keep what it needs in the
	// worker's Stashes and add it once the run ends (Step.Flush), rather
	// than once a sample.
	Stash bool
}
