package runtime

// Winograd's F(4×4, 3×3) computes a 4×4 output tile from a 6×6 input tile
// with 36 multiplications a channel pair instead of the direct sum's 144,
// against F(2×2, 3×3)'s 16 for 4 outputs (64 direct): 4× fewer rather than
// 2.25×, for transforms with coefficients up to 8 and 1/24, whose roundings
// the golden tolerances allow. The portable kernels, whose products run at
// scalar or SSE speed (portableGemm), take it; so do the AVX-512 kernels
// (their products by the conv kernels, the transforms in vectors) where the
// transformed weights stay few (ConvGeom.wino4); the others keep
// F(2×2, 3×3). With the rows of the
// matrices as listed (Lavin and Gray's points 0, ±1, ±2 and ∞):
//
//	Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//	G  = [¼ 0 0; -⅙ -⅙ -⅙; -⅙ ⅙ -⅙; 1/24 1/12 ⅙; 1/24 -1/12 ⅙; 0 0 1]
//	Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
//
// An output whose height or width is not a multiple of 4 ends in partial
// tiles: their inputs beyond the padded input read as zeros, and only
// their outputs inside the conv's are written.

// winograd4Weights is WinogradWeights for F(4×4, 3×3): for each of the 36
// positions ξ of a 6×6 tile a C × Kp matrix, u[ξ][c][k] (Kp = Blocks()·KB,
// the blocks side by side, as the products take them), computed in
// float64.
func winograd4Weights(g *ConvGeom, u, w []float32) {
	n, ckb, kp := g.winoStride(), g.C*g.KB, g.Blocks()*g.KB
	packed := !kernels.wino4 // the conv kernels' products: packed 1×1 weights
	for b := range g.Blocks() {
		for ck := range ckb {
			var f [3][3]float64
			for i := range 3 {
				for j := range 3 {
					f[i][j] = float64(w[((b*3+i)*3+j)*ckb+ck])
				}
			}
			var t [6][3]float64 // G f
			for j := range 3 {
				t[0][j], t[1][j], t[2][j], t[3][j], t[4][j], t[5][j] = winoG4(f[0][j], f[1][j], f[2][j])
			}
			for i := range 6 { // (G f) Gᵀ
				var r [6]float64
				r[0], r[1], r[2], r[3], r[4], r[5] = winoG4(t[i][0], t[i][1], t[i][2])
				for j, x := range r {
					if packed {
						u[(6*i+j)*n+b*ckb+ck] = float32(x)
					} else {
						u[(6*i+j)*n+ck/g.KB*kp+b*g.KB+ck%g.KB] = float32(x)
					}
				}
			}
		}
	}
}

// winoG4 is G times the column (a, b, c).
func winoG4(a, b, c float64) (u0, u1, u2, u3, u4, u5 float64) {
	return a / 4, -(a + b + c) / 6, -(a - b + c) / 6, a/24 + b/12 + c/6, a/24 - b/12 + c/6, c
}

// winoChunk4 is the number of tiles convForwardWinograd4 transforms at once:
// enough that each product's pass over its weights serves a long run
// (BenchmarkConv -tags purego, 28x28x512: 56 GFLOP/s with 64 tiles, 46
// with 32).
func winoChunk4(g *ConvGeom) int {
	return max(64, (768<<10)/(144*(g.C+g.K)))
}

// convForwardWinograd4 is ConvForwardWinograd by F(4×4, 3×3) for the output
// rows [y0, y1). Its tiles lie on the grid of rows 4j whatever the range, so
// that every output comes from the same tile however the rows are split
// between workers (and the same bits): a range that starts or ends between
// two rows of the grid computes its first or last tile whole and writes the
// rows in the range.
func convForwardWinograd4(g *ConvGeom, s *Scratch, out, in, u, bias []float32, y0, y1 int) {
	if y0 >= y1 {
		return
	}
	tw := (g.OW + 3) / 4
	top := y0 / 4 * 4 // the first tile's row
	total := (y1 - top + 3) / 4 * tw
	chunk := min(winoChunk4(g), total)
	nv, nm, nt := 36*chunk*g.C, 36*chunk*g.K, 36*max(g.C, g.K)
	buf := grow(&s.winoBuf, nv+nm+2*nt)
	v, m, tmp, block := buf[:nv], buf[nv:nv+nm], buf[nv+nm:nv+nm+nt], buf[nv+nm+nt:]
	us := g.winoStride()
	for first := 0; first < total; first += chunk {
		n := min(chunk, total-first)
		winoIn4(g, v, in, tmp, block, top, first, n, chunk*g.C)
		for xi := range 36 {
			if kernels.wino4 {
				winoProducts4(g, m[xi*chunk*g.K:], v[xi*chunk*g.C:], u[xi*us:], n)
				continue
			}
			gemm := s.products(g, n)
			kernels.convForward(gemm, s, m[xi*chunk*g.K:], v[xi*chunk*g.C:], u[xi*us:], nil, 0, 1)
		}
		winoOut4(g, out, m, bias, tmp, top, y0, y1, first, n, chunk*g.K)
	}
}

