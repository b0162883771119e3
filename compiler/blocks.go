package compiler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cnnc/cnnc/dsl"
	"github.com/cnnc/cnnc/ir"
)

// scope is where nodes are named: a labeled block's path, under which
// unlabeled nodes are numbered by kind ("conv" gives conv1, conv2, ...).
type scope struct {
	path   string
	counts map[string]int
}

func newScope(path string) *scope { return &scope{path: path, counts: map[string]int{}} }

// block checks the statements of a block: in its own scope when label is
// set, as inside (for "input cannot be inside ..."), reading in, after the
// previous statement lastKind (for warnings). It returns the block's
// output value, nil when a shape is unknown.
func (c *checker) block(stmts []dsl.Stmt, sc *scope, inside string, in *ir.Value, lastKind, lastText string) *ir.Value {
	outerScope, outerInside := c.scope, c.inside
	c.scope, c.inside = sc, inside
	c.cur, c.lastKind, c.lastText = in, lastKind, lastText
	c.stmts(stmts)
	c.scope, c.inside = outerScope, outerInside
	return c.cur
}

// labeledScope returns the scope a block labeled l opens, or the current
// scope when l is nil: unlabeled blocks make no scope.
func (c *checker) labeledScope(l *dsl.Label) *scope {
	if l == nil {
		return c.scope
	}
	return newScope(join(c.scope.path, l.Path))
}

// repeat expands a repeat block: its body once per copy. Copy i (from 0) of
// a labeled repeat `L: repeat N` has the scope L.i, as nn.Sequential numbers
// its children, or L's prefix followed by n+i when L ends in a number n
// (`layer1.1: repeat 2` gives layer1.1 and layer1.2). Unlabeled copies
// share the enclosing scope and its counters.
func (c *checker) repeat(s *dsl.Repeat) {
	v, ok := c.sizes(s.Pos, "repeat "+s.N.String(), "the count", "a count, such as 2", s.N, 1, 1)
	if !ok {
		return
	}
	outer, path := c.copy, c.scope.path
	for i := range v[0] {
		c.copy = &ir.Copy{Pos: irPos(s.Pos), I: i + 1, N: v[0], Outer: outer}
		sc := c.scope
		if s.Label != nil {
			sc = newScope(copyPath(path, s.Label, i))
		}
		c.block(s.Body, sc, "a repeat block", c.cur, c.lastKind, c.lastText)
	}
	c.copy = outer
}

// copyPath returns the scope of copy i of a repeat labeled l in the scope
// path.
func copyPath(path string, l *dsl.Label, i int) string {
	segs := l.Segments()
	last := segs[len(segs)-1]
	if n, err := strconv.Atoi(last); err == nil && n >= 0 && n <= MaxSize*MaxSize {
		segs[len(segs)-1] = strconv.Itoa(n + i)
		return join(path, strings.Join(segs, "."))
	}
	return join(path, fmt.Sprintf("%s.%d", l.Path, i))
}

// ScopeOf returns the scope of the statements directly inside the blocks
// outer (outermost first) in the copies cp of the repeats among them: the
// path that the names of their nodes start with ("layer1.0" inside copy 1
// of `layer1: repeat 2 { residual { ... } }`). The LSP names a block's
// copies by it.
func ScopeOf(outer []dsl.Stmt, cp *ir.Copy) string {
	path := ""
	for _, s := range outer {
		l := dsl.LabelOf(s)
		if l == nil {
			continue
		}
		r, ok := s.(*dsl.Repeat)
		if !ok {
			path = join(path, l.Path)
			continue
		}
		for c := cp; c != nil; c = c.Outer {
			if c.Pos == irPos(r.Pos) {
				path = copyPath(path, l, c.I-1)
				break
			}
		}
	}
	return path
}

// residual lowers `residual { BODY } [shortcut { SHORTCUT }]`: body and
// shortcut (the identity when there is none) read the block's input, and
// an add node sums their outputs, which must have one shape. A labeled
// residual's body and shortcut share its scope, as torchvision's
// layer2.0.conv1 and layer2.0.downsample.0 do.
func (c *checker) residual(s *dsl.Residual) {
	in, sc := c.cur, c.labeledScope(s.Label)
	lastKind, lastText := c.lastKind, c.lastText
	body := c.block(s.Body.Stmts, sc, "a residual block", in, lastKind, lastText)
	short := in
	if s.Shortcut != nil {
		was := c.inShortcut
		c.inShortcut = true
		short = c.block(s.Shortcut.Stmts, sc, "a residual block", in, lastKind, lastText)
		c.inShortcut = was
	}
	c.cur, c.lastKind, c.lastText = nil, "add", "residual"
	if body == nil || short == nil || in == nil {
		return
	}
	outer := c.scope
	c.scope = sc
	defer func() { c.scope = outer }()
	at := site{pos: s.Pos, text: "residual"}
	if body.Shape != short.Shape {
		what := "its shortcut"
		if s.Shortcut == nil {
			what = "the identity shortcut"
		}
		msg := fmt.Sprintf("residual on %s%s: its body gives %s but %s gives %s", in.Shape, copyNote(c.copy), body.Shape, what, short.Shape)
		if fix, ok := shortcutFix(in.Shape, body.Shape, usesBatchNorm(s.Body.Stmts)); ok {
			msg += fmt.Sprintf("; shortcut { %s } would give %s", fix, body.Shape)
		}
		c.errorf(s.Pos, "shape", "%s", msg)
		c.fail(&ir.Add{}, at, []Shape{body.Shape, short.Shape})
		return
	}
	c.add(&ir.Add{}, at, body, short)
}

