package cli

import (
	"os"
	"testing"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/runtime/runner"
)

// TestBenchLayer: the per-layer descriptions cnnc bench gives the runner
// for MobileNetV2's first nodes and ResNet-18's 3x3 and 1x1 convs: kind,
// Winograd, multiply-adds and bytes, worked out by hand from the shapes.
func TestBenchLayer(t *testing.T) {
	for _, c := range []struct {
		model string
		want  map[string]runner.Layer
	}{
		{"mobilenetv2", map[string]runner.Layer{
			// 3x3x32 s2 on 224x224x3: 112x112x32 outputs of 27 products.
			"features.0.0": {Kind: "conv3x3", MACs: 112 * 112 * 32 * 27, InBytes: 4 * 224 * 224 * 3, OutBytes: 4 * 112 * 112 * 32, ParamBytes: 4 * 32 * 27},
			// depthwise 3x3 on 112x112x32, no bias (bn follows).
			"features.1.conv.0.0": {Kind: "depthwise", MACs: 112 * 112 * 32 * 9, InBytes: 4 * 112 * 112 * 32, OutBytes: 4 * 112 * 112 * 32, ParamBytes: 4 * 32 * 9},
			"features.1.conv.1":   {Kind: "conv1x1", MACs: 112 * 112 * 16 * 32, InBytes: 4 * 112 * 112 * 32, OutBytes: 4 * 112 * 112 * 16, ParamBytes: 4 * 16 * 32},
			"classifier.1":        {Kind: "fc", MACs: 1280 * 1000, InBytes: 4 * 1280, OutBytes: 4 * 1000, ParamBytes: 4 * (1280*1000 + 1000)},
		}},
		{"resnet18", map[string]runner.Layer{
			"layer1.0.conv1":        {Kind: "conv3x3", Winograd: true, MACs: 56 * 56 * 64 * 576, InBytes: 4 * 56 * 56 * 64, OutBytes: 4 * 56 * 56 * 64, ParamBytes: 4 * 64 * 576},
			"layer2.0.conv1":        {Kind: "conv3x3", MACs: 28 * 28 * 128 * 576, InBytes: 4 * 56 * 56 * 64, OutBytes: 4 * 28 * 28 * 128, ParamBytes: 4 * 128 * 576},
			"layer2.0.downsample.0": {Kind: "conv1x1", MACs: 28 * 28 * 128 * 64, InBytes: 4 * 56 * 56 * 64, OutBytes: 4 * 28 * 28 * 128, ParamBytes: 4 * 128 * 64},
			"conv1":                 {Kind: "conv", MACs: 112 * 112 * 64 * 147, InBytes: 4 * 224 * 224 * 3, OutBytes: 4 * 112 * 112 * 64, ParamBytes: 4 * 64 * 147},
		}},
	} {
		src, err := os.ReadFile("../../models/" + c.model + ".cnn")
		if err != nil {
			t.Fatal(err)
		}
		r, diags := compiler.Compile(c.model+".cnn", src)
		if r == nil {
			t.Fatalf("%s: %v", c.model, diags)
		}
		found := 0
		for _, n := range r.Graph.Nodes {
			want, ok := c.want[n.Name]
			if !ok {
				continue
			}
			found++
			if got := benchLayer(n); got != want {
				t.Errorf("%s %s: %+v, want %+v", c.model, n.Name, got, want)
			}
		}
		if found != len(c.want) {
			t.Errorf("%s: found %d of the %d nodes", c.model, found, len(c.want))
		}
	}
}
