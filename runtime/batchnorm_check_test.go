package runtime

import (
	"fmt"
	"math"
	"testing"
)

// TestBatchNormBackwardFiniteDiff checks BatchNormBackward, on every kernel
// path, against the derivative of the forward definition itself, by
// central differences of L = Σ y·dy (y from refBNForward, in float64) in
// every x, γ and β, in training mode (through the batch statistics) and
// inference mode: independent of the backward's formula. Tolerance 1e-4·max(1, |d|), the
// project's agreement bound; the differences are good to about 1e-7.
func TestBatchNormBackwardFiniteDiff(t *testing.T) {
	eachKernelSet(t, testBatchNormFiniteDiff)
}

func testBatchNormFiniteDiff(t *testing.T) {
	for _, train := range []bool{true, false} {
		for _, sh := range [][3]int{{2, 3, 9}, {1, 1, 17}} {
			h, w, c := sh[0], sh[1], sh[2]
			bc := newBNCase(NewRand(uint64(c)), 3, h, w, c, bnLayouts(w, c, 1), ActNone, train, false)
			what := fmt.Sprintf("%dx%dx%d train %v", h, w, c, train)
			dys := make([][]float64, len(bc.dys))
			for s, d := range bc.dys {
				dys[s] = d.values()
			}
			loss := func() float64 {
				mean, variance := bc.rmean, bc.rvar
				if train {
					mean, variance = refBNStats(bc.xs)
				}
				sum := 0.0
				for s, y := range refBNForward(bc.xs, bc.gamma, bc.beta, mean, variance, bc.g.Eps, ActNone) {
					for i, v := range y {
						sum += v * dys[s][i]
					}
				}
				return sum
			}
			// The kernel's gradients; DGamma and DBeta start at 0.
			clear(bc.v.DGamma)
			clear(bc.v.DBeta)
			var sc Scratch
			if train {
				BatchNormStats(bc.g, &sc, bc.v, bufs(bc.xs), 0, c)
			} else {
				BatchNormEval(bc.g, bc.v)
			}
			BatchNormBackward(bc.g, &sc, bc.v, bufs(bc.dxs), bufs(bc.dys), bufs(bc.xs), nil, 0, c)

			// x is float32: step by what float32 can hold near x±h.
			for s, x := range bc.xs {
				for i := range x.size() {
					v := x.get(i)
					up, down := v+1e-3, v-1e-3
					x.set(i, up)
					lu := loss()
					x.set(i, down)
					ld := loss()
					x.set(i, v)
					fd := (lu - ld) / (float64(up) - float64(down))
					if got := float64(bc.dxs[s].get(i)); math.Abs(got-fd) > 1e-4*max(1, math.Abs(fd)) {
						t.Errorf("%s: dx[%d][%d] = %g, differences give %g", what, s, i, got, fd)
					}
				}
			}
			for _, p := range []struct {
				name string
				vals []float64
				got  []float32
			}{{"dγ", bc.gamma, bc.v.DGamma}, {"dβ", bc.beta, bc.v.DBeta}} {
				for i, v := range p.vals {
					p.vals[i] = v + 1e-6
					lu := loss()
					p.vals[i] = v - 1e-6
					ld := loss()
					p.vals[i] = v
					fd := (lu - ld) / 2e-6
					if math.Abs(float64(p.got[i])-fd) > 1e-4*max(1, math.Abs(fd)) {
						t.Errorf("%s: %s[%d] = %g, differences give %g", what, p.name, i, p.got[i], fd)
					}
				}
			}
		}
	}
}

