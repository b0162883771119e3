package ir

import (
	"fmt"
	"math"
)

// BatchNorm is nn.BatchNorm2d(C, eps, momentum) on a map, normalising each
// channel over N·H·W, or nn.BatchNorm1d(C) on a flat vector of C features,
// over N. Its tensors are PyTorch's: the parameters weight (γ, 1) and bias
// (β, 0) and the buffers running_mean (0), running_var (1) and
// num_batches_tracked (int64, 0-d, 0).
type BatchNorm struct {
	Eps, Momentum float64
}

// NewBatchNorm returns a batchnorm with PyTorch's defaults, eps 1e-5 and
// momentum 0.1.
func NewBatchNorm() *BatchNorm { return &BatchNorm{Eps: 1e-5, Momentum: 0.1} }

func (*BatchNorm) Kind() string { return "bn" }

// Infer checks eps > 0 and momentum in [0, 1], and keeps the shape.
func (b *BatchNorm) Infer(in []Shape) (Shape, error) {
	x, err := one("batchnorm", in)
	if err != nil {
		return Shape{}, err
	}
	if !(b.Eps > 0) || math.IsInf(b.Eps, 0) {
		return Shape{}, &ShapeError{Kind: Attribute, In: in, Detail: fmt.Sprintf("eps must be a finite number above 0, got %v", b.Eps)}
	}
	if !(b.Momentum >= 0 && b.Momentum <= 1) {
		return Shape{}, &ShapeError{Kind: Attribute, In: in, Detail: fmt.Sprintf("momentum must be in [0, 1], got %v", b.Momentum)}
	}
	return x, nil
}

// Tensors are weight, bias, running_mean, running_var [C] and
// num_batches_tracked [], C being the channels (or features when flat).
func (b *BatchNorm) Tensors(in []Shape) []Tensor {
	c := []int{in[0].C}
	return []Tensor{
		{Name: "weight", Shape: c, Role: Scale, Init: Init{Kind: Ones}},
		{Name: "bias", Shape: c, Role: Shift},
		{Name: "running_mean", Shape: c, Role: RunningMean, Buffer: true},
		{Name: "running_var", Shape: c, Role: RunningVar, Init: Init{Kind: Ones}, Buffer: true},
		{Name: "num_batches_tracked", Shape: []int{}, Role: NumBatchesTracked, Buffer: true, DType: Int64},
	}
}

// MACs: none counted (a batchnorm folds into the conv before it at
// inference; the published figures leave it out).
func (*BatchNorm) MACs([]Shape, Shape) int64 { return 0 }
