package dsl

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Keywords are the words that start a statement, in the order the language
// reference lists them.
var Keywords = []string{
	"model", "input", "conv", "pool", "fc", "batchnorm",
	"relu", "relu6", "sigmoid", "tanh", "leaky", "hardswish", "silu", "gelu",
	"dropout", "softmax", "repeat", "residual", "concat",
}

// lex splits .cnn text into tokens. The order matters: a Label (a dotted
// path and its ':') must be tried first (else "layer2.0:" would lex as a word
// and a float), a Float before a Size (else "0.5" would lex as "0" and
// ".5"), and Stride, Pad, Group and Dilation before Ident (else "s2" would be
// a word); the \b keeps "s1abc" from lexing as a stride followed by a word.
var lex = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `#[^\r\n]*`},
	{Name: "EOL", Pattern: `\r?\n|;`},          // a CRLF is one end of line, where the CR is
	{Name: "Whitespace", Pattern: `[ \t]+|\r`}, // a CR alone is a blank
	{Name: "Label", Pattern: labelPattern + `[ \t]*:`},
	{Name: "Float", Pattern: `[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+`},
	{Name: "Size", Pattern: `[-+]?\d+(x[-+]?\d+)*\b`},
	{Name: "Number", Pattern: `[-+]?\d\w*`}, // digits run into letters: 8X8X1, 10abc
	{Name: "Stride", Pattern: `s[-+]?\d+(x[-+]?\d+)?\b`},
	{Name: "Pad", Pattern: `p[-+]?\d+(x[-+]?\d+)?\b`},
	{Name: "Group", Pattern: `g[-+]?\d+\b`},
	{Name: "Dilation", Pattern: `d[-+]?\d+(x[-+]?\d+)?\b`},
	{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
	{Name: "Punct", Pattern: `[{}]`},
})

// labelPattern is a label's path: identifiers and non-negative integers
// joined by dots.
const labelPattern = `([A-Za-z_][A-Za-z0-9_]*|[0-9]+)(\.([A-Za-z_][A-Za-z0-9_]*|[0-9]+))*`

var parser = participle.MustBuild[File](
	participle.Lexer(lex),
	participle.Elide("Whitespace", "Comment"),
	participle.Union[Stmt](
		&labeledStmt{}, &Model{}, &Input{}, &Conv{}, &Pool{}, &FC{}, &BatchNorm{},
		&Activation{}, &Dropout{}, &Softmax{}, &Repeat{}, &Residual{}, &Concat{},
		&Group{}, &Bad{},
	),
)

// Error is a syntax error at a position.
type Error struct {
	Pos lexer.Position
	Msg string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Pos.Filename, e.Pos.Line, e.Pos.Column, e.Msg)
}

// maxErrors bounds how many syntax errors one file reports.
const maxErrors = 50

// Parse parses the .cnn source src read from filename. It returns the file and
// every syntax error found, in source order; after an error it skips the rest
// of the offending statement and goes on, so that one typo does not hide the
// next. The returned file holds the statements that parsed. Parse never
// panics, and its time and memory grow linearly with the size of src: blocks
// nest at most MaxDepth deep.
//
// A UTF-8 byte order mark at the start of src is accepted and recorded in
// File.BOM; positions do not count it (line 1 starts after it).
func Parse(filename string, src []byte) (*File, []*Error) {
	src, bom := bytes.CutPrefix(src, byteOrderMark)
	empty := func() *File { return &File{Comments: comments(filename, src), BOM: bom} }
	if pos, ok := firstInvalidUTF8(filename, src); !ok {
		return &File{BOM: bom}, []*Error{{Pos: pos, Msg: fmt.Sprintf("file is not UTF-8 text (byte 0x%02x)", src[pos.Offset])}}
	}
	if err := tooDeep(filename, src); err != nil {
		return &File{BOM: bom}, []*Error{err}
	}
	text := []byte(string(src))
	if f, err := parser.ParseBytes(filename, text); err == nil {
		f.Comments, f.BOM = comments(filename, src), bom
		return f, sortErrors(resolve(f))
	}
	// Some statement is broken: parse the statements one by one, skipping
	// the broken parts of each.
	at := newLocator(filename, src)
	f := &File{Pos: at.position(0), Comments: comments(filename, src), BOM: bom}
	var errs []*Error
	spans := topLevel(src)
	whole := len(spans) <= batchSize // then the batch is the file, which failed
	for len(spans) > 0 {
		// A batch of statements parses as fast as the file would; only
		// a batch that fails is parsed statement by statement.
		batch := spans[:min(len(spans), batchSize)]
		spans = spans[len(batch):]
		if !whole {
			if part, err := parseOnce(at, text, span{batch[0].start, batch[len(batch)-1].end}); err == nil {
				f.Stmts = append(f.Stmts, part.Stmts...)
				continue
			}
		}
		for _, sp := range batch {
			var stop bool
			if errs, stop = parseStatement(f, at, text, sp, errs); stop {
				return empty(), sortErrors(errs)
			}
		}
	}
	return f, sortErrors(append(errs, resolve(f)...))
}

// batchSize is how many top-level statements a file with errors parses at
// a time.
const batchSize = 256

// parseStatement parses the top-level statement in sp and appends it to f,
// reporting each error in it and blanking the broken part until what is
// left parses. It returns errs with the new errors and whether there are
// too many.
func parseStatement(f *File, at *locator, text []byte, sp span, errs []*Error) ([]*Error, bool) {
	for {
		part, err := parseOnce(at, text, sp)
		if err == nil {
			f.Stmts = append(f.Stmts, part.Stmts...)
			return errs, false
		}
		if n := len(errs); n > 0 && *errs[n-1] == *err {
			return errs, false
		}
		if errs = append(errs, err); len(errs) >= maxErrors {
			return errs, true
		}
		if _, blanked := blankStatement(text, err.Pos.Offset); !blanked {
			return errs, false
		}
	}
}

