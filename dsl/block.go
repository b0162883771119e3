package dsl

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Label is the `PATH:` in front of a statement: a dotted module path of
// identifiers and non-negative integers such as `conv1`, `layer2.0` or
// `features.18.0`. Keywords are allowed as segments (`fc: fc 1000`).
type Label struct {
	Pos  lexer.Position // where the path starts
	Path string         // without the ':'
}

// Capture implements participle.Capture: it keeps the path without the ':'
// and any blanks before it. (Pos is set by Parse.)
func (l *Label) Capture(values []string) error {
	l.Path = strings.TrimRight(strings.TrimSuffix(strings.Join(values, ""), ":"), " \t")
	return nil
}

// Segments returns the label's path split at its dots: "layer2.0" gives
// ["layer2" "0"].
func (l *Label) Segments() []string { return strings.Split(l.Path, ".") }

// String returns the label as fmt writes it: "layer2.0:".
func (l *Label) String() string { return l.Path + ":" }

// labeled is embedded in every statement: Label is the statement's label,
// nil when it has none. The grammar does not fill it; Parse moves the label
// of a labeledStmt onto the statement it labels.
type labeled struct {
	Label *Label
}

func (l *labeled) labelSlot() **Label { return &l.Label }

// LabelOf returns the label of s, or nil.
func LabelOf(s Stmt) *Label { return *s.labelSlot() }

// Block is a '{ STATEMENTS }' of a residual, a concat or a group. Pos is its
// '{', Close its '}'.
type Block struct {
	Pos   lexer.Position
	Stmts []Stmt      `parser:"'{' ( EOL | @@ )*"`
	Close lexer.Token `parser:"@'}'"`
}

// Residual is `residual { STATEMENTS } [shortcut { STATEMENTS }]`: the sum
// of Body and Shortcut applied to the same input, Shortcut the identity when
// nil. ShortcutKw is the `shortcut` keyword (zero when there is none).
type Residual struct {
	labeled
	Pos        lexer.Position
	Body       *Block      `parser:"'residual' @@"`
	ShortcutKw lexer.Token `parser:"(  @'shortcut'"`
	Shortcut   *Block      `parser:"   @@ )? (?= EOL | '}' | EOF)"`
	EndPos     lexer.Position
}

// Concat is `concat { STATEMENTS } { STATEMENTS } ...`: every branch reads
// the same input and their outputs are joined along channels in order. An
// empty branch is the identity.
type Concat struct {
	labeled
	Pos      lexer.Position
	Branches []*Block `parser:"'concat' @@+ (?= EOL | '}' | EOF)"`
	EndPos   lexer.Position
}

// Group is a labeled plain block, `LABEL: { STATEMENTS }`: its statements in
// sequence, under the label's scope. Pos is its '{' (Body.Pos). Parse
// refuses a group without a label.
type Group struct {
	labeled
	Pos    lexer.Position
	Body   *Block `parser:"@@ (?= EOL | '}' | EOF)"`
	EndPos lexer.Position
}

// labeledStmt is what the grammar parses for `LABEL: STATEMENT`. Parse
// replaces it by the statement, with Label set, so no reader ever sees one.
type labeledStmt struct {
	labeled
	Pos  lexer.Position
	L    *Label `parser:"@Label"`
	Stmt Stmt   `parser:"@@"`
}

func (s *Residual) Position() lexer.Position    { return s.Pos }
func (s *Residual) End() lexer.Position         { return s.EndPos }
func (s *Concat) Position() lexer.Position      { return s.Pos }
func (s *Concat) End() lexer.Position           { return s.EndPos }
func (s *Group) Position() lexer.Position       { return s.Pos }
func (s *Group) End() lexer.Position            { return s.EndPos }
func (s *labeledStmt) Position() lexer.Position { return s.Pos }
func (s *labeledStmt) End() lexer.Position      { return s.Stmt.End() }

// Blocks returns the statement lists nested directly in s, in source order:
// a repeat's body, a residual's body and shortcut, a concat's branches, a
// group's body; nil for any other statement.
func Blocks(s Stmt) [][]Stmt {
	switch s := s.(type) {
	case *Repeat:
		return [][]Stmt{s.Body}
	case *Residual:
		if s.Shortcut != nil {
			return [][]Stmt{s.Body.Stmts, s.Shortcut.Stmts}
		}
		return [][]Stmt{s.Body.Stmts}
	case *Concat:
		out := make([][]Stmt, len(s.Branches))
		for i, b := range s.Branches {
			out[i] = b.Stmts
		}
		return out
	case *Group:
		return [][]Stmt{s.Body.Stmts}
	}
	return nil
}
