package ir

import (
	"errors"
	"testing"
)

// TestOutputRule checks the output-size rule: PyTorch's floor, accepted
// when the unread tail is padding or no more than a stride wider than the
// window skips anyway, refused otherwise with the arithmetic.
func TestOutputRule(t *testing.T) {
	tests := []struct {
		name       string
		a          axis
		out        int
		ok         bool
		arithmetic string
	}{
		{"exact", axis{W: 224, F: 3, S: 1, P: 1, D: 1}, 224, true, ""},
		{"resnet 3x3 s2 p1 on 56", axis{W: 56, F: 3, S: 2, P: 1, D: 1}, 28, true, ""},
		{"resnet 1x1 s2 shortcut on 56", axis{W: 56, F: 1, S: 2, P: 0, D: 1}, 28, true, ""},
		{"resnet stem 7x7 s2 p3 on 224", axis{W: 224, F: 7, S: 2, P: 3, D: 1}, 112, true, ""},
		{"resnet maxpool 3x3 s2 p1 on 112", axis{W: 112, F: 3, S: 2, P: 1, D: 1}, 56, true, ""},
		{"stride 3 window 1 skips 2", axis{W: 9, F: 1, S: 3, P: 0, D: 1}, 3, true, ""},
		{"real row unread", axis{W: 3, F: 2, S: 2, P: 0, D: 1}, 0, false,
			"(3 - 2 + 0)/2 + 1 = 1.5 is not a whole number: flooring it would leave the last row of the input unread"},
		{"two real rows unread", axis{W: 8, F: 3, S: 3, P: 0, D: 1}, 0, false,
			"(8 - 3 + 0)/3 + 1 = 2.67 is not a whole number: flooring it would leave the last 2 rows of the input unread"},
		{"below 1", axis{W: 3, F: 5, S: 1, P: 0, D: 1}, 0, false, "(3 - 5 + 0)/1 + 1 = -1 is below 1"},
		{"dilated exact", axis{W: 8, F: 3, S: 1, P: 2, D: 2}, 8, true, ""},
		{"dilated refused", axis{W: 10, F: 3, S: 2, P: 0, D: 2}, 0, false,
			"(10 + 0 - 2·(3 - 1) - 1)/2 + 1 = 3.5 is not a whole number: flooring it would leave the last row of the input unread"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, ok := tt.a.out()
			if out != tt.out || ok != tt.ok {
				t.Errorf("out = %d, %v; want %d, %v", out, ok, tt.out, tt.ok)
			}
			if !tt.ok {
				if got := tt.a.arithmetic("row"); got != tt.arithmetic {
					t.Errorf("arithmetic:\n got %s\nwant %s", got, tt.arithmetic)
				}
			}
		})
	}
}

// TestGeometryError checks the error's wording per axis and its fix.
func TestGeometryError(t *testing.T) {
	tests := []struct {
		name string
		op   Op
		in   Shape
		want string
	}{
		{"both axes", NewPool(Max, 2, 2), Map(3, 3, 4),
			"(3 - 2 + 0)/2 + 1 = 1.5 is not a whole number: flooring it would leave the last row and column of the input unread; p1 would give 2x2x4"},
		{"padding fixes", &Conv{FH: 3, FW: 3, K: 8, SH: 3, SW: 3, DH: 1, DW: 1, Groups: 1}, Map(8, 8, 3),
			"(8 - 3 + 0)/3 + 1 = 2.67 is not a whole number: flooring it would leave the last 2 rows and columns of the input unread; p1 would give 3x3x8"},
		{"width only", &Conv{FH: 3, FW: 3, K: 2, SH: 3, SW: 3, DH: 1, DW: 1, Groups: 1}, Map(9, 8, 1),
			"width (8 - 3 + 0)/3 + 1 = 2.67 is not a whole number: flooring it would leave the last 2 columns of the input unread; p0x1 would give 3x3x2"},
		{"resnet stride without padding", &Conv{FH: 3, FW: 3, K: 128, SH: 2, SW: 2, DH: 1, DW: 1, Groups: 1}, Map(56, 56, 64),
			"(56 - 3 + 0)/2 + 1 = 27.5 is not a whole number: flooring it would leave the last row and column of the input unread; p1 would give 28x28x128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.op.Infer([]Shape{tt.in})
			var se *ShapeError
			if !errors.As(err, &se) || se.Kind != Geometry {
				t.Fatalf("err = %v, want a Geometry ShapeError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}
