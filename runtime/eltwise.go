package runtime

import "fmt"

// Layout places an H×W×C map in a buffer: value (y, x, c) is at
//
//	Off + y·Row + x·Pix + c
//
// Row is the values per row (padding included), Pix the values per pixel:
// C for a map of its own, more for a channel slice [c0, c0+C) of a wider
// map of Pix channels, whose Off then includes c0 (how concat's branches
// write into one buffer without copies). A padded buffer's Off is the
// offset of pixel (0, 0) past the padding.
type Layout struct{ Off, Row, Pix int }

// Dense is the layout of an unpadded w×c map of its own: rows of w·c
// values, pixels of c.
func Dense(w, c int) Layout { return Layout{Row: w * c, Pix: c} }

// at is the index of value (y, x, c).
func (l Layout) at(y, x, c int) int { return l.Off + y*l.Row + x*l.Pix + c }

// check panics with ErrShape unless buf holds an h×w×c map laid out by l
// (pixels at least c apart, rows at least a row of pixels apart).
func (l Layout) check(fn, what string, buf []float32, h, w, c int) {
	l.checkAt(fn, what, -1, buf, h, w, c)
}

// checkAt is check for buffer k of several (k ≥ 0), named "what k".
func (l Layout) checkAt(fn, what string, k int, buf []float32, h, w, c int) {
	if h <= 0 || w <= 0 || c <= 0 {
		return
	}
	need := l.at(h-1, w-1, c)
	if l.Off < 0 || l.Pix < c || h > 1 && l.Row < (w-1)*l.Pix+c || len(buf) < need {
		if k >= 0 {
			what = fmt.Sprintf("%s %d", what, k)
		}
		panic(fmt.Errorf("%w: %s: %s buffer of %d values does not hold a %dx%dx%d map laid out as %+v (needs %d)",
			ErrShape, fn, what, len(buf), h, w, c, l, need))
	}
}

// checkRange panics with ErrShape unless 0 ≤ lo ≤ hi ≤ n.
func checkRange(fn string, lo, hi, n int) {
	if lo < 0 || lo > hi || hi > n {
		panic(fmt.Errorf("%w: %s: work range [%d, %d) is not within [0, %d)", ErrShape, fn, lo, hi, n))
	}
}

// EltGeom describes an elementwise step on H×W×C maps, each buffer with a
// layout of its own: Add and the activations, forward and backward. The
// work units are rows: a call computes rows [y0, y1), so that workers
// given different rows never write the same values. A buffer may be the
// same as another when their layouts are equal (in place).
type EltGeom struct {
	H, W, C int
	Out     Layout   // the output y
	In      []Layout // the inputs: one per input of Add, one for an activation
	DOut    Layout   // the output's gradient dy
	DIn     []Layout // the inputs' gradients dx, one per input
	Act     Act      // the activation, applied to Add's sum as it is stored
	Alpha   float32  // leaky's negative slope
	// Acc, one per input, makes the backward kernels add to dx instead of
	// setting it, for a value with several readers (nil: set every dx).
	Acc []bool
}

// acc reports whether input k's gradient is added to.
func (g *EltGeom) acc(k int) bool { return k < len(g.Acc) && g.Acc[k] }

// runs returns how the rows of an h×w×c map laid out by every one of ls
// split into runs for the ops loops: one run of w·c values a row when
// every layout is dense (Pix = c), else w runs of c values a row.
func runs(w, c int, ls ...Layout) (n, count int) {
	for _, l := range ls {
		if l.Pix != c {
			return c, w
		}
	}
	return w * c, 1
}

// Add computes rows [y0, y1) of a residual merge, the sum of its inputs
// value by value, with g.Act applied as it is stored:
//
//	out[y][x][c] = act(Σ_k in_k[y][x][c])
//
// in holds one buffer per layout of g.In (two or more); out may be in[0]
// or in[1] when its layout is the same (not a later input: it holds the
// partial sum). Relu, relu6 and no activation are fused
// into the vector loops; the others pass over the rows once more. It panics
// with ErrShape if a buffer is too short for its layout.
func Add(g *EltGeom, out []float32, in [][]float32, y0, y1 int) {
	if len(in) < 2 || len(g.In) != len(in) {
		panic(fmt.Errorf("%w: Add: %d inputs for %d layouts (want 2 or more)", ErrShape, len(in), len(g.In)))
	}
	checkRange("Add", y0, y1, g.H)
	g.Out.check("Add", "output", out, g.H, g.W, g.C)
	for k, l := range g.In {
		l.checkAt("Add", "input", k, in[k], g.H, g.W, g.C)
	}
	lo, hi, fused := g.Act.clamp()
	for y := y0; y < y1; y++ {
		for k := 1; k < len(in); k++ {
			a, al := out, g.Out // the sum so far
			if k == 1 {
				a, al = in[0], g.In[0]
			}
			b, bl := in[k], g.In[k]
			n, count := runs(g.W, g.C, g.Out, al, bl)
			l, h := noClamp()
			if k == len(in)-1 {
				l, h = lo, hi
			}
			kernels.ops.add(out[g.Out.at(y, 0, 0):], a[al.at(y, 0, 0):], b[bl.at(y, 0, 0):],
				n, count, g.Out.Pix, al.Pix, bl.Pix, l, h)
		}
	}
	if !fused {
		actRows(g, out, g.Out, out, g.Out, y0, y1)
	}
}

