package runtime

import "fmt"

// Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2015) computes a 3×3,
// stride-1 conv's 2×2 output tile from a 4×4 input tile with 16
// multiplications a channel pair instead of 36:
//
//	Y = Aᵀ [ Σ_c (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// where d is the tile's 4×4 input window of channel c, g the 3×3 filter,
// ⊙ the product value by value and (with rows of the matrices as listed)
//
//	Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//	G  = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]
//	Aᵀ = [1 1 1 0; 0 1 -1 -1]
//
// Summed over the input channels, the 16 products are 16 matrix products
// (tiles × C by C × K), which the conv kernels compute as 1×1 convs; the
// transforms before and after are additions. The numbers differ from the
// direct sum's by rounding only (the transforms' coefficients are 0, ±½
// and ±1). The portable kernels run F(4×4, 3×3) instead (winograd4.go);
// the functions below hand them the work.

// WinogradOK says whether a conv can run as Winograd's minimal filtering
// (F(2×2, 3×3), or F(4×4, 3×3) with the portable kernels): a 3×3 filter,
// stride 1, an even output height and width.
func WinogradOK(g *ConvGeom) bool {
	return winogradShape(g) && g.OH%2 == 0 && g.OW%2 == 0
}

// winogradShape says whether a conv has the filter and stride of Winograd's
// F(2×2, 3×3), whatever its output's size: WinogradWeights needs no more.
func winogradShape(g *ConvGeom) bool {
	return g.FH == 3 && g.FW == 3 && g.SH == 1 && g.SW == 1
}

// WinogradLen is the length of a conv's transformed weights: 16 packed
// 1×1 weights of Blocks() blocks of KB channels by C, or 36 such matrices
// with the portable kernels, which run F(4×4, 3×3). The length depends on
// the kernels chosen at start-up: allocate at run time, not as a constant.
func WinogradLen(g *ConvGeom) int { return g.winoPositions() * g.winoStride() }

// winoPositions is the number of positions of a tile of the Winograd
// scheme the kernels in use run forward for g: 16 for F(2×2, 3×3), 36 for
// F(4×4, 3×3) (see winograd4.go).
func (g *ConvGeom) winoPositions() int {
	if g.wino4() {
		return 36
	}
	return 16
}

// wino4 says whether g runs forward as F(4×4, 3×3): always with the
// portable kernels; with the kernels that have its transforms in vectors
// when its transformed weights, 36·C·K values, are no more than
// 36·wino4MaxCK. Where channels are many and maps small, F(4×4, 3×3)'s
// 2.25 times larger weights than F(2×2, 3×3)'s are read from memory for
// few tiles (ResNet-50's 14x14x256 layers at batch 1: 9.4 MB a layer).
func (g *ConvGeom) wino4() bool {
	return kernels.wino4 || kernels.winoB4 != nil && g.C*g.K <= wino4MaxCK
}

// wino4MaxCK is the most C·K for which the vector kernels run F(4×4, 3×3):
// ResNet's 56x56x64 and 28x28x128 layers.
const wino4MaxCK = 128 * 128

func (g *ConvGeom) winoStride() int { return g.Blocks() * g.KB * g.C }

// WinogradWeights fills u with the transformed weights G g Gᵀ of the packed
// 3×3 weights w: for each of the 16 positions ξ of a 4×4 tile, a packed 1×1
// weight, u[ξ][b][c][k] (b a block of KB channels); with the portable
// kernels, see winograd4Weights.
func WinogradWeights(g *ConvGeom, u, w []float32) {
	if !winogradShape(g) || len(u) < WinogradLen(g) || len(w) < g.WeightLen() {
		panic(fmt.Errorf("%w: WinogradWeights: %+v (u %d, w %d)", ErrShape, *g, len(u), len(w)))
	}
	if g.wino4() {
		winograd4Weights(g, u, w)
		return
	}
	n, ckb := g.winoStride(), g.C*g.KB
	for b := range g.Blocks() {
		winoWeights(u[b*ckb:], w[b*9*ckb:][:9*ckb], ckb, n)
	}
}

// winoWeights is WinogradWeights for one weight block: its ckb values of
// filter tap (i, j) at w[(3i+j)·ckb:], those of tile position ξ to
// u[ξ·n:]. The amd64 builds replace it by a vector loop that rounds alike.
var winoWeights = winoWeightsPortable

