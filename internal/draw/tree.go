package draw

import (
	"fmt"
	"strings"

	"github.com/cnnc/cnnc/ir"
)

// The block diagram draws a graph as a tree of items laid along lanes: a
// lane is a sequence of items, and a merge (a residual's add, a concat)
// is a block whose branches are lanes of their own that fork from one
// value and join at the merge. Networks written in the language are
// series-parallel, so every node lands in exactly one lane.

type itemKind int

const (
	mapItem   itemKind = iota // a feature map: the input, or what a conv, pool, fc ... made
	notesItem                 // element-wise layers with no map before them in their lane
	joinItem                  // a merge node
	blockItem                 // branches and their join
	groupItem                 // copies of a repeat block drawn once
)

// item is one thing drawn along a lane.
type item struct {
	kind itemKind
	// node made the map, or is the merge of a join; nil for the input.
	node      *ir.Node
	in, shape ir.Shape // the shape read, and the shape given
	// notes are the element-wise layers after the map or join: activations,
	// batchnorm, dropout, softmax on a vector.
	notes []*ir.Node
	// count is how many consecutive copies of a repeat the item stands for:
	// a map, a block or a group.
	count int
	lanes [][]*item // block: its branches in order; an empty one is the identity
	join  *item     // block: its merge
	body  []*item   // group: the items of one copy
	scope string    // block: the module path its merge is in
	label string    // block: what its frame is labelled: the scope, or a range of them
	copy  *ir.Copy  // the repeat copy the item belongs to, if any

	// Set by the layout.
	place
}

// isNote reports whether n is drawn as a note on the map before it rather
// than as a map of its own.
func isNote(n *ir.Node) bool {
	switch n.Op.(type) {
	case *ir.BatchNorm:
		return true
	case *ir.Softmax:
		return len(n.Inputs) == 1 && n.In().Flat
	}
	return ir.Elementwise(n.Op)
}

// isMerge reports whether n joins branches: an add or a concat, of any
// number of inputs, or any node of more than one.
func isMerge(n *ir.Node) bool {
	switch n.Op.(type) {
	case *ir.Add, *ir.Concat:
		return true
	}
	return len(n.Inputs) > 1
}

// tree finds the lanes of a graph. Each value's parent is the input of its
// producer, or for a merge the value its branches fork from, which is the
// nearest common ancestor of its inputs in that tree.
type tree struct {
	g       *ir.Graph
	grouped bool // fold repeat copies (the block diagram), or keep every node (dot, mermaid)
	back    map[*ir.Value]*ir.Value
	depth   map[*ir.Value]int
	fork    map[*ir.Node]*ir.Value
}

// items returns the top lane of g: the input map and everything that leads
// from it to the output, with copies of repeat blocks folded when grouped.
func items(g *ir.Graph, grouped bool) []*item {
	t := &tree{g: g, grouped: grouped, back: map[*ir.Value]*ir.Value{}, depth: map[*ir.Value]int{}, fork: map[*ir.Node]*ir.Value{}}
	for _, n := range g.Nodes {
		var p *ir.Value
		switch {
		case len(n.Inputs) == 0:
		case isMerge(n):
			p = t.ancestor(n.Inputs)
			if p == nil {
				p = g.Input
			}
			t.fork[n] = p
		default:
			p = n.Inputs[0]
		}
		if n.Output != nil && p != nil {
			t.back[n.Output], t.depth[n.Output] = p, t.depth[p]+1
		}
	}
	in := &item{kind: mapItem, in: g.Input.Shape, shape: g.Input.Shape, count: 1}
	top := t.group(t.lane(g.Input, g.Output, []*item{in}))
	unlabel(top, "")
	return top
}

// unlabel clears the label of a block that is its enclosing block's: an
// unlabeled block makes no scope, so it has its enclosing one's.
func unlabel(items []*item, outer string) {
	for _, it := range items {
		unlabel(it.body, outer)
		if it.kind != blockItem {
			continue
		}
		if it.scope == outer {
			it.label = ""
		}
		for _, l := range it.lanes {
			unlabel(l, it.scope)
		}
	}
}

// ancestor returns the nearest common ancestor of vs, or nil.
func (t *tree) ancestor(vs []*ir.Value) *ir.Value {
	a := vs[0]
	for _, b := range vs[1:] {
		for steps := 0; a != b; steps++ {
			if a == nil || b == nil || steps > len(t.g.Values) {
				return nil
			}
			da, db := t.depth[a], t.depth[b]
			if da >= db {
				a = t.back[a]
			}
			if db >= da {
				b = t.back[b]
			}
		}
	}
	return a
}

// lane returns the items that lead from value from to value to, after the
// items already in out, grouped by repeat copies.
func (t *tree) lane(from, to *ir.Value, out []*item) []*item {
	var rev []*ir.Node
	for v, steps := to, 0; v != from && v != nil && v.Producer != nil && steps <= len(t.g.Values); v, steps = t.back[v], steps+1 {
		rev = append(rev, v.Producer)
	}
	for i := len(rev) - 1; i >= 0; i-- {
		out = t.add(out, rev[i])
	}
	return out
}

