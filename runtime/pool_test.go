package runtime

import (
	"fmt"
	"math"
	"testing"
)

// poolCases are max pooling layers: VGG's 2x2 stride 2, ResNet's 3x3 stride
// 2 padding 1, a ragged window, and channel counts below, at and past
// multiples of 8.
var poolCases = []struct{ h, w, fh, fw, sh, sw, ph, pw int }{
	{8, 6, 2, 2, 2, 2, 0, 0},
	{7, 9, 3, 3, 2, 2, 1, 1},
	{7, 6, 3, 2, 2, 2, 1, 0},
	{5, 5, 3, 3, 1, 1, 1, 1},
	{4, 5, 1, 1, 1, 2, 0, 0},
}

// naiveMaxPool is the definition: for output (y, x, c), the input values of
// the window's rows y·SH−PH .. +FH and columns x·SW−PW .. +FW that lie in
// the input, in row-major order; a value replaces the best so far when it
// is greater or a NaN. It returns each output and the input gradient's
// offset of the value chosen.
func naiveMaxPool(g *PoolGeom, in []float32) ([]float32, []int32) {
	out, idx := make([]float32, g.OH*g.OW*g.C), make([]int32, g.OH*g.OW*g.C)
	for y := range g.OH {
		for x := range g.OW {
			for c := range g.C {
				first := true
				var best float32
				var at int
				for i := y*g.SH - g.PH; i < y*g.SH-g.PH+g.FH; i++ {
					for j := x*g.SW - g.PW; j < x*g.SW-g.PW+g.FW; j++ {
						if i < 0 || j < 0 || i >= g.H || j >= g.W {
							continue
						}
						v := in[g.InOff+i*g.InRow+j*g.C+c]
						if first || v > best || math.IsNaN(float64(v)) {
							best, at, first = v, g.DInOff+i*g.DInRow+j*g.C+c, false
						}
					}
				}
				out[(y*g.OW+x)*g.C+c], idx[(y*g.OW+x)*g.C+c] = best, int32(at)
			}
		}
	}
	return out, idx
}

// TestMaxPool: MaxPoolForward and MaxPoolForwardNoIndex on every kernel
// path against the definition, output rows in two halves, buffers with
// padding around the values (left untouched), ties (the first wins, −0
// before +0 included), NaNs and infinities.
func TestMaxPool(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, pc := range poolCases {
			for _, c := range []int{1, 5, 8, 13, 16, 24, 64} {
				oh, ow := (pc.h+2*pc.ph-pc.fh)/pc.sh+1, (pc.w+2*pc.pw-pc.fw)/pc.sw+1
				g := &PoolGeom{C: c, H: pc.h, W: pc.w, InRow: (pc.w + 1) * c, InOff: 3, OH: oh, OW: ow,
					OutRow: (ow + 2) * c, OutOff: c + 1, FH: pc.fh, FW: pc.fw, SH: pc.sh, SW: pc.sw, PH: pc.ph, PW: pc.pw,
					DInRow: (pc.w + 2) * c, DInOff: 2*c + 5}
				r := NewRand(uint64(100*n + c))
				in := randSlice(r, g.InOff+pc.h*g.InRow)
				nan, inf := float32(math.NaN()), float32(math.Inf(1))
				special := []float32{nan, inf, -inf, 0, float32(math.Copysign(0, -1)), 1, 1, nan}
				for i := range in {
					switch r.Uint64() % 8 {
					case 0:
						in[i] = special[r.Uint64()%uint64(len(special))]
					case 1:
						in[i] = in[max(i-c, 0)] // a tie with the pixel on the left
					}
				}
				wantOut, wantIdx := naiveMaxPool(g, in)
				what := fmt.Sprintf("case %d C=%d", n, c)
				size := g.OutOff + oh*g.OutRow
				out, idx, out2 := make([]float32, size), make([]int32, oh*ow*c), make([]float32, size)
				for i := range out {
					out[i], out2[i] = 99, 99
				}
				halves(oh, func(y0, y1 int) { MaxPoolForward(g, out, idx, in, y0, y1) })
				halves(oh, func(y0, y1 int) { MaxPoolForwardNoIndex(g, out2, in, y0, y1) })
				for i := range out {
					y, x, ch := (i-g.OutOff)/g.OutRow, (i-g.OutOff)%g.OutRow/c, (i-g.OutOff)%c
					if i < g.OutOff || x >= ow {
						if out[i] != 99 || out2[i] != 99 {
							t.Fatalf("%s: padding [%d] written: %v, %v", what, i, out[i], out2[i])
						}
						continue
					}
					k := (y*ow+x)*c + ch
					w := wantOut[k]
					if !sameValue(out[i], w) || idx[k] != wantIdx[k] {
						t.Fatalf("%s: (%d,%d,%d) = %v@%d, want %v@%d", what, y, x, ch, out[i], idx[k], w, wantIdx[k])
					}
					// Without positions, a NaN may be another NaN; a tie
					// of −0 and +0 the first.
					if !sameValue(out2[i], w) && !(math.IsNaN(float64(out2[i])) && math.IsNaN(float64(w))) {
						t.Fatalf("%s no index: (%d,%d,%d) = %v, want %v", what, y, x, ch, out2[i], w)
					}
				}
			}
		}
	})
}

// sameValue: equal bits, or both NaN with the same bits.
func sameValue(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// TestMaxPoolShapePanics: short buffers, rows past OH and windows that
// miss the input panic with ErrShape.
func TestMaxPoolShapePanics(t *testing.T) {
	g := &PoolGeom{C: 8, H: 4, W: 4, InRow: 32, OH: 2, OW: 2, OutRow: 16, FH: 2, FW: 2, SH: 2, SW: 2, DInRow: 32}
	in, out, idx := make([]float32, 128), make([]float32, 32), make([]int32, 32)
	bad := *g
	bad.PH = 2
	wantShapePanics(t, map[string]func(){
		"short input":   func() { MaxPoolForward(g, out, idx, in[:127], 0, 2) },
		"short output":  func() { MaxPoolForwardNoIndex(g, out[:31], in, 0, 2) },
		"short indices": func() { MaxPoolForward(g, out, idx[:17], in, 0, 2) },
		"rows past OH":  func() { MaxPoolForwardNoIndex(g, out, in, 1, 3) },
		"rows reversed": func() { MaxPoolForward(g, out, idx, in, 2, 1) },
		"padding":       func() { MaxPoolForward(&bad, out, idx, in, 0, 2) },
	})
	MaxPoolForward(g, out[:16], idx[:16], in, 0, 1) // one row needs one row's buffers
}
