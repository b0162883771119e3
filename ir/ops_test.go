package ir

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// tensorList formats tensors as "weight[8 3 3 3] weight he(27)", one per
// element, for comparison.
func tensorList(ts []Tensor) string {
	var parts []string
	for _, t := range ts {
		s := fmt.Sprintf("%s%v %s", t.Name, t.Shape, t.Role)
		switch t.Init.Kind {
		case HeNormal:
			s += fmt.Sprintf(" he(%d)", t.Init.FanIn)
		case Ones:
			s += " ones"
		}
		if t.Buffer {
			s += " buffer"
		}
		if t.DType != Float32 {
			s += " " + t.DType.String()
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// TestOps checks every operation's shape rule, tensors and multiply-adds.
func TestOps(t *testing.T) {
	grouped := &Conv{FH: 3, FW: 3, K: 32, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1, Groups: 4}
	depthwise := &Conv{FH: 3, FW: 3, K: 32, SH: 2, SW: 2, PH: 1, PW: 1, DH: 1, DW: 1, Groups: 32, NoBias: true}
	dilated := &Conv{FH: 3, FW: 3, K: 8, SH: 1, SW: 1, PH: 2, PW: 2, DH: 2, DW: 2, Groups: 1}
	tests := []struct {
		name    string
		op      Op
		kind    string
		in      []Shape
		out     Shape
		tensors string
		macs    int64
	}{
		{"conv", &Conv{FH: 3, FW: 3, K: 2, SH: 2, SW: 2, PH: 1, PW: 1, DH: 1, DW: 1, Groups: 1}, "conv", []Shape{Map(5, 5, 3)}, Map(3, 3, 2),
			"weight[2 3 3 3] weight he(27); bias[2] bias", 3 * 3 * 2 * 27},
		{"conv nobias", &Conv{FH: 1, FW: 1, K: 128, SH: 2, SW: 2, DH: 1, DW: 1, Groups: 1, NoBias: true}, "conv", []Shape{Map(56, 56, 64)}, Map(28, 28, 128),
			"weight[128 64 1 1] weight he(64)", 28 * 28 * 128 * 64},
		{"conv grouped", grouped, "conv", []Shape{Map(8, 8, 16)}, Map(8, 8, 32),
			"weight[32 4 3 3] weight he(36); bias[32] bias", 8 * 8 * 32 * 9 * 4},
		{"conv depthwise", depthwise, "conv", []Shape{Map(112, 112, 32)}, Map(56, 56, 32),
			"weight[32 1 3 3] weight he(9)", 56 * 56 * 32 * 9},
		{"conv dilated", dilated, "conv", []Shape{Map(8, 8, 1)}, Map(8, 8, 8),
			"weight[8 1 3 3] weight he(9); bias[8] bias", 8 * 8 * 8 * 9},
		{"conv rectangular", &Conv{FH: 3, FW: 5, K: 2, SH: 2, SW: 1, PH: 1, PW: 2, DH: 1, DW: 1, Groups: 1}, "conv", []Shape{Map(9, 8, 1)}, Map(5, 8, 2),
			"weight[2 1 3 5] weight he(15); bias[2] bias", 5 * 8 * 2 * 15},
		{"maxpool", NewPool(Max, 2, 2), "maxpool", []Shape{Map(8, 8, 4)}, Map(4, 4, 4), "", 0},
		{"meanpool padded", &Pool{Mode: Mean, FH: 3, FW: 3, SH: 2, SW: 2, PH: 1, PW: 1}, "meanpool", []Shape{Map(112, 112, 64)}, Map(56, 56, 64), "", 0},
		{"global avg", &GlobalPool{Mode: Mean}, "globalavgpool", []Shape{Map(7, 7, 512)}, Map(1, 1, 512), "", 0},
		{"global max", &GlobalPool{Mode: Max}, "globalmaxpool", []Shape{Map(7, 5, 3)}, Map(1, 1, 3), "", 0},
		{"fc", &FC{K: 1000}, "fc", []Shape{Map(1, 1, 512)}, Flat(1000),
			"weight[1000 512] weight he(512); bias[1000] bias", 512_000},
		{"fc on a map", &FC{K: 10}, "fc", []Shape{Map(4, 4, 2)}, Flat(10),
			"weight[10 32] weight he(32); bias[10] bias", 320},
		{"relu", &Activation{Func: ReLU}, "relu", []Shape{Map(2, 2, 2)}, Map(2, 2, 2), "", 0},
		{"leaky", &Activation{Func: Leaky, Alpha: 0.1}, "leaky", []Shape{Flat(7)}, Flat(7), "", 0},
		{"gelu", &Activation{Func: GELU}, "gelu", []Shape{Flat(7)}, Flat(7), "", 0},
		{"hardswish", &Activation{Func: Hardswish}, "hardswish", []Shape{Map(1, 2, 3)}, Map(1, 2, 3), "", 0},
		{"dropout", &Dropout{P: 0.5}, "dropout", []Shape{Flat(7)}, Flat(7), "", 0},
		{"softmax", &Softmax{}, "softmax", []Shape{Map(2, 2, 3)}, Flat(12), "", 0},
		{"batchnorm2d", NewBatchNorm(), "bn", []Shape{Map(56, 56, 64)}, Map(56, 56, 64),
			"weight[64] scale ones; bias[64] shift; running_mean[64] running mean buffer; running_var[64] running var ones buffer; num_batches_tracked[] num batches tracked buffer int64", 0},
		{"batchnorm1d", NewBatchNorm(), "bn", []Shape{Flat(10)}, Flat(10),
			"weight[10] scale ones; bias[10] shift; running_mean[10] running mean buffer; running_var[10] running var ones buffer; num_batches_tracked[] num batches tracked buffer int64", 0},
		{"add", &Add{}, "add", []Shape{Map(4, 4, 8), Map(4, 4, 8), Map(4, 4, 8)}, Map(4, 4, 8), "", 0},
		{"concat", &Concat{}, "concat", []Shape{Map(4, 4, 8), Map(4, 4, 3), Map(4, 4, 1)}, Map(4, 4, 12), "", 0},
		{"concat flat", &Concat{}, "concat", []Shape{Flat(3), Flat(4)}, Flat(7), "", 0},
		{"concat one", &Concat{}, "concat", []Shape{Map(4, 4, 8)}, Map(4, 4, 8), "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k := tt.op.Kind(); k != tt.kind {
				t.Errorf("kind %q, want %q", k, tt.kind)
			}
			out, err := tt.op.Infer(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.out {
				t.Errorf("out %v, want %v", out, tt.out)
			}
			if got := tensorList(tt.op.Tensors(tt.in)); got != tt.tensors {
				t.Errorf("tensors\n got %s\nwant %s", got, tt.tensors)
			}
			if got := tt.op.MACs(tt.in, out); got != tt.macs {
				t.Errorf("MACs %d, want %d", got, tt.macs)
			}
		})
	}
}

// TestOpErrors checks what each shape rule refuses, and how it says so.
func TestOpErrors(t *testing.T) {
	conv := NewConv(3, 3, 8)
	tests := []struct {
		name string
		op   Op
		in   []Shape
		kind ErrorKind
		want string
	}{
		{"conv on flat", conv, []Shape{Flat(10)}, FlatInput, "needs a feature map, but its input is 10 flat features"},
		{"pool on flat", NewPool(Max, 2, 2), []Shape{Flat(10)}, FlatInput, "needs a feature map, but its input is 10 flat features"},
		{"global pool on flat", &GlobalPool{}, []Shape{Flat(10)}, FlatInput, "needs a feature map, but its input is 10 flat features"},
		{"conv two inputs", conv, []Shape{Map(4, 4, 1), Map(4, 4, 1)}, Arity, "conv takes one input, got 2"},
		{"groups do not divide C", &Conv{FH: 1, FW: 1, K: 8, SH: 1, SW: 1, DH: 1, DW: 1, Groups: 4}, []Shape{Map(4, 4, 6)}, Groups,
			"4 groups must divide both the 6 input channels and the 8 filters"},
		{"groups do not divide K", &Conv{FH: 1, FW: 1, K: 6, SH: 1, SW: 1, DH: 1, DW: 1, Groups: 4}, []Shape{Map(4, 4, 8)}, Groups,
			"4 groups must divide both the 8 input channels and the 6 filters"},
		{"zero stride", &Conv{FH: 1, FW: 1, K: 6, SH: 0, SW: 1, DH: 1, DW: 1, Groups: 1}, []Shape{Map(4, 4, 8)}, Attribute, "the stride must be at least 1, got 0"},
		{"zero groups", &Conv{FH: 1, FW: 1, K: 6, SH: 1, SW: 1, DH: 1, DW: 1}, []Shape{Map(4, 4, 8)}, Attribute, "the number of groups must be at least 1, got 0"},
		{"pool padding", &Pool{Mode: Max, FH: 4, FW: 4, SH: 4, SW: 4, PH: 3, PW: 3}, []Shape{Map(8, 8, 1)}, Attribute,
			"padding p3 is larger than half the window 4x4 (at most p2)"},
		{"dropout 1", &Dropout{P: 1}, []Shape{Flat(3)}, Attribute, "the probability must be in [0, 1), got 1"},
		{"batchnorm eps", &BatchNorm{Eps: 0, Momentum: 0.1}, []Shape{Flat(3)}, Attribute, "eps must be a finite number above 0, got 0"},
		{"batchnorm momentum", &BatchNorm{Eps: 1e-5, Momentum: 2}, []Shape{Flat(3)}, Attribute, "momentum must be in [0, 1], got 2"},
		{"add one input", &Add{}, []Shape{Flat(3)}, Arity, "add takes two or more inputs, got 1"},
		{"add mismatch", &Add{}, []Shape{Map(28, 28, 128), Map(56, 56, 64)}, Mismatch, "add needs inputs of one shape, got 28x28x128, 56x56x64"},
		{"concat mismatch", &Concat{}, []Shape{Map(8, 8, 4), Map(4, 4, 4)}, Mismatch, "concat needs inputs of one height and width, got 8x8x4, 4x4x4"},
		{"concat flat and map", &Concat{}, []Shape{Map(1, 1, 4), Flat(4)}, Mismatch, "concat needs inputs of one height and width, got 1x1x4, 4"},
		{"fc zero", &FC{}, []Shape{Flat(3)}, Attribute, "the number of outputs must be at least 1, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.op.Infer(tt.in)
			var se *ShapeError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *ShapeError", err)
			}
			if se.Kind != tt.kind || se.Error() != tt.want {
				t.Errorf("got kind %d %q, want kind %d %q", se.Kind, se.Error(), tt.kind, tt.want)
			}
		})
	}
}
