package lsp

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Position is an LSP position: a 0-based line and a 0-based character
// offset in UTF-16 code units, the protocol's default encoding.
type Position struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

// Range is an LSP range, end exclusive.
type Range struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// text is a document's content with the two line indexes its positions
// need. cnnc counts lines at '\n' alone (its lexer treats '\r' as a space)
// and columns from 1 in characters; LSP counts lines at "\n", "\r\n" and
// "\r", and characters from 0 in UTF-16 code units. Both map to byte
// offsets, through which every conversion goes.
type text struct {
	s string
	// lines and lspLines hold the byte offset at which each line starts,
	// as cnnc and as LSP count lines.
	lines, lspLines []int
}

func newText(s string) *text {
	t := &text{s: s, lines: []int{0}, lspLines: []int{0}}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			t.lines = append(t.lines, i+1)
			t.lspLines = append(t.lspLines, i+1)
		case '\r':
			if i+1 == len(s) || s[i+1] != '\n' {
				t.lspLines = append(t.lspLines, i+1)
			}
		}
	}
	return t
}

// offset returns the byte offset of cnnc's 1-based line and column,
// clamped to the text: a column past the end of its line is the line's end.
func (t *text) offset(line, col int) int {
	if line < 1 {
		return 0
	}
	if line > len(t.lines) {
		return len(t.s)
	}
	off, end := t.lines[line-1], len(t.s)
	if line < len(t.lines) {
		end = t.lines[line] - 1 // the '\n'
	}
	for ; col > 1 && off < end; col-- {
		_, size := utf8.DecodeRuneInString(t.s[off:end])
		off += size
	}
	return off
}

// lineCol returns cnnc's 1-based line and column of byte offset off.
func (t *text) lineCol(off int) (line, col int) {
	off = min(max(off, 0), len(t.s))
	i := sort.SearchInts(t.lines, off+1) - 1
	return i + 1, utf8.RuneCountInString(t.s[t.lines[i]:off]) + 1
}

// position returns the LSP position of byte offset off. An offset
// between the '\r' and '\n' of a line break (where cnnc puts an error at
// the end of such a line) is the end of the line.
func (t *text) position(off int) Position {
	off = min(max(off, 0), len(t.s))
	if off > 0 && off < len(t.s) && t.s[off-1] == '\r' && t.s[off] == '\n' {
		off--
	}
	i := sort.SearchInts(t.lspLines, off+1) - 1
	units := 0
	for _, r := range t.s[t.lspLines[i]:off] {
		units += utf16Len(r)
	}
	return Position{Line: i, Character: units}
}

// byteOffset returns the byte offset of an LSP position, clamped to the
// text: a character past the end of its line is the line's end, and a
// position inside a surrogate pair is the character's start.
func (t *text) byteOffset(p Position) int {
	if p.Line < 0 {
		return 0
	}
	if p.Line >= len(t.lspLines) {
		return len(t.s)
	}
	off, end := t.lspLines[p.Line], len(t.s)
	if p.Line+1 < len(t.lspLines) {
		end = t.lspLines[p.Line+1]
		end -= len(lineBreak(t.s[:end]))
	}
	for units := p.Character; units > 0 && off < end; {
		r, size := utf8.DecodeRuneInString(t.s[off:end])
		if units < utf16Len(r) {
			break
		}
		units -= utf16Len(r)
		off += size
	}
	return off
}

// lineBreak returns the line break that s ends with.
func lineBreak(s string) string {
	switch {
	case strings.HasSuffix(s, "\r\n"):
		return "\r\n"
	case strings.HasSuffix(s, "\n"):
		return "\n"
	case strings.HasSuffix(s, "\r"):
		return "\r"
	}
	return ""
}

// utf16Len is the number of UTF-16 code units of r.
func utf16Len(r rune) int {
	if r >= 0x10000 && r <= utf8.MaxRune {
		return 2
	}
	return 1
}

// statementEnd returns the offset where the statement text starting at off
// ends on its line: before the next ';', '{', '}', '#' or line break, with
// trailing spaces dropped (or the one character at off, where that
// leaves nothing). It gives diagnostics and hovers their extent.
func (t *text) statementEnd(off int) int {
	off = min(max(off, 0), len(t.s))
	end := off
	for end < len(t.s) && !strings.ContainsRune(";{}#\n\r", rune(t.s[end])) {
		end++
	}
	for end > off && (t.s[end-1] == ' ' || t.s[end-1] == '\t') {
		end--
	}
	if end == off && off < len(t.s) && t.s[off] != '\n' && t.s[off] != '\r' {
		// A stray '}' or ';': cover that character, so that it shows.
		_, size := utf8.DecodeRuneInString(t.s[off:])
		end += size
	}
	return end
}

// rangeAt returns the range of the statement text from cnnc's line and
// column to the end of the statement.
func (t *text) rangeAt(line, col int) Range {
	start := t.offset(line, col)
	return Range{Start: t.position(start), End: t.position(t.statementEnd(start))}
}
