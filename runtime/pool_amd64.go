//go:build !purego

package runtime

import "unsafe"

// Max pooling on AVX2 (pool_amd64.s), for every vector kernel path: one
// call an output pixel covers its channels 8 at a time; the channels past
// the last multiple of 8 go through the portable loop.

//go:noescape
func maxPool8(out, in unsafe.Pointer, chunks, nh, nw, inRow, px uintptr)

//go:noescape
func maxPoolIdx8(out, idx, in unsafe.Pointer, chunks, nh, nw, inRow, px, d0, dRow, dPix uintptr)

// maxPoolForwardAsm is MaxPoolForward's kernel; the caller has checked the
// buffers against g (checkForward).
func maxPoolForwardAsm(g *PoolGeom, out []float32, idx []int32, in []float32, y0, y1 int) {
	maxPoolRows(g, out, idx, in, y0, y1)
}

func maxPoolAsm(g *PoolGeom, out, in []float32, y0, y1 int) {
	maxPoolRows(g, out, nil, in, y0, y1)
}

func maxPoolRows(g *PoolGeom, out []float32, idx []int32, in []float32, y0, y1 int) {
	chunks := g.C / 8
	if chunks > 0 {
		for y := y0; y < y1; y++ {
			ylo, yhi := max(y*g.SH-g.PH, 0), min(y*g.SH-g.PH+g.FH, g.H)
			for x := range g.OW {
				xlo, xhi := max(x*g.SW-g.PW, 0), min(x*g.SW-g.PW+g.FW, g.W)
				o := ptr(out, g.OutOff+y*g.OutRow+x*g.C)
				i := ptr(in, g.InOff+ylo*g.InRow+xlo*g.C)
				nh, nw := uintptr(yhi-ylo), uintptr(xhi-xlo)
				if idx == nil {
					maxPool8(o, i, uintptr(chunks), nh, nw, uintptr(g.InRow)*4, uintptr(g.C)*4)
					continue
				}
				d0 := g.DInOff + ylo*g.DInRow + xlo*g.C
				maxPoolIdx8(o, unsafe.Pointer(&idx[(y*g.OW+x)*g.C]), i, uintptr(chunks), nh, nw,
					uintptr(g.InRow)*4, uintptr(g.C)*4, uintptr(d0), uintptr(g.DInRow), uintptr(g.C))
			}
		}
	}
	if c0 := chunks * 8; c0 < g.C {
		maxPoolChannels(g, out, idx, in, y0, y1, c0)
	}
}
