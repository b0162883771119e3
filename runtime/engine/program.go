package engine

// Program is what a generated package hands the engine: everything
// specific to its network, as data and small functions. The engine runs it
// (passes, batches, threads, the optimiser, weight files); the program
// never allocates or schedules.
//
// Tensors (parameters and saved buffers) are numbered by their index in
// Tensors, per-sample buffers by their index in Buffers (float32) and Ints
// (int32); steps refer to them through the Ctx they are given, as c.P[i],
// c.G[i], c.F[i], c.I[i] and c.B[i].
type Program struct {
	// Input and Output are the network's input and output: the buffers
	// that hold them and how. InputGrad and OutputGrad are their gradients.
	Input, InputGrad, Output, OutputGrad View

	// Tensors are the parameters and buffers in PyTorch's state_dict
	// order: the weight files' names and shapes.
	Tensors []Tensor
	// Derived are weights computed from the tensors (transposed conv
	// weights, Winograd transforms, folded batchnorm), recomputed by
	// their Update before a pass that needs them whenever the tensors
	// have changed: the program's "prepare" hook.
	Derived []Derived

	// Buffers are the float32 buffers of one sample in flight, Ints its
	// int32 buffers (lengths), Stashes the number of runtime.FCStash each
	// worker keeps (see Ctx.Stash).
	Buffers []Buffer
	Ints    []int
	Stashes int
	// BatchBuffers are the lengths of float32 buffers the engine keeps
	// once, not per sample, for batch phases to leave per-batch values in
	// (batch statistics) for the phases after them (see Ctx.B).
	BatchBuffers []int

	// Steps are the network's steps in an order in which every step comes
	// after the steps that write its inputs. Forward passes run their
	// forward phases in this order, backward passes their backward phases
	// in the reverse order.
	Steps []Step

	// Loss is how TrainBatch and Evaluate score a sample.
	Loss Loss

	// Group, when set, names a step whose forward pass runs once for a
	// group of samples in forward-only batches (see Group).
	Group *Group
}

// View is how a per-sample buffer holds a tensor.
type View struct {
	Buf int // the index of the buffer in Program.Buffers
	Map Map
}

// Map is how a buffer holds one sample's H×W×C tensor, channels innermost:
// value (y, x, c) is at Off + y·Row + x·Pix + c. A flat vector of n
// features is H = W = 1, C = n. Padding (Off and Row larger than the
// values need) stays zero; a tensor written as channels [c0, c0+C) of a
// wider buffer has Pix larger than C and c0 in Off.
type Map struct {
	H, W, C, Pix, Row, Off int
}

// At returns the offset of value (y, x, c).
func (m Map) At(y, x, c int) int { return m.Off + y*m.Row + x*m.Pix + c }

// Size returns the number of values, H·W·C.
func (m Map) Size() int { return m.H * m.W * m.C }

// end returns the length a buffer needs to hold the tensor.
func (m Map) end() int {
	if m.Size() == 0 {
		return m.Off
	}
	return m.At(m.H-1, m.W-1, m.C)
}

// Kind is what a tensor is.
type Kind uint8

const (
	// Param is a learned float32 tensor: it has a gradient sum and SGD
	// updates it.
	Param Kind = iota
	// Stat is a float32 buffer saved with the parameters, such as
	// batchnorm's running statistics: steps update it, SGD does not.
	Stat
	// Count is an int64 buffer saved with the parameters, such as
	// batchnorm's num_batches_tracked.
	Count
)

// Tensor is one parameter or buffer.
type Tensor struct {
	Name  string // PyTorch's: "conv1.weight", "bn1.running_var"
	Shape []int  // PyTorch's
	Kind  Kind
	// FanIn, when positive, draws the initial values He-normal with that
	// fan-in (see runtime.HeNormal32), one generator for every tensor in
	// order; otherwise the tensor starts filled with Init.
	FanIn int
	Init  float32
	// Packing is how the tensor is stored for the kernels; nil stores it
	// in PyTorch's layout. Count tensors are stored as they are.
	Packing Packing
}

// Size returns the number of values in PyTorch's layout.
func (t *Tensor) Size() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Len returns the number of values stored.
func (t *Tensor) Len() int {
	if t.Packing != nil {
		return t.Packing.Len(t.Shape)
	}
	return t.Size()
}

// Packing converts a tensor between PyTorch's layout and the one its
// kernels read.
type Packing interface {
	// Len returns the stored length of a tensor of PyTorch shape shape.
	Len(shape []int) int
	// Pack sets the stored dst from src in PyTorch's layout; Unpack
	// copies it back.
	Pack(dst, src []float32, shape []int)
	Unpack(dst, src []float32, shape []int)
}