func winoWeightsPortable(u, w []float32, ckb, n int) { winoWeightsRange(u, w, 0, ckb, n) }

// winoWeightsRange is winoWeightsPortable for the values [ck0, ckb).
func winoWeightsRange(u, w []float32, ck0, ckb, n int) {
	for ck := ck0; ck < ckb; ck++ {
		var f [3][3]float32
		for i := range 3 {
			for j := range 3 {
				f[i][j] = w[(i*3+j)*ckb+ck]
			}
		}
		var t [4][3]float32 // G f
		for j := range 3 {
			t[0][j] = f[0][j]
			t[1][j] = 0.5 * (f[0][j] + f[1][j] + f[2][j])
			t[2][j] = 0.5 * (f[0][j] - f[1][j] + f[2][j])
			t[3][j] = f[2][j]
		}
		for i := range 4 { // (G f) Gᵀ
			r := t[i]
			o := (4*i)*n + ck
			u[o] = r[0]
			u[o+n] = 0.5 * (r[0] + r[1] + r[2])
			u[o+2*n] = 0.5 * (r[0] - r[1] + r[2])
			u[o+3*n] = r[2]
		}
	}
}

// winoChunk is the number of tiles ConvForwardWinograd transforms at once:
// their 16 transformed inputs and products fit in L2 where the channels
// are few, and there are enough of them (64) where the channels are many
// that each pass over the transformed weights serves a long run.
func winoChunk(g *ConvGeom) int {
	return max(64, (768<<10)/(64*(g.C+g.K)))
}

// winoGradChunk is winoChunk for the weight gradient, whose products gain
// from longer runs of tiles where channels are many (BenchmarkConv
// 28x28x512: 139 GFLOP/s with 64 tiles, 152 with 128).
func winoGradChunk(g *ConvGeom) int {
	return max(128, (768<<10)/(64*(g.C+g.K)))
}

// ConvForwardWinograd computes the output rows [2·t0, 2·t1) of a conv for
// which WinogradOK holds, as ConvForward does (bias may be nil; relu when
// g.ReLU is set), from the transformed weights u (WinogradWeights). The
// work goes by pairs of output rows (F(2×2, 3×3)'s tile rows; F(4×4, 3×3)
// covers them with tiles of 4 rows from 2·t0, the last perhaps partial),
// so that workers given different pairs never write the same values.
func ConvForwardWinograd(g *ConvGeom, s *Scratch, out, in, u, bias []float32, t0, t1 int) {
	g.check("ConvForwardWinograd", out, in, u, bias) // u is longer than the direct weights
	if !WinogradOK(g) || g.ReLU6 || len(u) < WinogradLen(g) {
		panic(fmt.Errorf("%w: ConvForwardWinograd: %+v (u %d; relu6 is not fused)", ErrShape, *g, len(u)))
	}
	if g.wino4() {
		convForwardWinograd4(g, s, out, in, u, bias, 2*t0, 2*t1)
		return
	}
	convForwardWinograd2(g, s, out, in, u, bias, t0, t1)
}

// convForwardWinograd2 is ConvForwardWinograd's F(2×2, 3×3): the tiles of
// pairs of rows [t0, t1), OW/2 of them a pair (an odd width's last column
// is left out).
func convForwardWinograd2(g *ConvGeom, s *Scratch, out, in, u, bias []float32, t0, t1 int) {
	tw := g.OW / 2
	chunk := min(winoChunk(g), (t1-t0)*tw)
	v, m := s.wino(16*chunk*g.C, 16*chunk*g.K)
	us := g.winoStride()
	for first, end := t0*tw, t1*tw; first < end; first += chunk {
		n := min(chunk, end-first)
		kernels.winoIn(g, v, in, first, n, chunk*g.C)
		gemm := s.products(g, n)
		for xi := range 16 {
			kernels.convForward(gemm, s, m[xi*chunk*g.K:], v[xi*chunk*g.C:], u[xi*us:], nil, 0, 1)
		}
		kernels.winoOut(g, out, m, bias, first, n, chunk*g.K)
	}
}