// shortcutFix returns the statements of a shortcut that maps in to want: a
// 1x1 conv with the stride that gives want's height and width (without
// bias, followed by a batchnorm, when the body normalises: torchvision's
// downsample), or an fc when want is flat.
func shortcutFix(in, want Shape, bn bool) (string, bool) {
	if want.Flat {
		return fmt.Sprintf("fc %d", want.C), true
	}
	if in.Flat {
		return "", false
	}
	stride := func(from, to int, axis func(*ir.Conv, int)) (int, bool) {
		for s := 1; s <= from; s++ {
			cv := ir.NewConv(1, 1, want.C)
			axis(cv, s)
			if out, err := cv.Infer([]Shape{ir.Map(from, from, in.C)}); err == nil && out.H == to {
				return s, true
			}
		}
		return 0, false
	}
	sh, okH := stride(in.H, want.H, func(cv *ir.Conv, s int) { cv.SH, cv.SW = s, s })
	sw, okW := stride(in.W, want.W, func(cv *ir.Conv, s int) { cv.SH, cv.SW = s, s })
	if !okH || !okW {
		return "", false
	}
	fix := fmt.Sprintf("conv 1x1x%d", want.C)
	if sh != 1 || sw != 1 {
		fix += " " + pairOption("s", sh, sw)
	}
	if bn {
		fix += " nobias; batchnorm"
	}
	return fix, true
}

// usesBatchNorm reports whether stmts hold a batchnorm, at any depth.
func usesBatchNorm(stmts []dsl.Stmt) bool {
	for _, s := range stmts {
		if _, ok := s.(*dsl.BatchNorm); ok {
			return true
		}
		for _, b := range dsl.Blocks(s) {
			if usesBatchNorm(b) {
				return true
			}
		}
	}
	return false
}

// concat lowers `concat { A } { B } ...`: every branch reads the block's
// input (an empty branch is the identity) and a concat node joins their
// outputs along channels, in order; they must agree on height and width.
func (c *checker) concat(s *dsl.Concat) {
	in, sc := c.cur, c.labeledScope(s.Label)
	lastKind, lastText := c.lastKind, c.lastText
	outs := make([]*ir.Value, len(s.Branches))
	known := in != nil
	for i, b := range s.Branches {
		outs[i] = c.block(b.Stmts, sc, "a concat block", in, lastKind, lastText)
		known = known && outs[i] != nil
	}
	c.cur, c.lastKind, c.lastText = nil, "concat", "concat"
	if !known {
		return
	}
	outer := c.scope
	c.scope = sc
	defer func() { c.scope = outer }()
	at := site{pos: s.Pos, text: "concat"}
	shapes := make([]Shape, len(outs))
	for i, v := range outs {
		shapes[i] = v.Shape
	}
	if _, err := (&ir.Concat{}).Infer(shapes); err != nil {
		rule := "they must agree on height and width"
		for _, sh := range shapes {
			if sh.Flat != shapes[0].Flat {
				rule = "they must be all flat or all feature maps"
			}
		}
		c.errorf(s.Pos, "shape", "concat on %s%s: its branches give %s: %s", in.Shape, copyNote(c.copy), shapeList(shapes), rule)
		c.fail(&ir.Concat{}, at, shapes)
		return
	}
	c.add(&ir.Concat{}, at, outs...)
}

// group checks a labeled group, `LABEL: { STATEMENTS }`: its statements in
// sequence, in the label's scope.
func (c *checker) group(s *dsl.Group) {
	c.cur = c.block(s.Body.Stmts, c.labeledScope(s.Label), "a group", c.cur, c.lastKind, c.lastText)
}

// unlabeled reports a label on a statement that makes no node: the model
// and the input.
func (c *checker) unlabeled(s dsl.Stmt, first bool) {
	if l := dsl.LabelOf(s); l != nil && first {
		c.errorf(l.Pos, "structure", "%s cannot have a label: labels name layers and blocks", strings.Fields(fmt.Sprint(s))[0])
	}
}

// collisions reports every node giving a tensor a name an earlier node
// gave, once per node, at the later statement.
func (c *checker) collisions() {
	if c.b == nil {
		return
	}
	seen := map[*ir.Node]bool{}
	for _, col := range c.b.Graph(nil).Collisions() {
		first, second := col.First, col.Second
		if seen[second] {
			continue
		}
		seen[second] = true
		if first.Pos == second.Pos {
			r := repeatApart(first.Copy, second.Copy)
			c.errorf(lexPos(second.Pos), "name", "%s: %q would name a tensor in every copy of the repeat at %d:%d; label the repeat so that each copy has a scope of its own",
				second.Text, col.Name, r.Line, r.Col)
			continue
		}
		c.errorf(lexPos(second.Pos), "name", "%s: %q is already the name of a tensor of %s at %d:%d",
			second.Text, col.Name, first.Text, first.Pos.Line, first.Pos.Col)
	}
}

// repeatApart returns the position of the innermost repeat whose copies a
// and b (of one statement) differ in.
func repeatApart(a, b *ir.Copy) ir.Pos {
	for ; a != nil && b != nil; a, b = a.Outer, b.Outer {
		if a.I != b.I {
			return a.Pos
		}
	}
	return ir.Pos{}
}
