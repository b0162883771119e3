package engine

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/cnnc/cnnc/runtime"
)

// Model is an Engine with the typed API of a generated package: I and O
// are its Input and Output, arrays of one sample's values in PyTorch's
// C×H×W order, so that the compiler checks every size. A generated
// package's Model embeds it.
type Model[I, O any] struct{ *Engine }

// NewModel returns a Model running p (see New). It panics unless I is
// [n]float32 for the n values of p's input and O likewise for its output.
func NewModel[I, O any](p *Program, seed uint64) Model[I, O] {
	e := New(p, seed)
	checkSample[I]("input", e.in)
	checkSample[O]("output", e.out)
	return Model[I, O]{e}
}

func checkSample[T any](what string, n int) {
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Array || t.Elem().Kind() != reflect.Float32 || t.Len() != n {
		panic(fmt.Sprintf("engine: NewModel: the %s type is %v, want [%d]float32", what, t, n))
	}
}

// one views a sample as its n values; many views samples as theirs, nil
// as nil. T is [n]float32 (see NewModel), whose values lie one after the
// other, as do a slice's elements.
func one[T any](x *T, n int) []float32 { return unsafe.Slice((*float32)(unsafe.Pointer(x)), n) }

func many[T any](x []T, n int) []float32 {
	if x == nil {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(x))), len(x)*n)
}

// Forward runs one sample through the network, splitting each layer across
// the workers. It keeps what Backward needs.
func (m Model[I, O]) Forward(x *I, y *O) { m.forwardOne(one(x, m.in), one(y, m.out)) }

// Backward takes the gradient dy of the output of the last Forward and adds
// the gradient of every parameter to the gradient sums; it writes the
// input's gradient to dx unless dx is nil.
func (m Model[I, O]) Backward(dy *O, dx *I) {
	var d []float32
	if dx != nil {
		d = one(dx, m.in)
	}
	m.backwardOne(one(dy, m.out), d)
}

// ForwardBatch runs every sample of x and writes its output to y, using
// every worker. It panics if x and y differ in length.
func (m Model[I, O]) ForwardBatch(x []I, y []O) {
	if len(y) != len(x) {
		panic("ForwardBatch: x and y differ in length")
	}
	m.forward(len(x), many(x, m.in), many(y, m.out))
}

// ForwardBackwardBatch runs every sample of x forward and then backward with
// the output gradient dy of the same index, using every worker, and adds the
// parameter gradients, summed over the batch, to the gradient sums. It
// writes the outputs to y and the input gradients to dx unless they are
// nil. It panics if the lengths differ.
func (m Model[I, O]) ForwardBackwardBatch(x []I, dy []O, y []O, dx []I) {
	if len(dy) != len(x) || y != nil && len(y) != len(x) || dx != nil && len(dx) != len(x) {
		panic("ForwardBackwardBatch: slices differ in length")
	}
	m.forwardBackward(len(x), many(x, m.in), many(dy, m.out), many(y, m.out), many(dx, m.in))
}

// TrainBatch runs one step of training on the mini-batch x with class
// labels (a network that ends in softmax: the mean cross-entropy of the
// scores before the softmax, PyTorch's nn.CrossEntropyLoss; targets must
// be nil) or targets (any other: the mean squared error, nn.MSELoss;
// labels must be nil): forward in training mode (dropout masks drawn from
// seed), the loss, backward and an SGD step. It returns the loss, computed
// before the step. It returns an error, and changes nothing, if x is
// empty, a length differs, a label is not a class (0 to OutputSize-1), an
// input or target value is not finite, or opt's values are negative or not
// finite.
func (m Model[I, O]) TrainBatch(x []I, labels []int32, targets []O, opt runtime.SGD, seed uint64) (float64, error) {
	return m.trainBatch("TrainBatch", many(x, m.in), labels, many(targets, m.out), opt.Optimizer(), seed)
}

// TrainBatchWith is TrainBatch with the update rule opt: SGD, Adam or
// AdamW (runtime.NewAdamW(lr), ...), whose state carries over from one
// step to the next (see Engine.Update).
func (m Model[I, O]) TrainBatchWith(x []I, labels []int32, targets []O, opt runtime.Optimizer, seed uint64) (float64, error) {
	return m.trainBatch("TrainBatchWith", many(x, m.in), labels, many(targets, m.out), opt, seed)
}

// Evaluate runs x in inference mode and returns the mean loss (as
// TrainBatch defines it) and, for a classifier, how many samples have their
// label as the top output. It changes no parameter, and returns an error
// if TrainBatch would.
func (m Model[I, O]) Evaluate(x []I, labels []int32, targets []O) (loss float64, correct int, err error) {
	return m.evaluate("Evaluate", many(x, m.in), labels, many(targets, m.out))
}
