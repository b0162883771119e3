package compiler

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/dsl"
	"github.com/cnnc/cnnc/ir"
)

// Limits that keep a checked network (and the tools that read it) finite.
// A network beyond them is almost certainly a typo, and refusing it keeps a
// fuzzed or hostile file from making cnnc allocate without bound.
const (
	// MaxSize bounds every size, count, stride and padding in a file.
	MaxSize = 1 << 20
	// MaxLayers bounds the layers of a network after repeat expansion.
	MaxLayers = 100_000
	// MaxValues bounds the values of one tensor (one sample's activations
	// or one parameter): 2^31, so that int32 indices always suffice.
	MaxValues = 1 << 31
	// MaxMACs bounds the multiply-adds of one sample's forward pass through
	// the whole network: 2^61, so that every figure derived from it (twice
	// it for the backward pass, three times it for both) fits an int64.
	// One node does at most 2^62 (an output and a weight of at most 2^31
	// values each), so the running sum cannot overflow before the check.
	MaxMACs = 1 << 61
)

// Result is a checked network: its graph and, when the graph is a chain of
// the layers the code generator supports, the same network as a Net.
type Result struct {
	// Graph holds every node whose shape is known: all of them, or those
	// before Failed.
	Graph *ir.Graph
	// Failed is the statement whose shape could not be computed; nil when
	// every shape is known.
	Failed *Failure
	// Net is the sequential view of Graph, nil when Graph is not a chain of
	// round-1 layers; NetErr then says why ("it has residual or concat
	// blocks").
	Net    *Net
	NetErr error
}

// Complete reports whether every shape is known.
func (r *Result) Complete() bool { return r.Failed == nil }

// Failure is a statement whose shape could not be computed: the operation
// it would have been, applied to inputs of shapes In.
type Failure struct {
	Op   ir.Op
	Text string
	Pos  lexer.Position
	Copy *ir.Copy
	In   []Shape
}

// Source parses and checks the .cnn source src read from filename, returning
// the sequential network and every diagnostic sorted by position; see
// Compile. The network is nil when Compile's Result or its Net is nil.
func Source(filename string, src []byte) (*Net, Diagnostics) {
	r, ds := Compile(filename, src)
	if r == nil {
		return nil, ds
	}
	return r.Net, ds
}

// Compile parses and checks the .cnn source src read from filename,
// returning the checked network and every diagnostic sorted by position.
// The result is nil when the file has a syntax error or no usable input;
// when a statement's shape fails, its graph holds the nodes before it.
func Compile(filename string, src []byte) (*Result, Diagnostics) {
	f, errs := dsl.Parse(filename, src)
	var ds Diagnostics
	for _, e := range errs {
		ds = append(ds, Diagnostic{Pos: e.Pos, Severity: Error, Code: "syntax", Message: e.Msg})
	}
	r, more := Check(filename, f)
	if len(errs) > 0 {
		// A file with syntax errors has statements missing: its shapes
		// would be guesses, so only the diagnostics are kept.
		r = nil
		more = keepStatic(more)
	}
	return r, append(ds, more...).sortAndDedupe()
}

// keepStatic drops diagnostics that depend on the order of statements, which
// a syntax error may have cut.
func keepStatic(ds Diagnostics) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Code == "range" || d.Code == "unknown-keyword" || d.Code == "option" {
			out = append(out, d)
		}
	}
	return out
}

// Check checks a parsed file: it expands repeats, lowers every statement to
// graph nodes, inferring their shapes, and collects every problem. The
// result is nil when the file has no usable input: none, a bad one, or one
// after the first layer.
func Check(filename string, f *dsl.File) (*Result, Diagnostics) {
	c := &checker{
		name:   modelName(filename),
		file:   filename,
		scope:  newScope(""),
		seen:   map[dsl.Stmt]bool{},
		result: &Result{},
	}
	c.checkFile(f)
	if !c.inputOK {
		return nil, c.diags.sortAndDedupe()
	}
	r := c.result
	r.Graph = c.b.Graph(nil)
	r.Graph.Incomplete = r.Failed != nil
	r.Net, r.NetErr = netOf(r.Graph, r.Failed)
	return r, c.diags.sortAndDedupe()
}

