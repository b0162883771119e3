package cli

import (
	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/gen"
	"github.com/cnnc/cnnc/ir"
	"github.com/cnnc/cnnc/runtime/runner"
)

// benchLayer describes node n to cnnc bench's per-layer profile.
func benchLayer(n *ir.Node) runner.Layer {
	l := runner.Layer{Kind: n.Op.Kind(), MACs: n.MACs, OutBytes: 4 * n.Out().Size64()}
	for _, v := range n.Inputs {
		l.InBytes += 4 * v.Shape.Size64()
	}
	for _, t := range n.Params() {
		l.ParamBytes += 4 * t.Size64()
	}
	if op, ok := n.Op.(*ir.Conv); ok {
		l.Kind = convKind(op, n.In().C)
		l.Winograd = gen.Winograd(op, n.In(), n.Out())
	}
	return l
}

// convKind classifies a conv on c input channels for the per-layer
// targets of issue 17: "depthwise", "conv3x3", "conv1x1" (dense, not
// dilated; any stride), else "conv".
func convKind(op *ir.Conv, c int) string {
	dense := op.Groups == 1 && op.DH == 1 && op.DW == 1
	switch {
	case op.Groups > 1 && op.Groups == c && op.K == c:
		return "depthwise"
	case dense && op.FH == 3 && op.FW == 3:
		return "conv3x3"
	case dense && op.FH == 1 && op.FW == 1:
		return "conv1x1"
	}
	return "conv"
}

// benchLayers is the runner.Model's Layers of the benchmark program.
func benchLayers(m *genModel) jen.Code {
	const runnerPath = "github.com/cnnc/cnnc/runtime/runner"
	layers := jen.Dict{}
	for _, n := range m.Nodes {
		l := benchLayer(n)
		fields := jen.Dict{jen.Id("Kind"): jen.Lit(l.Kind)}
		if l.Winograd {
			fields[jen.Id("Winograd")] = jen.True()
		}
		for name, v := range map[string]int64{"MACs": l.MACs, "InBytes": l.InBytes, "OutBytes": l.OutBytes, "ParamBytes": l.ParamBytes} {
			if v != 0 {
				fields[jen.Id(name)] = jen.Lit(int(v))
			}
		}
		layers[jen.Lit(n.Name)] = jen.Values(fields)
	}
	return jen.Map(jen.String()).Qual(runnerPath, "Layer").Values(layers)
}
