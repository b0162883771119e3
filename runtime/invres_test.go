package runtime

import (
	"fmt"
	"testing"
)

// invresCase is an inverted residual block: c channels expanded to ce,
// a depthwise fh×fh conv of stride s and padding p, projected to k; the
// output written at an offset into rows padOut pixels wider than its own.
type invresCase struct {
	h, w, c, ce, k, fh, s, p, padOut int
	efh, es, ep                      int    // a dense expansion: filter, stride, padding (efh 0: 1x1)
	eAct, dAct                       string // "", "relu" or "relu6"
	noBias                           bool
}

func (tc invresCase) String() string {
	return fmt.Sprintf("%dx%dx%d->%d s%d->%d %s/%s", tc.h, tc.w, tc.c, tc.ce, tc.s, tc.k, tc.eAct, tc.dAct)
}

var invresCases = []invresCase{
	{h: 10, w: 9, c: 8, ce: 48, k: 24, fh: 3, s: 1, p: 1, eAct: "relu6", dAct: "relu6"},
	{h: 11, w: 9, c: 16, ce: 96, k: 24, fh: 3, s: 2, p: 1, eAct: "relu6", dAct: "relu6", padOut: 1},
	{h: 5, w: 30, c: 16, ce: 96, k: 32, fh: 3, s: 2, p: 1, eAct: "relu6", dAct: "relu6"}, // wide rows: the expansion row by row
	{h: 6, w: 29, c: 24, ce: 144, k: 24, fh: 3, s: 1, p: 1, eAct: "relu", dAct: "", noBias: true},
	{h: 7, w: 7, c: 32, ce: 64, k: 48, fh: 5, s: 1, p: 2, eAct: "relu6", dAct: "relu6", padOut: 2},
	{h: 4, w: 4, c: 160, ce: 960, k: 160, fh: 3, s: 1, p: 1, eAct: "relu6", dAct: "relu6"},
	{h: 15, w: 13, c: 3, ce: 32, k: 16, fh: 3, s: 1, p: 1, efh: 3, es: 2, ep: 1, eAct: "relu6", dAct: "relu6"}, // a network's first conv
	{h: 9, w: 30, c: 5, ce: 48, k: 24, fh: 3, s: 2, p: 1, efh: 3, es: 1, ep: 1, eAct: "relu", dAct: "relu6", padOut: 1},
}

// expansion returns the expansion's filter, stride and padding, and the
// map it makes (the depthwise conv's input).
func (tc invresCase) expansion() (f, s, p, h, w int) {
	f, s, p = max(tc.efh, 1), max(tc.es, 1), tc.ep
	return f, s, p, (tc.h+2*p-f)/s + 1, (tc.w+2*p-f)/s + 1
}

// geoms returns the case's three convs, as the graph generator lays them
// out: the expansion into a padded buffer, the depthwise conv into a dense
// one, the projection into out (padOut pixels wider each side).
func (tc invresCase) geoms() (ge, gd, gp ConvGeom) {
	ef, es, ep, eh, ew := tc.expansion()
	oh, ow := (eh+2*tc.p-tc.fh)/tc.s+1, (ew+2*tc.p-tc.fh)/tc.s+1
	prow := (ew + 2*tc.p) * tc.ce
	orow := (ow + 2*tc.padOut) * tc.k
	act := func(g *ConvGeom, a string) { g.ReLU, g.ReLU6 = a == "relu", a == "relu6" }
	ge = ConvGeom{C: tc.c, InRow: (tc.w + 2*ep) * tc.c, OH: eh, OW: ew, K: tc.ce, OutRow: prow, OutOff: tc.p*prow + tc.p*tc.ce,
		FH: ef, FW: ef, SH: es, SW: es, KB: block16(tc.ce)}
	act(&ge, tc.eAct)
	gd = ConvGeom{C: tc.ce, InRow: prow, OH: oh, OW: ow, K: tc.ce, OutRow: ow * tc.ce, FH: tc.fh, FW: tc.fh, SH: tc.s, SW: tc.s,
		KB: 16, Groups: tc.ce, H: eh, W: ew, PH: tc.p, PW: tc.p}
	act(&gd, tc.dAct)
	gp = ConvGeom{C: tc.ce, InRow: ow * tc.ce, OH: oh, OW: ow, K: tc.k, OutRow: orow, OutOff: tc.padOut*orow + tc.padOut*tc.k,
		FH: 1, FW: 1, SH: 1, SW: 1, KB: block16(tc.k)}
	return
}

