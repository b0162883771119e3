package engine

import (
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// TestDepthwisePacking: Pack puts PyTorch's w[c][0][i][j] at [i][j][c], and
// Unpack brings every value back.
func TestDepthwisePacking(t *testing.T) {
	shape := []int{5, 1, 3, 2}
	var p Packing = Depthwise{}
	if n := p.Len(shape); n != 30 {
		t.Fatalf("Len = %d, want 30", n)
	}
	src := make([]float32, 30)
	for i := range src {
		src[i] = float32(i + 1)
	}
	packed := make([]float32, 30)
	p.Pack(packed, src, shape)
	for c := range 5 {
		for i := range 3 {
			for j := range 2 {
				if got, want := packed[(i*2+j)*5+c], src[c*6+i*2+j]; got != want {
					t.Fatalf("packed [%d][%d][%d] = %v, want %v", i, j, c, got, want)
				}
			}
		}
	}
	back := make([]float32, 30)
	p.Unpack(back, packed, shape)
	for i := range src {
		if back[i] != src[i] {
			t.Fatalf("unpacked %d = %v, want %v", i, back[i], src[i])
		}
	}
}

// TestGroupedPacking: Pack puts each group's PyTorch weights in a dense
// pack of its own (runtime.PackConv of the group's rows), and Unpack
// brings every value back.
func TestGroupedPacking(t *testing.T) {
	shape := []int{6, 2, 3, 1} // K 6, 3 groups of 2 inputs and 2 outputs
	var p Packing = Grouped{Groups: 3, KB: 16}
	if n, want := p.Len(shape), 3*16*3*1*2; n != want {
		t.Fatalf("Len = %d, want %d", n, want)
	}
	src := make([]float32, 36)
	for i := range src {
		src[i] = float32(i + 1)
	}
	packed := make([]float32, p.Len(shape))
	p.Pack(packed, src, shape)
	for g := range 3 {
		want := make([]float32, 16*3*2)
		runtime.PackConv(want, src[g*12:], 2, 2, 3, 1, 16, false)
		for i, v := range want {
			if got := packed[g*96+i]; got != v {
				t.Fatalf("group %d value %d = %v, want %v", g, i, got, v)
			}
		}
	}
	back := make([]float32, 36)
	p.Unpack(back, packed, shape)
	for i := range src {
		if back[i] != src[i] {
			t.Fatalf("unpacked %d = %v, want %v", i, back[i], src[i])
		}
	}
}