// add appends node n to a lane.
func (t *tree) add(out []*item, n *ir.Node) []*item {
	if isMerge(n) && len(n.Inputs) > 0 {
		f := t.fork[n]
		join := &item{kind: joinItem, node: n, in: f.Shape, shape: n.Out(), count: 1, copy: n.Copy}
		sc := scope(n.Name)
		b := &item{kind: blockItem, in: f.Shape, shape: n.Out(), count: 1, join: join, copy: n.Copy, scope: sc, label: sc}
		for _, v := range n.Inputs {
			b.lanes = append(b.lanes, t.group(t.lane(f, v, nil)))
		}
		return append(out, b)
	}
	if isNote(n) {
		if len(out) > 0 {
			last := out[len(out)-1]
			if last.kind == blockItem {
				last = last.join
			}
			last.notes = append(last.notes, n)
			return out
		}
		return append(out, &item{kind: notesItem, in: n.In(), shape: n.In(), notes: []*ir.Node{n}, count: 1, copy: n.Copy})
	}
	var in ir.Shape
	if len(n.Inputs) > 0 {
		in = n.In()
	}
	return append(out, &item{kind: mapItem, node: n, in: in, shape: n.Out(), count: 1, copy: n.Copy})
}

// scope returns the module path a node's name is in: "layer1.0" for
// "layer1.0.add1", "" at the top.
func scope(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return ""
	}
	return name[:i]
}

func (t *tree) group(items []*item) []*item {
	if !t.grouped {
		return items
	}
	return group(items, 0)
}

// copyAt returns the copy at nesting depth d (0 the outermost) of the
// repeats c is inside, or nil.
func copyAt(c *ir.Copy, d int) *ir.Copy {
	var stack []*ir.Copy
	for ; c != nil; c = c.Outer {
		stack = append(stack, c)
	}
	if d >= len(stack) {
		return nil
	}
	return stack[len(stack)-1-d]
}

// run is a group being built: copies of one repeat block with one
// signature, the last of them copy last.
type run struct {
	g    *item
	rep  *ir.Copy
	last int
	sig  string
	end  []*item // the last copy's items
}

// group folds consecutive copies of a repeat block, at nesting depth d and
// deeper, that map their shape to itself and are drawn alike into one item
// with a count: VGG's `repeat 4 { conv 3x3x512 p1; relu }` becomes one map
// ×4, a ResNet stage's `repeat 5 { residual {...}; relu }` one block ×5.
func group(items []*item, d int) []*item {
	var out []*item
	var cur *run
	for i := 0; i < len(items); {
		c := copyAt(items[i].copy, d)
		if c == nil {
			out, cur = append(out, items[i]), nil
			i++
			continue
		}
		j := i + 1
		for j < len(items) && copyAt(items[j].copy, d) == c {
			j++
		}
		body := group(items[i:j], d+1)
		sig := signature(body)
		if cur != nil && cur.rep.Pos == c.Pos && cur.rep.N == c.N && cur.rep.Outer == c.Outer && cur.last+1 == c.I &&
			sig == cur.sig && body[0].in == body[len(body)-1].shape {
			cur.g.count++
			cur.last, cur.end = c.I, body
		} else {
			cur = &run{g: &item{kind: groupItem, body: body, count: 1, copy: c.Outer}, rep: c, last: c.I, sig: sig}
			out = append(out, cur.g)
		}
		cur.g.in, cur.g.shape = body[0].in, body[len(body)-1].shape
		if cur.g.count > 1 {
			cur.g.label = rangeLabel(cur.g.body, cur.end)
		}
		i = j
	}
	return flatten(out)
}

// flatten splices groups of one copy into the lane, and draws a group
// whose copy is one map or one block as that map or block with a count.
func flatten(items []*item) []*item {
	var out []*item
	for _, it := range items {
		switch {
		case it.kind != groupItem:
			out = append(out, it)
		case it.count == 1:
			out = append(out, it.body...)
		case len(it.body) == 1 && it.body[0].kind == mapItem:
			it.body[0].count *= it.count
			out = append(out, it.body[0])
		case len(it.body) == 1 && it.body[0].kind == blockItem:
			b := it.body[0]
			b.count *= it.count
			b.label = it.label
			out = append(out, b)
		default:
			out = append(out, it)
		}
	}
	return out
}

// rangeLabel names copies of a block from first to last by their scopes:
// "layer3.1–5" for layer3.1 to layer3.5.
func rangeLabel(first, last []*item) string {
	if len(first) != 1 || len(last) != 1 || first[0].kind != blockItem || last[0].kind != blockItem {
		return ""
	}
	a, b := first[0].scope, last[0].scope
	if a == "" || a == b {
		return a
	}
	if i, j := strings.LastIndexByte(a, '.'), strings.LastIndexByte(b, '.'); i >= 0 && j >= 0 && a[:i] == b[:j] {
		return a + "–" + b[j+1:]
	}
	return a + "–" + b
}

// signature describes how items are drawn, names aside: two copies with one
// signature look the same.
func signature(items []*item) string {
	var b strings.Builder
	var walk func([]*item)
	walk = func(items []*item) {
		for _, it := range items {
			fmt.Fprintf(&b, "(%d %d %v", it.kind, it.count, it.shape)
			if it.node != nil {
				b.WriteString(" " + it.node.Text)
			}
			for _, n := range it.notes {
				b.WriteString("+" + n.Text)
			}
			for _, l := range it.lanes {
				b.WriteString("[")
				walk(l)
				b.WriteString("]")
			}
			if it.join != nil {
				walk([]*item{it.join})
			}
			walk(it.body)
			b.WriteString(")")
		}
	}
	walk(items)
	return b.String()
}
