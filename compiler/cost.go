package compiler

import (
	"fmt"
	"math"
	"math/bits"
)

// params returns the learnable tensors of l, named and shaped as PyTorch
// does: a conv's weight [K C Fh Fw] and bias [K], an fc's weight [out in]
// and bias [out]. Conv and fc layers are numbered separately.
func params(l *Layer) []Param {
	switch l.Kind {
	case Conv:
		fanIn := l.In.C * l.FH * l.FW
		return []Param{
			{Name: l.Name + ".weight", Shape: []int{l.K, l.In.C, l.FH, l.FW}, FanIn: fanIn},
			{Name: l.Name + ".bias", Shape: []int{l.K}},
		}
	case FC:
		in := l.In.Size()
		return []Param{
			{Name: l.Name + ".weight", Shape: []int{l.K, in}, FanIn: in},
			{Name: l.Name + ".bias", Shape: []int{l.K}},
		}
	}
	return nil
}

// macs returns the multiply-adds of l's forward pass for one sample: for a
// conv, every output value sums Fh·Fw·C products; for fc, every output sums
// one product per input. Pooling, activations and softmax do no
// multiply-adds; they are counted in neither the figures cnnc prints nor the
// published ones it matches (VGG-16: 15.47 G).
func macs(l *Layer) int64 {
	switch l.Kind {
	case Conv:
		return int64(l.Out.Size()) * int64(l.FH*l.FW) * int64(l.In.C)
	case FC:
		return int64(l.In.Size()) * int64(l.K)
	}
	return 0
}

// ParamCount returns the number of values in every parameter of l.
func (l *Layer) ParamCount() int64 {
	var n int64
	for _, p := range l.Params {
		n += int64(p.Size())
	}
	return n
}

// Costs are a network's static figures, all for float32 values (4 bytes).
//
// Memory is counted as cnnc's generated code spends it:
//   - Inference keeps two buffers alive at a time, a layer's input and its
//     output; element-wise layers (activations, dropout) work in place, so
//     the per-image figure is the largest input+output of any other layer.
//   - Training keeps the input and every layer's output for the backward
//     pass, except that element-wise layers overwrite their input, plus one
//     gradient of the same size for each; max pooling also keeps the
//     position of each maximum (4 bytes an output value) and dropout its mask
//     (4 bytes a value).
//   - Parameters take 4 bytes a value at inference and 8 in training (the
//     value and its gradient); optimiser state such as momentum is extra.
type Costs struct {
	Params     int64
	MACs       int64 // forward, one image
	BackMACs   int64 // backward, one image: input and weight gradients
	InferBytes int64 // per image
	TrainBytes int64 // per image
	// ParamBytes and ParamTrainBytes are the fixed memory, whatever the
	// batch, at inference and in training.
	ParamBytes      int64
	ParamTrainBytes int64
}

// bytesPerValue is the size of the generated code's float32.
const bytesPerValue = 4

// Costs computes n's static figures. For a net cut short by an error it
// counts the layers whose shapes are known.
func (n *Net) Costs() Costs {
	var c Costs
	peak := int64(n.Input.Size())
	kept := int64(n.Input.Size()) // values kept for backward
	var extra int64               // max-pool indices and dropout masks
	for _, l := range n.Layers {
		if l.Failed {
			break
		}
		c.Params += l.ParamCount()
		c.MACs += l.MACs
		// Backward of conv and fc does the forward's multiply-adds twice:
		// once for the input gradient, once for the weight gradient.
		c.BackMACs += 2 * l.MACs
		in, out := int64(l.In.Size()), int64(l.Out.Size())
		switch {
		case l.Kind.Elementwise():
			if l.Kind == Dropout {
				extra += out
			}
		default:
			peak = max(peak, in+out)
			kept += out
		}
		if l.Kind == MaxPool {
			extra += out
		}
	}
	c.InferBytes = peak * bytesPerValue
	c.TrainBytes = (2*kept + extra) * bytesPerValue
	c.ParamBytes = c.Params * bytesPerValue
	c.ParamTrainBytes = 2 * c.Params * bytesPerValue
	return c
}

// Batch returns the memory for a batch of n images, perImage·n + fixed,
// at inference and in training, or an error when a figure would pass
// 2^63-1 bytes (8 EiB), the most cnnc counts. n must be at least 1.
func (c Costs) Batch(n int64) (infer, train int64, err error) {
	infer, ok1 := mulAdd(c.InferBytes, n, c.ParamBytes)
	train, ok2 := mulAdd(c.TrainBytes, n, c.ParamTrainBytes)
	if !ok1 || !ok2 {
		need := float64(c.TrainBytes)*float64(n) + float64(c.ParamTrainBytes)
		return 0, 0, fmt.Errorf("a batch of %s needs about %.3g bytes in training, more than the 8 EiB (2^63-1 bytes) cnnc counts", BigCount(n), need)
	}
	return infer, train, nil
}

// mulAdd returns a·n + b for non-negative a, n and b, and whether it fits
// an int64.
func mulAdd(a, n, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(n))
	if hi != 0 || lo > math.MaxInt64-uint64(b) {
		return 0, false
	}
	return int64(lo) + b, true
}

// MaxBatch returns the largest batch whose memory, perImage·batch + fixed,
// fits in budget bytes; 0 when not even one image fits.
func MaxBatch(budget, perImage, fixed int64) int64 {
	if perImage <= 0 || budget < fixed {
		return 0
	}
	return (budget - fixed) / perImage
}

// String formats c briefly, for debugging.
func (c Costs) String() string {
	return fmt.Sprintf("params=%d macs=%d", c.Params, c.MACs)
}
