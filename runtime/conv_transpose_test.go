package runtime

import (
	"math"
	"testing"
)

// TestTransposeConvDefinition: TransposeConv's packed weights, unpacked,
// are wt[c][k][i][j] = w[k][c][FH-1-i][FW-1-j], and the padding of the
// last block is zero whatever wt held, for channel counts that leave
// partial blocks on either side and block sizes that differ.
func TestTransposeConvDefinition(t *testing.T) {
	r := NewRand(4)
	for _, tc := range []struct{ k, c, fh, fw, kb, kbt int }{
		{16, 16, 3, 3, 16, 16}, {5, 3, 3, 3, 16, 16}, {40, 24, 3, 3, 32, 16},
		{17, 33, 5, 5, 16, 32}, {64, 3, 1, 3, 32, 32}, {2, 70, 3, 1, 8, 16},
	} {
		w := randSlice(r, tc.k*tc.c*tc.fh*tc.fw) // [K][C][FH][FW]
		packed := make([]float32, (tc.k+tc.kb-1)/tc.kb*tc.kb*tc.c*tc.fh*tc.fw)
		PackConv(packed, w, tc.k, tc.c, tc.fh, tc.fw, tc.kb, false)
		nt := (tc.c + tc.kbt - 1) / tc.kbt * tc.kbt * tc.k * tc.fh * tc.fw
		wt := make([]float32, nt)
		for i := range wt {
			wt[i] = float32(math.NaN()) // what the buffer held before
		}
		TransposeConv(wt, packed, tc.k, tc.c, tc.fh, tc.fw, tc.kb, tc.kbt)
		got := make([]float32, tc.c*tc.k*tc.fh*tc.fw) // [C][K][FH][FW]
		PackConv(wt, got, tc.c, tc.k, tc.fh, tc.fw, tc.kbt, true)
		nonzero := 0
		for c := range tc.c {
			for k := range tc.k {
				for i := range tc.fh {
					for j := range tc.fw {
						g := got[((c*tc.k+k)*tc.fh+i)*tc.fw+j]
						x := w[((k*tc.c+c)*tc.fh+tc.fh-1-i)*tc.fw+tc.fw-1-j]
						if g != x {
							t.Fatalf("%+v: wt[%d][%d][%d][%d] = %v, want %v", tc, c, k, i, j, g, x)
						}
					}
				}
			}
		}
		for _, v := range wt {
			if v != 0 {
				nonzero++
			}
		}
		if nonzero != len(w) { // the weights are random: the padding is zero
			t.Errorf("%+v: %d values of wt are not zero, want %d", tc, nonzero, len(w))
		}
	}
}

// TestGroupedTransposeDefinition: GroupedTranspose writes every value of
// wt, whatever it held before, as wt[gi][i][j][c][k] in blocks of KB
// channels c (the channels past Cg zero) = w[gi·Kg+k][c][i][j].
func TestGroupedTransposeDefinition(t *testing.T) {
	r := NewRand(6)
	for _, tc := range []struct{ k, c, fh, fw, groups, kb int }{
		{64, 64, 3, 3, 1, 32}, {64, 3, 7, 7, 1, 32}, {128, 64, 1, 1, 1, 32}, {24, 40, 3, 3, 2, 16}, {20, 12, 3, 1, 4, 16}, {48, 33, 1, 1, 1, 16},
	} {
		g := &ConvGeom{C: tc.c, K: tc.k, FH: tc.fh, FW: tc.fw, Groups: tc.groups, KB: tc.kb, SH: 1, SW: 1, DH: 1, DW: 1, H: 8, W: 8, OH: 8, OW: 8}
		cg, kg := tc.c/tc.groups, tc.k/tc.groups
		w := randSlice(r, tc.k*cg*tc.fh*tc.fw) // [K][Cg][FH][FW]
		packed := make([]float32, GroupedWeightLen(g))
		PackGrouped(g, packed, w, false)
		wt := make([]float32, GroupedTransposedLen(g))
		for i := range wt {
			wt[i] = float32(math.NaN())
		}
		GroupedTranspose(g, wt, packed)
		cp := (cg + tc.kb - 1) / tc.kb * tc.kb
		for gi := range tc.groups {
			for i := range tc.fh {
				for j := range tc.fw {
					for c := range cp {
						for k := range kg {
							got := wt[(((gi*tc.fh+i)*tc.fw+j)*cp/tc.kb+c/tc.kb)*kg*tc.kb+k*tc.kb+c%tc.kb]
							want := float32(0)
							if c < cg {
								want = w[(((gi*kg+k)*cg+c)*tc.fh+i)*tc.fw+j]
							}
							if got != want {
								t.Fatalf("%+v: wt[%d][%d][%d][%d][%d] = %v, want %v", tc, gi, i, j, c, k, got, want)
							}
						}
					}
				}
			}
		}
	}
}
