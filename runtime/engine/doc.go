// Package engine runs the networks cnnc compiles. A generated package
// describes its network as a Program (its tensors, the buffers of one
// sample, its steps as phases calling the runtime's kernels with constant
// geometry, and how its input, output and loss are laid out) and wraps an
// Engine in its typed API (Model); the engine does the rest, the same for
// every network: passes, batches, threads, gradient sums and their
// reduction, the optimisers (SGD, Adam, AdamW: optim.go) with their
// state, weight files.
//
// # Passes
//
// A forward pass runs each step's forward phases in program order, a
// backward pass each step's backward phases in reverse order. A phase
// computes a range [lo, hi) of its units (output rows, channels, weight
// blocks), so that the workers can split it. Phases may be restricted to
// training or inference mode (Phase.Mode): training mode (SetTraining,
// TrainN) turns dropout and batch statistics on; Forward, ForwardN,
// ForwardBackwardN run in the mode SetTraining set; TrainN trains in
// training mode and leaves it off; EvaluateN runs in inference mode. A
// program whose inference forward keeps nothing a backward reads ends in
// a Reforward step, whose backward phases compute those values: in
// inference mode, ForwardBackwardN runs them as its forward, Backward
// after Forward runs them first.
//
// A batch runs sample-major when no phase of its passes needs the whole
// batch: with at least as many samples as workers, each worker runs its own
// contiguous run of samples through the whole network on its own buffers,
// adding to its own gradient sums, which are added into the engine's in
// worker order after the batch; with fewer, the samples go one after the
// other, each phase split across the workers. A batch with a phase that
// needs the whole batch (Phase.Batch: batchnorm's statistics in training
// mode) runs layer-major: every sample has its own buffers, and each phase
// runs for every sample before the next starts, split across the workers.
//
// # Determinism
//
// Every result is the same from run to run for a given number of workers.
// Outputs, input gradients and losses are also the same for any number of
// workers: each unit of a phase is computed the same way whoever computes
// it, so a batch of one gives what Forward gives, and each sample of a
// batch what it gives alone. Parameter gradients of a sample-major batch
// depend on the number of workers by rounding only: each worker sums its
// own samples, and the sums are added in worker order. In a layer-major
// batch, each worker adds every sample's gradient to its part of the units
// in sample order, so parameter gradients (and batch statistics) do not
// depend on the number of workers either.
//
// # Buffers and gradients
//
// Each sample in flight has its own buffers (Frame): float32 ones for
// values and gradients (Program.Buffers; gradient buffers are allocated on
// the first backward pass) and int32 ones (max-pool indexes). Padding in
// a buffer stays zero: nothing writes it. A value read by several steps
// gets its gradient summed: each reader's backward pass adds to the
// gradient buffer (Ref.Acc) and the engine clears it first when its first
// writer adds. A value may be written as a channel slice of a wider
// buffer (a Map whose pixel stride exceeds its channels), so that concat
// costs no copy.
//
// # Allocation
//
// Everything is allocated when first needed and then reused: once a kind
// of pass has run, running it again allocates nothing (Params, Grads,
// SetParams and the weight files excepted).
package engine
