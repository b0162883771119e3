package compiler

import (
	"os"
	"strings"
	"testing"
)

// TestPublishedFigures checks the bundled models against figures published
// independently of cnnc: parameter counts from the papers and torchvision,
// and multiply-adds as commonly cited (VGG-16 15.47 G, VGG-19 19.63 G).
func TestPublishedFigures(t *testing.T) {
	tests := []struct {
		file   string
		params int64
		gmacs  float64 // rounded to two decimals; 0 to skip
		out    string
	}{
		{"../models/vgg16.cnn", 138_357_544, 15.47, "1000"},
		{"../models/vgg19.cnn", 143_667_240, 19.63, "1000"},
		{"../models/alexnet.cnn", 62_378_344, 0, "1000"},
		{"../models/lenet5.cnn", 61_706, 0, "10"},
		{"../models/example.cnn", 2*3*3*3 + 2, 0, "3x3x2"},
	}
	for _, tt := range tests {
		src, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		net, ds := Source(tt.file, src)
		if len(ds) > 0 || net == nil {
			t.Fatalf("%s: %v", tt.file, ds)
		}
		c := net.Costs()
		if c.Params != tt.params {
			t.Errorf("%s: %d parameters, want %d", tt.file, c.Params, tt.params)
		}
		if tt.gmacs > 0 {
			if got := float64(c.MACs) / 1e9; got < tt.gmacs-0.005 || got >= tt.gmacs+0.005 {
				t.Errorf("%s: %.4f G multiply-adds, want %.2f G", tt.file, got, tt.gmacs)
			}
		}
		if got := net.Output().String(); got != tt.out {
			t.Errorf("%s: output %s, want %s", tt.file, got, tt.out)
		}
	}
}

// TestExampleLayer checks the worked example: a 5x5x3 input padded by 1,
// two 3x3x3 filters at stride 2, give 3x3x2, with 3·3·3·2 weights and 2
// biases, and 3·3·2 outputs of 27 multiply-adds each.
func TestExampleLayer(t *testing.T) {
	net, ds := Source("e.cnn", []byte("input 5x5x3\nconv 3x3x2 s2 p1\n"))
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	l := net.Layers[0]
	if l.Out != (Shape{H: 3, W: 3, C: 2}) || l.MACs != 3*3*2*27 || l.Name != "conv1" {
		t.Errorf("layer = %+v", l)
	}
	ps := net.Params()
	if len(ps) != 2 || ps[0].Name != "conv1.weight" || ps[1].Name != "conv1.bias" ||
		len(ps[0].Shape) != 4 || ps[0].Shape[0] != 2 || ps[0].Shape[1] != 3 || ps[0].FanIn != 27 {
		t.Errorf("params = %+v", ps)
	}
}

// TestParamNames checks numbering per kind after repeat expansion.
func TestParamNames(t *testing.T) {
	net, ds := Source("p.cnn", []byte("input 8x8x2\nrepeat 2 { conv 3x3x4 p1; relu }\npool max 2x2\nconv 1x1x3\nfc 5\nfc 2\n"))
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	var got []string
	for _, p := range net.Params() {
		got = append(got, p.Name)
	}
	want := "conv1.weight conv1.bias conv2.weight conv2.bias conv3.weight conv3.bias fc1.weight fc1.bias fc2.weight fc2.bias"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("names %q, want %q", s, want)
	}
	fc1 := net.Params()[6]
	if fc1.Shape[0] != 5 || fc1.Shape[1] != 3*4*4 {
		t.Errorf("fc1.weight shape %v, want [5 48]", fc1.Shape)
	}
}

