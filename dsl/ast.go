package dsl

import (
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// File is a parsed .cnn file: its statements in source order and the comments
// that sat between them (kept for the formatter).
type File struct {
	Pos   lexer.Position
	Stmts []Stmt `parser:"( EOL | @@ )*"`

	// Comments holds every comment of the file in source order. It is filled by
	// Parse, not by the grammar.
	Comments []Comment `parser:""`
	// BOM is set when the source started with a UTF-8 byte order mark,
	// which Format keeps.
	BOM bool `parser:""`
}

// Comment is one '#' comment; Text includes the '#'.
type Comment struct {
	Pos  lexer.Position
	Text string
}

// Stmt is one statement: a layer, the input, the model name or a block
// (repeat, residual, concat or a labeled group). Every statement may carry a
// label (see Label and LabelOf).
type Stmt interface {
	// Position is where the statement's keyword starts (for a group, its
	// '{'), after any label.
	Position() lexer.Position
	// End is where the statement's last token ends.
	End() lexer.Position
	// labelSlot returns the statement's label field, so that only this
	// package implements Stmt.
	labelSlot() **Label
}

// end is the lookahead every statement finishes with: a statement ends at a
// newline, a ';', the '}' closing its block or the end of the file, so that
// two statements on one line without a ';' are a syntax error.
//
// (The tags below repeat it literally: struct tags cannot be composed.)

// Model names the network: `model NAME`.
type Model struct {
	labeled
	Pos    lexer.Position
	Name   string `parser:"'model' @(Ident | Stride | Pad | Group | Dilation) (?= EOL | '}' | EOF)"`
	EndPos lexer.Position
}

// Input declares the sample shape: `input HxWxC`.
type Input struct {
	labeled
	Pos    lexer.Position
	Dims   Dims `parser:"'input' @Size (?= EOL | '}' | EOF)"`
	EndPos lexer.Position
}

// Conv is `conv FhxFwxK [sS|sSHxSW] [pP|pPHxPW|p same] [gG] [dD|dDHxDW]
// [nobias]`, the options in any order.
type Conv struct {
	labeled
	Pos    lexer.Position
	Dims   Dims      `parser:"'conv' @Size"`
	Opts   []*Option `parser:"@@* (?= EOL | '}' | EOF)"`
	EndPos lexer.Position
}

// Pool is `pool max|mean|avg FhxFw [sS|sSHxSW] [pP|pPHxPW]` or
// `pool max|mean|avg global`. A global pool has Global set and no Dims
// (Dims.V is empty) or Opts. Opts shares conv's Option, so it may hold a
// g, d or nobias, which the checker refuses for a pool.
type Pool struct {
	labeled
	Pos    lexer.Position
	Op     string    `parser:"'pool' @('max' | 'mean' | 'avg')"`
	Global bool      `parser:"(  @'global'"`
	Dims   Dims      `parser:" | @Size"`
	Opts   []*Option `parser:"    @@* ) (?= EOL | '}' | EOF)"`
	EndPos lexer.Position
}

// Option is one option of a conv or pool: a stride, a padding, and for a
// conv also groups, dilation or nobias. Exactly one field is set.
type Option struct {
	Pos      lexer.Position
	Stride   *Pair `parser:"(  @Stride"`
	Pad      *Pair `parser:" | @Pad"`
	Same     bool  `parser:" | 'p' @'same'"`
	Groups   *Pair `parser:" | @Group"`
	Dilation *Pair `parser:" | @Dilation"`
	NoBias   bool  `parser:" | @'nobias' )"`
}

// BatchNorm is `batchnorm [eps E] [momentum M]`, the settings in any order.
type BatchNorm struct {
	labeled
	Pos    lexer.Position
	Kw     string     `parser:"@'batchnorm'"`
	Opts   []*Setting `parser:"@@* (?= EOL | '}' | EOF)"`
	EndPos lexer.Position
}

// Setting is a named number of a statement: `eps 1e-3`, `momentum 0.01`.
type Setting struct {
	Pos   lexer.Position
	Name  string `parser:"@('eps' | 'momentum')"`
	Value Number `parser:"@(Float | Size)"`
}

// FC is `fc N`.
type FC struct {
	labeled
	Pos    lexer.Position
	N      Dims `parser:"'fc' @Size (?= EOL | '}' | EOF)"`
	EndPos lexer.Position
}

// Activation is `relu`, `relu6`, `sigmoid`, `tanh`, `hardswish`, `silu`,
// `gelu` or `leaky [SLOPE]`. (Only leaky takes a slope; the checker says so
// for the others.)
type Activation struct {
	labeled
	Pos    lexer.Position
	Kind   string  `parser:"@('relu' | 'relu6' | 'sigmoid' | 'tanh' | 'leaky' | 'hardswish' | 'silu' | 'gelu')"`
	Slope  *Number `parser:"@(Float | Size)? (?= EOL | '}' | EOF)"`
	EndPos lexer.Position
}

// Dropout is `dropout P`.
type Dropout struct {
	labeled
	Pos    lexer.Position
	P      Number `parser:"'dropout' @(Float | Size) (?= EOL | '}' | EOF)"`
	EndPos lexer.Position
}

// Softmax is `softmax`.
type Softmax struct {
	labeled
	Pos    lexer.Position
	Kw     string `parser:"@'softmax' (?= EOL | '}' | EOF)"`
	EndPos lexer.Position
}

// Repeat is `repeat N { STATEMENTS }`. Open is its '{', Close its '}'.
type Repeat struct {
	labeled
	Pos    lexer.Position
	N      Dims        `parser:"'repeat' @Size"`
	Open   lexer.Token `parser:"@'{'"`
	Body   []Stmt      `parser:"( EOL | @@ )*"`
	Close  lexer.Token `parser:"@'}' (?= EOL | '}' | EOF)"`
	EndPos lexer.Position
}

// Bad is a statement that starts with a word that is not a keyword. It is
// parsed rather than rejected so that the checker can suggest the keyword
// that was probably meant.
type Bad struct {
	labeled
	Pos    lexer.Position
	Word   string   `parser:"(?! 'model' | 'input' | 'conv' | 'pool' | 'fc' | 'batchnorm' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'leaky' | 'hardswish' | 'silu' | 'gelu' | 'dropout' | 'softmax' | 'repeat' | 'residual' | 'concat' | 'shortcut') @Ident"`
	Rest   []string `parser:"@(!(EOL | '}'))*"`
	EndPos lexer.Position
}

func (s *Model) Position() lexer.Position      { return s.Pos }
func (s *Model) End() lexer.Position           { return s.EndPos }
func (s *Input) Position() lexer.Position      { return s.Pos }
func (s *Input) End() lexer.Position           { return s.EndPos }
func (s *Conv) Position() lexer.Position       { return s.Pos }
func (s *Conv) End() lexer.Position            { return s.EndPos }
func (s *Pool) Position() lexer.Position       { return s.Pos }
func (s *Pool) End() lexer.Position            { return s.EndPos }
func (s *FC) Position() lexer.Position         { return s.Pos }
func (s *FC) End() lexer.Position              { return s.EndPos }
func (s *Activation) Position() lexer.Position { return s.Pos }
func (s *Activation) End() lexer.Position      { return s.EndPos }
func (s *Dropout) Position() lexer.Position    { return s.Pos }
func (s *Dropout) End() lexer.Position         { return s.EndPos }
func (s *Softmax) Position() lexer.Position    { return s.Pos }
func (s *Softmax) End() lexer.Position         { return s.EndPos }
func (s *Repeat) Position() lexer.Position     { return s.Pos }
func (s *Repeat) End() lexer.Position          { return s.EndPos }
func (s *Bad) Position() lexer.Position        { return s.Pos }
func (s *Bad) End() lexer.Position             { return s.EndPos }
func (s *BatchNorm) Position() lexer.Position  { return s.Pos }
func (s *BatchNorm) End() lexer.Position       { return s.EndPos }

// Dims is a size such as `224x224x3` or `10`: its text as written and its
// numbers. A number too large for an int is kept as Bad so that the checker,
// not the parser, reports it with the statement's context.
type Dims struct {
	Text string
	V    []int
	Bad  bool
}

// Capture implements participle.Capture. It never fails.
func (d *Dims) Capture(values []string) error {
	d.Text = strings.Join(values, "")
	d.V, d.Bad = splitInts(d.Text)
	return nil
}

// Pair is the numbers of a stride or padding such as `s2` or `p1x2`, without
// the letter.
type Pair struct {
	Dims
}

// Capture implements participle.Capture: it drops the leading 's' or 'p'.
func (p *Pair) Capture(values []string) error {
	p.Text = strings.Join(values, "")
	if p.Text != "" {
		p.V, p.Bad = splitInts(p.Text[1:])
	}
	return nil
}

// Number is a decimal number such as a dropout probability or a slope, kept
// with its text so that the formatter prints it as written.
type Number struct {
	Text  string
	Value float64
	Bad   bool
}

// Capture implements participle.Capture. It never fails.
func (n *Number) Capture(values []string) error {
	n.Text = strings.Join(values, "")
	v, err := strconv.ParseFloat(n.Text, 64)
	n.Value, n.Bad = v, err != nil
	return nil
}

// splitInts parses "3x3x64" into [3 3 64]; bad reports a number out of range.
func splitInts(s string) (v []int, bad bool) {
	for _, part := range strings.Split(s, "x") {
		n, err := strconv.Atoi(part)
		if err != nil {
			bad = true
		}
		v = append(v, n)
	}
	return v, bad
}
