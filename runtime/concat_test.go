package runtime

import (
	"fmt"
	"testing"
)

// TestCopyMap: a map copied into and out of a channel slice of a wider
// map and between padded and dense layouts, set and added (Acc), over two
// row ranges, on every kernel path; nothing outside the map is touched.
func TestCopyMap(t *testing.T) {
	eachKernelSet(t, func(t *testing.T) {
		for n, sh := range mapShapes {
			h, w, c := sh[0], sh[1], sh[2]
			ls := testLayouts(w, c)
			for i, src := range ls {
				for j, dst := range ls {
					for _, acc := range []bool{false, true} {
						r := NewRand(uint64(n*100 + i*10 + j))
						s, d := randMap(r, src, h, w, c, 1), randMap(r, dst, h, w, c, 1)
						want := s.values()
						if acc {
							for k, v := range d.values() {
								want[k] += v
							}
						}
						g := &CopyGeom{H: h, W: w, C: c, Dst: dst, Src: src, Acc: acc}
						halves(h, func(y0, y1 int) { CopyMap(g, d.buf, s.buf, y0, y1) })
						within(t, fmt.Sprintf("%v layouts %d to %d acc %v", sh, i, j, acc), d, want, 1e-7)
					}
				}
			}
		}
	})
}

func TestCopyMapShapePanics(t *testing.T) {
	g := &CopyGeom{H: 2, W: 3, C: 4, Dst: Dense(3, 4), Src: Layout{Off: 2, Row: 20, Pix: 6}}
	wantShapePanic(t, "short source", func() { CopyMap(g, make([]float32, 24), make([]float32, 35), 0, 2) })
	wantShapePanic(t, "short destination", func() { CopyMap(g, make([]float32, 23), make([]float32, 36), 0, 2) })
	wantShapePanic(t, "negative range", func() { CopyMap(g, make([]float32, 24), make([]float32, 36), -1, 2) })
}