// ActForward computes rows [y0, y1) of a standalone activation,
// out[y][x][c] = act(in[y][x][c]), in laid out by g.In[0] and out by
// g.Out (in place when they are the same buffer and layout). The
// functions are defined with Act's constants.
func ActForward(g *EltGeom, out, in []float32, y0, y1 int) {
	checkRange("ActForward", y0, y1, g.H)
	if len(g.In) < 1 {
		panic(fmt.Errorf("%w: ActForward: no input layout", ErrShape))
	}
	g.Out.check("ActForward", "output", out, g.H, g.W, g.C)
	g.In[0].check("ActForward", "input", in, g.H, g.W, g.C)
	actRows(g, out, g.Out, in, g.In[0], y0, y1)
}

// actRows applies g.Act to rows [y0, y1) of in (layout il) into out.
func actRows(g *EltGeom, out []float32, ol Layout, in []float32, il Layout, y0, y1 int) {
	for y := y0; y < y1; y++ {
		for x := range g.W {
			actValues(g.Act, g.Alpha, out[ol.at(y, x, 0):][:g.C], in[il.at(y, x, 0):][:g.C])
		}
	}
}

// ActBackward computes rows [y0, y1) of an activation's input gradient,
//
//	dx[y][x][c] = act'(·) · dy[y][x][c]   (dx += … when g.Acc)
//
// the derivative read from the output y (laid out by g.Out) for relu,
// relu6, sigmoid and tanh, and from the input x (g.In[0]) for leaky,
// hardswish, silu and gelu, as Act.FromOutput tells: the other may be nil.
// dy is laid out by g.DOut, dx by g.DIn[0]; dx may be dy itself (same
// layout, not with Acc).
func ActBackward(g *EltGeom, din, dout, x, y []float32, y0, y1 int) {
	const fn = "ActBackward"
	checkRange(fn, y0, y1, g.H)
	if len(g.DIn) < 1 {
		panic(fmt.Errorf("%w: %s: no input gradient layout", ErrShape, fn))
	}
	g.DIn[0].check(fn, "input gradient", din, g.H, g.W, g.C)
	g.DOut.check(fn, "output gradient", dout, g.H, g.W, g.C)
	from, fl := y, g.Out
	switch {
	case g.Act == ActNone:
		from, fl = dout, g.DOut
	case !g.Act.FromOutput():
		if len(g.In) < 1 {
			panic(fmt.Errorf("%w: %s: no input layout", ErrShape, fn))
		}
		from, fl = x, g.In[0]
	}
	fl.check(fn, "activation", from, g.H, g.W, g.C)
	for yy := y0; yy < y1; yy++ {
		for xx := range g.W {
			dx := din[g.DIn[0].at(yy, xx, 0):][:g.C]
			dy := dout[g.DOut.at(yy, xx, 0):][:g.C]
			actGrads(g.Act, g.Alpha, dx, dy, from[fl.at(yy, xx, 0):][:g.C], g.acc(0))
		}
	}
}

// AddBackward passes the gradient of a residual merge, dy (laid out by
// g.DOut), to each of its inputs, rows [y0, y1): din[k], laid out by
// g.DIn[k], receives dy itself, or has it added with g.Acc[k]:
//
//	dx_k[y][x][c] = dy[y][x][c]   (+= with Acc[k])
//
// A fused activation's derivative is not applied here: run ActBackward on
// dy first (in place). An input whose gradient buffer is dy itself (same
// layout) needs nothing: give it a nil din[k]. It panics with ErrShape if
// a buffer is too short.
func AddBackward(g *EltGeom, din [][]float32, dout []float32, y0, y1 int) {
	if len(din) != len(g.DIn) {
		panic(fmt.Errorf("%w: AddBackward: %d input gradients for %d layouts", ErrShape, len(din), len(g.DIn)))
	}
	for k, d := range din {
		if d != nil {
			cg := CopyGeom{H: g.H, W: g.W, C: g.C, Dst: g.DIn[k], Src: g.DOut, Acc: g.acc(k)}
			CopyMap(&cg, d, dout, y0, y1)
		}
	}
}
