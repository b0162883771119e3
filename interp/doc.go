// Package interp is cnnc's reference interpreter: it runs a checked
// [ir.Graph] forward and backward in float64 with the plainest loops that
// can be read side by side with the maths. Generated code is judged against
// it, so every operation follows PyTorch's definition exactly, and each
// operation's file (conv.go, pool.go, globalpool.go, fc.go, batchnorm.go,
// activation.go, softmax.go, dropout.go, merge.go) puts its forward and backward pass next to each
// other under the formulas they compute.
//
// # The graph
//
// Forward visits the nodes in topological order and keeps every value for
// the whole batch. Backward visits them in reverse: each node turns its
// output's gradient into its inputs' and its parameters' gradients, and the
// gradient of a value read by several nodes (a residual block's input, read
// by the body and the shortcut) is the sum of what its readers pass back.
// pass.go holds the engine, ops.go the dispatch to each operation.
//
// # Layout
//
// Tensors are PyTorch-shaped and row-major. A batch of n samples is
// [n, C, H, W]; a flat sample (after fc or softmax) is [n, F]. A conv's
// weight is [K, C/G, Fh, Fw] (G groups) and its bias [K]; a batchnorm's
// weight, bias, running_mean and running_var are [C] and its
// num_batches_tracked one value (an int64 in weight files); an fc's weight is [out, in],
// where in counts the input flattened in C, H, W order, and its bias [out].
// Model.Params[i] holds the values of Graph.Params()[i] and
// Model.Buffers[i] those of Graph.Buffers()[i] in that layout, so a PyTorch
// state_dict loads as it is.
//
// # Layers
//
//   - conv is nn.Conv2d with zero padding (a cross-correlation: the filter
//     is not flipped), groups (filter k reads only the C/G channels of its
//     group; G = C is depthwise), dilation, and a bias unless nobias.
//   - pool max is nn.MaxPool2d: padding counts as -∞; the first maximum in
//     row-major window order wins a tie, and a NaN wins over any number, as
//     in PyTorch's CPU kernel. Backward sends each output's gradient to the
//     input its maximum came from, adding up where windows overlap.
//   - pool mean is nn.AvgPool2d(count_include_pad=True): every window is
//     divided by Fh·Fw, padding included.
//   - pool max global and pool avg global are nn.AdaptiveMaxPool2d(1) and
//     nn.AdaptiveAvgPool2d(1), giving 1x1xC; the maximum resolves ties and
//     NaN as pool max does.
//   - fc is flatten followed by nn.Linear.
//   - batchnorm is nn.BatchNorm2d on a map (statistics per channel over
//     N·H·W values) and nn.BatchNorm1d on flat features (over N). At
//     inference it normalises by running_mean and running_var. In training
//     it normalises by the batch's mean and biased variance, backward
//     differentiates through them, and once the forward pass has succeeded
//     every batchnorm's running statistics move toward the batch's with
//     momentum m (the variance unbiased, ·M/(M−1)) and num_batches_tracked
//     grows by 1; a channel of a single value is an error, as in PyTorch.
//   - add is the sum of its inputs, concat torch.cat(dim=1): channels of
//     its inputs in order.
//   - relu, sigmoid, tanh, leaky (nn.LeakyReLU with slope Alpha: x for
//     x > 0, Alpha·x otherwise), relu6, hardswish, silu and gelu (the exact
//     erf form) act on each value, with PyTorch's slopes at the kinks.
//   - softmax normalises the flattened features of each sample, after
//     subtracting their maximum.
//   - dropout is the identity at inference. In training it is inverted
//     dropout: value i (in C, H, W order) of sample s at layer L (the
//     index of the dropout node in Graph.Nodes, counting from 0) is kept
//     when the i-th Float64 drawn from runtime.DropoutRand(seed, s, L) is at
//     least p, and kept values are scaled by 1/(1-p). Backward applies the
//     same mask and scale.
//
// Backward returns the gradient of sum(y·dy) for the output y and the given
// dy: dx for the input and, for every parameter, its gradient summed over
// the samples of the batch.
//
// # Initialisation
//
// Model.Init(seed) is the contract the code generator reproduces: one
// generator r = runtime.NewRand(seed) is made; then, for each parameter in
// Graph.Params() order, a weight (ir.HeNormal) is filled by
// runtime.HeNormal(r, w, FanIn), in its PyTorch row-major order, so its
// values are normal with standard deviation sqrt(2/FanIn); every other
// tensor, buffers included, is set to its constant (0, or 1 for ir.Ones)
// and draws nothing.
//
// # Checks
//
// New refuses a graph that is nil or incomplete, one that is inconsistent
// (ir.Graph.Verify recomputes every edge, shape and tensor from the
// operations rather than trusting the front end), and one with an
// operation it does not know, saying which.
package interp
