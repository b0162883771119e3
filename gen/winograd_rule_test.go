package gen

import (
	"testing"

	"github.com/cnnc/cnnc/ir"
)

// TestWinogradRule: which convs Winograd names as run by minimal filtering.
func TestWinogradRule(t *testing.T) {
	conv := func(f, k, s, groups int) *ir.Conv {
		c := ir.NewConv(f, f, k)
		c.SH, c.SW, c.PH, c.PW, c.Groups = s, s, f/2, f/2, groups
		return c
	}
	for _, c := range []struct {
		name    string
		op      *ir.Conv
		in, out ir.Shape
		want    bool
	}{
		{"VGG-16 conv2", conv(3, 64, 1, 1), ir.Map(224, 224, 64), ir.Map(224, 224, 64), true},
		{"VGG-16 conv1: 3 input channels", conv(3, 64, 1, 1), ir.Map(224, 224, 3), ir.Map(224, 224, 64), false},
		{"stride 2", conv(3, 128, 2, 1), ir.Map(56, 56, 64), ir.Map(28, 28, 128), false},
		{"1x1", conv(1, 64, 1, 1), ir.Map(56, 56, 64), ir.Map(56, 56, 64), false},
		{"odd output", conv(3, 128, 1, 1), ir.Map(7, 7, 128), ir.Map(7, 7, 128), false},
		{"depthwise", conv(3, 64, 1, 64), ir.Map(56, 56, 64), ir.Map(56, 56, 64), false},
		{"AlexNet conv2: 5x5", conv(5, 192, 1, 1), ir.Map(27, 27, 64), ir.Map(27, 27, 192), false},
	} {
		if got := Winograd(c.op, c.in, c.out); got != c.want {
			t.Errorf("%s: Winograd %v, want %v", c.name, got, c.want)
		}
	}
}
