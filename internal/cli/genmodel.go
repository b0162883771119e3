package cli

import (
	"errors"
	"fmt"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/gen"
	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/runner"
)

// genModel is a checked model as the code generator takes it: round 1's
// generator (gen.File) compiles a chain of round 1's layers, the graph
// generator (gen.GraphFile) every other network.
type genModel struct {
	*ir.Graph
	net *compiler.Net // nil when only the graph generator takes the model
}

func genModelOf(r *compiler.Result) *genModel { return &genModel{Graph: r.Graph, net: r.Net} }

// code returns the Go source of the model's package.
func (m *genModel) code(opts ...gen.Option) ([]byte, error) {
	if m.net != nil {
		return gen.File(m.net, opts...)
	}
	return gen.GraphFile(m.Graph, opts...)
}

// generate returns the model's package as cnnc compile writes it; a
// network the generator does not support yet gets a message and exit
// status 1, a generator bug status 2.
func (e *env) generate(cmd, name string, m *genModel, opts ...gen.Option) ([]byte, int) {
	code, err := m.code(opts...)
	if err == nil {
		return code, exitOK
	}
	if fe := (*gen.FormatError)(nil); errors.As(err, &fe) {
		fmt.Fprintf(e.stderr, "cnnc %s: %v%s\n", cmd, err, keepSource(err))
		return nil, exitUsage
	}
	fmt.Fprintf(e.stderr, "cnnc %s: %s: %v\n", cmd, displayName(name), err)
	return nil, exitError
}

func (m *genModel) input() []int  { return m.Input.Shape.Dims() }
func (m *genModel) output() []int { return m.Output.Shape.Dims() }

// params lists the learnable tensors, tensors every tensor (buffers
// included): what a weight file holds.
func (m *genModel) params() []runtime.ParamSpec  { return specsOf(m.Graph.Params()) }
func (m *genModel) tensors() []runtime.ParamSpec { return specsOf(m.Graph.Tensors()) }

func specsOf(ts []*ir.Tensor) []runtime.ParamSpec {
	var specs []runtime.ParamSpec
	for _, t := range ts {
		specs = append(specs, runtime.ParamSpec{Name: t.Name, Shape: t.Shape})
	}
	return specs
}

// classifier reports whether the network ends in softmax, and so trains
// on class labels.
func (m *genModel) classifier() bool {
	p := m.Output.Producer
	if p == nil {
		return false
	}
	_, ok := p.Op.(*ir.Softmax)
	return ok
}

// macs is the multiply-adds of one sample's forward pass.
func (m *genModel) macs() int64 {
	var n int64
	for _, node := range m.Nodes {
		n += node.MACs
	}
	return n
}

// checkTrainBatch returns an error when a training-mode pass of o's batch
// would give a batchnorm one value per channel (a batch of one sample
// whose batchnorm sees one pixel, as after fc): as PyTorch, the
// interpreter refuses it, and the generated code must not run it. An
// input the check cannot read again (a FIFO) is left to the program.
func (m *genModel) checkTrainBatch(o *runner.Options) error {
	for _, n := range m.Nodes {
		if _, ok := n.Op.(*ir.BatchNorm); !ok || n.In().H*n.In().W > 1 {
			continue
		}
		if samples, err := o.Samples(m.input()); err != nil || samples != 1 {
			return nil
		}
		return fmt.Errorf("batchnorm %s in training mode needs more than 1 value per channel, got 1 (batch 1 of %s): the batch variance of one value is undefined", n.Name, n.In())
	}
	return nil
}
