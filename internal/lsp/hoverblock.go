package lsp

import (
	"fmt"
	"strings"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/dsl"
	"github.com/cnnc/cnnc/ir"
)

// instance is one copy of a block: the nodes it lowered to, in order. A
// block inside repeats has one instance per copy of them; key is the
// innermost of those copies (nil outside any repeat).
type instance struct {
	key   *ir.Copy
	nodes []*ir.Node
	fail  bool // the statement whose shape failed is in this copy
}

// span is the source extent of a statement, in byte offsets.
type span struct{ from, to int }

func (s span) holds(p ir.Pos) bool { return p.Offset >= s.from && p.Offset < s.to }

// outside returns the innermost copy of cp made by a repeat outside sp:
// the copy of the enclosing repeats a node of the block sp belongs to.
func (s span) outside(cp *ir.Copy) *ir.Copy {
	for cp != nil && s.holds(cp.Pos) {
		cp = cp.Outer
	}
	return cp
}

// instances returns the copies of the block t.stmt, in order, with the
// nodes of each.
func instances(a *analysis, t target) []*instance {
	sp := span{t.stmt.Position().Offset, t.stmt.End().Offset}
	var out []*instance
	byKey := map[*ir.Copy]*instance{}
	of := func(key *ir.Copy) *instance {
		if in, ok := byKey[key]; ok {
			return in
		}
		in := &instance{key: key}
		byKey[key] = in
		out = append(out, in)
		return in
	}
	for _, n := range a.res.Graph.Nodes {
		if sp.holds(n.Pos) {
			in := of(sp.outside(n.Copy))
			in.nodes = append(in.nodes, n)
		}
	}
	if f := a.res.Failed; f != nil && sp.holds(compiler.IRPos(f.Pos)) {
		of(sp.outside(f.Copy)).fail = true
	}
	return out
}

// blockTable writes the block statement t.stmt and a row for each copy of
// it: its name, input and output shapes, the shapes of a merge's branches,
// parameters and multiply-adds; then the totals over every copy.
func blockTable(b *strings.Builder, a *analysis, t target) {
	ins := instances(a, t)
	if len(ins) == 0 {
		return
	}
	fmt.Fprintf(b, "```cnn\n%s%s\n```\n", labelText(t.stmt), blockHead(t.stmt))
	_, merge := t.stmt.(*dsl.Residual)
	if _, ok := t.stmt.(*dsl.Concat); ok {
		merge = true
	}
	if merge {
		b.WriteString("| block | input | output | branches | parameters | multiply-adds |\n|---|---|---|---|--:|--:|\n")
	} else {
		b.WriteString("| block | input | output | parameters | multiply-adds |\n|---|---|---|--:|--:|\n")
	}
	var layers, params, ops int64
	for i, in := range ins {
		var p, m int64
		for _, n := range in.nodes {
			p += paramCount(n)
			m += n.MACs
		}
		layers += int64(len(in.nodes))
		params += p
		ops += m
		if i >= maxHoverRows {
			continue
		}
		inShape, outShape, branches := in.shapes(a, t.stmt)
		fmt.Fprintf(b, "| %s | %s | %s |", blockName(a, t, in), inShape, outShape)
		if merge {
			fmt.Fprintf(b, " %s |", branches)
		}
		fmt.Fprintf(b, " %s | %s |\n", compiler.BigCount(p), macs(m))
	}
	if len(ins) > maxHoverRows {
		moreRows(b, len(ins))
	}
	copies := ""
	if len(ins) > 1 {
		copies = fmt.Sprintf("%d copies, ", len(ins))
	}
	fmt.Fprintf(b, "\n%s%s: %s parameters, %s multiply-adds per image.\n", copies, count(layers, "layer"), compiler.BigCount(params), macs(ops))
}

// blockHead returns the first line of a block statement as the hover's
// code shows it, with its bodies elided.
func blockHead(s dsl.Stmt) string {
	switch s := s.(type) {
	case *dsl.Repeat:
		return fmt.Sprintf("repeat %s { ... }", s.N)
	case *dsl.Residual:
		if s.Shortcut != nil {
			return "residual { ... } shortcut { ... }"
		}
		return "residual { ... }"
	case *dsl.Concat:
		return "concat" + strings.Repeat(" { ... }", len(s.Branches))
	}
	return "{ ... }"
}

// shapes returns the copy's input and output shapes ("error" when its
// shape failed) and, for a residual or concat, its branches' shapes.
func (in *instance) shapes(a *analysis, s dsl.Stmt) (inShape, outShape, branches string) {
	inShape, outShape = "error", "error"
	produced := map[*ir.Value]bool{}
	for _, n := range in.nodes {
		produced[n.Output] = true
	}
	for _, n := range in.nodes {
		for _, v := range n.Inputs {
			if !produced[v] && inShape == "error" {
				inShape = v.Shape.String()
			}
		}
	}
	at := compiler.IRPos(s.Position())
	var merged []ir.Shape
	if in.fail {
		if f := a.res.Failed; f.Pos == s.Position() {
			merged = f.In
		}
		if len(in.nodes) == 0 && len(a.res.Failed.In) > 0 {
			inShape = a.res.Failed.In[0].String()
		}
	} else if len(in.nodes) > 0 {
		last := in.nodes[len(in.nodes)-1]
		outShape = last.Out().String()
		if last.Pos == at {
			merged = last.InShapes()
		}
	}
	switch s := s.(type) {
	case *dsl.Residual:
		if len(merged) == 2 {
			shortcut := "shortcut"
			if s.Shortcut == nil {
				shortcut = "identity"
			}
			branches = fmt.Sprintf("body %s, %s %s", merged[0], shortcut, merged[1])
		}
	case *dsl.Concat:
		branches = shapes(merged)
	}
	return inShape, outShape, branches
}

// blockName returns the name a copy of a block goes by: the scope of a
// labeled block ("layer1.0"), the merge node of an unlabeled residual or
// concat ("layer1.0.add1"), else the scope around it, or which copy of
// the enclosing repeats it is ("copy 2 of 3").
func blockName(a *analysis, t target, in *instance) string {
	scope := compiler.ScopeOf(t.outer, in.key)
	if l := dsl.LabelOf(t.stmt); l != nil {
		if scope == "" {
			return l.Path
		}
		return scope + "." + l.Path
	}
	if len(in.nodes) > 0 && !in.fail {
		if last := in.nodes[len(in.nodes)-1]; last.Pos == compiler.IRPos(t.stmt.Position()) {
			return last.Name
		}
	}
	if scope != "" {
		return scope
	}
	if in.key != nil {
		var s []string
		for _, c := range in.key.Stack() {
			s = append(s, fmt.Sprintf("copy %d of %d", c.I, c.N))
		}
		return strings.Join(s, ", ")
	}
	return strings.Fields(blockHead(t.stmt))[0]
}