// products describes the 16 products of a run of n tiles of conv g as a 1×1
// conv over one row of n pixels, for the conv kernels (forward: OutRow) and
// the weight-gradient kernels (DOutRow). The geometry lives in s: a local
// would escape to the heap through the kernel set's function values.
func (s *Scratch) products(g *ConvGeom, n int) *ConvGeom {
	s.winoGeom = ConvGeom{C: g.C, InRow: n * g.C, OH: 1, OW: n, K: g.K, OutRow: n * g.K,
		FH: 1, FW: 1, SH: 1, SW: 1, KB: g.KB, DOutRow: n * g.K}
	return &s.winoGeom
}

// wino returns the scratch buffers of ConvForwardWinograd.
func (s *Scratch) wino(nv, nm int) (v, m []float32) {
	buf := grow(&s.winoBuf, nv+nm)
	return buf[:nv], buf[nv:]
}

// winoInPortable writes the transformed inputs Bᵀ d B of tiles
// [first, first+n) (numbered along tile rows) to v[ξ·stride + i·C + c].
func winoInPortable(g *ConvGeom, v, in []float32, first, n, stride int) {
	tw, C := g.OW/2, g.C
	for i := range n {
		t := first + i
		base := 2*(t/tw)*g.InRow + 2*(t%tw)*C
		for c := range C {
			var d [4][4]float32
			for r := range 4 {
				for j := range 4 {
					d[r][j] = in[base+r*g.InRow+j*C+c]
				}
			}
			var e [4][4]float32 // Bᵀ d
			for j := range 4 {
				e[0][j] = d[0][j] - d[2][j]
				e[1][j] = d[1][j] + d[2][j]
				e[2][j] = d[2][j] - d[1][j]
				e[3][j] = d[1][j] - d[3][j]
			}
			o := i*C + c
			for r := range 4 { // (Bᵀ d) B
				x := e[r]
				v[(4*r)*stride+o] = x[0] - x[2]
				v[(4*r+1)*stride+o] = x[1] + x[2]
				v[(4*r+2)*stride+o] = x[2] - x[1]
				v[(4*r+3)*stride+o] = x[1] - x[3]
			}
		}
	}
}

// winoOutPortable writes the output tiles Aᵀ M A of tiles [first,
// first+n), M being m[ξ·stride + i·K + k], plus the bias, through relu
// when g.ReLU is set.
func winoOutPortable(g *ConvGeom, out, m, bias []float32, first, n, stride int) {
	tw, K, P := g.OW/2, g.K, g.outPix()
	for i := range n {
		t := first + i
		o := g.OutOff + 2*(t/tw)*g.OutRow + 2*(t%tw)*P
		for k := range K {
			var x [4][4]float32
			for xi := range 16 {
				x[xi/4][xi%4] = m[xi*stride+i*K+k]
			}
			var s [2][4]float32 // Aᵀ M
			for j := range 4 {
				s[0][j] = x[0][j] + x[1][j] + x[2][j]
				s[1][j] = x[1][j] - x[2][j] - x[3][j]
			}
			var b float32
			if bias != nil {
				b = bias[k]
			}
			for r := range 2 { // (Aᵀ M) A
				y0 := s[r][0] + s[r][1] + s[r][2] + b
				y1 := s[r][1] - s[r][2] - s[r][3] + b
				if g.ReLU {
					y0, y1 = max(y0, 0), max(y1, 0)
				}
				out[o+r*g.OutRow+k] = y0
				out[o+r*g.OutRow+P+k] = y1
			}
		}
	}
}

// The weight gradient. With M = U ⊙ V summed over channels as above, the
// gradient of a tile's products is A dY Aᵀ (dY the tile's 2×2 output
// gradient), that of the transformed weights
//
//	dU[ξ][c][k] = Σ_tiles (Bᵀ d B)[ξ][c] · (A dY Aᵀ)[ξ][k]
//
// 16 products (C × tiles by tiles × K) that the weight-gradient kernels
// compute as 1×1 convs, and that of the weights dg = Gᵀ dU G.

