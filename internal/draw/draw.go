// Package draw draws a checked network: as an SVG block diagram (the classic
// picture of stacked feature maps with the filters between them, branches
// side by side), as a Graphviz dot graph, or as a Mermaid flowchart. Every
// drawing is a pure function of the graph: the same network gives the same
// bytes, so pictures can be committed and checked for freshness like
// generated code.
//
// The functions draw the nodes a graph holds; cnnc draw refuses a network
// with errors before drawing it.
package draw

import (
	"fmt"
	"strings"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/ir"
)

// Formats maps each output format's name to its drawing function.
var Formats = map[string]func(*ir.Graph) []byte{
	"svg":     SVG,
	"dot":     Dot,
	"mermaid": Mermaid,
}

// style is how one kind of layer is coloured, in every format: a base
// colour for strokes and text and a light fill. Notes are drawn as pills,
// joins as a circle with a glyph.
type style struct {
	name   string // as the legend names it
	stroke string
	fill   string
	pill   bool
	glyph  rune // '+' for add, '|' for concat
}

// The colours are Tableau 10's, which stay apart for most kinds of colour
// blindness and print well in grey.
var (
	inputStyle     = style{name: "input", stroke: "#79706e", fill: "#e4e1df"}
	convStyle      = style{name: "conv", stroke: "#4e79a7", fill: "#c9d9ec"}
	maxPoolStyle   = style{name: "max pool", stroke: "#e07b1f", fill: "#fbdcbf"}
	meanPoolStyle  = style{name: "mean pool", stroke: "#3f9a94", fill: "#c8e6e3"}
	fcStyle        = style{name: "fc", stroke: "#8c5e9e", fill: "#e3d3ea"}
	softmaxStyle   = style{name: "softmax", stroke: "#d1434a", fill: "#f6cfd1"}
	addStyle       = style{name: "add", stroke: "#9c755f", fill: "#eee3dc", glyph: '+'}
	concatStyle    = style{name: "concat", stroke: "#c0577f", fill: "#f6dce6", glyph: '|'}
	actStyle       = style{name: "activation", stroke: "#3e8a37", fill: "#ddeeda", pill: true}
	batchNormStyle = style{name: "batchnorm", stroke: "#a88a1c", fill: "#f5ecc4", pill: true}
	dropoutStyle   = style{name: "dropout", stroke: "#79706e", fill: "#eeeceb", pill: true}
)

// allStyles is the legend's order.
var allStyles = []style{inputStyle, convStyle, maxPoolStyle, meanPoolStyle, fcStyle, softmaxStyle, addStyle, concatStyle, actStyle, batchNormStyle, dropoutStyle}

// kindStyle returns the style of the layer n.
func kindStyle(n *ir.Node) style {
	switch op := n.Op.(type) {
	case *ir.Conv:
		return convStyle
	case *ir.Pool:
		return poolStyle(op.Mode)
	case *ir.GlobalPool:
		return poolStyle(op.Mode)
	case *ir.FC:
		return fcStyle
	case *ir.Softmax:
		return softmaxStyle
	case *ir.Dropout:
		return dropoutStyle
	case *ir.BatchNorm:
		return batchNormStyle
	case *ir.Add:
		return addStyle
	case *ir.Concat:
		return concatStyle
	}
	return actStyle
}

func poolStyle(m ir.PoolMode) style {
	if m == ir.Max {
		return maxPoolStyle
	}
	return meanPoolStyle
}

// style returns the style of the layer that made a map or join, or the
// input's.
func (it *item) style() style {
	if it.node == nil {
		return inputStyle
	}
	return kindStyle(it.node)
}

// opLabel is the short caption of the layer that made a map: "conv 3×3",
// "conv 11×11 s4", "conv 3×3 p1 g32", "max 3×3 s2", "avg global", "fc",
// "softmax", "add". Sizes the shape already shows (the filter count) and
// defaults (stride 1 for a conv, the window for a pool, no padding, one
// group, no dilation) are left out.
func opLabel(n *ir.Node) string {
	switch op := n.Op.(type) {
	case *ir.Conv:
		return windowLabel("conv", op.FH, op.FW, op.SH, op.SW, op.PH, op.PW, 1, 1) +
			option(" g", op.Groups, op.Groups, 1) + option(" d", op.DH, op.DW, 1)
	case *ir.Pool:
		return windowLabel(poolWord(n.Text, op.Mode), op.FH, op.FW, op.SH, op.SW, op.PH, op.PW, op.FH, op.FW)
	case *ir.GlobalPool:
		return poolWord(n.Text, op.Mode) + " global"
	case *ir.Add:
		return "add"
	case *ir.Concat:
		return "concat"
	}
	return n.Op.Kind()
}

// poolWord returns max, mean or avg, as the statement is written.
func poolWord(text string, m ir.PoolMode) string {
	if f := strings.Fields(text); len(f) > 1 {
		return f[1]
	}
	if m == ir.Max {
		return "max"
	}
	return "mean"
}

func windowLabel(name string, fh, fw, sh, sw, ph, pw, defSH, defSW int) string {
	s := fmt.Sprintf("%s %d×%d", name, fh, fw)
	if sh != defSH || sw != defSW {
		s += " s" + pair(sh, sw)
	}
	return s + option(" p", ph, pw, 0)
}

// option formats an option unless it has its default value.
func option(name string, a, b, def int) string {
	if a == def && b == def {
		return ""
	}
	return name + pair(a, b)
}

// pair formats a stride or padding as the language does: "2", or "2×1".
func pair(a, b int) string {
	if a == b {
		return fmt.Sprint(a)
	}
	return fmt.Sprintf("%d×%d", a, b)
}

// shapeLabel formats a shape for a caption: "224×224×64", or "4096".
func shapeLabel(s ir.Shape) string {
	return strings.ReplaceAll(s.String(), "x", "×")
}

// short formats a count in thousands, millions or billions with two
// decimals: "19.63 G", "416.52 k"; below 1000 it is the count itself.
func short(n int64) string {
	v, unit := float64(n), ""
	for _, u := range []string{" k", " M", " G"} {
		if v < 1000 {
			break
		}
		v, unit = v/1000, u
	}
	if unit == "" {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%.2f%s", v, unit)
}

// totals is the one-line summary the legend and graph titles show.
func totals(g *ir.Graph) string {
	c := compiler.CostsOf(g)
	s := compiler.BigCount(c.Params) + " parameters · " + compiler.BigCount(c.MACs) + " multiply-adds"
	if c.MACs >= 1000 {
		s += " (" + short(c.MACs) + ")"
	}
	return s + " per image"
}
