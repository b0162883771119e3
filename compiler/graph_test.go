package compiler

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// TestModernFigures checks the round-2 models against torchvision's
// published figures (parameters from its model summaries, multiply-adds
// from its GFLOPS column: 1.814, 4.089, 0.301), and that they check clean.
func TestModernFigures(t *testing.T) {
	for _, tt := range []struct {
		file    string
		params  int64
		macs    int64
		tensors int    // entries of torchvision's state_dict
		names   string // a few of them
	}{
		{"resnet18", 11_689_512, 1_814_073_344, 122, "conv1.weight layer1.1.bn2.running_var layer2.0.downsample.1.num_batches_tracked layer4.1.conv2.weight fc.bias"},
		{"resnet50", 25_557_032, 4_089_184_256, 320, "layer1.0.downsample.0.weight layer3.5.conv3.weight layer4.2.bn3.num_batches_tracked fc.weight"},
		{"mobilenetv2", 3_504_872, 300_774_272, 314, "features.0.0.weight features.1.conv.0.0.weight features.17.conv.3.running_mean features.18.1.bias classifier.1.weight"},
	} {
		src, err := os.ReadFile("../models/" + tt.file + ".cnn")
		if err != nil {
			t.Fatal(err)
		}
		r, ds := Compile(tt.file+".cnn", src)
		if r == nil || len(ds) > 0 {
			t.Fatalf("%s: %v", tt.file, ds)
		}
		var params, macs int64
		for _, p := range r.Graph.Params() {
			params += p.Size64()
		}
		for _, n := range r.Graph.Nodes {
			macs += n.MACs
		}
		if params != tt.params || macs != tt.macs || r.Graph.Output.Shape.String() != "1000" {
			t.Errorf("%s: %d parameters, %d multiply-adds, output %v; want %d, %d, 1000", tt.file, params, macs, r.Graph.Output.Shape, tt.params, tt.macs)
		}
		have := map[string]bool{}
		for _, x := range r.Graph.Tensors() {
			have[x.Name] = true
		}
		for _, name := range strings.Fields(tt.names) {
			if !have[name] {
				t.Errorf("%s: no tensor %q", tt.file, name)
			}
		}
		if len(have) != tt.tensors {
			t.Errorf("%s: %d tensors, want %d", tt.file, len(have), tt.tensors)
		}
		if r.Net != nil || r.NetErr.Error() != "it has residual or concat blocks" {
			t.Errorf("%s: a sequential view (%v)", tt.file, r.NetErr)
		}
	}
}

// TestPyTorchNames checks the names of every fixture's tensors against the
// state_dict PyTorch saved for the same model (golden/graphdata/*/torch.npz,
// written by golden/make_fixtures.py): the same names in the same
// order, buffers included.
func TestPyTorchNames(t *testing.T) {
	dirs, err := filepath.Glob("../golden/graphdata/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, dir := range dirs {
		f, err := os.Open(filepath.Join(dir, "torch.npz"))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		arrays, err := runtime.ReadNPZ(f, st.Size())
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, a := range arrays {
			if !strings.HasSuffix(a.Name, ".grad") && !slices.Contains([]string{"x", "y", "dx", "dy"}, a.Name) {
				want = append(want, a.Name)
			}
		}
		src, err := os.ReadFile(filepath.Join(dir, "model.cnn"))
		if err != nil {
			t.Fatal(err)
		}
		r, ds := Compile("model.cnn", src)
		if r == nil || ds.HasErrors() {
			t.Fatalf("%s: %v", dir, ds)
		}
		var got []string
		for _, x := range r.Graph.Tensors() {
			got = append(got, x.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", dir, got, want)
		}
	}
}
