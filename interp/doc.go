// Package interp is cnnc's reference interpreter: it runs a checked
// [compiler.Net] forward and backward in float64 with the plainest loops
// that can be read side by side with the maths. Generated code is judged
// against it, so every layer follows PyTorch's definition exactly, and each
// layer's file (conv.go, pool.go, fc.go, activation.go, softmax.go,
// dropout.go) puts its forward and backward pass next to each other under
// the formulas they compute.
//
// # Layout
//
// Tensors are PyTorch-shaped and row-major. A batch of n samples is
// [n, C, H, W]; a flat sample (after fc or softmax) is [n, F]. A conv's
// weight is [K, C, Fh, Fw] and its bias [K]; an fc's weight is [out, in],
// where in counts the input flattened in C, H, W order, and its bias [out].
// Model.Params[i] holds the values of Net.Params()[i] in that layout, so a
// PyTorch state_dict loads as it is.
//
// # Layers
//
//   - conv is nn.Conv2d with bias and zero padding (a cross-correlation: the
//     filter is not flipped).
//   - pool max is nn.MaxPool2d: padding counts as -∞; the first maximum in
//     row-major window order wins a tie, and a NaN wins over any number, as
//     in PyTorch's CPU kernel. Backward sends each output's gradient to the
//     input its maximum came from, adding up where windows overlap.
//   - pool mean is nn.AvgPool2d(count_include_pad=True): every window is
//     divided by Fh·Fw, padding included.
//   - fc is flatten followed by nn.Linear.
//   - relu, sigmoid, tanh and leaky (nn.LeakyReLU with slope Alpha: x for
//     x > 0, Alpha·x otherwise) act on each value.
//   - softmax normalises the flattened features of each sample, after
//     subtracting their maximum.
//   - dropout is the identity at inference. In training it is inverted
//     dropout: value i (in C, H, W order) of sample s at layer L (the
//     index of the dropout layer in Net.Layers, counting from 0) is kept
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
// Net.Params() order, a weight (FanIn > 0) is filled by
// runtime.HeNormal(r, w, FanIn), in its PyTorch row-major order, so its
// values are normal with standard deviation sqrt(2/FanIn); a bias is set to
// zero and draws nothing.
//
// # Checks
//
// New refuses a net that is nil or incomplete, and also one whose shapes or
// parameters are inconsistent with its layers' geometry: the interpreter
// recomputes every output shape with (W-F+2P)/S+1 rather than trusting the
// compiler, since it is the judge of the code built from the same Net.
package interp
