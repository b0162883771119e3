package interp

import (
	"testing"

	"github.com/cnnc/cnnc/ir"
)

// conv returns an FH×FW×K conv with the given stride, padding, dilation
// and groups, and a bias unless nobias.
func conv(fh, fw, k, s, p, d, g int, nobias bool) *ir.Conv {
	return &ir.Conv{FH: fh, FW: fw, K: k, SH: s, SW: s, PH: p, PW: p, DH: d, DW: d, Groups: g, NoBias: nobias}
}

func act(f ir.Func) *ir.Activation { return &ir.Activation{Func: f} }

// opsGradCases are graphs of issue 15's operations for the
// finite-difference check of checkModelGradients, each run at inference and
// in training mode (batchnorm on batch statistics, which the check
// differentiates through, since every forward pass recomputes them).
var opsGradCases = []struct {
	name  string
	in    ir.Shape
	batch int
	build func(b *builder, x *ir.Value) *ir.Value
}{
	{"grouped conv", ir.Map(5, 5, 4), 2, func(b *builder, x *ir.Value) *ir.Value {
		return b.add(conv(3, 3, 6, 2, 1, 1, 2, false), "conv", x)
	}},
	{"depthwise conv without bias", ir.Map(5, 4, 3), 2, func(b *builder, x *ir.Value) *ir.Value {
		return b.add(conv(3, 3, 3, 1, 1, 1, 3, true), "conv", x)
	}},
	{"depthwise conv with two filters per channel", ir.Map(4, 4, 2), 2, func(b *builder, x *ir.Value) *ir.Value {
		return b.add(conv(2, 2, 4, 1, 0, 1, 2, false), "conv", x)
	}},
	{"dilated conv", ir.Map(7, 7, 2), 2, func(b *builder, x *ir.Value) *ir.Value {
		return b.add(conv(3, 3, 3, 1, 2, 2, 1, false), "conv", x)
	}},
	{"dilated strided grouped rectangular conv", ir.Map(9, 7, 4), 2, func(b *builder, x *ir.Value) *ir.Value {
		c := &ir.Conv{FH: 3, FW: 2, K: 2, SH: 2, SW: 1, PH: 1, PW: 0, DH: 3, DW: 2, Groups: 2}
		return b.add(c, "conv", x)
	}},
	{"batchnorm on a map", ir.Map(3, 3, 3), 2, func(b *builder, x *ir.Value) *ir.Value {
		return b.add(ir.NewBatchNorm(), "bn", x)
	}},
	{"conv batchnorm relu", ir.Map(5, 5, 2), 2, func(b *builder, x *ir.Value) *ir.Value {
		y := b.add(ir.NewBatchNorm(), "bn", b.add(conv(3, 3, 3, 1, 1, 1, 1, true), "conv", x))
		return b.add(act(ir.ReLU), "relu", y)
	}},
	{"batchnorm on flat features", ir.Map(2, 2, 2), 3, func(b *builder, x *ir.Value) *ir.Value {
		return b.add(&ir.Activation{Func: ir.Tanh}, "tanh", b.add(ir.NewBatchNorm(), "bn", b.add(&ir.FC{K: 4}, "fc", x)))
	}},
	{"global max pool", ir.Map(3, 4, 3), 2, func(b *builder, x *ir.Value) *ir.Value {
		return b.add(&ir.FC{K: 2}, "fc", b.add(&ir.GlobalPool{Mode: ir.Max}, "pool", b.add(conv(3, 3, 3, 1, 1, 1, 1, false), "conv", x)))
	}},
	{"global average pool", ir.Map(3, 4, 3), 2, func(b *builder, x *ir.Value) *ir.Value {
		return b.add(&ir.FC{K: 2}, "fc", b.add(&ir.GlobalPool{Mode: ir.Mean}, "pool", b.add(conv(3, 3, 3, 1, 1, 1, 1, false), "conv", x)))
	}},
	{"relu6", ir.Map(3, 3, 2), 2, func(b *builder, x *ir.Value) *ir.Value {
		return b.add(act(ir.ReLU6), "relu6", b.add(conv(1, 1, 2, 1, 0, 1, 1, false), "conv", x))
	}},
	{"hardswish", ir.Map(3, 3, 2), 2, func(b *builder, x *ir.Value) *ir.Value {
		return b.add(act(ir.Hardswish), "hardswish", b.add(conv(1, 1, 2, 1, 0, 1, 1, false), "conv", x))
	}},
	{"silu", ir.Map(3, 3, 2), 2, func(b *builder, x *ir.Value) *ir.Value {
		return b.add(act(ir.SiLU), "silu", b.add(conv(1, 1, 2, 1, 0, 1, 1, false), "conv", x))
	}},
	{"gelu", ir.Map(3, 3, 2), 2, func(b *builder, x *ir.Value) *ir.Value {
		return b.add(act(ir.GELU), "gelu", b.add(conv(1, 1, 2, 1, 0, 1, 1, false), "conv", x))
	}},
	// MobileNetV2's inverted residual: expand, depthwise, project, each
	// followed by batchnorm, relu6 after the first two, no activation after
	// the add.
	{"inverted residual", ir.Map(4, 4, 2), 2, func(b *builder, x *ir.Value) *ir.Value {
		y := b.add(act(ir.ReLU6), "expand.relu6", b.add(ir.NewBatchNorm(), "expand.bn", b.add(conv(1, 1, 6, 1, 0, 1, 1, true), "expand.conv", x)))
		y = b.add(act(ir.ReLU6), "dw.relu6", b.add(ir.NewBatchNorm(), "dw.bn", b.add(conv(3, 3, 6, 1, 1, 1, 6, true), "dw.conv", y)))
		y = b.add(ir.NewBatchNorm(), "project.bn", b.add(conv(1, 1, 2, 1, 0, 1, 1, true), "project.conv", y))
		return b.add(&ir.Add{}, "add", y, x)
	}},
	// ResNet's downsampling basic block: the shortcut is a strided 1x1 conv
	// and a batchnorm; relu after the add; then global average pooling.
	{"downsampling basic block", ir.Map(6, 6, 2), 2, func(b *builder, x *ir.Value) *ir.Value {
		y := b.add(act(ir.ReLU), "relu1", b.add(ir.NewBatchNorm(), "bn1", b.add(conv(3, 3, 4, 2, 1, 1, 1, true), "conv1", x)))
		y = b.add(ir.NewBatchNorm(), "bn2", b.add(conv(3, 3, 4, 1, 1, 1, 1, true), "conv2", y))
		s := b.add(ir.NewBatchNorm(), "down.bn", b.add(conv(1, 1, 4, 2, 0, 1, 1, true), "down.conv", x))
		y = b.add(act(ir.ReLU), "relu2", b.add(&ir.Add{}, "add", y, s))
		return b.add(&ir.GlobalPool{Mode: ir.Mean}, "pool", y)
	}},
}

func TestOpsGradients(t *testing.T) {
	for i, c := range opsGradCases {
		for _, train := range []bool{false, true} {
			name := c.name + " at inference"
			if train {
				name = c.name + " in training"
			}
			t.Run(name, func(t *testing.T) {
				b := newBuilder(t, c.in)
				m := b.model(c.build(b, b.b.Input()))
				checkModelGradients(t, m, c.batch, Options{Train: train}, uint64(100+i))
			})
		}
	}
}
