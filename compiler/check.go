package compiler

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/dsl"
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
)

// Source parses and checks the .cnn source src read from filename, returning
// the network and every diagnostic sorted by position. The network is nil
// when the file has a syntax error or no usable input; when a layer's shape
// fails, it holds the layers up to that one, marked Failed.
func Source(filename string, src []byte) (*Net, Diagnostics) {
	f, errs := dsl.Parse(filename, src)
	var ds Diagnostics
	for _, e := range errs {
		ds = append(ds, Diagnostic{Pos: e.Pos, Severity: Error, Code: "syntax", Message: e.Msg})
	}
	net, more := Check(filename, f)
	if len(errs) > 0 {
		// A file with syntax errors has statements missing: its shapes
		// would be guesses, so only the diagnostics are kept.
		net = nil
		more = keepStatic(more)
	}
	return net, append(ds, more...).sortAndDedupe()
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

// Check checks a parsed file: it expands repeats, infers every layer's shape
// and collects every problem. The returned net is nil when the file has no
// usable input: none, a bad one, or one after the first layer.
func Check(filename string, f *dsl.File) (*Net, Diagnostics) {
	c := &checker{
		net:    &Net{Name: modelName(filename), File: filename},
		counts: map[Kind]int{},
		seen:   map[dsl.Stmt]bool{},
	}
	c.file(f)
	if !c.inputOK {
		return nil, c.diags.sortAndDedupe()
	}
	return c.net, c.diags.sortAndDedupe()
}

// modelName is the default model name: the file's base name without its
// extension.
func modelName(filename string) string {
	base := filepath.Base(filename)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

type checker struct {
	net    *Net
	diags  Diagnostics
	counts map[Kind]int
	// seen holds the statements already checked once: static problems
	// (a negative size, say) are reported once, not once per repeat copy.
	seen map[dsl.Stmt]bool

	hasInput bool
	// inputOK is set once the input's shape is known and valid.
	inputOK bool
	// declared is the file's input statement, found before the walk.
	declared *dsl.Input
	model    *dsl.Model
	// shapeKnown is false before the input and after the first shape
	// error: later layers are not blamed for an unknown shape.
	shapeKnown bool
	cur        Shape
	// flatBy names the layer that flattened the features, if any.
	flatBy string
	copies []Copy
	// lastKind is the kind of the previous layer, for warnings; -1 at the
	// start.
	lastKind Kind
	lastText string
	layers   int
}

func (c *checker) errorf(pos lexer.Position, code, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{Pos: pos, Severity: Error, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) warnf(pos lexer.Position, code, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{Pos: pos, Severity: Warning, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) file(f *dsl.File) {
	c.lastKind = -1
	c.header(f)
	if countStatements(f.Stmts) > MaxLayers {
		c.errorf(f.Pos, "limit", "repeat blocks expand the network to more than %s statements", bigCount(MaxLayers))
		return
	}
	c.stmts(f.Stmts)
	c.finish(f)
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
				c.net.Name = s.Name
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
		pos := lexer.Position{Filename: c.net.File, Line: 1, Column: 1}
		if first != nil {
			pos = first.Position()
		}
		c.errorf(pos, "structure", "no input statement: the network needs `input HxWxC` before its first layer")
	}
}

// finish adds the warnings that need the whole network.
func (c *checker) finish(f *dsl.File) {
	layers := c.net.Layers
	if len(layers) == 0 || !c.net.Complete() {
		return
	}
	for _, l := range layers[:len(layers)-1] {
		if l.Kind == Softmax {
			c.warnf(l.Pos, "softmax-position", "softmax is not the last layer: the layers after it see probabilities, not scores")
		}
	}
	if last := layers[len(layers)-1]; last.Kind == Dropout {
		c.warnf(last.Pos, "dropout-last", "dropout is the last layer: it does nothing at inference and drops outputs in training")
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
		if len(c.copies) > 0 && first {
			c.errorf(s.Pos, "structure", "model cannot be inside a repeat block")
		}
	case *dsl.Input:
		c.input(s, first)
	case *dsl.Bad:
		if first {
			c.unknown(s)
		}
	case *dsl.Repeat:
		c.repeat(s, first)
	default:
		c.layer(s, first)
	}
}

func (c *checker) input(s *dsl.Input, first bool) {
	if !first {
		return
	}
	if len(c.copies) > 0 {
		c.errorf(s.Pos, "structure", "input cannot be inside a repeat block")
		return
	}
	if c.hasInput {
		return // reported by header
	}
	c.hasInput = true
	c.net.InputPos = s.Pos
	if len(c.net.Layers) > 0 || c.layers > 0 {
		return
	}
	v, ok := c.sizes(s.Pos, fmt.Sprint(s), "every size", "HxWxC, such as 224x224x3", s.Dims, 3, 1)
	if !ok {
		return
	}
	c.net.Input = Shape{H: v[0], W: v[1], C: v[2]}
	if c.tooLarge(s.Pos, "input", c.net.Input) {
		return
	}
	c.cur, c.shapeKnown, c.inputOK = c.net.Input, true, true
}

func (c *checker) repeat(s *dsl.Repeat, first bool) {
	v, ok := c.sizes(s.Pos, "repeat "+s.N.String(), "the count", "a count, such as 2", s.N, 1, 1)
	if !ok {
		return
	}
	for i := 1; i <= v[0]; i++ {
		c.copies = append(c.copies, Copy{Pos: s.Pos, I: i, N: v[0]})
		c.stmts(s.Body)
		c.copies = c.copies[:len(c.copies)-1]
	}
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

// sizes checks a size written as numbers joined by 'x' in the statement
// whose text is stmt: it must have want numbers (described by form), each
// at least lo and at most MaxSize. what names the numbers in messages.
func (c *checker) sizes(pos lexer.Position, stmt, what, form string, d dsl.Dims, want, lo int) ([]int, bool) {
	if len(d.V) != want {
		c.errorf(pos, "range", "%s needs %s; got %q", strings.Fields(stmt)[0], form, d.String())
		return nil, false
	}
	for i, v := range d.V {
		if d.Bad || v > MaxSize {
			c.errorf(pos, "range", "%s: %s is too large (at most %d)", stmt, bigPart(d, i), MaxSize)
			return nil, false
		}
		if v < lo {
			c.errorf(pos, "range", "%s: %s must be %s, got %d", stmt, what, atLeast(lo), v)
			return nil, false
		}
	}
	return d.V, true
}

// bigPart returns the number of d that is out of range, written as the
// statement is in messages: canonically ("01100000" as 1100000) when every
// number of d fits an int, else as written.
func bigPart(d dsl.Dims, i int) string {
	if !d.Bad {
		return strconv.Itoa(d.V[i])
	}
	parts := strings.Split(strings.TrimLeft(d.Text, "sp"), "x")
	for _, p := range parts {
		if n, err := strconv.Atoi(p); err != nil || n > MaxSize {
			return p
		}
	}
	if i < len(parts) {
		return parts[i]
	}
	return d.Text
}

func atLeast(lo int) string {
	if lo == 0 {
		return "0 or more"
	}
	return fmt.Sprintf("at least %d", lo)
}

// tooLarge reports a shape whose tensor would exceed MaxValues.
func (c *checker) tooLarge(pos lexer.Position, what string, s Shape) bool {
	if int64(s.H)*int64(s.W)*int64(s.C) <= MaxValues {
		return false
	}
	c.errorf(pos, "limit", "%s: %s is %s values, more than the %s a tensor may hold", what, s, bigCount(int64(s.H)*int64(s.W)*int64(s.C)), bigCount(MaxValues))
	return true
}

// countStatements returns how many statements stmts expand to, counting
// each visit of a repeat and of anything inside it (an unknown word costs
// the checker time too) and each pass of a repeat over its body, even an
// empty one (whose passes cost time and nothing else would count),
// saturating above MaxLayers so that nested repeats cannot overflow.
func countStatements(stmts []dsl.Stmt) int64 {
	var n int64
	for _, s := range stmts {
		n++
		if r, ok := s.(*dsl.Repeat); ok {
			k := int64(1)
			if len(r.N.V) == 1 && !r.N.Bad && r.N.V[0] > 0 {
				k = int64(r.N.V[0])
			}
			n += min(k*max(countStatements(r.Body), 1), MaxLayers+1)
		}
		n = min(n, MaxLayers+1)
	}
	return n
}

func lineCol(p lexer.Position) string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// copyNote says which copy of the enclosing repeats a layer is, for messages
// about one copy: " (copy 2 of 3 of the repeat at 4:1)".
func (c *checker) copyNote() string {
	if len(c.copies) == 0 {
		return ""
	}
	parts := make([]string, len(c.copies))
	for i, cp := range c.copies {
		parts[len(c.copies)-1-i] = fmt.Sprintf("copy %d of %d of the repeat at %s", cp.I, cp.N, lineCol(cp.Pos))
	}
	return " (" + strings.Join(parts, ", in ") + ")"
}

// bigCount formats n with thousands separators: 138,357,544.
func bigCount(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + bigCount(-n)
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// BigCount formats n with thousands separators, as cnnc prints counts:
// BigCount(138357544) is "138,357,544".
func BigCount(n int64) string { return bigCount(n) }