// TestCosts checks the memory model on a net small enough to count by hand:
// input 4x4x1 (16 values), conv 3x3x2 p1 -> 4x4x2 (32), relu (in place),
// pool max 2x2 -> 2x2x2 (8, plus 8 indices), fc 3 (3), dropout (3 values,
// in place, 3 mask values).
func TestCosts(t *testing.T) {
	net, ds := Source("c.cnn", []byte("input 4x4x1\nconv 3x3x2 p1\nrelu\npool max 2x2\nfc 3\ndropout 0.5\n"))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	c := net.Costs()
	wantParams := int64(2*9+2) + int64(3*8+3)
	if c.Params != wantParams {
		t.Errorf("params %d, want %d", c.Params, wantParams)
	}
	if want := int64(4 * 4 * 2 * 9); c.MACs != want+24 {
		t.Errorf("MACs %d, want %d", c.MACs, want+24)
	}
	if c.BackMACs != 2*c.MACs {
		t.Errorf("backward MACs %d, want %d", c.BackMACs, 2*c.MACs)
	}
	// Inference peak: conv's 16 in + 32 out.
	if c.InferBytes != 48*4 {
		t.Errorf("inference bytes %d, want %d", c.InferBytes, 48*4)
	}
	// Training: values kept 16+32+8+3 = 59, twice for gradients, plus 8
	// pool indices and 3 dropout mask values.
	if want := int64((2*59 + 8 + 3) * 4); c.TrainBytes != want {
		t.Errorf("training bytes %d, want %d", c.TrainBytes, want)
	}
	if c.ParamTrainBytes != 2*c.ParamBytes || c.ParamBytes != 4*wantParams {
		t.Errorf("param bytes %d/%d", c.ParamBytes, c.ParamTrainBytes)
	}
	if got := MaxBatch(1000, 100, 150); got != 8 {
		t.Errorf("MaxBatch = %d, want 8", got)
	}
	if got := MaxBatch(100, 100, 150); got != 0 {
		t.Errorf("MaxBatch over budget = %d, want 0", got)
	}
}

func TestBigCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 138357544: "138,357,544", -1234: "-1,234"} {
		if got := BigCount(n); got != want {
			t.Errorf("BigCount(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestNoNetWithoutInput: a file whose input is missing, bad or late gives no
// net at all, never an empty "complete" one.
func TestNoNetWithoutInput(t *testing.T) {
	for _, src := range []string{"", "relu\n", "input 6\nrelu\n", "input 0x3x3\n", "relu\ninput 4x4x1\n", "input 4x4x1\nfc x\n"} {
		if net, _ := Source("t.cnn", []byte(src)); net != nil {
			t.Errorf("Source(%q) returned a net: %+v", src, net)
		}
	}
}

// TestResidualMemory: a residual's input lives until the add. Input 8x8x4
// (256 values); the body's conv writes 256 more while the input is kept
// for the add, relu works in place, and the add writes 256 while both its
// inputs are alive: 768 at the peak, where a chain would keep 512. Training
// keeps the input, the conv's and the add's outputs (relu overwrites the
// conv's, its only reader), twice with gradients; batchnorm's 4+4 buffer
// values take 4 bytes each and its counter 8.
func TestResidualMemory(t *testing.T) {
	r, ds := Compile("r.cnn", []byte("input 8x8x4\nresidual { conv 3x3x4 p1; relu }\nbatchnorm\n"))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	c := CostsOf(r.Graph)
	if c.InferBytes != 768*4 {
		t.Errorf("inference bytes %d, want %d", c.InferBytes, 768*4)
	}
	// input, conv, add, batchnorm (not element-wise): 4 × 256 kept.
	if want := int64(2 * 4 * 256 * 4); c.TrainBytes != want {
		t.Errorf("training bytes %d, want %d", c.TrainBytes, want)
	}
	params := int64(4*4*9 + 4 + 4 + 4)
	if c.Params != params || c.Buffers != 9 {
		t.Errorf("params %d, buffers %d; want %d and 9", c.Params, c.Buffers, params)
	}
	if want := params*4 + 8*4 + 8; c.ParamBytes != want || c.ParamTrainBytes != want+params*4 {
		t.Errorf("param bytes %d/%d, want %d/%d", c.ParamBytes, c.ParamTrainBytes, want, want+params*4)
	}
}
