package onnx

import (
	"fmt"

	"github.com/cnnc/cnnc/ir"
)

// Structure recovery: the graph as cnnc's statements. A network that the
// language can express is series-parallel: a chain of layers and blocks,
// each block (residual or concat) splitting at one value into branches
// that are chains themselves and that meet again at its add or concat.
// Reading the graph back from its output, a merge node's split is its
// output's immediate dominator (the last value every path from the input
// to it goes through); each branch is read back from the merge's input to
// the split the same way. Every node may be read once: a value used
// outside the block that computes it is not expressible, and an error.

type stmtKind int

const (
	sLayer stmtKind = iota
	sResidual
	sConcat
	sGroup
	sRepeat
)

// stmt is a statement being written: a layer (node), a residual or concat
// block (node is its add or concat; blocks are its body and shortcut, or
// its branches), a labeled group, or a repeat (blocks[0] its body as
// written; copies the statements of every copy, for the node order).
type stmt struct {
	kind   stmtKind
	node   *ir.Node
	blocks [][]*stmt
	copies [][]*stmt
	count  int
	label  string
}

// maxDepth is how deeply blocks may nest in a .cnn file.
const maxDepth = 100

type recovery struct {
	g       *ir.Graph
	name    func(*ir.Node) string // the node for messages
	claimed map[*ir.Node]bool
	depth   []int
	up      [][]int // up[k][v]: the 2^k-th dominator of value v
}

// recoverStmts returns the statements that compute g's output; name
// describes a node in messages.
func recoverStmts(g *ir.Graph, name func(*ir.Node) string) ([]*stmt, error) {
	r := &recovery{g: g, name: name, claimed: map[*ir.Node]bool{}}
	r.dominators()
	return r.seq(g.Output, g.Input, 0)
}

// dominators computes each value's immediate dominator, with the tables
// for lowest common ancestors by binary lifting (values are numbered in
// topological order, so a value's dominator has a lower number).
func (r *recovery) dominators() {
	n := len(r.g.Values)
	idom := make([]int, n)
	r.depth = make([]int, n)
	levels := 1
	for 1<<levels < n {
		levels++
	}
	r.up = make([][]int, levels)
	for k := range r.up {
		r.up[k] = make([]int, n)
	}
	for _, v := range r.g.Values {
		p := v.Producer
		switch {
		case p == nil:
			idom[v.ID] = v.ID
		default:
			d := p.Inputs[0].ID
			for _, in := range p.Inputs[1:] {
				d = r.lca(d, in.ID)
			}
			idom[v.ID] = d
			r.depth[v.ID] = r.depth[d] + 1
		}
		r.up[0][v.ID] = idom[v.ID]
		for k := 1; k < levels; k++ {
			r.up[k][v.ID] = r.up[k-1][r.up[k-1][v.ID]]
		}
	}
}

// lca returns the lowest common dominator of values a and b.
func (r *recovery) lca(a, b int) int {
	if r.depth[a] < r.depth[b] {
		a, b = b, a
	}
	for k := len(r.up) - 1; k >= 0; k-- {
		if r.depth[a]-(1<<k) >= r.depth[b] {
			a = r.up[k][a]
		}
	}
	if a == b {
		return a
	}
	for k := len(r.up) - 1; k >= 0; k-- {
		if r.up[k][a] != r.up[k][b] {
			a, b = r.up[k][a], r.up[k][b]
		}
	}
	return r.up[0][a]
}

// dominates reports whether value a dominates value b.
func (r *recovery) dominates(a, b int) bool {
	if r.depth[b] < r.depth[a] {
		return false
	}
	return r.lca(a, b) == a
}

// seq returns the statements that compute value end from value start.
func (r *recovery) seq(end, start *ir.Value, depth int) ([]*stmt, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("blocks nest more than %d deep, which a .cnn file cannot", maxDepth)
	}
	var rev []*stmt
	for v := end; v != start; {
		n := v.Producer
		if n == nil || r.claimed[n] {
			return nil, r.notExpressible(v)
		}
		r.claimed[n] = true
		switch n.Op.(type) {
		case *ir.Add, *ir.Concat:
			split := r.g.Values[r.up[0][v.ID]]
			if !r.dominates(start.ID, split.ID) {
				return nil, r.notExpressible(v)
			}
			s, err := r.block(n, split, depth)
			if err != nil {
				return nil, err
			}
			rev = append(rev, s)
			v = split
		default:
			rev = append(rev, &stmt{kind: sLayer, node: n})
			v = n.Inputs[0]
		}
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev, nil
}

// block returns the residual or concat block whose merge is node n and
// whose branches start at split.
func (r *recovery) block(n *ir.Node, split *ir.Value, depth int) (*stmt, error) {
	var branches [][]*stmt
	for _, in := range n.Inputs {
		b, err := r.seq(in, split, depth+1)
		if err != nil {
			return nil, err
		}
		branches = append(branches, b)
	}
	if _, ok := n.Op.(*ir.Concat); ok {
		return &stmt{kind: sConcat, node: n, blocks: branches}, nil
	}
	body, short := branches[0], branches[1]
	if size(short) > size(body) {
		body, short = short, body
	}
	if len(body) == 0 {
		return nil, fmt.Errorf("%s adds a value to itself, which a residual block cannot say", r.name(n))
	}
	s := &stmt{kind: sResidual, node: n, blocks: [][]*stmt{body}}
	if len(short) > 0 {
		s.blocks = append(s.blocks, short)
	}
	return s, nil
}

// size counts the layers of a branch.
func size(stmts []*stmt) int {
	n := 0
	for _, s := range stmts {
		n++
		for _, b := range s.blocks {
			n += size(b)
		}
	}
	return n
}

func (r *recovery) notExpressible(v *ir.Value) error {
	what := "the input"
	if v.Producer != nil {
		what = "the output of " + r.name(v.Producer)
	}
	return fmt.Errorf("the graph is not a chain of layers, residual and concat blocks: %s is read where no block can pass it (a value used across blocks)", what)
}

// nodes returns the graph nodes of stmts in the order the .cnn file
// computes them: a block's branches in order, then its merge; every copy
// of a repeat.
func nodes(stmts []*stmt) []*ir.Node {
	var out []*ir.Node
	for _, s := range stmts {
		switch s.kind {
		case sLayer:
			out = append(out, s.node)
		case sRepeat:
			for _, c := range s.copies {
				out = append(out, nodes(c)...)
			}
		default:
			for _, b := range s.blocks {
				out = append(out, nodes(b)...)
			}
			if s.node != nil {
				out = append(out, s.node)
			}
		}
	}
	return out
}
