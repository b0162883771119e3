package lsp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/dsl"
)

// Diagnostic is an LSP diagnostic.
type Diagnostic struct {
	Range    Range  `json:"range"`
	Severity int    `json:"severity"` // 1 error, 2 warning
	Code     string `json:"code,omitempty"`
	Source   string `json:"source"`
	Message  string `json:"message"`
}

// check runs cnnc's checker on d, as cnnc check does.
func (d *document) check() (*compiler.Net, compiler.Diagnostics) {
	return compiler.Source(d.name, []byte(d.text.s))
}

// diagnostics converts cnnc's diagnostics of d: the same messages, at the
// same places, each spanning its statement to the end of the statement.
func (d *document) diagnostics() []Diagnostic {
	_, ds := d.check()
	out := []Diagnostic{}
	for _, c := range ds {
		sev := 1
		if c.Severity == compiler.Warning {
			sev = 2
		}
		out = append(out, Diagnostic{
			Range:    d.text.rangeAt(c.Pos.Line, c.Pos.Column),
			Severity: sev,
			Code:     c.Code,
			Source:   "cnnc",
			Message:  c.Message,
		})
	}
	return out
}

// hoverResult is the answer to a hover: markdown over a range.
type hoverResult struct {
	Contents struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	} `json:"contents"`
	Range Range `json:"range"`
}

// maxHoverRows bounds the copies a hover lists.
const maxHoverRows = 16

// hover describes the statement under the cursor: for a layer, each layer
// it became (one per copy of its repeat blocks) with input and output
// shapes, parameters and multiply-adds; for the input, the whole network;
// for a repeat, the layers of all its copies; and the statement's errors
// and warnings. It returns nil (no hover)
// elsewhere and for a file whose shapes are unknown.
func (d *document) hover(at Position) *hoverResult {
	if d == nil {
		return nil
	}
	net, diags := d.check()
	if net == nil {
		return nil
	}
	line, col := d.text.lineCol(d.text.byteOffset(at))
	pos, ok := statementAt(net, line, col)
	if !ok {
		return nil
	}
	var b strings.Builder
	switch {
	case pos == net.InputPos:
		c := net.Costs()
		fmt.Fprintf(&b, "```cnn\ninput %s\n```\n", net.Input)
		fmt.Fprintf(&b, "Network **%s**: %s in, %s out; %s layers.\n\n", net.Name, net.Input, net.Output(), compiler.BigCount(int64(len(net.Layers))))
		fmt.Fprintf(&b, "%s parameters, %s multiply-adds per image.\n", compiler.BigCount(c.Params), macs(c.MACs))
	case isRepeat(net, pos):
		layers := inRepeat(net, pos)
		first, last := layers[0], layers[len(layers)-1]
		var params, ops int64
		for _, l := range layers {
			params += l.ParamCount()
			ops += l.MACs
		}
		fmt.Fprintf(&b, "```cnn\nrepeat %d { ... }\n```\n", repeatCount(first, pos))
		fmt.Fprintf(&b, "%s layers, %s in, %s out.\n\n", compiler.BigCount(int64(len(layers))), first.In, shapeOrError(last))
		fmt.Fprintf(&b, "%s parameters, %s multiply-adds per image.\n", compiler.BigCount(params), macs(ops))
	default:
		layerTable(&b, net, pos)
	}
	for _, c := range diags {
		if c.Pos.Line == pos.Line && c.Pos.Column == pos.Column {
			fmt.Fprintf(&b, "\n**%s**: %s\n", c.Severity, c.Message)
		}
	}
	h := &hoverResult{Range: d.text.rangeAt(pos.Line, pos.Column)}
	h.Contents.Kind, h.Contents.Value = "markdown", b.String()
	return h
}

// statementAt returns the position of the statement of net under line and
// col: the last one starting on the line at or before col, or the line's
// first when col is before them all.
func statementAt(net *compiler.Net, line, col int) (lexer.Position, bool) {
	var starts []lexer.Position
	add := func(p lexer.Position) {
		if p.Line == line && !slices.Contains(starts, p) {
			starts = append(starts, p)
		}
	}
	add(net.InputPos)
	for _, l := range net.Layers {
		add(l.Pos)
		for c := l.Copy; c != nil; c = c.Outer {
			add(compiler.LexPos(c.Pos))
		}
	}
	if len(starts) == 0 {
		return lexer.Position{}, false
	}
	slices.SortFunc(starts, func(a, b lexer.Position) int { return a.Column - b.Column })
	best := starts[0]
	for _, p := range starts {
		if p.Column <= col {
			best = p
		}
	}
	return best, true
}

func isRepeat(net *compiler.Net, pos lexer.Position) bool { return len(inRepeat(net, pos)) > 0 }

// inRepeat returns the layers made by copies of the repeat at pos.
func inRepeat(net *compiler.Net, pos lexer.Position) []*compiler.Layer {
	var out []*compiler.Layer
	for _, l := range net.Layers {
		if _, ok := l.InCopyOf(pos); ok {
			out = append(out, l)
		}
	}
	return out
}

func repeatCount(l *compiler.Layer, pos lexer.Position) int {
	if c, ok := l.InCopyOf(pos); ok {
		return c.N
	}
	return 0
}

// layerTable writes the layer statement at pos and a table row for each
// layer it became.
func layerTable(b *strings.Builder, net *compiler.Net, pos lexer.Position) {
	var rows []*compiler.Layer
	for _, l := range net.Layers {
		if l.Pos == pos {
			rows = append(rows, l)
		}
	}
	fmt.Fprintf(b, "```cnn\n%s\n```\n", rows[0].Text)
	b.WriteString("| layer | input | output | parameters | multiply-adds |\n|---|---|---|--:|--:|\n")
	for i, l := range rows {
		if i == maxHoverRows {
			more := "copies"
			if len(rows)-maxHoverRows == 1 {
				more = "copy"
			}
			fmt.Fprintf(b, "\n... and %d more %s\n", len(rows)-maxHoverRows, more)
			break
		}
		name := l.Name
		if l.Failed {
			name = "(error)"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", name, l.In, shapeOrError(l), compiler.BigCount(l.ParamCount()), macs(l.MACs))
	}
}

func shapeOrError(l *compiler.Layer) string {
	if l.Failed {
		return "error"
	}
	return l.Out.String()
}

// macs formats a multiply-add count: "86,704,128 (86.7 M)".
func macs(n int64) string {
	s := compiler.BigCount(n)
	for _, u := range []struct {
		v    float64
		name string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if float64(n) >= u.v {
			return fmt.Sprintf("%s (%.3g %s)", s, float64(n)/u.v, u.name)
		}
	}
	return s
}

// TextEdit is an LSP text edit.
type TextEdit struct {
	Range   Range  `json:"range"`
	NewText string `json:"newText"`
}

// format returns the edit that gives d cnnc fmt's layout: one edit over
// the whole text, or none when it is formatted already, has syntax errors
// or is not open (nil).
func (d *document) format() []TextEdit {
	if d == nil {
		return []TextEdit{}
	}
	f, errs := dsl.Parse(d.name, []byte(d.text.s))
	if len(errs) > 0 {
		return []TextEdit{}
	}
	out := string(dsl.Format(f))
	if out == d.text.s {
		return []TextEdit{}
	}
	whole := Range{End: d.text.position(len(d.text.s))}
	return []TextEdit{{Range: whole, NewText: out}}
}
