// Package onnx imports ONNX models into cnnc's language: the body of
// `cnnc import`.
//
// ReadFile (or Decode) reads the protobuf, Import turns it into a .cnn file
// and its weights in four steps:
//
//   - graph.go indexes the graph: one opset of the default domain from 9 to
//     17, one input, one output, every value defined once, the nodes the
//     output depends on sorted so that each follows its inputs (a cycle is
//     an error).
//   - lower.go and ops_*.go turn each node into ir nodes through
//     ir.Builder, which checks every shape; patterns.go first finds the
//     layers exporters write as several nodes (silu, hardswish, the erf
//     form of gelu, MatMul + Add, Relu + Clip, a Pad folded into a conv).
//     Every node that cannot be mapped is collected into one
//     *UnsupportedError.
//   - structure.go recovers the statements: chains, and residual or concat
//     blocks at each add or concat, whose branches start at the merge's
//     immediate dominator; names.go and repeat.go label them after
//     PyTorch's module paths, with groups and repeats where those read
//     naturally.
//   - import.go prints the file, formats it with dsl.Format, compiles it
//     with the compiler, and checks that the graph compiled from the text
//     is the imported one node for node (operation, shapes, inputs) before
//     taking the tensors' names from it: a file cnnc import writes always
//     computes what the ONNX graph computes.
//
// The decoder (wire.go, proto.go, tensor.go, read.go) reads only the
// fields it needs with google.golang.org/protobuf's protowire: every
// length a file declares is checked against the bytes left before it is
// used, a tensor's dimensions against its data, no message is decoded
// recursively, and external data is read through os.Root, so that no path
// leads out of the model's folder. FuzzImport holds it to that.
//
// # Figures
//
// onnx/testdata/torchvision_check.py exports torchvision 0.14's models with
// random weights and batchnorm statistics (torch 1.13, opset 13,
// TrainingMode.PRESERVE), imports them and runs them with the float64
// interpreter on one 224x224 image, against PyTorch in float64 (AMD EPYC,
// 2 shared cores, at a load of about 15):
//
//	model         import  state_dict names  interpreter  max |diff|  relative to the largest logit
//	resnet18      0.6 s   kept (122)        31 s         1.07e-14    9.5e-16, same top-1
//	resnet50      1.6 s   kept (320)        203 s        1.31e-12    1.6e-15, same top-1
//	mobilenet_v2  0.2 s   kept (314)        7 s          1.25e-16    7.5e-16, same top-1
//
// The imported ResNet-18 is models/resnet18.cnn statement for statement;
// the imported MobileNetV2 is models/mobilenetv2.cnn without its
// `classifier.0: dropout 0.2`, which an inference export leaves out.
package onnx