// TestBatchNormFixture runs the kernels on the batchnorms of PyTorch's
// golden/graphdata/batchnorm case (computed in float64), training mode:
//
//   - bn1 (maps, after conv1 without bias on the fixture's x, computed
//     here) and bn2 (after relu and conv2 s2): the running statistics
//     after the pass, train_mode.npz's;
//   - bn5 (flat features, last, eps 0.1): its input is recovered from the
//     fixture's y and the running statistics' move (μ and the unbiased σ²
//     follow from it); the kernels' forward gives the fixture's y, and the
//     backward from its dy gives bn5's dγ and dβ, and dx summing over the
//     batch to fc4's bias gradient (0: what training mode's dx always sums
//     to).
//
// Tolerance 1e-6·max(1, max |want|) per tensor, 100 times tighter than
// the project's agreement bound: the worst seen is 8e-8 (bn5's dγ), the
// float32 rounding of inputs and results. On every kernel path.
func TestBatchNormFixture(t *testing.T) {
	eachKernelSet(t, testBatchNormFixture)
}

func testBatchNormFixture(t *testing.T) {
	before := readFixture(t, "../golden/graphdata/batchnorm/torch.npz")
	after := readFixture(t, "../golden/graphdata/batchnorm/train_mode.npz")
	const tol = 1e-6
	x := after["x"] // [3][3][6][6], as torch.npz's; y, dy and the gradients are the training pass's
	n := x.Shape[0]

	var sc Scratch
	run := func(name string, zs []*testMap, eps, momentum float64, act Act) []*testMap {
		c := zs[0].c
		g := &BNGeom{H: zs[0].h, W: zs[0].w, C: c, In: zs[0].l, Out: zs[0].l, Eps: eps, Momentum: momentum, Act: act}
		z := func() []float32 { return make([]float32, c) }
		v := &BNVecs{Gamma: f32s(before[name+".weight"].Float64s()), Beta: f32s(before[name+".bias"].Float64s()),
			RunMean: f32s(before[name+".running_mean"].Float64s()), RunVar: f32s(before[name+".running_var"].Float64s()),
			Mean: z(), InvStd: z(), Scale: z(), Shift: z()}
		BatchNormStats(g, &sc, v, bufs(zs), 0, c)
		tensorWithin(t, name+".running_mean", v.RunMean, after[name+".running_mean"].Float64s(), tol)
		tensorWithin(t, name+".running_var", v.RunVar, after[name+".running_var"].Float64s(), tol)
		var ys []*testMap
		for _, z := range zs {
			y := newTestMap(z.l, z.h, z.w, z.c)
			BatchNormApply(g, v, y.buf, z.buf, 0, z.h)
			ys = append(ys, y)
		}
		return ys
	}
	var xs []*testMap
	for s := range n {
		xs = append(xs, nchwMap(x.Float64s()[s*3*36:], 6, 6, 3))
	}
	h1 := run("bn1", naiveConvMaps(xs, before["conv1.weight"], nil, 1, 1), 1e-5, 0.1, ActReLU)
	run("bn2", naiveConvMaps(h1, before["conv2.weight"], before["conv2.bias"].Float64s(), 2, 1), 1e-3, 0.01, ActNone)

	// bn5: recover its input z from y = γ·(z − μ)/√(σ² + ε) + β.
	y, dy := after["y"].Float64s(), after["dy"].Float64s()
	gamma, beta := before["bn5.weight"].Float64s(), before["bn5.bias"].Float64s()
	rm0, rv0 := before["bn5.running_mean"].Float64s(), before["bn5.running_var"].Float64s()
	rm1, rv1 := after["bn5.running_mean"].Float64s(), after["bn5.running_var"].Float64s()
	const c, m, eps = 3, 3.0, 0.1
	zs, dys, dxs := make([]*testMap, n), make([]*testMap, n), make([]*testMap, n)
	for s := range n {
		zs[s], dys[s], dxs[s] = newTestMap(Dense(1, c), 1, 1, c), newTestMap(Dense(1, c), 1, 1, c), newTestMap(Dense(1, c), 1, 1, c)
		for i := range c {
			mu := (rm1[i] - 0.9*rm0[i]) / 0.1
			variance := (rv1[i] - 0.9*rv0[i]) / 0.1 * (m - 1) / m
			zs[s].set(i, float32((y[s*c+i]-beta[i])/gamma[i]*math.Sqrt(variance+eps)+mu))
			dys[s].set(i, float32(dy[s*c+i]))
		}
	}
	ys := run("bn5", zs, eps, 0.1, ActNone)
	var gotY []float32
	for _, y := range ys {
		gotY = append(gotY, y.buf[:c]...)
	}
	tensorWithin(t, "y", gotY, y, tol)
	g := &BNGeom{H: 1, W: 1, C: c, In: Dense(1, c), DIn: Dense(1, c), DOut: Dense(1, c), Eps: eps, Train: true}
	v := &BNVecs{Gamma: f32s(gamma), Beta: f32s(beta), RunMean: make([]float32, c), RunVar: make([]float32, c),
		Mean: make([]float32, c), InvStd: make([]float32, c), Scale: make([]float32, c), Shift: make([]float32, c),
		DGamma: make([]float32, c), DBeta: make([]float32, c)}
	BatchNormStats(g, &sc, v, bufs(zs), 0, c)
	BatchNormBackward(g, &sc, v, bufs(dxs), bufs(dys), bufs(zs), nil, 0, c)
	tensorWithin(t, "bn5.weight.grad", v.DGamma, after["bn5.weight.grad"].Float64s(), tol)
	tensorWithin(t, "bn5.bias.grad", v.DBeta, after["bn5.bias.grad"].Float64s(), tol)
	sum := make([]float32, c)
	for _, d := range dxs {
		for i := range c {
			sum[i] += d.buf[i]
		}
	}
	tensorWithin(t, "fc4.bias.grad", sum, after["fc4.bias.grad"].Float64s(), tol)
}