// winoProducts4 computes the products of one position of n tiles, the
// n × K matrix m = v · u (v n × C, u C × Kp), by portableGemm in panels of 64
// rows by 192 columns: the 192 columns of u a panel reads for each row stay
// in L2.
func winoProducts4(g *ConvGeom, m, v, u []float32, n int) {
	kp := g.Blocks() * g.KB
	for i0 := 0; i0 < n; i0 += 64 {
		rows := min(64, n-i0)
		for k0 := 0; k0 < g.K; k0 += 192 {
			cols := min(192, g.K-k0)
			portableGemm(false, rows, cols, g.C, v[i0*g.C:], g.C, u[k0:], kp, m[i0*g.K+k0:], g.K, false)
		}
	}
}

// winoIn4 writes the transformed inputs Bᵀ d B of the tiles [first,
// first+n) of rows from top (numbered along tile rows) to
// v[ξ·stride + i·C + c]. tmp and block hold 36·C values each.
func winoIn4(g *ConvGeom, v, in, tmp, block []float32, top, first, n, stride int) {
	C, tw := g.C, (g.OW+3)/4
	ih, iw := g.OH+2, g.OW+2 // the padded input's rows and columns
	b4 := winoB4
	if kernels.winoB4 != nil {
		b4 = kernels.winoB4
	}
	for i := range n {
		t := first + i
		oy, ox := top+4*(t/tw), 4*(t%tw)
		src, rs := in[oy*g.InRow+ox*C:], g.InRow
		if oy+6 > ih || ox+6 > iw {
			// A partial tile: its window, zeros beyond the input.
			clear(block[:36*C])
			for r := range min(6, ih-oy) {
				cols := min(6, iw-ox)
				copy(block[r*6*C:][:cols*C], in[(oy+r)*g.InRow+ox*C:][:cols*C])
			}
			src, rs = block, 6*C
		}
		for r := range 6 { // d B, row by row
			d := src[r*rs:]
			o := tmp[r*6*C:]
			b4(o[:C], o[C:2*C], o[2*C:3*C], o[3*C:4*C], o[4*C:5*C], o[5*C:6*C],
				d[:C], d[C:2*C], d[2*C:3*C], d[3*C:4*C], d[4*C:5*C], d[5*C:6*C])
		}
		for j := range 6 { // Bᵀ (d B), column by column
			h := func(r int) []float32 { return tmp[(r*6+j)*C:][:C] }
			o := func(r int) []float32 { return v[(r*6+j)*stride+i*C:][:C] }
			b4(o(0), o(1), o(2), o(3), o(4), o(5), h(0), h(1), h(2), h(3), h(4), h(5))
		}
	}
}

// winoB4 applies Bᵀ to the 6-vectors (d0[c], …, d5[c]) for every c.
func winoB4(o0, o1, o2, o3, o4, o5, d0, d1, d2, d3, d4, d5 []float32) {
	n := len(o0)
	o1, o2, o3, o4, o5 = o1[:n], o2[:n], o3[:n], o4[:n], o5[:n]
	d0, d1, d2, d3, d4, d5 = d0[:n], d1[:n], d2[:n], d3[:n], d4[:n], d5[:n]
	for c := range n {
		a, b := d4[c]-4*d2[c], d3[c]-4*d1[c]
		e, f := d4[c]-d2[c], 2*(d3[c]-d1[c])
		o0[c] = 4*d0[c] - 5*d2[c] + d4[c]
		o1[c] = a + b
		o2[c] = a - b
		o3[c] = e + f
		o4[c] = e - f
		o5[c] = 4*d1[c] - 5*d3[c] + d5[c]
	}
}

