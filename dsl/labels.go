package dsl

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// MaxDepth bounds how deeply blocks nest. Real networks nest a few levels
// (DenseNet: a group, a dense block, a concat and its branch), so 100 leaves
// generous room for generated files while keeping every pass that recurses
// over the tree (the parser, the printer, the checker, the editor support)
// short of deep recursion: with the bound, their time stays linear in the
// size of the file. Without it, 40,000 nested repeats took fmt 66 s.
const MaxDepth = 100

// MaxStatements bounds the statements a file may hold, counting those inside
// blocks once each: compiler.MaxLayers, the most a network may have after
// repeat expansion, so that a file the parser accepts is not refused for its
// mere length later.
const MaxStatements = 100_000

// maxStatements is MaxStatements; tests lower it.
var maxStatements = MaxStatements

// tooDeep reports the first '{' that opens a block more than MaxDepth deep,
// scanning src before the parser sees it.
func tooDeep(filename string, src []byte) *Error {
	at := -1
	structure(src, 0, 0, func(i, depth int) bool {
		if depth > MaxDepth {
			at = i
		}
		return at < 0
	})
	if at < 0 {
		return nil
	}
	return &Error{Pos: newLocator(filename, src).position(at), Msg: fmt.Sprintf("blocks nest more than %d deep", MaxDepth)}
}

// resolve finishes the tree the grammar built: it replaces every
// labeledStmt of f by the statement it labels, with its Label set, corrects
// the position of every captured token, and reports a statement with two
// labels, a group without one and the statement past MaxStatements.
func resolve(f *File) []*Error {
	var errs []*Error
	count := 0
	var walk func([]Stmt)
	walk = func(stmts []Stmt) {
		for i, s := range stmts {
			if count++; count == maxStatements+1 {
				errs = append(errs, &Error{Pos: s.Position(), Msg: fmt.Sprintf("the file has more than %s statements", thousands(maxStatements))})
			}
			if ls, ok := s.(*labeledStmt); ok {
				ls.L.Pos = ls.Pos
				s = ls.Stmt
				if inner, ok := s.(*labeledStmt); ok {
					errs = append(errs, &Error{Pos: inner.Pos, Msg: fmt.Sprintf("a statement has one label; %q already labels it", ls.L.Path)})
					s = inner.Stmt
					for inner, ok = s.(*labeledStmt); ok; inner, ok = s.(*labeledStmt) {
						s = inner.Stmt
					}
				}
				*s.labelSlot() = ls.L
				stmts[i] = s
			}
			if err := tooManyOptions(s); err != nil {
				errs = append(errs, err)
			}
			switch s := s.(type) {
			case *Group:
				if s.Label == nil {
					errs = append(errs, &Error{Pos: s.Pos, Msg: `a group needs a label, as in "features: { ... }"`})
				}
			case *Repeat:
				fixToken(&s.Open, "{")
				fixToken(&s.Close, "}")
			case *Residual:
				if s.Shortcut != nil {
					fixToken(&s.ShortcutKw, "shortcut")
				}
			}
			for _, b := range blocks(s) {
				fixToken(&b.Close, "}")
			}
			for _, b := range Blocks(s) {
				walk(b)
			}
		}
	}
	walk(f.Stmts)
	return errs
}

// maxOptions bounds the options of a conv or pool and the settings of a
// batchnorm. Each takes at most one of each kind (5 for a conv); a few more
// are left to the checker, which names the duplicates, but not so many that
// its messages, each quoting the statement, grow with their square.
const maxOptions = 16

// tooManyOptions reports a statement with more than maxOptions options, at
// the first one too many, and drops the extra ones.
func tooManyOptions(s Stmt) *Error {
	var kinds string
	var n int
	var pos lexer.Position
	switch s := s.(type) {
	case *Conv:
		kinds, n = "sN, pN, gN, dN and nobias", len(s.Opts)
		if n > maxOptions {
			pos, s.Opts = s.Opts[maxOptions].Pos, s.Opts[:maxOptions]
		}
	case *Pool:
		kinds, n = "sN and pN", len(s.Opts)
		if n > maxOptions {
			pos, s.Opts = s.Opts[maxOptions].Pos, s.Opts[:maxOptions]
		}
	case *BatchNorm:
		kinds, n = "eps and momentum", len(s.Opts)
		if n > maxOptions {
			pos, s.Opts = s.Opts[maxOptions].Pos, s.Opts[:maxOptions]
		}
	}
	if n <= maxOptions {
		return nil
	}
	kw := strings.Fields(fmt.Sprint(s))[0]
	return &Error{Pos: pos, Msg: fmt.Sprintf("%s has %s options, more than %d: it takes at most one each of %s", kw, thousands(n), maxOptions, kinds)}
}

// fixToken corrects a token the grammar captured: participle stores the
// first raw token of the match, which is the blank before the token when
// there is one. A blank holds no newline, so the token starts len(blank)
// characters further on the same line.
func fixToken(t *lexer.Token, want string) {
	if t.Value == want || strings.Trim(t.Value, " \t\r") != "" {
		return
	}
	t.Pos.Offset += len(t.Value)
	t.Pos.Column += len(t.Value)
	t.Value = want
	t.Type = tokenTypes[want]
}

// tokenTypes gives the lexer's type of each token fixToken may correct.
var tokenTypes = map[string]lexer.TokenType{"{": lex.Symbols()["Punct"], "}": lex.Symbols()["Punct"], "shortcut": lex.Symbols()["Ident"]}

// sortErrors sorts errs by position, keeping the order of errors at the
// same place.
func sortErrors(errs []*Error) []*Error {
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Pos, errs[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return errs
}

// thousands formats n with thousands separators: 100,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
