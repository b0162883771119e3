package compiler

import (
	"fmt"
	"math"
	"strconv"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/dsl"
)

// options applies the stride and padding options of a conv (isConv) or pool
// to w, whose window is set. A pool's stride defaults to its window, a
// conv's to 1; paddings to 0.
func (c *checker) options(w *window, text string, opts []*dsl.Option, isConv bool) bool {
	w.SH, w.SW = 1, 1
	if !isConv {
		w.SH, w.SW = w.FH, w.FW
	}
	var stride, pad *dsl.Option
	ok := true
	for _, o := range opts {
		switch {
		case o.Stride != nil:
			if stride != nil {
				c.errorf(o.Pos, "option", "%s: stride given twice (%s and %s)", text, stride, o)
				ok = false
				continue
			}
			stride = o
			v, good := c.pair(o.Pos, text, "a stride", o.Stride, 1)
			if good {
				w.SH, w.SW = v[0], v[1]
			}
			ok = ok && good
		default:
			if pad != nil {
				c.errorf(o.Pos, "option", "%s: padding given twice (%s and %s)", text, pad, o)
				ok = false
				continue
			}
			pad = o
			if o.Same {
				good := c.same(w, text, o, isConv)
				ok = ok && good
				continue
			}
			v, good := c.pair(o.Pos, text, "a padding", o.Pad, 0)
			if good {
				w.PH, w.PW = v[0], v[1]
			}
			ok = ok && good
		}
	}
	if ok && !isConv && (2*w.PH > w.FH || 2*w.PW > w.FW) {
		c.errorf(pad.Pos, "range", "%s: padding %s is larger than half the window %dx%d (at most %s)",
			text, pairOption("p", w.PH, w.PW), w.FH, w.FW, pairOption("p", w.FH/2, w.FW/2))
		ok = false
	}
	return ok
}

// same applies `p same`: the padding (F-1)/2 that keeps H and W at stride 1,
// which exists only for odd filter sizes.
func (c *checker) same(w *window, text string, o *dsl.Option, isConv bool) bool {
	if !isConv {
		c.errorf(o.Pos, "option", "%s: p same is for conv only; give a pool's padding as pN or pNxN", text)
		return false
	}
	if w.FH%2 == 0 || w.FW%2 == 0 {
		c.errorf(o.Pos, "option", "%s: p same needs an odd filter size: a %dx%d filter has no centre, so no padding keeps the size (it would be %s)",
			text, w.FH, w.FW, samePad(w.FH, w.FW))
		return false
	}
	w.PH, w.PW = (w.FH-1)/2, (w.FW-1)/2
	return true
}

// samePad writes the fractional padding an even filter would need: "1.5".
func samePad(fh, fw int) string {
	h, w := formatDecimal(float64(fh-1)/2), formatDecimal(float64(fw-1)/2)
	if h == w {
		return h
	}
	return h + "x" + w
}

// formatDecimal prints v rounded to at most two decimals: 1.5, 2.67, -1.
func formatDecimal(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// pair checks the numbers of a stride or padding: one or two, each at least
// lo; one number stands for both axes.
func (c *checker) pair(pos lexer.Position, stmt, what string, p *dsl.Pair, lo int) ([]int, bool) {
	d := p.Dims
	if len(d.V) == 1 {
		d.V = []int{d.V[0], d.V[0]}
	}
	return c.sizes(pos, stmt, what, what[2:]+" N or NxN", d, 2, lo)
}

// pairOption writes an option such as "s2" or "p1x2".
func pairOption(letter string, a, b int) string {
	if a == b {
		return fmt.Sprintf("%s%d", letter, a)
	}
	return fmt.Sprintf("%s%dx%d", letter, a, b)
}