// winoOut4 writes the output tiles Aᵀ M A of the tiles [first, first+n)
// of rows from top, M being m[ξ·stride + i·K + k], plus the bias, through
// relu when g.ReLU is set: the rows [y0, y1) and the columns inside the
// output only. tmp holds 36·K values.
func winoOut4(g *ConvGeom, out, m, bias, tmp []float32, top, y0, y1, first, n, stride int) {
	K, tw := g.K, (g.OW+3)/4
	a4 := winoA4
	if kernels.winoA4 != nil {
		a4 = kernels.winoA4
	}
	zero := tmp[24*K : 25*K] // the 5th row of tmp, unused below: no bias
	clear(zero)
	if bias == nil {
		bias = zero
	}
	spare := tmp[28*K:] // where the outputs beyond the conv's go
	for i := range n {
		t := first + i
		oy, ox := top+4*(t/tw), 4*(t%tw)
		for j := range 6 { // Aᵀ M, column by column
			x := func(r int) []float32 { return m[(r*6+j)*stride+i*K:][:K] }
			o := func(r int) []float32 { return tmp[(r*6+j)*K:][:K] }
			a4(o(0), o(1), o(2), o(3), x(0), x(1), x(2), x(3), x(4), x(5), zero, false)
		}
		for r := range 4 { // (Aᵀ M) A, row by row
			o := func(c int) []float32 {
				if oy+r < y0 || oy+r >= y1 || ox+c >= g.OW {
					return spare[c*K:][:K]
				}
				return out[g.OutOff+(oy+r)*g.OutRow+(ox+c)*g.outPix():][:K]
			}
			x := tmp[r*6*K:]
			a4(o(0), o(1), o(2), o(3), x[:K], x[K:2*K], x[2*K:3*K], x[3*K:4*K], x[4*K:5*K], x[5*K:6*K], bias, g.ReLU)
		}
	}
}

// winoA4 applies Aᵀ to the 6-vectors (m0[k], …, m5[k]) for every k and adds
// bias[k], then relu if asked.
func winoA4(y0, y1, y2, y3, m0, m1, m2, m3, m4, m5, bias []float32, relu bool) {
	n := len(y0)
	y1, y2, y3 = y1[:n], y2[:n], y3[:n]
	m0, m1, m2, m3, m4, m5, bias = m0[:n], m1[:n], m2[:n], m3[:n], m4[:n], m5[:n], bias[:n]
	for k := range n {
		a, b := m1[k]+m2[k], m1[k]-m2[k]
		c, d := m3[k]+m4[k], m3[k]-m4[k]
		z := bias[k]
		r0, r1, r2, r3 := m0[k]+a+c+z, b+2*d+z, a+4*c+z, b+8*d+m5[k]+z
		if relu {
			r0, r1, r2, r3 = max(r0, 0), max(r1, 0), max(r2, 0), max(r3, 0)
		}
		y0[k], y1[k], y2[k], y3[k] = r0, r1, r2, r3
	}
}

// The weight gradient by F(4×4, 3×3), as for F(2×2, 3×3) (winograd.go):
// dU[ξ][c][k] = Σ_tiles (Bᵀ d B)[ξ][c] · (A dY Aᵀ)[ξ][k], 36 products
// (C × tiles by tiles × K), then dg = Gᵀ dU G. The output gradient of a
// partial tile's outputs beyond the conv's reads as zeros.

