package data

import "math"

// Resize resizes x, c channels of h×w values, to oh×ow by bilinear
// interpolation as PyTorch's interpolate(mode="bilinear",
// align_corners=False, antialias=False) does, and so torchvision's
// transforms.Resize((oh, ow), antialias=False) on a float tensor: output
// row i reads input row s = (i + 0.5)·h/oh − 0.5 (0 where it is negative),
// between rows ⌊s⌋ and ⌊s⌋+1 (the last row for both at the edge), with
// weights 1 − (s − ⌊s⌋) and s − ⌊s⌋; columns alike. Shrinking by more than
// two reads only the pixels next to each sample point (no antialiasing).
// The sums are computed in float64 and rounded to float32.
func Resize(x []float32, c, h, w, oh, ow int) []float32 {
	rows := linearTaps(h, oh)
	cols := linearTaps(w, ow)
	out := make([]float32, c*oh*ow)
	for ch := range c {
		in := x[ch*h*w : (ch+1)*h*w]
		o := out[ch*oh*ow : (ch+1)*oh*ow]
		for i, r := range rows {
			top, bottom := in[r.i0*w:(r.i0+1)*w], in[r.i1*w:(r.i1+1)*w]
			for j, cl := range cols {
				t := cl.w0*float64(top[cl.i0]) + cl.w1*float64(top[cl.i1])
				b := cl.w0*float64(bottom[cl.i0]) + cl.w1*float64(bottom[cl.i1])
				o[i*ow+j] = float32(r.w0*t + r.w1*b)
			}
		}
	}
	return out
}

// tap is where one output row (or column) reads: two input rows and their
// weights.
type tap struct {
	i0, i1 int
	w0, w1 float64
}

func linearTaps(in, out int) []tap {
	taps := make([]tap, out)
	scale := float64(in) / float64(out)
	for i := range taps {
		s := max((float64(i)+0.5)*scale-0.5, 0)
		i0 := min(int(math.Floor(s)), in-1)
		i1 := min(i0+1, in-1)
		l := min(max(s-float64(i0), 0), 1)
		taps[i] = tap{i0: i0, i1: i1, w0: 1 - l, w1: l}
	}
	return taps
}
