package lsp

import (
	"testing"
	"unicode/utf8"
)

func TestPositions(t *testing.T) {
	// Line 1 holds a 2-byte, a 3-byte and a 4-byte character (1, 1 and 2
	// UTF-16 units); lines end in \n, \r\n and a lone \r, which LSP counts
	// as a line break and cnnc does not.
	src := "aé€🙂b\r\nx\ry\nlast"
	tx := newText(src)
	for _, tc := range []struct {
		line, col int // cnnc
		lsp       Position
	}{
		{1, 1, Position{0, 0}},
		{1, 2, Position{0, 1}},
		{1, 3, Position{0, 2}},
		{1, 4, Position{0, 3}},
		{1, 5, Position{0, 5}}, // after 🙂: two units
		{1, 6, Position{0, 6}}, // the \r, which is on cnnc's line
		{1, 99, Position{0, 6}},
		{2, 1, Position{1, 0}},
		{2, 3, Position{2, 0}}, // y: after a lone \r, a new LSP line
		{3, 5, Position{3, 4}},
		{9, 1, Position{3, 4}},
	} {
		off := tx.offset(tc.line, tc.col)
		if got := tx.position(off); got != tc.lsp {
			t.Errorf("cnnc %d:%d: LSP %v, want %v", tc.line, tc.col, got, tc.lsp)
		}
		if tc.line < 9 && tc.col < 99 {
			if back := tx.byteOffset(tc.lsp); back != off {
				t.Errorf("LSP %v: offset %d, want %d", tc.lsp, back, off)
			}
			if l, c := tx.lineCol(off); l != tc.line || c != tc.col {
				t.Errorf("offset %d: cnnc %d:%d, want %d:%d", off, l, c, tc.line, tc.col)
			}
		}
	}
	// Clamping: past a line's end, inside a surrogate pair, past the end.
	for _, tc := range []struct {
		p    Position
		want int
	}{
		{Position{0, 4}, len("aé€")}, // inside 🙂's pair
		{Position{0, 50}, len("aé€🙂b")},
		{Position{1, 50}, len("aé€🙂b\r\nx")},
		{Position{7, 0}, len(src)},
		{Position{-1, 3}, 0},
	} {
		if got := tx.byteOffset(tc.p); got != tc.want {
			t.Errorf("byteOffset(%v) = %d, want %d", tc.p, got, tc.want)
		}
	}
}

func TestStatementRange(t *testing.T) {
	tx := newText("repeat 2 { conv 3x3x8 p1 ; relu }  # c\n}\n")
	for _, tc := range []struct {
		line, col int
		want      Range
	}{
		{1, 1, Range{Position{0, 0}, Position{0, 8}}},
		{1, 12, Range{Position{0, 11}, Position{0, 24}}},
		{1, 28, Range{Position{0, 27}, Position{0, 31}}},
		{2, 1, Range{Position{1, 0}, Position{1, 1}}}, // a stray brace
		{3, 1, Range{Position{2, 0}, Position{2, 0}}}, // the end
	} {
		if got := tx.rangeAt(tc.line, tc.col); got != tc.want {
			t.Errorf("%d:%d: %v, want %v", tc.line, tc.col, got, tc.want)
		}
	}
}

// FuzzPositions checks that every conversion stays in the text and that
// LSP positions of character boundaries survive the round trip.
func FuzzPositions(f *testing.F) {
	f.Add("aé€🙂b\r\nx\ry\nlast", 1, 3)
	f.Fuzz(func(t *testing.T, s string, line, col int) {
		if !utf8.ValidString(s) {
			return
		}
		tx := newText(s)
		off := tx.offset(line, col)
		if off < 0 || off > len(s) || off < len(s) && !utf8.RuneStart(s[off]) {
			t.Fatalf("offset(%d, %d) = %d", line, col, off)
		}
		p := tx.position(off)
		if back := tx.byteOffset(p); back != off && !(back == off-1 && s[back] == '\r') {
			t.Fatalf("offset %d -> %v -> %d", off, p, back)
		}
		r := tx.rangeAt(line, col)
		if r.End.Line < r.Start.Line || r.End.Line == r.Start.Line && r.End.Character < r.Start.Character {
			t.Fatalf("range %v runs backwards", r)
		}
	})
}