// readFixture reads a fixture's arrays by name.
func readFixture(t *testing.T, path string) map[string]*Array {
	t.Helper()
	arrays, err := ReadArrays(path)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Array{}
	for _, a := range arrays {
		byName[a.Name] = a
	}
	return byName
}

// tensorWithin fails t unless max |got − want| ≤ tol·max(1, max |want|).
func tensorWithin(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	worst, scale := 0.0, 1.0
	for i, w := range want {
		worst = max(worst, math.Abs(float64(got[i])-w))
		scale = max(scale, math.Abs(w))
	}
	if !(worst <= tol*scale) || len(got) != len(want) {
		t.Errorf("%s: max |diff| %g, tolerance %g (%d values, want %d)", what, worst, tol*scale, len(got), len(want))
	}
}

// nchwMap returns a dense h×w×c map of the sample x in PyTorch's
// [c][h][w] order.
func nchwMap(x []float64, h, w, c int) *testMap {
	m := newTestMap(Dense(w, c), h, w, c)
	for ch := range c {
		for y := range h {
			for xx := range w {
				m.buf[(y*w+xx)*c+ch] = float32(x[(ch*h+y)*w+xx])
			}
		}
	}
	return m
}

// naiveConvMaps is a conv by its definition, in float64, on dense maps:
// PyTorch-layout weights wt [K][C][FH][FW], bias b (nil: none), stride s
// and zero padding p on each side.
func naiveConvMaps(xs []*testMap, wt *Array, b []float64, s, p int) []*testMap {
	k, c, fh, fw := wt.Shape[0], wt.Shape[1], wt.Shape[2], wt.Shape[3]
	wv := wt.Float64s()
	h, w := xs[0].h, xs[0].w
	oh, ow := (h+2*p-fh)/s+1, (w+2*p-fw)/s+1
	var out []*testMap
	for _, x := range xs {
		o := newTestMap(Dense(ow, k), oh, ow, k)
		for y := range oh {
			for xx := range ow {
				for ko := range k {
					sum := 0.0
					if b != nil {
						sum = b[ko]
					}
					for ci := range c {
						for i := range fh {
							for j := range fw {
								iy, ix := y*s+i-p, xx*s+j-p
								if iy >= 0 && ix >= 0 && iy < h && ix < w {
									sum += float64(x.buf[(iy*w+ix)*c+ci]) * wv[((ko*c+ci)*fh+i)*fw+j]
								}
							}
						}
					}
					o.buf[(y*ow+xx)*k+ko] = float32(sum)
				}
			}
		}
		out = append(out, o)
	}
	return out
}
