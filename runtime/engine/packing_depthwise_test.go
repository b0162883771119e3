package engine

import "testing"

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
