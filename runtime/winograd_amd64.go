//go:build !purego

package runtime

import "unsafe"

// The AVX2 transforms of Winograd's F(2×2, 3×3), in Go's assembler
// (winograd_amd64.s), serve both AVX2 kernel sets: with them the sets' fast
// products gain from F(2×2, 3×3) as the AVX-512 set's do. Channels past a
// multiple of 8 go through the portable transforms (which compute every
// channel, the same sums in the same order).

//go:noescape
func winoIn8(v, in unsafe.Pointer, groups, row, px, st uintptr)

//go:noescape
func winoOut8(out, m unsafe.Pointer, groups, st, row, px uintptr, bias unsafe.Pointer, bstep uintptr, relu bool)

//go:noescape
func winoGradOut8(z, dout unsafe.Pointer, groups, st, row, px uintptr)

//go:noescape
func winoGradW8(dw, du unsafe.Pointer, groups, st, row uintptr)

//go:noescape
func winoW8(u, w unsafe.Pointer, groups, ust, wst uintptr)

func init() {
	if cpuHas["AVX2"] {
		winoWeights = winoWeightsAVX2
	}
}

// winoWeightsAVX2 is winoWeights 8 values at a time in assembly (on every
// amd64 CPU the kernels run Winograd F(2×2, 3×3) on: the portable kernels
// run F(4×4, 3×3)); values past a multiple of 8 go through the portable
// loop.
func winoWeightsAVX2(u, w []float32, ckb, n int) {
	c8 := ckb &^ 7
	if c8 > 0 {
		_, _ = w[9*ckb-1], u[15*n+ckb-1]
		winoW8(ptr(u, 0), ptr(w, 0), uintptr(c8/8), uintptr(n*4), uintptr(ckb*4))
	}
	winoWeightsRange(u, w, c8, ckb, n)
}

// zeros8 stands for a missing bias, 8 channels at a time.
var zeros8 [8]float32

func winoInAVX2(g *ConvGeom, v, in []float32, first, n, stride int) {
	tw, C := g.OW/2, g.C
	c8 := C &^ 7
	if c8 < C {
		winoInPortable(g, v, in, first, n, stride)
	}
	if c8 == 0 || n == 0 {
		return
	}
	last := first + n - 1
	_ = in[(2*(last/tw)+3)*g.InRow+(2*(last%tw)+4)*C-1]
	_ = v[15*stride+n*C-1]
	for i := range n {
		t := first + i
		winoIn8(ptr(v, i*C), ptr(in, 2*(t/tw)*g.InRow+2*(t%tw)*C), uintptr(c8/8), uintptr(g.InRow*4), uintptr(C*4), uintptr(stride*4))
	}
}

func winoOutAVX2(g *ConvGeom, out, m, bias []float32, first, n, stride int) {
	tw, K, P := g.OW/2, g.K, g.outPix()
	k8 := K &^ 7
	if k8 < K {
		winoOutPortable(g, out, m, bias, first, n, stride)
	}
	if k8 == 0 || n == 0 {
		return
	}
	_ = m[15*stride+n*K-1]
	last := first + n - 1
	_ = out[g.OutOff+(2*(last/tw)+1)*g.OutRow+(2*(last%tw)+1)*P+K-1]
	// Without a bias every group reads the same 8 zeros (a step of 0).
	b, bstep := unsafe.Pointer(&zeros8), uintptr(0)
	if bias != nil {
		_ = bias[k8-1]
		b, bstep = ptr(bias, 0), 32
	}
	for i := range n {
		t := first + i
		o := ptr(out, g.OutOff+2*(t/tw)*g.OutRow+2*(t%tw)*P)
		winoOut8(o, ptr(m, i*K), uintptr(k8/8), uintptr(stride*4), uintptr(g.OutRow*4), uintptr(P*4), b, bstep, g.ReLU)
	}
}

func winoGradOutAVX2(g *ConvGeom, z, dout []float32, first, n, stride int) {
	tw, K, P := g.OW/2, g.K, g.dOutPix()
	k8 := K &^ 7
	if k8 < K {
		winoGradOutPortable(g, z, dout, first, n, stride)
	}
	if k8 == 0 || n == 0 {
		return
	}
	_ = z[15*stride+n*K-1]
	last := first + n - 1
	_ = dout[g.DOutOff+(2*(last/tw)+1)*g.DOutRow+(2*(last%tw)+1)*P+K-1]
	for i := range n {
		t := first + i
		winoGradOut8(ptr(z, i*K), ptr(dout, g.DOutOff+2*(t/tw)*g.DOutRow+2*(t%tw)*P), uintptr(k8/8),
			uintptr(stride*4), uintptr(g.DOutRow*4), uintptr(P*4))
	}
}

func winoGradWAVX2(g *ConvGeom, dw, du []float32, b0, b1 int) {
	us, ckb := g.winoStride(), g.C*g.KB
	if b0 >= b1 {
		return
	}
	_ = du[15*us+b1*ckb-1]
	_ = dw[b1*9*ckb-1]
	for b := b0; b < b1; b++ {
		winoGradW8(ptr(dw, b*9*ckb), ptr(du, b*ckb), uintptr(ckb/8), uintptr(us*4), uintptr(ckb*4))
	}
}
