package ir

import (
	"fmt"
	"strings"
	"testing"
)

// resnet18 builds torchvision's ResNet-18 with its module names.
func resnet18(t *testing.T) *Graph {
	t.Helper()
	b := NewBuilder("resnet18", "", Map(224, 224, 3), Pos{})
	add := func(op Op, name string, in ...*Value) *Value {
		t.Helper()
		n, err := b.Add(op, Meta{Name: name}, in...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return n.Output
	}
	conv := func(f, k, s int) *Conv {
		c := NewConv(f, f, k)
		c.SH, c.SW, c.PH, c.PW, c.NoBias = s, s, f/2, f/2, true
		return c
	}
	relu := &Activation{Func: ReLU}
	x := add(conv(7, 64, 2), "conv1", b.Input())
	x = add(NewBatchNorm(), "bn1", x)
	x = add(relu, "relu", x)
	x = add(&Pool{Mode: Max, FH: 3, FW: 3, SH: 2, SW: 2, PH: 1, PW: 1}, "maxpool", x)
	for stage, k := range []int{64, 128, 256, 512} {
		for block := range 2 {
			p := fmt.Sprintf("layer%d.%d.", stage+1, block)
			s := 1
			if stage > 0 && block == 0 {
				s = 2
			}
			y := add(conv(3, k, s), p+"conv1", x)
			y = add(NewBatchNorm(), p+"bn1", y)
			y = add(relu, p+"relu1", y)
			y = add(conv(3, k, 1), p+"conv2", y)
			y = add(NewBatchNorm(), p+"bn2", y)
			short := x
			if s == 2 {
				short = add(conv(1, k, 2), p+"downsample.0", x)
				short = add(NewBatchNorm(), p+"downsample.1", short)
			}
			x = add(&Add{}, p+"add", y, short)
			x = add(relu, p+"relu2", x)
		}
	}
	x = add(&GlobalPool{Mode: Mean}, "avgpool", x)
	add(&FC{K: 1000}, "fc", x)
	return b.Graph(nil)
}

// TestResNet18 checks the published figures of torchvision's ResNet-18:
// 11,689,512 parameters and 1.814 G multiply-adds, and its state_dict's
// names and buffers.
func TestResNet18(t *testing.T) {
	g := resnet18(t)
	if err := g.Verify(); err != nil {
		t.Fatal(err)
	}
	var params, buffers, macs int64
	for _, n := range g.Nodes {
		macs += n.MACs
	}
	for _, p := range g.Params() {
		params += p.Size64()
	}
	for _, p := range g.Buffers() {
		buffers += p.Size64()
	}
	if params != 11_689_512 {
		t.Errorf("%d parameters, want 11,689,512", params)
	}
	// conv1 118,013,952 + layer1 4·115,605,504 + 3 stages of
	// (57,802,752 + 3·115,605,504 + 6,422,528) + fc 512,000.
	if macs != 1_814_073_344 {
		t.Errorf("%d multiply-adds, want 1,814,073,344", macs)
	}
	// 20 batchnorms: running mean and var per channel plus a counter each.
	if want := int64(2*(64+4*64+5*128+5*256+5*512) + 20); buffers != want {
		t.Errorf("%d buffer values, want %d", buffers, want)
	}
	if g.Output.Shape != Flat(1000) || g.Chain() {
		t.Errorf("output %v, chain %v", g.Output.Shape, g.Chain())
	}
	var names []string
	for _, ts := range g.Tensors()[:12] {
		names = append(names, ts.Name)
	}
	want := "conv1.weight bn1.weight bn1.bias bn1.running_mean bn1.running_var bn1.num_batches_tracked " +
		"layer1.0.conv1.weight layer1.0.bn1.weight layer1.0.bn1.bias layer1.0.bn1.running_mean layer1.0.bn1.running_var layer1.0.bn1.num_batches_tracked"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("names\n got %s\nwant %s", got, want)
	}
	// The block input of layer2.0 is read by its conv1 and its downsample.
	for _, n := range g.Nodes {
		if n.Name == "layer2.0.conv1" {
			if r := n.Inputs[0].Readers; len(r) != 2 || r[1].Name != "layer2.0.downsample.0" {
				t.Errorf("readers of layer2.0's input: %v", r)
			}
		}
	}
}

func TestChainAndCollisions(t *testing.T) {
	b := NewBuilder("m", "m.cnn", Map(8, 8, 1), Pos{File: "m.cnn", Line: 1, Col: 1})
	n1, _ := b.Add(NewConv(3, 3, 2), Meta{Name: "conv1"}, b.Input())
	n2, _ := b.Add(&Activation{Func: ReLU}, Meta{Name: "relu1"}, n1.Output)
	n3, _ := b.Add(&FC{K: 3}, Meta{Name: "conv1"}, n2.Output)
	g := b.Graph(nil)
	if !g.Chain() || g.Output != n3.Output {
		t.Error("a sequence of single-input nodes is not a chain")
	}
	cs := g.Collisions()
	if len(cs) != 2 || cs[0].Name != "conv1.weight" || cs[0].First != n1 || cs[0].Second != n3 || cs[1].Name != "conv1.bias" {
		t.Errorf("collisions %+v", cs)
	}
	if err := g.Verify(); err == nil || !strings.Contains(err.Error(), `tensor name "conv1.weight" is used by conv1 and conv1`) {
		t.Errorf("Verify: %v", err)
	}
	if _, err := b.Add(&Add{}, Meta{}, n1.Output, n2.Output, b.Input()); err == nil {
		t.Error("add of different shapes accepted")
	}
	if len(b.Graph(nil).Nodes) != 3 {
		t.Error("a refused node was added")
	}
}

func TestVerifyCatchesTampering(t *testing.T) {
	b := NewBuilder("m", "", Map(8, 8, 1), Pos{})
	n, _ := b.Add(NewConv(3, 3, 2), Meta{Name: "conv1"}, b.Input())
	g := b.Graph(nil)
	n.Output.Shape = Map(8, 8, 2)
	n.Tensors[0].Shape = []int{2, 1, 3, 1}
	err := g.Verify()
	if err == nil || !strings.Contains(err.Error(), "output 8x8x2, want 6x6x2") || !strings.Contains(err.Error(), "tensors differ") {
		t.Errorf("Verify: %v", err)
	}
}

func TestCopyStack(t *testing.T) {
	outer := &Copy{Pos: Pos{Line: 2, Col: 1}, I: 2, N: 3}
	inner := &Copy{Pos: Pos{Line: 3, Col: 3}, I: 1, N: 2, Outer: outer}
	s := inner.Stack()
	if len(s) != 2 || s[0].I != 2 || s[1].I != 1 || s[1].Pos.Line != 3 {
		t.Errorf("stack %+v", s)
	}
	if (*Copy)(nil).Stack() != nil {
		t.Error("nil stack")
	}
}

func TestPrefix(t *testing.T) {
	g := resnet18(t)
	p, err := g.Prefix(len(g.Nodes) - 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(); err != nil {
		t.Fatal(err)
	}
	if len(p.Nodes) != len(g.Nodes)-1 || p.Output.Shape != Map(1, 1, 512) || p.Nodes[3].Name != g.Nodes[3].Name {
		t.Errorf("prefix: %d nodes, output %v", len(p.Nodes), p.Output.Shape)
	}
	if e, _ := g.Prefix(0); len(e.Nodes) != 0 || e.Output != e.Input {
		t.Error("the empty prefix")
	}
}