// modelName is the default model name: the file's base name without its
// extension.
func modelName(filename string) string {
	base := filepath.Base(filename)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

type checker struct {
	name, file string
	diags      Diagnostics
	scope      *scope
	// seen holds the statements already checked once: static problems
	// (a negative size, say) are reported once, not once per repeat copy.
	seen   map[dsl.Stmt]bool
	b      *ir.Builder
	result *Result

	hasInput bool
	// inputOK is set once the input's shape is known and valid.
	inputOK bool
	// declared is the file's input statement, found before the walk.
	declared *dsl.Input
	model    *dsl.Model
	// cur is the value the next statement reads; nil before the input and
	// after the first shape error: later layers are not blamed for an
	// unknown shape.
	cur *ir.Value
	// flatBy names the node that flattened the features, if any.
	flatBy string
	// copy is the innermost repeat copy being expanded, nil outside
	// repeats; copies share their enclosing copies, so expansion costs
	// one Copy per copy whatever the nesting depth.
	copy *ir.Copy
	// lastKind and lastText describe the previous layer statement, for
	// warnings; lastKind is "" at the start.
	lastKind, lastText string
	layers             int
	// inside names the innermost block being checked ("a repeat block"),
	// "" at the top level; inShortcut is set inside a residual's shortcut.
	inside     string
	inShortcut bool
	// macs is the multiply-adds of the nodes added so far.
	macs int64
}

func (c *checker) errorf(pos lexer.Position, code, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{Pos: pos, Severity: Error, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) warnf(pos lexer.Position, code, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{Pos: pos, Severity: Warning, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) checkFile(f *dsl.File) {
	c.header(f)
	if n, repeats := countStatements(f.Stmts); n > MaxLayers {
		if repeats {
			c.errorf(f.Pos, "limit", "repeat blocks expand the network to more than %s statements", bigCount(MaxLayers))
		} else {
			c.errorf(f.Pos, "limit", "the network has more than %s statements", bigCount(MaxLayers))
		}
		return
	}
	c.stmts(f.Stmts)
	c.collisions()
	c.finish()
}

// header checks the model and input statements, which must stand at the top
// level: model first, then one input before any layer.
func (c *checker) header(f *dsl.File) {
	var input *dsl.Input
	var first dsl.Stmt
	for i, s := range f.Stmts {
		switch s := s.(type) {
		case *dsl.Model:
			switch {
			case c.model != nil:
				c.errorf(s.Pos, "structure", "second model statement (the first is at %s)", lineCol(c.model.Pos))
			case i > 0:
				c.errorf(s.Pos, "structure", "model must be the first statement")
			default:
				c.model = s
				c.name = s.Name
			}
		case *dsl.Input:
			if input != nil {
				c.errorf(s.Pos, "structure", "second input statement (the first is at %s)", lineCol(input.Pos))
				continue
			}
			input = s
		case *dsl.Bad:
		default:
			if first == nil {
				first = s
			}
		}
	}
	c.declared = input
	if input == nil {
		pos := lexer.Position{Filename: c.file, Line: 1, Column: 1}
		if first != nil {
			pos = first.Position()
		}
		c.errorf(pos, "structure", "no input statement: the network needs `input HxWxC` before its first layer")
	}
}

// finish adds the warnings that need the whole network.
func (c *checker) finish() {
	if c.b == nil || c.result.Failed != nil {
		return
	}
	g := c.b.Graph(nil)
	for _, n := range g.Nodes {
		if _, ok := n.Op.(*ir.Softmax); ok && n.Output != g.Output {
			c.warnf(lexPos(n.Pos), "softmax-position", "softmax is not the last layer: the layers after it see probabilities, not scores")
		}
	}
	if p := g.Output.Producer; p != nil {
		if _, ok := p.Op.(*ir.Dropout); ok {
			c.warnf(lexPos(p.Pos), "dropout-last", "dropout is the last layer: it does nothing at inference and drops outputs in training")
		}
	}
}

func (c *checker) stmts(stmts []dsl.Stmt) {
	for _, s := range stmts {
		c.stmt(s)
	}
}

func (c *checker) stmt(s dsl.Stmt) {
	first := !c.seen[s]
	c.seen[s] = true
	switch s := s.(type) {
	case *dsl.Model:
		if c.inside != "" && first {
			c.errorf(s.Pos, "structure", "model cannot be inside %s", c.inside)
		}
		c.unlabeled(s, first)
	case *dsl.Input:
		c.input(s, first)
		c.unlabeled(s, first)
	case *dsl.Bad:
		if first {
			c.unknown(s)
		}
	case *dsl.Repeat:
		c.repeat(s)
	case *dsl.Residual:
		c.residual(s)
	case *dsl.Concat:
		c.concat(s)
	case *dsl.Group:
		c.group(s)
	default:
		c.layer(s, first)
	}
}

func (c *checker) input(s *dsl.Input, first bool) {
	if !first {
		return
	}
	if c.inside != "" {
		c.errorf(s.Pos, "structure", "input cannot be inside %s", c.inside)
		return
	}
	if c.hasInput {
		return // reported by header
	}
	c.hasInput = true
	if c.layers > 0 {
		return
	}
	v, ok := c.sizes(s.Pos, fmt.Sprint(s), "every size", "HxWxC, such as 224x224x3", s.Dims, 3, 1)
	if !ok {
		return
	}
	in := ir.Map(v[0], v[1], v[2])
	if c.tooLarge(s.Pos, "input", in) {
		return
	}
	c.b = ir.NewBuilder(c.name, c.file, in, irPos(s.Pos))
	c.cur, c.inputOK = c.b.Input(), true
}

// unknown reports a statement that starts with a word that is no keyword,
// with the keyword it most likely meant.
func (c *checker) unknown(s *dsl.Bad) {
	if kw, ok := nearest(s.Word, dsl.Keywords); ok {
		c.errorf(s.Pos, "unknown-keyword", "unknown keyword %q (did you mean %q?)", s.Word, kw)
		return
	}
	c.errorf(s.Pos, "unknown-keyword", "unknown keyword %q (a statement starts with one of %s)", s.Word, strings.Join(dsl.Keywords, ", "))
}

func lineCol(p lexer.Position) string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// copyNote says which copy of the enclosing repeats a node is, for messages
// about one copy: " (copy 2 of 3 of the repeat at 4:1)".
func copyNote(cp *ir.Copy) string {
	if cp == nil {
		return ""
	}
	var parts []string
	for ; cp != nil; cp = cp.Outer {
		parts = append(parts, fmt.Sprintf("copy %d of %d of the repeat at %d:%d", cp.I, cp.N, cp.Pos.Line, cp.Pos.Col))
	}
	return " (" + strings.Join(parts, ", in ") + ")"
}

// irPos and lexPos convert between the parser's positions and the graph's.
func irPos(p lexer.Position) ir.Pos {
	return ir.Pos{File: p.Filename, Line: p.Line, Col: p.Column, Offset: p.Offset}
}

func lexPos(p ir.Pos) lexer.Position {
	return lexer.Position{Filename: p.File, Line: p.Line, Column: p.Col, Offset: p.Offset}
}

// IRPos returns the graph position of a parser position.
func IRPos(p lexer.Position) ir.Pos { return irPos(p) }

// LexPos returns the parser position of a graph position.
func LexPos(p ir.Pos) lexer.Position { return lexPos(p) }