// byteOrderMark is U+FEFF in UTF-8, which some editors put at the start of
// a file.
var byteOrderMark = []byte{0xEF, 0xBB, 0xBF}

// parseOnce parses the statements of text in sp, converting the parser's
// error (and any panic, which would be a bug in the grammar) into an *Error.
func parseOnce(at *locator, text []byte, sp span) (f *File, perr *Error) {
	defer func() {
		if r := recover(); r != nil {
			f, perr = nil, &Error{Pos: at.position(sp.start), Msg: fmt.Sprintf("internal parser error: %v", r)}
		}
	}()
	f, err := parseRange(at, text, sp.start, sp.end)
	if err == nil {
		return f, nil
	}
	pe, ok := err.(participle.Error)
	if !ok {
		return nil, &Error{Pos: at.position(sp.start), Msg: err.Error()}
	}
	if inner := isolate(*at, text, pe.Position().Offset); inner != nil {
		return nil, inner
	}
	return nil, &Error{Pos: pe.Position(), Msg: message(pe, text)}
}

// isolate re-parses the statement that starts at offset on its own, for an
// error reported at its first token. Inside a block the parser gives up on
// a broken statement at its keyword and complains that the block was not
// closed; parsed alone, the statement shows its real error. isolate returns
// nil when offset is not a statement's start or the statement parses alone.
// It takes a copy of the locator, which it moves past the statements after.
func isolate(at locator, text []byte, offset int) *Error {
	if kw, _ := statementKeyword(text, offset); offset >= len(text) || kw != "" || !isWordStart(text[offset]) {
		return nil
	}
	end := offset
	for end < len(text) && text[end] != '\n' && text[end] != ';' && text[end] != '}' {
		end++
	}
	_, err := parseRange(&at, text, offset, min(end+1, len(text))) // with its terminator
	pe, ok := err.(participle.Error)
	if !ok {
		return nil
	}
	return &Error{Pos: pe.Position(), Msg: message(pe, text)}
}

func isWordStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

// firstInvalidUTF8 reports the position of the first byte that is not UTF-8.
func firstInvalidUTF8(filename string, src []byte) (lexer.Position, bool) {
	pos := lexer.Position{Filename: filename, Line: 1, Column: 1}
	for pos.Offset < len(src) {
		r, size := utf8.DecodeRune(src[pos.Offset:])
		if r == utf8.RuneError && size == 1 {
			return pos, false
		}
		pos.Offset += size
		if r == '\n' {
			pos.Line++
			pos.Column = 1
		} else {
			pos.Column++
		}
	}
	return pos, true
}

// blankStatement replaces the statement around offset (from the previous
// newline, ';' or '{' up to the next newline, ';' or '}') with spaces,
// keeping the line and column of everything else. A '{' blanked with it
// takes its matching '}' along, so that a broken repeat header does not
// leave a stray brace. It reports false when there was nothing left to
// blank.
func blankStatement(text []byte, offset int) ([]byte, bool) {
	offset = min(max(offset, 0), len(text))
	// A '}' ends the statement before it too: in `repeat 2 { relu } relu`
	// only the second relu is blanked, not the brace.
	start := offset
	for start > 0 && !isBoundary(text[start-1]) && text[start-1] != '}' {
		start--
	}
	if offset < len(text) && text[offset] == '}' {
		if len(bytes.TrimSpace(text[start:offset])) == 0 {
			text[offset] = ' ' // a stray '}'
			return text, true
		}
		// The '}' closes a block whose last statement is cut short
		// (`{ batchnorm eps }`): that statement goes.
		return blank(text, start, offset), true
	}
	end := offset
	for end < len(text) && text[end] != '\n' && text[end] != ';' && text[end] != '}' {
		if text[end] == '#' {
			for end < len(text) && text[end] != '\n' {
				end++
			}
			break
		}
		end++
	}
	changed := false
	for i := start; i < end; i++ {
		switch text[i] {
		case ' ', '\t', '\r':
			continue
		case '{':
			blankMatchingBrace(text, end)
		}
		changed = true
	}
	return blank(text, start, end), changed
}

// blank replaces the bytes in [start, end) of text with spaces, newlines
// kept, so that every byte keeps its place (positions are worked out from
// the original source).
func blank(text []byte, start, end int) []byte {
	for i := start; i < end; i++ {
		if text[i] != '\n' {
			text[i] = ' '
		}
	}
	return text
}

// blankMatchingBrace blanks the '}' that closes a '{' opened before from.
func blankMatchingBrace(text []byte, from int) {
	structure(text, from, 1, func(i, depth int) bool {
		if text[i] == '}' && depth == 0 {
			text[i] = ' '
			return false
		}
		return true
	})
}

func isBoundary(c byte) bool { return c == '\n' || c == ';' || c == '{' }

// comments returns every comment of src in order. src is valid UTF-8 here.
func comments(filename string, src []byte) []Comment {
	var out []Comment
	lx, err := lex.LexString(filename, string(src))
	if err != nil {
		return nil
	}
	comment := lex.Symbols()["Comment"]
	for {
		tok, err := lx.Next()
		if err != nil || tok.EOF() {
			return out
		}
		if tok.Type == comment {
			out = append(out, Comment{Pos: tok.Pos, Text: tok.Value})
		}
	}
}
