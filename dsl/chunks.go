package dsl

import (
	"errors"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// A file with syntax errors is parsed one top-level statement at a time, so
// that recovering from each error re-parses that statement, not the whole
// file: 50 errors in a 20,000-line file took 16 s when every error meant
// parsing the file again.

// span is a range [start, end) of the source.
type span struct{ start, end int }

// topLevel splits text into its top-level statements: a newline or ';'
// outside every block ends one. A block never closed runs to the end.
func topLevel(text []byte) []span {
	var out []span
	start := 0
	structure(text, 0, 0, func(i, depth int) bool {
		if c := text[i]; (c == '\n' || c == ';') && depth == 0 {
			out = append(out, span{start, i + 1})
			start = i + 1
		}
		return true
	})
	if start < len(text) {
		out = append(out, span{start, len(text)})
	}
	return out
}

// structure calls f with the offset of every '{', '}', newline and ';' of
// text from offset from on, outside comments, and the depth of blocks after
// it, starting from depth (a stray '}' leaves it at 0). It stops when f
// returns false.
func structure(text []byte, from, depth int, f func(i, depth int) bool) {
	for i := from; i < len(text); i++ {
		switch text[i] {
		case '#':
			for i+1 < len(text) && text[i+1] != '\n' {
				i++
			}
			continue
		case '{':
			depth++
		case '}':
			depth = max(depth-1, 0)
		case '\n', ';':
		default:
			continue
		}
		if !f(i, depth) {
			return
		}
	}
}

// shifted lexes a range of the source as if the file held only it, and
// gives every token (and a lexing error) its place in the whole file.
type shifted struct {
	lex   lexer.Lexer
	at    locator
	start int
}

func (s *shifted) Next() (lexer.Token, error) {
	t, err := s.lex.Next()
	t.Pos = s.at.position(s.start + t.Pos.Offset)
	var le *lexer.Error
	if errors.As(err, &le) {
		le.Pos = s.at.position(s.start + le.Pos.Offset)
	}
	return t, err
}

// locator turns byte offsets of src into positions, walking forward from
// the last offset asked for, so that positions asked for in order cost time
// linear in the text they cover. Columns count characters.
type locator struct {
	filename string
	src      []byte
	pos      lexer.Position
}

func newLocator(filename string, src []byte) *locator {
	return &locator{filename: filename, src: src, pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}
}

func (l *locator) position(offset int) lexer.Position {
	offset = min(max(offset, 0), len(l.src))
	if offset < l.pos.Offset {
		l.pos = lexer.Position{Filename: l.filename, Line: 1, Column: 1}
	}
	for l.pos.Offset < offset {
		r, size := utf8.DecodeRune(l.src[l.pos.Offset:])
		l.pos.Offset += size
		if r == '\n' {
			l.pos.Line++
			l.pos.Column = 1
		} else {
			l.pos.Column++
		}
	}
	return l.pos
}

// parseRange parses text[start:end] as a file, with every position that of
// the whole text. at locates offsets in the original source, which text
// matches byte for byte (blanking keeps every byte's place); it moves to
// start, so ranges should come in order.
func parseRange(at *locator, text []byte, start, end int) (*File, error) {
	inner, err := lex.LexString(at.filename, string(text[start:end]))
	if err != nil {
		return nil, err
	}
	at.position(start)
	symbols := lex.Symbols()
	peek, err := lexer.Upgrade(&shifted{lex: inner, at: *at, start: start}, symbols["Whitespace"], symbols["Comment"])
	if err != nil {
		return nil, err
	}
	return parser.ParseFromLexer(peek)
}
