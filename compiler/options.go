package compiler

import (
	"fmt"
	"math"
	"strconv"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/dsl"
)

// window is the geometry and options of a conv or pool as written: filter
// (window), stride, padding and dilation per axis, groups, nobias, and
// where the groups option is (for the error when they do not divide the
// input's channels).
type window struct {
	FH, FW, SH, SW, PH, PW, DH, DW, G int
	NoBias                            bool
	GroupsPos                         lexer.Position
}

// optionName names the kind of option o is, for "given twice" messages.
func optionName(o *dsl.Option) string {
	switch {
	case o.Stride != nil:
		return "stride"
	case o.Pad != nil || o.Same:
		return "padding"
	case o.Groups != nil:
		return "groups"
	case o.Dilation != nil:
		return "dilation"
	}
	return "nobias"
}

// options applies the options of a conv (isConv) or pool to w, whose window
// is set. A pool's stride defaults to its window, a conv's to 1; paddings
// to 0, dilations and groups to 1. Options come in any order, each at most
// once; groups, dilation and nobias are for convs only.
func (c *checker) options(w *window, text string, opts []*dsl.Option, isConv bool) bool {
	w.SH, w.SW, w.DH, w.DW, w.G = 1, 1, 1, 1, 1
	if !isConv {
		w.SH, w.SW = w.FH, w.FW
	}
	given := map[string]*dsl.Option{}
	var same *dsl.Option
	ok := true
	for _, o := range opts {
		name := optionName(o)
		if !isConv && (name == "groups" || name == "dilation" || name == "nobias") {
			c.errorf(o.Pos, "option", "%s: %s is for conv only", text, o)
			ok = false
			continue
		}
		if prev := given[name]; prev != nil {
			if name == "nobias" {
				c.errorf(o.Pos, "option", "%s: nobias given twice", text)
			} else {
				c.errorf(o.Pos, "option", "%s: %s given twice (%s and %s)", text, name, prev, o)
			}
			ok = false
			continue
		}
		given[name] = o
		good := true
		switch name {
		case "stride":
			good = c.setPair(&w.SH, &w.SW, o.Pos, text, "a stride", o.Stride, 1)
		case "padding":
			switch {
			case o.Same && !isConv:
				c.errorf(o.Pos, "option", "%s: p same is for conv only; give a pool's padding as pN or pNxN", text)
				good = false
			case o.Same:
				same = o
			default:
				good = c.setPair(&w.PH, &w.PW, o.Pos, text, "a padding", o.Pad, 0)
			}
		case "dilation":
			good = c.setPair(&w.DH, &w.DW, o.Pos, text, "a dilation", o.Dilation, 1)
		case "groups":
			v, g := c.sizes(o.Pos, text, "the number of groups", "a number of groups, such as g2", o.Groups.Dims, 1, 1)
			if g {
				w.G, w.GroupsPos = v[0], o.Pos
			}
			good = g
		case "nobias":
			w.NoBias = true
		}
		ok = ok && good
	}
	if same != nil && ok {
		ok = c.same(w, text, same)
	}
	if pad := given["padding"]; ok && !isConv && (2*w.PH > w.FH || 2*w.PW > w.FW) {
		c.errorf(pad.Pos, "range", "%s: padding %s is larger than half the window %dx%d (at most %s)",
			text, pairOption("p", w.PH, w.PW), w.FH, w.FW, pairOption("p", w.FH/2, w.FW/2))
		ok = false
	}
	return ok
}

// setPair checks the numbers of a stride, padding or dilation and stores
// them in *h and *w.
func (c *checker) setPair(h, w *int, pos lexer.Position, text, what string, p *dsl.Pair, lo int) bool {
	v, ok := c.pair(pos, text, what, p, lo)
	if ok {
		*h, *w = v[0], v[1]
	}
	return ok
}

// same applies a conv's `p same`: the padding D·(F-1)/2 that keeps H and W
// at stride 1, which exists only when the dilated window D·(F-1)+1 is odd.
func (c *checker) same(w *window, text string, o *dsl.Option) bool {
	eh, ew := w.DH*(w.FH-1), w.DW*(w.FW-1)
	if eh%2 == 0 && ew%2 == 0 {
		w.PH, w.PW = eh/2, ew/2
		return true
	}
	if w.DH == 1 && w.DW == 1 {
		c.errorf(o.Pos, "option", "%s: p same needs an odd filter size: a %dx%d filter has no centre, so no padding keeps the size (it would be %s)",
			text, w.FH, w.FW, samePad(eh, ew))
		return false
	}
	c.errorf(o.Pos, "option", "%s: p same needs an odd window: a %dx%d filter dilated by %s spans %dx%d, which has no centre, so no padding keeps the size (it would be %s)",
		text, w.FH, w.FW, pairOption("", w.DH, w.DW), eh+1, ew+1, samePad(eh, ew))
	return false
}

// samePad writes the fractional padding half a window's reach would need:
// "1.5".
func samePad(eh, ew int) string {
	h, w := formatDecimal(float64(eh)/2), formatDecimal(float64(ew)/2)
	if h == w {
		return h
	}
	return h + "x" + w
}

// formatDecimal prints v rounded to at most two decimals: 1.5, 2.67, -1.
func formatDecimal(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// pair checks the numbers of a stride, padding or dilation: one or two,
// each at least lo; one number stands for both axes.
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
