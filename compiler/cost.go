package compiler

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/cnnc/cnnc/ir"
)

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
//   - Inference keeps each value from the node that writes it to the last
//     node that reads it (the output to the end): a chain keeps a layer's
//     input and output at a time, a residual block also its input until the
//     add. An element-wise node (activation, dropout) that is the last
//     reader of its input works in place. The per-image figure is the most
//     values alive at once, while a node runs.
//   - Training keeps the input and every node's output for the backward
//     pass, except that an element-wise node overwrites its input when it is
//     its only reader, plus one gradient of the same size for each; max
//     pooling (global too) also keeps the position of each maximum (4 bytes
//     an output value) and dropout its mask (4 bytes a value).
//   - Parameters take 4 bytes a value at inference and 8 in training (the
//     value and its gradient); buffers (batchnorm's running statistics) 4
//     bytes a value, num_batches_tracked 8, in both; optimiser state such as
//     momentum is extra.
type Costs struct {
	Params     int64
	Buffers    int64 // values of buffers
	MACs       int64 // forward, one image
	BackMACs   int64 // backward, one image: input and weight gradients
	InferBytes int64 // per image
	TrainBytes int64 // per image
	// ParamBytes and ParamTrainBytes are the fixed memory, whatever the
	// batch, at inference and in training: parameters and buffers.
	ParamBytes      int64
	ParamTrainBytes int64
}

// bytesPerValue is the size of the generated code's float32.
const bytesPerValue = 4

// Costs computes n's static figures: those of its graph.
func (n *Net) Costs() Costs { return CostsOf(n.Graph) }

// CostsOf computes g's static figures. For a graph cut short by an error
// it counts the nodes whose shapes are known.
func CostsOf(g *ir.Graph) Costs {
	var c Costs
	var bufferBytes int64
	for _, n := range g.Nodes {
		for _, t := range n.Tensors {
			switch {
			case !t.Buffer:
				c.Params += t.Size64()
			case t.DType == ir.Int64:
				c.Buffers += t.Size64()
				bufferBytes += 8 * t.Size64()
			default:
				c.Buffers += t.Size64()
				bufferBytes += bytesPerValue * t.Size64()
			}
		}
		c.MACs += n.MACs
	}
	// Backward of conv and fc does the forward's multiply-adds twice: once
	// for the input gradient, once for the weight gradient.
	c.BackMACs = 2 * c.MACs
	c.InferBytes = inferencePeak(g) * bytesPerValue
	c.TrainBytes = trainingValues(g) * bytesPerValue
	c.ParamBytes = c.Params*bytesPerValue + bufferBytes
	c.ParamTrainBytes = 2*c.Params*bytesPerValue + bufferBytes
	return c
}

// lastUse returns, for every value, the index of the last node that reads
// it: len(Nodes) for the graph's output, which lives to the end, and the
// producer's own index for a value nothing reads.
func lastUse(g *ir.Graph) []int {
	last := make([]int, len(g.Values))
	for _, v := range g.Values {
		if v.Producer != nil {
			last[v.ID] = v.Producer.ID
		}
		for _, r := range v.Readers {
			last[v.ID] = max(last[v.ID], r.ID)
		}
	}
	last[g.Output.ID] = len(g.Nodes)
	return last
}

// inferencePeak returns the most values alive at once while the nodes run
// in order, each value from its producer to its last reader.
func inferencePeak(g *ir.Graph) int64 {
	last := lastUse(g)
	alive := int64(g.Input.Shape.Size())
	peak := alive
	for _, n := range g.Nodes {
		out := int64(n.Out().Size())
		inPlace := ir.Elementwise(n.Op) && last[n.Inputs[0].ID] == n.ID
		if !inPlace {
			alive += out
			peak = max(peak, alive)
		}
		for i, v := range n.Inputs {
			if last[v.ID] == n.ID && !(inPlace && i == 0) && !slices.Contains(n.Inputs[:i], v) {
				alive -= int64(v.Shape.Size())
			}
		}
		if last[n.Output.ID] == n.ID {
			alive -= out
		}
	}
	return peak
}

// trainingValues returns the values training keeps a sample for the
// backward pass, gradients and max-pool indices and dropout masks included.
func trainingValues(g *ir.Graph) int64 {
	kept := int64(g.Input.Shape.Size())
	var extra int64
	for _, n := range g.Nodes {
		out := int64(n.Out().Size())
		if !ir.Elementwise(n.Op) || len(n.Inputs[0].Readers) > 1 {
			kept += out
		}
		switch op := n.Op.(type) {
		case *ir.Dropout:
			extra += out
		case *ir.Pool:
			if op.Mode == ir.Max {
				extra += out
			}
		case *ir.GlobalPool:
			if op.Mode == ir.Max {
				extra += out
			}
		}
	}
	return 2*kept + extra
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