func block16(k int) int {
	if k%32 == 0 {
		return 32
	}
	return 16
}

// naiveInvRes is the definition in float64, on PyTorch-layout weights
// (we [ce][c][efh][efh], wd [ce][fh][fh], wp [k][ce]): the dense output
// map.
func naiveInvRes(tc invresCase, in, we, be, wd, bd, wp, bp []float32) []float64 {
	act := func(v float64, a string) float64 {
		switch a {
		case "relu":
			return max(v, 0)
		case "relu6":
			return min(max(v, 0), 6)
		}
		return v
	}
	bias := func(b []float32, i int) float64 {
		if b == nil {
			return 0
		}
		return float64(b[i])
	}
	ef, es, ep, eh, ew := tc.expansion()
	e := make([]float64, eh*ew*tc.ce)
	for p := range eh * ew {
		for k := range tc.ce {
			v := bias(be, k)
			for c := range tc.c {
				for i := range ef {
					for j := range ef {
						yy, xx := p/ew*es+i-ep, p%ew*es+j-ep
						if yy >= 0 && yy < tc.h && xx >= 0 && xx < tc.w {
							v += float64(in[(yy*tc.w+xx)*tc.c+c]) * float64(we[((k*tc.c+c)*ef+i)*ef+j])
						}
					}
				}
			}
			e[p*tc.ce+k] = act(v, tc.eAct)
		}
	}
	oh, ow := (eh+2*tc.p-tc.fh)/tc.s+1, (ew+2*tc.p-tc.fh)/tc.s+1
	out := make([]float64, oh*ow*tc.k)
	d := make([]float64, tc.ce)
	for y := range oh {
		for x := range ow {
			for c := range tc.ce {
				v := bias(bd, c)
				for i := range tc.fh {
					for j := range tc.fh {
						yy, xx := y*tc.s+i-tc.p, x*tc.s+j-tc.p
						if yy >= 0 && yy < eh && xx >= 0 && xx < ew {
							v += e[(yy*ew+xx)*tc.ce+c] * float64(wd[(c*tc.fh+i)*tc.fh+j])
						}
					}
				}
				d[c] = act(v, tc.dAct)
			}
			for k := range tc.k {
				v := bias(bp, k)
				for c := range tc.ce {
					v += d[c] * float64(wp[k*tc.ce+c])
				}
				out[(y*ow+x)*tc.k+k] = v
			}
		}
	}
	return out
}