// ConvWeightGradWinograd adds to dw (and db, unless nil) the weight and
// bias gradients of a conv for which WinogradOK holds, as ConvWeightGrad
// does, for the weight blocks [b0, b1): workers given different blocks
// never write the same values.
func ConvWeightGradWinograd(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, b0, b1 int) {
	g.checkGrad("ConvWeightGradWinograd", dw, in, dout)
	if !WinogradOK(g) || b0 < 0 || b1 > g.Blocks() {
		panic(fmt.Errorf("%w: ConvWeightGradWinograd: %+v, blocks [%d, %d)", ErrShape, *g, b0, b1))
	}
	if b0 >= b1 {
		return
	}
	if kernels.wino4 {
		convWeightGradWinograd4(g, s, dw, db, in, dout, b0, b1)
		return
	}
	tiles := g.OH / 2 * (g.OW / 2)
	chunk := min(winoGradChunk(g), tiles)
	v, z := s.wino(16*chunk*g.C, 16*chunk*g.K)
	us, ckb := g.winoStride(), g.C*g.KB
	du := grow(&s.winoDU, 16*us)
	for xi := range 16 {
		clear(du[xi*us+b0*ckb : xi*us+b1*ckb])
	}
	for first := 0; first < tiles; first += chunk {
		n := min(chunk, tiles-first)
		kernels.winoIn(g, v, in, first, n, chunk*g.C)
		kernels.winoGradOut(g, z, dout, first, n, chunk*g.K)
		gemm := s.products(g, n)
		for xi := range 16 {
			kernels.convWeightGrad(gemm, s, du[xi*us:], nil, v[xi*chunk*g.C:], z[xi*chunk*g.K:], b0, b1)
		}
	}
	kernels.winoGradW(g, dw, du, b0, b1)
	if db != nil {
		k0 := b0 * g.KB
		g.addBiasGrad(db, dout, k0, min(b1*g.KB, g.K)-k0, 0, g.OH, 0, g.OW)
	}
}

// winoGradOutPortable writes the transformed output gradients A dY Aᵀ of
// tiles [first, first+n) to z[ξ·stride + i·K + k].
func winoGradOutPortable(g *ConvGeom, z, dout []float32, first, n, stride int) {
	tw, K, P := g.OW/2, g.K, g.dOutPix()
	for i := range n {
		t := first + i
		o := g.DOutOff + 2*(t/tw)*g.DOutRow + 2*(t%tw)*P
		for k := range K {
			a, b := dout[o+k], dout[o+P+k]
			c, d := dout[o+g.DOutRow+k], dout[o+g.DOutRow+P+k]
			// A dY: rows (a, b), (a+c, b+d), (a-c, b-d), (-c, -d); then
			// each row (p, q) times Aᵀ: p, p+q, p-q, -q.
			rows := [4][2]float32{{a, b}, {a + c, b + d}, {a - c, b - d}, {-c, -d}}
			for r, pq := range rows {
				p, q := pq[0], pq[1]
				z[(4*r)*stride+i*K+k] = p
				z[(4*r+1)*stride+i*K+k] = p + q
				z[(4*r+2)*stride+i*K+k] = p - q
				z[(4*r+3)*stride+i*K+k] = -q
			}
		}
	}
}

// winoGradWPortable adds Gᵀ dU G, the gradient of the 3×3 weights, to the
// packed weight gradient dw for the weight blocks [b0, b1).
func winoGradWPortable(g *ConvGeom, dw, du []float32, b0, b1 int) {
	us, ckb := g.winoStride(), g.C*g.KB
	for b := b0; b < b1; b++ {
		for ck := range ckb {
			var u [4][4]float32
			for xi := range 16 {
				u[xi/4][xi%4] = du[xi*us+b*ckb+ck]
			}
			var h [3][4]float32 // Gᵀ dU
			for j := range 4 {
				h[0][j] = u[0][j] + 0.5*(u[1][j]+u[2][j])
				h[1][j] = 0.5 * (u[1][j] - u[2][j])
				h[2][j] = 0.5*(u[1][j]+u[2][j]) + u[3][j]
			}
			for i := range 3 { // (Gᵀ dU) G
				r := h[i]
				o := (b*3+i)*3*ckb + ck
				dw[o] += r[0] + 0.5*(r[1]+r[2])
				dw[o+ckb] += 0.5 * (r[1] - r[2])
				dw[o+2*ckb] += 0.5*(r[1]+r[2]) + r[3]
			}
		}
	}
}