// Derived is a weight tensor computed from the others.
type Derived struct {
	Name string
	// Len returns its length, which may depend on the kernels chosen at
	// run time (runtime.WinogradLen); it is called when the engine first
	// needs the tensor.
	Len func() int
	// Use says which passes read it: it is brought up to date before
	// those only.
	Use Use
	// Update recomputes it from w; it may read derived tensors listed
	// before it with the same or a wider Use.
	Update func(w *Weights, d []float32)
}

// Use is a set of kinds of pass.
type Use uint8

const (
	InferenceForward Use = 1 << iota // forward passes in inference mode
	TrainingForward                  // forward passes in training mode
	Backward                         // backward passes
)

// Buffer is one float32 buffer of a sample in flight.
type Buffer struct {
	Len int
	// Grad marks a buffer that only backward passes and training-mode
	// passes use (gradients, and what a program computes only in those,
	// such as the values its backward reads): it is allocated on the
	// first such pass, so that inference alone never holds it.
	Grad bool
}

// Step is one node of the network: its forward and backward phases and
// the buffers it reads and writes.
type Step struct {
	Name string // for profiles: "conv1+relu1"
	// In are the values the step reads and Out those it writes; a
	// backward pass reads the gradients of Out and writes those of In.
	In, Out []Ref
	// Forward and Backward are the phases of each direction, in order.
	Forward, Backward []Phase
	// Reforward marks the last step of a program whose inference-mode
	// forward phases keep none of the values its backward phases read (a
	// plan with batchnorm folded into the convs): the step has no forward
	// phases, and its backward phases, the first of a backward pass,
	// compute those values in inference mode. A pass that runs forward and
	// backward in inference mode (ForwardBackwardN) runs them as its
	// forward, in place of the forward phases, and not again; a backward
	// after a separate forward (Backward) runs them first.
	Reforward bool
	// Flush, when set, adds what the step's backward phases kept for the
	// end of a worker's run of samples (see Ctx.Stash); it is called once
	// a worker's run ends.
	Flush func(c *Ctx)
}

// Ref is a value a step reads or writes.
type Ref struct {
	Value int // its buffer
	Grad  int // the buffer of its gradient, -1 if it has none
	// Acc says the step's backward pass adds to Grad rather than
	// overwriting it: the value has other readers whose gradients are
	// summed. A gradient whose first writer in a backward pass adds to it
	// is cleared before the pass.
	Acc bool
}

// Phase is one function of a pass: it computes the part [lo, hi) of N
// units (output rows, channels, weight blocks), so that workers given
// different parts can run it at once. Every unit's result must not depend
// on how [0, N) is split.
type Phase struct {
	N   int
	Run func(c *Ctx, lo, hi int)
	// Even splits [0, N) into one contiguous part per worker
	// (runtime.Pool.Run) rather than chunks the workers claim as they
	// finish (RunShared): for units that each walk the same large input,
	// which a worker then reads once for all of its units.
	Even bool
	// Sums says the phase adds to the gradient sums c.G. A layer-major
	// pass gives each worker a part of the units and runs every sample on
	// it, in sample order, so that the sums do not depend on the number of
	// workers.
	Sums bool
	// Batch says the phase needs every sample of the batch (batch
	// statistics): it runs once for the batch with c.Batch set and c.Frame
	// nil, and a pass that has such a phase runs layer-major (see Engine).
	Batch bool
	// Mode restricts the phase to training or inference passes.
	Mode Mode
}

// Mode says in which passes a phase runs.
type Mode uint8

const (
	Always    Mode = iota // every pass
	Training              // passes in training mode only
	Inference             // passes in inference mode only
)

// Loss is how TrainBatch and Evaluate score a sample and where its gradient
// goes.
type Loss struct {
	// Classifier says the network ends in softmax: the loss is the
	// cross-entropy of Scores, the values before the softmax, whose
	// output is Probs (PyTorch's nn.CrossEntropyLoss), with the gradient
	// written to ScoresGrad. Otherwise it is the mean squared error of
	// Output against the targets (nn.MSELoss), with the gradient written
	// to OutputGrad.
	Classifier                bool
	Scores, Probs, ScoresGrad View
	// Steps is how many steps the backward pass from the loss runs,
	// Steps[:Steps] in reverse: all of them, or all but the final softmax.
	Steps int
}

// Group runs step Step of a forward-only batch once for up to Size samples
// of a worker's run, rather than once a sample: each sample runs up to the
// step, its input buffer waits in group memory, Run computes every
// waiting sample's output at once (reading the step's weights once, not
// once a sample: VGG's fc1 has 411 MB), and each sample goes on from there.
type Group struct {
	Step, Size int
	In, Out    int // the step's input and output buffers
	// Run computes the outputs of n samples whose inputs are in in, one
	// input buffer's length apart, into out, one output buffer's length
	// apart, exactly as the step's forward phases compute one sample.
	Run func(c *Ctx, in, out []float32, n int)
}
