package runtime

import (
	"math/rand/v2"
	"testing"
)

// TestConvForwardBlocksMatchesConvForward: a 7x7 conv of 80 output
// channels in blocks of 32 (the last block part padding), computed block
// by block and row band by row band, then its residual add channel range
// by channel range, gives ConvForward's and Add's outputs bit for bit.
func TestConvForwardBlocksMatchesConvForward(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const c, k, kb, h, w = 24, 80, 32, 7, 7
	g := ConvGeom{C: c, InRow: (w + 2) * c, OH: h, OW: w, K: k, OutRow: w * k, FH: 3, FW: 3, SH: 1, SW: 1, KB: kb, ReLU: true}
	in := make([]float32, (h+2)*(w+2)*c)
	wts := make([]float32, g.WeightLen())
	bias := make([]float32, k)
	skip := make([]float32, h*w*k)
	for _, v := range [][]float32{in, wts, bias, skip} {
		for i := range v {
			v[i] = r.Float32()*2 - 1
		}
	}
	var s Scratch
	want := make([]float32, h*w*k)
	ConvForward(&g, &s, want, in, wts, bias, 0, h)
	eg := EltGeom{H: h, W: w, C: k, Out: Layout{Row: w * k, Pix: k}, In: []Layout{{Row: w * k, Pix: k}, {Row: w * k, Pix: k}}, Act: ActReLU}
	Add(&eg, want, [][]float32{want, skip}, 0, h)
	got := make([]float32, h*w*k)
	for b := range g.Blocks() {
		for _, band := range [][2]int{{0, 3}, {3, 4}, {4, 7}} {
			ConvForwardBlocks(&g, &s, got, in, wts, bias, b, b+1, band[0], band[1])
			AddChannels(&eg, got, [][]float32{got, skip}, b*kb, min(k, (b+1)*kb), band[0], band[1])
		}
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("value %d (pixel %d, channel %d): %v by blocks, %v whole", i, i/k, i%k, got[i], want[i])
		}
	}
}
