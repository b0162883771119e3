// Package draw draws a checked network: as an SVG block diagram (the classic
// picture of stacked feature maps with the filters between them), as a
// Graphviz dot graph, or as a Mermaid flowchart. Every drawing is a pure
// function of the Net: the same network gives the same bytes, so pictures
// can be committed and checked for freshness like generated code.
//
// The functions draw the layers whose shapes are known and stop at a layer
// marked Failed; cnnc draw refuses a network with errors before drawing it.
package draw

import (
	"fmt"
	"strings"

	"github.com/cnnc/cnnc/compiler"
)

// Formats maps each output format's name to its drawing function.
var Formats = map[string]func(*compiler.Net) []byte{
	"svg":     SVG,
	"dot":     Dot,
	"mermaid": Mermaid,
}

// stage is one feature map of the block diagram: the input, or the output
// of a conv, pool, fc or (on a map) softmax layer, with the element-wise
// layers that follow it as notes. Count > 1 stands for that many consecutive
// copies of one statement of a repeat block that all give this shape.
type stage struct {
	op    *compiler.Layer // nil for the input
	shape compiler.Shape
	notes []*compiler.Layer // activations, dropout, softmax on a vector
	count int
}

// style returns the style of the layer that made the stage's map, or the
// input's.
func (s *stage) style() style {
	if s.op == nil {
		return inputStyle
	}
	return kindStyle(s.op.Kind)
}

// stages returns the feature maps of net in order, with consecutive copies
// of one repeat statement that keep the shape merged into one stage.
func stages(net *compiler.Net) []*stage {
	out := []*stage{{shape: net.Input, count: 1}}
	for _, l := range net.Layers {
		if l.Failed {
			break
		}
		last := out[len(out)-1]
		if l.Kind.Elementwise() || l.Kind == compiler.Softmax && l.In.Flat {
			last.notes = append(last.notes, l)
			continue
		}
		out = append(out, &stage{op: l, shape: l.Out, count: 1})
	}
	return merge(out)
}

// merge folds runs of stages made by copies of the same statement of a
// repeat block (so the same text and position), when each later copy maps
// the shape to itself and carries the same notes: VGG's
// `repeat 4 { conv 3x3x512 s1 p1; relu }` becomes one map drawn with ×4.
func merge(ss []*stage) []*stage {
	out := ss[:1]
	for _, s := range ss[1:] {
		last := out[len(out)-1]
		if last.op != nil && s.op.Copy != nil && s.op.Pos == last.op.Pos && s.op.Text == last.op.Text &&
			s.op.In == s.shape && s.shape == last.shape && sameNotes(s.notes, last.notes) {
			last.count++
			continue
		}
		out = append(out, s)
	}
	return out
}

func sameNotes(a, b []*compiler.Layer) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Text != b[i].Text {
			return false
		}
	}
	return true
}

// style is how one kind of layer is coloured, in every format: a base
// colour for strokes and text and a light fill.
type style struct {
	name   string // as the legend names it
	stroke string
	fill   string
}

// The colours are Tableau 10's, which stay apart for most kinds of colour
// blindness and print well in grey.
var (
	inputStyle    = style{"input", "#79706e", "#e4e1df"}
	convStyle     = style{"conv", "#4e79a7", "#c9d9ec"}
	maxPoolStyle  = style{"max pool", "#e07b1f", "#fbdcbf"}
	meanPoolStyle = style{"mean pool", "#3f9a94", "#c8e6e3"}
	fcStyle       = style{"fc", "#8c5e9e", "#e3d3ea"}
	softmaxStyle  = style{"softmax", "#d1434a", "#f6cfd1"}
	actStyle      = style{"activation", "#3e8a37", "#ddeeda"}
	dropoutStyle  = style{"dropout", "#79706e", "#eeeceb"}
)

func kindStyle(k compiler.Kind) style {
	switch k {
	case compiler.Conv:
		return convStyle
	case compiler.MaxPool:
		return maxPoolStyle
	case compiler.MeanPool:
		return meanPoolStyle
	case compiler.FC:
		return fcStyle
	case compiler.Softmax:
		return softmaxStyle
	case compiler.Dropout:
		return dropoutStyle
	}
	return actStyle
}

// opLabel is the short caption of the layer that made a map: "conv 3×3",
// "conv 11×11 s4", "max 3×3 s2", "fc", "softmax". Sizes the shape already
// shows (the filter count) and defaults (stride 1 for a conv, the window for
// a pool, no padding) are left out.
func opLabel(l *compiler.Layer) string {
	switch l.Kind {
	case compiler.Conv, compiler.MaxPool, compiler.MeanPool:
		name := "conv"
		defS, defW := 1, 1
		if l.Kind != compiler.Conv {
			name = strings.Fields(l.Text)[1] // max, mean or avg, as written
			defS, defW = l.FH, l.FW
		}
		s := fmt.Sprintf("%s %d×%d", name, l.FH, l.FW)
		if l.SH != defS || l.SW != defW {
			s += " s" + pair(l.SH, l.SW)
		}
		if l.PH != 0 || l.PW != 0 {
			s += " p" + pair(l.PH, l.PW)
		}
		return s
	}
	return l.Kind.String()
}

// pair formats a stride or padding as the language does: "2", or "2×1".
func pair(a, b int) string {
	if a == b {
		return fmt.Sprint(a)
	}
	return fmt.Sprintf("%d×%d", a, b)
}

// shapeLabel formats a shape for a caption: "224×224×64", or "4096".
func shapeLabel(s compiler.Shape) string {
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
func totals(net *compiler.Net) string {
	c := net.Costs()
	s := compiler.BigCount(c.Params) + " parameters · " + compiler.BigCount(c.MACs) + " multiply-adds"
	if c.MACs >= 1000 {
		s += " (" + short(c.MACs) + ")"
	}
	return s + " per image"
}
