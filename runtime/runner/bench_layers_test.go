package runner

import "testing"

// TestStepLayer: a step's description from its nodes': one conv with its
// batchnorm and activation, a fused chain of convs (kinds joined, work and
// weights summed, the first node's input and the last one's output) and a
// step without multiply-adds; the graph generator's names carry the
// step's mode.
func TestStepLayer(t *testing.T) {
	m := Model{Layers: map[string]Layer{
		"conv1": {Kind: "conv3x3", Winograd: true, MACs: 100, InBytes: 40, OutBytes: 80, ParamBytes: 12},
		"bn1":   {Kind: "bn", InBytes: 80, OutBytes: 80, ParamBytes: 8},
		"relu1": {Kind: "relu", InBytes: 80, OutBytes: 80},
		"exp":   {Kind: "conv1x1", MACs: 10, InBytes: 4, OutBytes: 24, ParamBytes: 24},
		"dw":    {Kind: "depthwise", MACs: 20, InBytes: 24, OutBytes: 24, ParamBytes: 36},
		"proj":  {Kind: "conv1x1", MACs: 10, InBytes: 24, OutBytes: 4, ParamBytes: 24},
		"pool":  {Kind: "maxpool", InBytes: 80, OutBytes: 20},
	}}
	for _, c := range []struct {
		step string
		want LayerTiming
	}{
		{"conv1+bn1+relu1", LayerTiming{Name: "conv1+bn1+relu1", Kind: "conv3x3", Winograd: true, MACs: 100, InBytes: 40, OutBytes: 80, ParamBytes: 12}},
		{"exp+dw+proj", LayerTiming{Name: "exp+dw+proj", Kind: "conv1x1+depthwise+conv1x1", MACs: 40, InBytes: 4, OutBytes: 4, ParamBytes: 84}},
		{"conv1+bn1+relu1 (inference)", LayerTiming{Name: "conv1+bn1+relu1 (inference)", Kind: "conv3x3", Winograd: true, MACs: 100, InBytes: 40, OutBytes: 80, ParamBytes: 12}},
		{"pool", LayerTiming{Name: "pool", Kind: "maxpool", InBytes: 80, OutBytes: 20}},
		{"unknown", LayerTiming{Name: "unknown"}},
	} {
		got := stepLayer(m, c.step)
		if got.Name != c.want.Name || got.Kind != c.want.Kind || got.Winograd != c.want.Winograd || got.MACs != c.want.MACs ||
			got.InBytes != c.want.InBytes || got.OutBytes != c.want.OutBytes || got.ParamBytes != c.want.ParamBytes {
			t.Errorf("stepLayer(%q) = %+v, want %+v", c.step, got, c.want)
		}
	}
}
