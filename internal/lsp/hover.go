package lsp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/dsl"
	"github.com/cnnc/cnnc/ir"
)

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

// analysis is a checked document: its statements and its graph.
type analysis struct {
	file  *dsl.File
	res   *compiler.Result
	diags compiler.Diagnostics
}

// analyse parses and checks d; nil when its shapes are unknown (a syntax
// error, no usable input).
func (d *document) analyse() *analysis {
	r, diags := compiler.Compile(d.name, []byte(d.text.s))
	if r == nil || r.Graph == nil {
		return nil
	}
	f, errs := dsl.Parse(d.name, []byte(d.text.s))
	if len(errs) > 0 {
		return nil
	}
	return &analysis{file: f, res: r, diags: diags}
}

// hover describes the statement under the cursor, read from the graph:
//   - a layer: each node it became (one per copy of its repeat blocks), by
//     its full PyTorch name, with input and output shapes, parameters and
//     multiply-adds;
//   - a block (repeat, residual, concat, labeled group): each copy of it
//     with input and output shapes, parameters and multiply-adds, and for a
//     residual or concat every branch's shape; then the totals over all
//     its nodes and copies;
//   - the input: the whole network;
//
// and the statement's errors and warnings. It returns nil (no hover)
// elsewhere and for a file whose shapes are unknown.
func (d *document) hover(at Position) *hoverResult {
	if d == nil {
		return nil
	}
	a := d.analyse()
	if a == nil {
		return nil
	}
	line, col := d.text.lineCol(d.text.byteOffset(at))
	t, ok := statementAt(a.file, line, col)
	if !ok {
		return nil
	}
	var b strings.Builder
	switch s := t.stmt.(type) {
	case *dsl.Model, *dsl.Bad:
	case *dsl.Input:
		network(&b, a)
	case *dsl.Repeat, *dsl.Residual, *dsl.Concat, *dsl.Group:
		blockTable(&b, a, t)
	default:
		layerTable(&b, a, s)
	}
	p, l := t.stmt.Position(), dsl.LabelOf(t.stmt)
	for _, c := range a.diags {
		if c.Pos.Line == p.Line && c.Pos.Column == p.Column || l != nil && c.Pos.Line == l.Pos.Line && c.Pos.Column == l.Pos.Column {
			fmt.Fprintf(&b, "\n**%s**: %s\n", c.Severity, c.Message)
		}
	}
	if b.Len() == 0 {
		return nil
	}
	h := &hoverResult{Range: d.text.rangeAt(t.at.Line, t.at.Column)}
	h.Contents.Kind, h.Contents.Value = "markdown", b.String()
	return h
}

// target is a statement under the cursor: the statement, the blocks around
// it (outermost first) and where the hover's range starts (its label, its
// keyword, or a residual's shortcut keyword).
type target struct {
	stmt  dsl.Stmt
	outer []dsl.Stmt
	at    lexer.Position
}

// statementAt returns the statement of f under line and col: of the
// statements, labels and shortcut keywords starting on the line, the last
// one at or before col, or the line's first when col is before them all.
func statementAt(f *dsl.File, line, col int) (target, bool) {
	var on []target
	var walk func(stmts, outer []dsl.Stmt)
	walk = func(stmts, outer []dsl.Stmt) {
		for _, s := range stmts {
			at := []lexer.Position{s.Position()}
			if l := dsl.LabelOf(s); l != nil {
				at = append(at, l.Pos)
			}
			if r, ok := s.(*dsl.Residual); ok && r.Shortcut != nil {
				at = append(at, r.ShortcutKw.Pos)
			}
			for _, p := range at {
				if p.Line == line {
					on = append(on, target{stmt: s, outer: outer, at: p})
				}
			}
			inner := append(slices.Clip(outer), s)
			for _, body := range dsl.Blocks(s) {
				walk(body, inner)
			}
		}
	}
	walk(f.Stmts, nil)
	if len(on) == 0 {
		return target{}, false
	}
	slices.SortStableFunc(on, func(a, b target) int { return a.at.Column - b.at.Column })
	best := on[0]
	for _, t := range on {
		if t.at.Column <= col {
			best = t
		}
	}
	return best, true
}

// network writes the whole network's figures.
func network(b *strings.Builder, a *analysis) {
	g := a.res.Graph
	c := compiler.CostsOf(g)
	out := g.Output.Shape.String()
	if !a.res.Complete() {
		out = "error"
	}
	fmt.Fprintf(b, "```cnn\ninput %s\n```\n", g.Input.Shape)
	fmt.Fprintf(b, "Network **%s**: %s in, %s out; %s.\n\n", g.Name, g.Input.Shape, out, count(int64(len(g.Nodes)), "layer"))
	fmt.Fprintf(b, "%s parameters, %s multiply-adds per image.\n", compiler.BigCount(c.Params), macs(c.MACs))
	if c.Buffers > 0 {
		fmt.Fprintf(b, "%s buffer values (batchnorm's running statistics).\n", compiler.BigCount(c.Buffers))
	}
}

// layerTable writes the layer statement s and a table row for each node it
// became, and for the copy whose shape failed.
func layerTable(b *strings.Builder, a *analysis, s dsl.Stmt) {
	at := compiler.IRPos(s.Position())
	type row struct {
		name, in, out string
		params, macs  int64
	}
	var rows []row
	text := ""
	for _, n := range a.res.Graph.Nodes {
		if n.Pos == at {
			text = n.Text
			rows = append(rows, row{n.Name, shapes(n.InShapes()), n.Out().String(), paramCount(n), n.MACs})
		}
	}
	if f := a.res.Failed; f != nil && f.Pos == s.Position() {
		text = f.Text
		rows = append(rows, row{"(error)", shapes(f.In), "error", 0, 0})
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(b, "```cnn\n%s%s\n```\n", labelText(s), text)
	b.WriteString("| layer | input | output | parameters | multiply-adds |\n|---|---|---|--:|--:|\n")
	for i, r := range rows {
		if i == maxHoverRows {
			moreRows(b, len(rows))
			break
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", r.name, r.in, r.out, compiler.BigCount(r.params), macs(r.macs))
	}
}

// count writes n things: "1 layer", "1,234 layers".
func count(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return compiler.BigCount(n) + " " + thing + "s"
}

// moreRows says how many rows past maxHoverRows a table leaves out.
func moreRows(b *strings.Builder, rows int) {
	more := "copies"
	if rows-maxHoverRows == 1 {
		more = "copy"
	}
	fmt.Fprintf(b, "\n... and %d more %s\n", rows-maxHoverRows, more)
}

// labelText returns "LABEL: " for a labeled statement, else "".
func labelText(s dsl.Stmt) string {
	if l := dsl.LabelOf(s); l != nil {
		return l.String() + " "
	}
	return ""
}

// paramCount returns the number of values of n's parameters.
func paramCount(n *ir.Node) int64 {
	var k int64
	for _, t := range n.Params() {
		k += t.Size64()
	}
	return k
}

// shapes formats the input shapes of a node: "56x56x64", or for a merge
// "28x28x128, 28x28x128".
func shapes(in []ir.Shape) string {
	s := make([]string, len(in))
	for i, sh := range in {
		s[i] = sh.String()
	}
	return strings.Join(s, ", ")
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
