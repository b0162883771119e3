package compiler

import (
	"fmt"
	"math"
	"strconv"
)

// axis is the geometry of a conv or pool along one axis: input size W,
// filter size F, stride S and padding P.
type axis struct{ W, F, S, P int }

// out returns the output size (W-F+2P)/S+1 and whether it is valid: a whole
// number of at least 1. For example, W=224, F=3, P=1, S=1 gives 224, and
// W=3, F=2, P=0, S=2 gives 1.5, which is not valid.
//
// A fractional size is rejected rather than floored (as PyTorch does) because
// flooring silently drops the last rows or columns of the input: a shape
// linter should make that visible and let the author choose a padding.
func (a axis) out() (int, bool) {
	num := a.W - a.F + 2*a.P
	if num < 0 || num%a.S != 0 {
		return 0, false
	}
	return num/a.S + 1, true
}

// arithmetic shows how out is computed with a's numbers and why it fails:
// "(3 - 2 + 0)/2 + 1 = 1.5 is not a whole number".
func (a axis) arithmetic() string {
	num := a.W - a.F + 2*a.P
	v := float64(num)/float64(a.S) + 1
	expr := fmt.Sprintf("(%d - %d + %d)/%d + 1 = %s", a.W, a.F, 2*a.P, a.S, formatDecimal(v))
	switch {
	case v < 1:
		return expr + " is below 1"
	case num%a.S != 0:
		return expr + " is not a whole number"
	}
	return expr
}

// formatDecimal prints v rounded to at most two decimals: 1.5, 2.67, -1.
func formatDecimal(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// geometry is the two axes of a conv or pool: height then width.
type geometry [2]axis

// out returns the output height and width, and the index of the first axis
// that is invalid (-1 when both are valid).
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

// explain describes why axis bad fails; it names the axis unless the two
// axes fail in exactly the same way.
func (g geometry) explain(bad int) string {
	if g[0] == g[1] {
		return g[bad].arithmetic()
	}
	return [2]string{"height ", "width "}[bad] + g[bad].arithmetic()
}

// fix looks for the nearest change of padding (tried first, as it keeps the
// downsampling the author chose) or else of stride that makes both axes
// valid, and returns it as an option ("p1", "s1", "p1x0") with the output
// it gives. maxPad bounds the padding per axis (a pool's padding may not
// exceed half its window). ok is false when nothing nearby works.
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
	for d := 1; d <= max(g[0].S, g[1].S)+max(g[0].F, g[1].F); d++ {
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

// nearestPad returns the valid padding in [0, maxPad] nearest to a.P,
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
