// Package plan turns a checked graph (*ir.Graph) into the plan the code
// generator emits and the runtime engine runs: plain data, no code.
//
// A plan says, for one mode (inference or training):
//
//   - Steps: the graph's nodes grouped into what runs as one kernel pass.
//     An activation is fused into the conv, fc, pool, batchnorm or add that
//     writes its input when nothing else reads that input; in inference a
//     batchnorm is folded into the conv before it, and a residual add (with
//     the activation after it) into the store of the conv or fc that writes
//     one of its operands; a concat is no step at all when its branches
//     write straight into channel slices of its buffer, and a copy step per
//     branch that cannot.
//   - Values: where each value lives (a View: a buffer and a channel range
//     of its pixels), buffers padded as the widest reader needs, lifetimes
//     from the writer to the last reader (backward readers included in
//     training), and slots shared by buffers whose lifetimes do not overlap.
//   - Backward (training): the steps in reverse, which input gradients each
//     produces, whether it writes or adds to them, and which steps run only
//     when the network input's gradient is asked for.
//
// Inside, a sample is H×W×C, channels innermost, with zero padding held in
// the buffer, as runtime.ConvGeom expects.
package plan