// convWeightGradWinograd4 is ConvWeightGradWinograd by F(4×4, 3×3).
func convWeightGradWinograd4(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, b0, b1 int) {
	tw := (g.OW + 3) / 4
	tiles := (g.OH + 3) / 4 * tw
	chunk := min(winoChunk4(g), tiles)
	nv, nz, nt := 36*chunk*g.C, 36*chunk*g.K, 36*max(g.C, g.K)
	buf := grow(&s.winoBuf, nv+nz+2*nt)
	v, z, tmp, block := buf[:nv], buf[nv:nv+nz], buf[nv+nz:nv+nz+nt], buf[nv+nz+nt:]
	k0, k1 := b0*g.KB, min(b1*g.KB, g.K)
	if tiles <= chunk {
		// One chunk: dU goes by panels of input channels small enough to
		// stay in L2 from their products to their transform.
		winoIn4(g, v, in, tmp, block, 0, 0, tiles, chunk*g.C)
		winoGradOut4(g, z, dout, tmp, 0, tiles, chunk*g.K)
		p := winoGradPanel(g)
		ps := p*g.Blocks()*g.KB + 16 // see winoDUStride
		du := grow(&s.winoDU, 36*ps)
		for c0 := 0; c0 < g.C; c0 += p {
			c1 := min(c0+p, g.C)
			for xi := range 36 {
				winoGradProducts4(g, du[xi*ps:], v[xi*chunk*g.C:], z[xi*chunk*g.K:], tiles, c0, c1, k0, k1, false)
			}
			winoGradW4(g, dw, du, ps, tmp, c0, c1, k0, k1)
		}
	} else {
		us := winoDUStride(g)
		du := grow(&s.winoDU, 36*us)
		for first := 0; first < tiles; first += chunk {
			n := min(chunk, tiles-first)
			winoIn4(g, v, in, tmp, block, 0, first, n, chunk*g.C)
			winoGradOut4(g, z, dout, tmp, first, n, chunk*g.K)
			for xi := range 36 {
				// The first chunk's products set dU, the others add to it.
				winoGradProducts4(g, du[xi*us:], v[xi*chunk*g.C:], z[xi*chunk*g.K:], n, 0, g.C, k0, k1, first > 0)
			}
		}
		winoGradW4(g, dw, du, us, tmp, 0, g.C, k0, k1)
	}
	if db != nil {
		g.addBiasGrad(db, dout, k0, k1-k0, 0, g.OH, 0, g.OW)
	}
}

// winoGradPanel is the number of input channels whose dU (36 positions by
// Kp channels) the weight gradient computes and transforms at once when its
// tiles make one chunk: 1 MB of them, the size of L2. The whole dU of a
// 512-channel conv is 37 MB, which goes to memory and back. BenchmarkConv
// -tags purego, weight gradient, alternating the builds: 14x14x512 33-34
// against 24-30 GFLOP/s for the whole dU at once; 28x28x512 40-52 against
// 44-53 and 28x28x256 38-52 against 40-51, ties in the noise (panels of
// 512 KB lost there, of 2 MB gained less at 14x14x512).
func winoGradPanel(g *ConvGeom) int {
	return min(g.C, max(4, (1024<<10)/(4*36*g.Blocks()*g.KB)))
}

// winoDUStride is the distance between two positions' dU in
// convWeightGradWinograd4's scratch: a cache line more than their length,
// so that the 36 values winoGradW4 reads together do not all fall in the
// same sets of the caches, as they do a power of two apart
// (BenchmarkConv's weight gradient, 14x14x512: 27 against 23 GFLOP/s;
// 28x28x512: 52 against 43).
func winoDUStride(g *ConvGeom) int { return g.winoStride() + 16 }

// winoGradOut4 writes the transformed output gradients A dY Aᵀ of the
// tiles [first, first+n) to z[ξ·stride + i·K + k]. tmp holds 36·K values.
func winoGradOut4(g *ConvGeom, z, dout, tmp []float32, first, n, stride int) {
	K, tw := g.K, (g.OW+3)/4
	zero := tmp[24*K : 25*K] // the 5th row of tmp, unused below
	clear(zero)
	for i := range n {
		t := first + i
		oy, ox := 4*(t/tw), 4*(t%tw)
		for r := range 4 { // dY Aᵀ, row by row
			y := func(c int) []float32 {
				if oy+r >= g.OH || ox+c >= g.OW {
					return zero
				}
				return dout[g.DOutOff+(oy+r)*g.DOutRow+(ox+c)*g.dOutPix():][:K]
			}
			o := tmp[r*6*K:]
			winoAT4(o[:K], o[K:2*K], o[2*K:3*K], o[3*K:4*K], o[4*K:5*K], o[5*K:6*K], y(0), y(1), y(2), y(3))
		}
		for j := range 6 { // A (dY Aᵀ), column by column
			h := func(r int) []float32 { return tmp[(r*6+j)*K:][:K] }
			o := func(r int) []float32 { return z[(r*6+j)*stride+i*K:][:K] }
			winoAT4(o(0), o(1), o(2), o(3), o(4), o(5), h(0), h(1), h(2), h(3))
		}
	}
}