// TestInvResForward: the fused block equals the three kernels run one
// after the other through full buffers, and the float64 definition, on
// every kernel path, for whole ranges, split ranges and bands of 1 to
// many rows.
func TestInvResForward(t *testing.T) {
	saved := invresBand
	defer func() { invresBand = saved }()
	eachKernelSet(t, func(t *testing.T) {
		for n, tc := range invresCases {
			r := NewRand(uint64(n + 700))
			x := randSlice(r, tc.h*tc.w*tc.c)
			ef, _, ep, eh, _ := tc.expansion()
			in := pad(x, tc.h, tc.w, tc.c, ep, ep)
			we, wd, wp := randSlice(r, tc.ce*tc.c*ef*ef), randSlice(r, tc.ce*tc.fh*tc.fh), randSlice(r, tc.k*tc.ce)
			be, bd, bp := randSlice(r, tc.ce), randSlice(r, tc.ce), randSlice(r, tc.k)
			if tc.noBias {
				be, bd, bp = nil, nil, nil
			}
			want := naiveInvRes(tc, x, we, be, wd, bd, wp, bp)
			ge, gd, gp := tc.geoms()
			pe, pd, pp := make([]float32, ge.WeightLen()), make([]float32, DepthwiseWeightLen(&gd)), make([]float32, gp.WeightLen())
			PackConv(pe, we, tc.ce, tc.c, ef, ef, ge.KB, false)
			PackDepthwise(pd, wd, tc.ce, tc.fh, tc.fh, false)
			PackConv(pp, wp, tc.k, tc.ce, 1, 1, gp.KB, false)
			var s Scratch
			// The composition of the unfused kernels.
			e := make([]float32, (eh+2*tc.p)*gd.InRow)
			d := make([]float32, gd.OH*gd.OutRow)
			ref := make([]float32, gp.needOut())
			if ef == 1 {
				Conv1x1Forward(&ge, &s, e, in, pe, be, 0, ge.OH)
			} else {
				ConvForward(&ge, &s, e, in, pe, be, 0, ge.OH)
			}
			DepthwiseForward(&gd, &s, d, e, pd, bd, 0, gd.OH)
			Conv1x1Forward(&gp, &s, ref, d, pp, bp, 0, gp.OH)
			dense := func(out []float32) []float32 {
				v := make([]float32, 0, gp.OH*gp.OW*gp.K)
				for y := range gp.OH {
					for x := range gp.OW {
						v = append(v, out[gp.OutOff+y*gp.OutRow+x*gp.K:][:gp.K]...)
					}
				}
				return v
			}
			closeTo(t, tc.String()+" unfused", dense(ref), want, 1e-5)
			refDense := make([]float64, len(want))
			for i, v := range dense(ref) {
				refDense[i] = float64(v)
			}
			for _, band := range []int{1 << 30, 1, 60 << 10} {
				invresBand = band
				for _, split := range []int{0, 1, gp.OH / 2} {
					out := make([]float32, gp.needOut())
					for i := range out {
						out[i] = 7
					}
					InvResForward(&ge, &gd, &gp, &s, out, in, pe, be, pd, bd, pp, bp, 0, split)
					InvResForward(&ge, &gd, &gp, &s, out, in, pe, be, pd, bd, pp, bp, split, gp.OH)
					what := fmt.Sprintf("%s band %d split %d", tc, band, split)
					closeTo(t, what, dense(out), want, 1e-5)
					closeTo(t, what+" against unfused", dense(out), refDense, 1e-6)
					for i, v := range out {
						y, x := (i/gp.OutRow)-tc.padOut, (i%gp.OutRow)/gp.K-tc.padOut
						if (y < 0 || y >= gp.OH || x < 0 || x >= gp.OW) && v != 7 {
							t.Fatalf("%s: wrote [%d] outside the output", what, i)
						}
					}
				}
			}
		}
	})
}

// TestInvResShapes: geometries that do not chain, short buffers and rows
// out of range panic with ErrShape.
func TestInvResShapes(t *testing.T) {
	tc := invresCases[1]
	ge, gd, gp := tc.geoms()
	in, out := make([]float32, ge.needIn()), make([]float32, gp.needOut())
	pe, pd, pp := make([]float32, ge.WeightLen()), make([]float32, DepthwiseWeightLen(&gd)), make([]float32, gp.WeightLen())
	var s Scratch
	run := func(ge, gd, gp ConvGeom, out, in, pe, pp []float32, y0, y1 int) func() {
		return func() { InvResForward(&ge, &gd, &gp, &s, out, in, pe, nil, pd, nil, pp, nil, y0, y1) }
	}
	grouped, narrow, noPad := ge, gp, gd
	grouped.Groups = 2
	narrow.C--
	noPad.InRow = gd.W * gd.C
	wantShapePanics(t, map[string]func(){
		"grouped expansion": run(grouped, gd, gp, out, in, pe, pp, 0, 1),
		"channels":          run(ge, gd, narrow, out, in, pe, pp, 0, 1),
		"rows too short":    run(ge, noPad, gp, out, in, pe, pp, 0, 1),
		"short in":          run(ge, gd, gp, out, in[:len(in)-1], pe, pp, 0, 1),
		"short out":         run(ge, gd, gp, out[:len(out)-1], in, pe, pp, 0, 1),
		"short we":          run(ge, gd, gp, out, in, pe[:len(pe)-1], pp, 0, 1),
		"short wp":          run(ge, gd, gp, out, in, pe, pp[:len(pp)-1], 0, 1),
		"rows past OH":      run(ge, gd, gp, out, in, pe, pp, 0, gp.OH+1),
	})
}
