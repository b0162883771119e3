package runtime

import "math"

// opsSet is a kernel path's loops for batchnorm and the elementwise steps.
// Each runs over count pixels (or runs) of n values, the pixels of each
// buffer a stride apart (values); n is len of the per-channel vectors
// where there are some. Every buffer is bounds-checked by the caller, n
// and count are at least 1.
//
// A clamp to [lo, hi] is a fused relu ([0, +∞]) or relu6 ([0, 6]); a
// value below lo becomes lo, one above hi becomes hi, a NaN stays NaN;
// [−∞, +∞] changes nothing. A mask by y passes the gradient d where
// lo < y < hi and gives 0 elsewhere (a NaN y included): the derivative of
// the clamp read from its output.
type opsSet struct {
	// scaleShift sets out[p·os+i] = clamp(in[p·is+i]·scale[i] + shift[i]).
	scaleShift func(out, in, scale, shift []float32, count, os, is int, lo, hi float32)
	// add sets out[p·os+i] = clamp(a[p·as+i] + b[p·bs+i]), i < n.
	add func(out, a, b []float32, n, count, os, as, bs int, lo, hi float32)
	// sqDev adds Σ_p (x[p·xs+i] − mean[i])² to acc[i].
	sqDev func(acc, x, mean []float32, count, xs int)
	// gradSums adds Σ_p d' to sdy[i] and Σ_p d'·(x[p·xs+i] − mean[i]) to
	// sdyx[i], d' being d[p·ds+i] masked by y[p·ys+i] when y is not nil.
	gradSums func(sdy, sdyx, x, d, y, mean []float32, count, xs, ds, ys int, lo, hi float32)
	// bnGrad sets out[p·os+i] (adds to it with acc), for i < n, to
	// d'·a[i] + (x[p·xs+i] − mean[i])·b[i] + e[i], d' masked as in
	// gradSums, the coefficients in one block k of 4·bnChunk values: mean,
	// a, b and e, bnChunk apart.
	bnGrad func(out, d, x, y, k []float32, n, count, os, ds, xs, ys int, lo, hi float32, acc bool)
}

// portableOps are the scalar loops, the fallback of every kernel path
// without its own.
var portableOps = opsSet{scaleShift: scaleShiftPortable, add: addPortable,
	sqDev: sqDevPortable, gradSums: gradSumsPortable, bnGrad: bnGradPortable}

func init() { portableKernels.ops = portableOps }

// clamp returns the bounds of a's clamp and whether a is one (none, relu
// or relu6), which the ops loops fuse.
func (a Act) clamp() (lo, hi float32, ok bool) {
	switch a {
	case ActReLU:
		return 0, float32(math.Inf(1)), true
	case ActReLU6:
		return 0, 6, true
	}
	lo, hi = noClamp()
	return lo, hi, a == ActNone
}

// noClamp returns the bounds that change nothing, −∞ and +∞.
func noClamp() (lo, hi float32) { return float32(math.Inf(-1)), float32(math.Inf(1)) }

// clampf is v clamped to [lo, hi], a NaN kept; Go's min and max, not
// branches, which signs at random would mispredict.
func clampf(v, lo, hi float32) float32 { return min(max(v, lo), hi) }

// clamps reports whether [lo, hi] changes anything.
func clamps(lo, hi float32) bool { return lo > float32(math.Inf(-1)) || hi < float32(math.Inf(1)) }

// clampRun clamps the values of o to [lo, hi]: nothing to do for
// [−∞, +∞], a max alone for relu.
func clampRun(o []float32, lo, hi float32) {
	switch {
	case !clamps(lo, hi):
	case hi == float32(math.Inf(1)):
		for i, v := range o {
			o[i] = max(v, lo)
		}
	default:
		for i, v := range o {
			o[i] = clampf(v, lo, hi)
		}
	}
}

func scaleShiftPortable(out, in, scale, shift []float32, count, os, is int, lo, hi float32) {
	n := len(scale)
	shift = shift[:n]
	for p := range count {
		o, x := out[p*os:][:n], in[p*is:][:n]
		for i, s := range scale {
			o[i] = x[i]*s + shift[i]
		}
		clampRun(o, lo, hi)
	}
}

func addPortable(out, a, b []float32, n, count, os, as, bs int, lo, hi float32) {
	for p := range count {
		o, x, y := out[p*os:][:n], a[p*as:][:n], b[p*bs:][:n]
		for i, v := range x {
			o[i] = v + y[i]
		}
		clampRun(o, lo, hi)
	}
}

func sqDevPortable(acc, x, mean []float32, count, xs int) {
	n := len(mean)
	acc = acc[:n]
	for p := range count {
		for i, v := range x[p*xs:][:n] {
			d := v - mean[i]
			acc[i] += d * d
		}
	}
}

// masked is d, or 0 where y (when not nil) is not within (lo, hi).
func masked(d float32, y []float32, i int, lo, hi float32) float32 {
	if y != nil && !(y[i] > lo && y[i] < hi) {
		return 0
	}
	return d
}

func gradSumsPortable(sdy, sdyx, x, d, y, mean []float32, count, xs, ds, ys int, lo, hi float32) {
	n := len(mean)
	sdy, sdyx = sdy[:n], sdyx[:n]
	for p := range count {
		xr, dr := x[p*xs:][:n], d[p*ds:][:n]
		var yr []float32
		if y != nil {
			yr = y[p*ys:][:n]
		}
		for i, dv := range dr {
			dv = masked(dv, yr, i, lo, hi)
			sdy[i] += dv
			sdyx[i] += dv * (xr[i] - mean[i])
		}
	}
}

func bnGradPortable(out, d, x, y, k []float32, n, count, os, ds, xs, ys int, lo, hi float32, acc bool) {
	mean, a, b, e := k[:n], k[bnChunk:][:n], k[2*bnChunk:][:n], k[3*bnChunk:][:n]
	for p := range count {
		o, xr, dr := out[p*os:][:n], x[p*xs:][:n], d[p*ds:][:n]
		var yr []float32
		if y != nil {
			yr = y[p*ys:][:n]
		}
		for i, dv := range dr {
			r := masked(dv, yr, i, lo, hi)*a[i] + (xr[i]-mean[i])*b[i] + e[i]
			if acc {
				o[i] += r
			} else {
				o[i] = r
			}
		}
	}
}