// winoAT4 applies A (Aᵀ's transpose) to the 4-vectors (y0[k], …, y3[k])
// for every k.
func winoAT4(o0, o1, o2, o3, o4, o5, y0, y1, y2, y3 []float32) {
	n := len(o0)
	o1, o2, o3, o4, o5 = o1[:n], o2[:n], o3[:n], o4[:n], o5[:n]
	y0, y1, y2, y3 = y0[:n], y1[:n], y2[:n], y3[:n]
	for k := range n {
		a, b := y0[k]+y2[k], y1[k]+y3[k]
		c, d := y0[k]+4*y2[k], 2*y1[k]+8*y3[k]
		o0[k] = y0[k]
		o1[k] = a + b
		o2[k] = a - b
		o3[k] = c + d
		o4[k] = c - d
		o5[k] = y3[k]
	}
}

// winoGradProducts4 sets one position's dU for the input channels [c0, c1)
// (rows of Kp from du[0]) and the output channels [k0, k1) to vᵀ · z over
// n tiles (v n × C, z n × K), or adds it, by portableGemm in panels (see
// winoProducts4).
func winoGradProducts4(g *ConvGeom, du, v, z []float32, n, c0, c1, k0, k1 int, add bool) {
	kp := g.Blocks() * g.KB
	for c := c0; c < c1; c += 64 {
		rows := min(64, c1-c)
		for k := k0; k < k1; k += 192 {
			cols := min(192, k1-k)
			portableGemm(true, rows, cols, n, v[c:], g.C, z[k:], g.K, du[(c-c0)*kp+k:], kp, add)
		}
	}
}

// winoGradW4 adds Gᵀ dU G, the gradient of the 3×3 weights, to the packed
// weight gradient dw for the input channels [c0, c1) and the output
// channels [k0, k1), dU being du[ξ·us + (c-c0)·Kp + k]: for each input
// channel, Gᵀ dU over the whole run of output channels (36 long reads),
// then (Gᵀ dU) G added block by block. tmp holds 18·(k1-k0) values.
func winoGradW4(g *ConvGeom, dw, du []float32, us int, tmp []float32, c0, c1, k0, k1 int) {
	kp, ckb := g.Blocks()*g.KB, g.C*g.KB
	n := k1 - k0
	for c := c0; c < c1; c++ {
		clear(tmp[:18*n])
		for j := range 6 { // Gᵀ dU, column by column
			u := func(i int) []float32 { return du[(6*i+j)*us+(c-c0)*kp+k0:][:n] }
			h := func(i int) []float32 { return tmp[(i*6+j)*n:][:n] }
			winoGT4Add(h(0), h(1), h(2), u(0), u(1), u(2), u(3), u(4), u(5))
		}
		for k := k0; k < k1; {
			b := k / g.KB
			m := min((b+1)*g.KB, k1) - k
			for i := range 3 { // (Gᵀ dU) G, row by row, added
				o := func(j int) []float32 { return dw[(b*9+3*i+j)*ckb+c*g.KB+k%g.KB:][:m] }
				h := func(j int) []float32 { return tmp[(i*6+j)*n+k-k0:][:m] }
				winoGT4Add(o(0), o(1), o(2), h(0), h(1), h(2), h(3), h(4), h(5))
			}
			k += m
		}
	}
}

// winoGT4Add adds Gᵀ times the 6-vectors (u0[k], …, u5[k]) to (w0[k],
// w1[k], w2[k]) for every k.
func winoGT4Add(w0, w1, w2, u0, u1, u2, u3, u4, u5 []float32) {
	n := len(w0)
	w1, w2 = w1[:n], w2[:n]
	u0, u1, u2, u3, u4, u5 = u0[:n], u1[:n], u2[:n], u3[:n], u4[:n], u5[:n]
	for k := range n {
		s, d := u1[k]+u2[k], u1[k]-u2[k]
		p, q := u3[k]+u4[k], u3[k]-u4[k]
		w0[k] += u0[k]*(1.0/4) - s*(1.0/6) + p*(1.0/24)
		w1[k] += q*(1.0/12) - d*(1.0/6)
		w2[k] += (p-s)*(1.0/6) + u5[k]
	}
}
