package draw

import (
	"fmt"
	"strings"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/ir"
)

// node is one node of a graph drawing: the lines of its label and its
// style.
type node struct {
	lines []string
	style style
	small bool // an element-wise layer, drawn smaller
}

// nodeOf labels n with its statement as written, its output shape and its
// parameters; an element-wise layer with its statement only, a merge with
// what it does.
func nodeOf(n *ir.Node) node {
	text := n.Text
	switch n.Op.(type) {
	case *ir.Add:
		text = "add"
	case *ir.Concat:
		text = "concat"
	}
	d := node{lines: []string{text, n.Out().String()}, style: kindStyle(n), small: ir.Elementwise(n.Op)}
	var params int64
	for _, t := range n.Params() {
		params += t.Size64()
	}
	if params > 0 {
		d.lines = append(d.lines, compiler.BigCount(params)+" parameters")
	}
	if d.small {
		d.lines = d.lines[:1]
	}
	return d
}

// event is one step of a graph drawing's outline: a node (nil for the
// input), or the start or end of the cluster that holds a block.
type event struct {
	node        *ir.Node
	open, close bool
	label       string
}

// outline lists the input and every node of g, each block's branches and
// merge inside a cluster of their own, labelled with the block's module
// path or its statement; nodes no path to the output passes through come
// last.
func outline(g *ir.Graph) []event {
	ev := []event{{}}
	seen := map[*ir.Node]bool{}
	emit := func(ns ...*ir.Node) {
		for _, n := range ns {
			if n != nil && !seen[n] {
				seen[n] = true
				ev = append(ev, event{node: n})
			}
		}
	}
	var walk func([]*item)
	walk = func(items []*item) {
		for _, it := range items {
			if it.kind == blockItem {
				label := it.label
				if label == "" {
					label = it.join.node.Text
				}
				ev = append(ev, event{open: true, label: label})
				for _, l := range it.lanes {
					walk(l)
				}
				emit(it.join.node)
				ev = append(ev, event{close: true})
				emit(it.join.notes...)
				continue
			}
			emit(it.node)
			emit(it.notes...)
		}
	}
	walk(items(g, false))
	emit(g.Nodes...)
	return ev
}

// Dot returns g as a Graphviz digraph, top to bottom: one node per layer
// labelled with the layer as written, its output shape and its parameters
// (element-wise layers show only their text), coloured by kind, each block
// in a cluster, and an edge from each value's producer to each node that
// reads it. `dot -Tsvg` renders it.
func Dot(g *ir.Graph) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(g.Name))
	fmt.Fprintf(&b, "\tgraph [label=%s, labelloc=t, fontname=\"Helvetica\", fontsize=14, nodesep=0.3, ranksep=0.25];\n",
		dotQuote(g.Name+"\n"+totals(g)))
	fmt.Fprintf(&b, "\tnode [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10, penwidth=1];\n")
	fmt.Fprintf(&b, "\tedge [color=\"#8c8c8c\", arrowsize=0.6];\n")
	ids := map[*ir.Node]string{}
	used := map[string]bool{"input": true}
	id := func(v *ir.Value) string {
		if v.Producer == nil {
			return "input"
		}
		return ids[v.Producer]
	}
	indent, clusters := "\t", 0
	for _, e := range outline(g) {
		switch {
		case e.open:
			clusters++
			fmt.Fprintf(&b, "%ssubgraph \"cluster_%d\" {\n", indent, clusters)
			indent += "\t"
			fmt.Fprintf(&b, "%sgraph [label=%s, labeljust=l, style=\"rounded\", color=\"#bbbbbb\", fontsize=10];\n", indent, dotQuote(e.label))
		case e.close:
			indent = indent[1:]
			fmt.Fprintf(&b, "%s}\n", indent)
		case e.node == nil:
			fmt.Fprintf(&b, "%s\"input\" [label=%s, color=%s, fillcolor=%s];\n", indent,
				dotQuote("input "+g.Input.Shape.String()), dotQuote(inputStyle.stroke), dotQuote(inputStyle.fill))
		default:
			name := e.node.Name
			if used[name] || name == "" {
				name = fmt.Sprintf("%s#%d", name, e.node.ID)
			}
			used[name], ids[e.node] = true, name
			n := nodeOf(e.node)
			attrs := fmt.Sprintf("label=%s, color=%s, fillcolor=%s", dotQuote(strings.Join(n.lines, "\n")), dotQuote(n.style.stroke), dotQuote(n.style.fill))
			if n.small {
				attrs += ", fontsize=9, height=0.25, margin=\"0.08,0.02\""
			}
			fmt.Fprintf(&b, "%s%s [%s];\n", indent, dotQuote(name), attrs)
		}
	}
	for _, n := range g.Nodes {
		for _, v := range n.Inputs {
			fmt.Fprintf(&b, "\t%s -> %s;\n", dotQuote(id(v)), dotQuote(ids[n]))
		}
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// dotQuote quotes s as a dot string; newlines become dot's centred line
// breaks.
func dotQuote(s string) string { return `"` + dotEscaper.Replace(s) + `"` }

var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// Mermaid returns g as a Mermaid flowchart, top to bottom, which GitHub
// renders inline in Markdown inside a ```mermaid block: one node per layer
// as in Dot, coloured by kind, each block in a subgraph, an edge from each
// value's producer to each reader.
func Mermaid(g *ir.Graph) []byte {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	// Ids are generated (L0 for the input, L1 for node 0, ...; B1 ... for
	// subgraphs): Mermaid gives some words and first letters ("end", "o",
	// "x") meanings of their own.
	id := func(v *ir.Value) string {
		if v.Producer == nil {
			return "L0"
		}
		return fmt.Sprintf("L%d", v.Producer.ID+1)
	}
	used := map[style]bool{}
	var order []style
	indent, blocks := "    ", 0
	for _, e := range outline(g) {
		switch {
		case e.open:
			blocks++
			fmt.Fprintf(&b, "%ssubgraph B%d[\"%s\"]\n", indent, blocks, mermaidEscape(e.label))
			indent += "    "
			continue
		case e.close:
			indent = indent[4:]
			fmt.Fprintf(&b, "%send\n", indent)
			continue
		}
		n, nid := node{lines: []string{"input " + g.Input.Shape.String()}, style: inputStyle}, "L0"
		if e.node != nil {
			n, nid = nodeOf(e.node), id(e.node.Output)
		}
		if !used[n.style] {
			used[n.style] = true
			order = append(order, n.style)
		}
		fmt.Fprintf(&b, "%s%s[\"%s\"]:::%s\n", indent, nid, mermaidEscape(strings.Join(n.lines, "\n")), className(n.style))
	}
	for _, n := range g.Nodes {
		for _, v := range n.Inputs {
			fmt.Fprintf(&b, "    %s --> %s\n", id(v), id(n.Output))
		}
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
func mermaidEscape(s string) string { return mermaidEscaper.Replace(s) }

var mermaidEscaper = strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "\n", "<br/>")
