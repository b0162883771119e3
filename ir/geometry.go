package ir

import (
	"fmt"
	"math"
	"strconv"
)

// axis is the geometry of a conv or pool along one axis: input size W,
// window F, stride S, padding P on each side and dilation D.
type axis struct{ W, F, S, P, D int }

// span is the width the window covers in the padded input, D·(F−1)+1.
func (a axis) span() int { return a.D*(a.F-1) + 1 }

// num is the numerator of the output rule, W + 2P − D·(F−1) − 1.
func (a axis) num() int { return a.W + 2*a.P - a.span() }

// unread returns how many rows (or columns) of the padded input no window
// reads, r = num mod S, and how many of those are real pixels rather than
// padding, r − P.
func (a axis) unread() (r, real int) {
	r = a.num() % a.S
	return r, r - a.P
}

// out returns the output size ⌊(W + 2P − D·(F−1) − 1)/S⌋ + 1, as PyTorch
// computes it, and whether cnnc accepts it. It is refused when it is below
// 1, or when flooring a fraction loses information: the last r = num mod S
// rows of the padded input are never read, and that is accepted only when
// r − P ≤ max(0, S − span), that is, the unread tail is padding, or no more
// real pixels than a stride wider than the window skips between windows
// anyway (ResNet's 1x1 stride-2 shortcut on 56: (56 − 1)/2 + 1 = 28.5,
// floored to 28).
func (a axis) out() (int, bool) {
	num := a.num()
	if num < 0 {
		return 0, false
	}
	if _, real := a.unread(); real > max(0, a.S-a.span()) {
		return 0, false
	}
	return num/a.S + 1, true
}

// arithmetic shows how out is computed with a's numbers and why it fails:
// "(3 - 2 + 0)/2 + 1 = 1.5 is not a whole number: flooring it would leave
// the last row of the input unread". what names the rows ("row", "column"
// or "row and column").
func (a axis) arithmetic(what string) string {
	num := a.num()
	v := float64(num)/float64(a.S) + 1
	expr := fmt.Sprintf("(%d - %d + %d)/%d + 1 = %s", a.W, a.F, 2*a.P, a.S, formatDecimal(v))
	if a.D != 1 {
		expr = fmt.Sprintf("(%d + %d - %d·(%d - 1) - 1)/%d + 1 = %s", a.W, 2*a.P, a.D, a.F, a.S, formatDecimal(v))
	}
	if num < 0 {
		return expr + " is below 1"
	}
	_, real := a.unread()
	last := "the last " + what
	if real > 1 {
		last = fmt.Sprintf("the last %d %ss", real, what)
		if what == "row and column" {
			last = fmt.Sprintf("the last %d rows and columns", real)
		}
	}
	return expr + " is not a whole number: flooring it would leave " + last + " of the input unread"
}

// formatDecimal prints v rounded to at most two decimals: 1.5, 2.67, -1.
func formatDecimal(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// geometry is the two axes of a conv or pool: height then width.
type geometry [2]axis

// out returns the output height and width, and the index of the first axis
// that is refused (-1 when both are accepted).
func (g geometry) out() (h, w, bad int) {
	h, okH := g[0].out()
	w, okW := g[1].out()
	switch {
	case !okH:
		return 0, 0, 0
	case !okW:
		return 0, 0, 1
	}
	return h, w, -1
}

// check returns the output height and width, or a Geometry error whose
// Detail explains the failing axis (naming it unless both axes fail alike)
// and whose Fix is the nearest change that works. maxPad bounds the padding
// of a fix per axis; c is the output's channels.
func (g geometry) check(in []Shape, maxPad [2]int, c int) (h, w int, err error) {
	h, w, bad := g.out()
	if bad < 0 {
		return h, w, nil
	}
	e := &ShapeError{Kind: Geometry, In: in, Axis: bad}
	if g[0] == g[1] {
		e.Axis = -1
		e.Detail = g[bad].arithmetic("row and column")
	} else {
		e.Detail = [2]string{"height ", "width "}[bad] + g[bad].arithmetic([2]string{"row", "column"}[bad])
	}
	if opt, fh, fw, ok := g.fix(maxPad); ok {
		e.Fix, e.FixOut = opt, Map(fh, fw, c)
	}
	return 0, 0, e
}

// fix looks for the nearest change of padding (tried first, as it keeps the
// downsampling the author chose) or else of stride that makes both axes
// accepted, and returns it as an option ("p1", "s1", "p1x0") with the
// output it gives. maxPad bounds the padding per axis (a pool's padding may
// not exceed half its window). ok is false when nothing nearby works.
func (g geometry) fix(maxPad [2]int) (opt string, h, w int, ok bool) {
	var pads [2]int
	padOK := true
	for i, a := range g {
		p, found := nearestPad(a, maxPad[i])
		pads[i], padOK = p, padOK && found
	}
	if padOK && pads != [2]int{g[0].P, g[1].P} {
		fixed := g
		fixed[0].P, fixed[1].P = pads[0], pads[1]
		h, w, _ := fixed.out()
		return pairOption("p", pads[0], pads[1]), h, w, true
	}
	// Strides: the nearest value that works on both axes, smaller first.
	for d := 1; d <= max(g[0].S, g[1].S)+max(g[0].span(), g[1].span()); d++ {
		for _, sign := range []int{-1, 1} {
			fixed := g
			fixed[0].S, fixed[1].S = g[0].S+sign*d, g[1].S+sign*d
			if fixed[0].S < 1 || fixed[1].S < 1 {
				continue
			}
			if h, w, bad := fixed.out(); bad < 0 {
				return pairOption("s", fixed[0].S, fixed[1].S), h, w, true
			}
		}
	}
	return "", 0, 0, false
}

// nearestPad returns the accepted padding in [0, maxPad] nearest to a.P,
// preferring the smaller of two at the same distance.
func nearestPad(a axis, maxPad int) (int, bool) {
	for d := 0; d <= maxPad+a.P; d++ {
		for _, p := range []int{a.P - d, a.P + d} {
			if p < 0 || p > maxPad {
				continue
			}
			b := a
			b.P = p
			if _, ok := b.out(); ok {
				return p, true
			}
		}
	}
	return 0, false
}

// pairOption writes an option such as "s2" or "p1x2".
func pairOption(letter string, a, b int) string {
	if a == b {
		return fmt.Sprintf("%s%d", letter, a)
	}
	return fmt.Sprintf("%s%dx%d", letter, a, b)
}

// positive returns an Attribute error naming the first of the values that
// is below lo, or nil.
func positive(in []Shape, lo int, named ...any) error {
	for i := 0; i+1 < len(named); i += 2 {
		if v := named[i+1].(int); v < lo {
			return &ShapeError{Kind: Attribute, In: in, Detail: fmt.Sprintf("%s must be at least %d, got %d", named[i], lo, v)}
		}
	}
	return nil
}
