package draw

import (
	"fmt"
	"strings"

	"github.com/cnnc/cnnc/compiler"
)

// node is one layer of a graph drawing: an id unique in the graph, the
// lines of its label and its style.
type node struct {
	id    string
	lines []string
	style style
	small bool // an element-wise layer, drawn smaller
}

// nodes returns the input and every layer of net (after repeat expansion)
// as graph nodes, in order; each is joined to the next by an edge.
func nodes(net *compiler.Net, id func(i int, l *compiler.Layer) string) []node {
	out := []node{{id: id(0, nil), lines: []string{"input " + net.Input.String()}, style: inputStyle}}
	for i, l := range net.Layers {
		if l.Failed {
			break
		}
		n := node{id: id(i+1, l), lines: []string{l.Text, l.Out.String()}, style: kindStyle(l.Kind), small: l.Kind.Elementwise()}
		if p := l.ParamCount(); p > 0 {
			n.lines = append(n.lines, compiler.BigCount(p)+" parameters")
		}
		if n.small {
			n.lines = n.lines[:1]
		}
		out = append(out, n)
	}
	return out
}

// Dot returns net as a Graphviz digraph, top to bottom: one node per layer
// labelled with the layer as written, its output shape and its parameters
// (element-wise layers show only their text), coloured by kind, with an
// edge from each layer to the next. `dot -Tsvg` renders it.
func Dot(net *compiler.Net) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(net.Name))
	fmt.Fprintf(&b, "\tgraph [label=%s, labelloc=t, fontname=\"Helvetica\", fontsize=14, nodesep=0.3, ranksep=0.25];\n",
		dotQuote(net.Name+"\n"+totals(net)))
	fmt.Fprintf(&b, "\tnode [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10, penwidth=1];\n")
	fmt.Fprintf(&b, "\tedge [color=\"#8c8c8c\", arrowsize=0.6];\n")
	ns := nodes(net, func(i int, l *compiler.Layer) string {
		if l == nil {
			return "input"
		}
		return l.Name
	})
	for _, n := range ns {
		attrs := fmt.Sprintf("label=%s, color=%s, fillcolor=%s", dotQuote(strings.Join(n.lines, "\n")), dotQuote(n.style.stroke), dotQuote(n.style.fill))
		if n.small {
			attrs += ", fontsize=9, height=0.25, margin=\"0.08,0.02\""
		}
		fmt.Fprintf(&b, "\t%s [%s];\n", dotQuote(n.id), attrs)
	}
	for i := 1; i < len(ns); i++ {
		fmt.Fprintf(&b, "\t%s -> %s;\n", dotQuote(ns[i-1].id), dotQuote(ns[i].id))
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// dotQuote quotes s as a dot string; newlines become dot's centred line
// breaks.
func dotQuote(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
	return `"` + s + `"`
}

// Mermaid returns net as a Mermaid flowchart, top to bottom, which GitHub
// renders inline in Markdown inside a ```mermaid block: one node per layer
// as in Dot, coloured by kind.
func Mermaid(net *compiler.Net) []byte {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	// Ids are generated (L0, L1, ...): Mermaid gives some words and first
	// letters ("end", "o", "x") meanings of their own.
	ns := nodes(net, func(i int, _ *compiler.Layer) string { return fmt.Sprintf("L%d", i) })
	used := map[style]bool{}
	var order []style
	for _, n := range ns {
		if !used[n.style] {
			used[n.style] = true
			order = append(order, n.style)
		}
		fmt.Fprintf(&b, "    %s[\"%s\"]:::%s\n", n.id, mermaidEscape(strings.Join(n.lines, "\n")), className(n.style))
	}
	for i := 1; i < len(ns); i++ {
		fmt.Fprintf(&b, "    %s --> %s\n", ns[i-1].id, ns[i].id)
	}
	for _, s := range order {
		fmt.Fprintf(&b, "    classDef %s fill:%s,stroke:%s,color:#222222\n", className(s), s.fill, s.stroke)
	}
	return []byte(b.String())
}

// className is a style's Mermaid class: "maxpool" for "max pool".
func className(s style) string { return strings.ReplaceAll(s.name, " ", "") }

// mermaidEscape makes s safe inside a quoted Mermaid label: quotes and the
// characters Mermaid reads as markup become entity codes, and newlines
// line breaks.
func mermaidEscape(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "\n", "<br/>").Replace(s)
}
