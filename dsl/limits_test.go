package dsl

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2"
)

// nested returns n repeats nested on one line around a relu.
func nested(n int) string {
	return strings.Repeat("repeat 1 { ", n) + "relu" + strings.Repeat(" }", n)
}

// TestNestingLimit: blocks nest at most MaxDepth deep; the '{' one level
// deeper is refused before the parser runs (issue 14: 40,000 nested repeats
// took fmt 66 s).
func TestNestingLimit(t *testing.T) {
	if _, errs := Parse("t.cnn", []byte("input 4x4x1\n"+nested(MaxDepth))); len(errs) > 0 {
		t.Fatalf("%d levels: %v", MaxDepth, errs[0])
	}
	for _, tc := range []struct{ src, want string }{
		{"input 4x4x1\n" + nested(MaxDepth+1), "2:1110"},
		{"input 4x4x1\n" + nested(40_000), "2:1110"},
		{"input 4x4x1\n" + strings.Repeat("concat { } {\n", MaxDepth+1), "102:8"},
		{"input 4x4x1\n" + strings.Repeat("a: { residual { relu } shortcut { # {\n", MaxDepth/2) + "b: {", "52:4"},
	} {
		_, errs := Parse("t.cnn", []byte(tc.src))
		want := fmt.Sprintf("%s: blocks nest more than %d deep", tc.want, MaxDepth)
		if len(errs) != 1 || fmt.Sprintf("%d:%d: %s", errs[0].Pos.Line, errs[0].Pos.Column, errs[0].Msg) != want {
			t.Errorf("%.40q...: errors %v, want %s", tc.src, errs, want)
		}
	}
}

// TestFormatLinear: printing a block on one line takes time linear in its
// size, however deeply it nests; each level used to print its whole inside
// again.
func TestFormatLinear(t *testing.T) {
	alloc := func(depth int) uint64 {
		src := "input 4x4x1\n" + strings.Repeat(nested(depth)+"\n", 2000/depth)
		f, errs := Parse("t.cnn", []byte(src))
		if len(errs) > 0 {
			t.Fatal(errs[0])
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		Format(f)
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	// The same number of statements, nested 4 or 100 deep.
	shallow, deep := alloc(4), alloc(MaxDepth)
	if ratio := float64(deep) / float64(shallow); ratio > 3 {
		t.Errorf("nesting 25x deeper allocates %.1fx the bytes (%d against %d): not linear", ratio, deep, shallow)
	}
}

// TestStatementLimit: a file holds at most MaxStatements statements; the
// error names the first one too many, not repeat blocks (issue 14).
func TestStatementLimit(t *testing.T) {
	defer func(n int) { maxStatements = n }(maxStatements)
	maxStatements = 5
	for _, tc := range []struct{ src, want string }{
		{"input 4x4x1\nrelu\nrelu\nrelu\nrelu\n", ""},
		{"input 4x4x1\nrelu\nrelu\nrelu\nrelu\nrelu\nrelu\n", "6:1: the file has more than 5 statements"},
		{"input 4x4x1\nrepeat 2 { relu; relu; relu; a: relu }\n", "2:30: the file has more than 5 statements"},
	} {
		_, errs := Parse("t.cnn", []byte(tc.src))
		var got []string
		for _, e := range errs {
			got = append(got, fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Column, e.Msg))
		}
		if strings.Join(got, "\n") != tc.want {
			t.Errorf("%q: errors %q, want %q", tc.src, got, tc.want)
		}
	}
	if thousands(MaxStatements) != "100,000" {
		t.Errorf("thousands(%d) = %q", MaxStatements, thousands(MaxStatements))
	}
}

// TestByteOrderMark: a UTF-8 BOM at the start is accepted, positions start
// after it, and fmt keeps it (as gofmt does); elsewhere it is an error.
func TestByteOrderMark(t *testing.T) {
	src := "\ufeffinput 8x8x1 # x\nconv   3x3x4\n"
	f, errs := Parse("t.cnn", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	if p := f.Stmts[0].Position(); !f.BOM || p.Line != 1 || p.Column != 1 {
		t.Errorf("BOM %v, input at %d:%d", f.BOM, p.Line, p.Column)
	}
	if got, want := Format(f), []byte("\ufeffinput 8x8x1 # x\nconv 3x3x4\n"); !bytes.Equal(got, want) {
		t.Errorf("Format = %q, want %q", got, want)
	}
	f, _ = Parse("t.cnn", []byte("input 8x8x1\n"))
	if f.BOM || bytes.HasPrefix(Format(f), byteOrderMark) {
		t.Error("a BOM where there was none")
	}
}

// TestRecoveryCost: recovering from each of 50 errors re-parses the broken
// statement, not the file, so a file with errors costs a few times a clean
// one (issue 14 kind: 50 errors in 20,000 lines took 16 s, each error
// costing a parse of the whole file).
func TestRecoveryCost(t *testing.T) {
	const n = 4000
	alloc := func(broken bool) uint64 {
		lines := make([]string, n)
		for i := range lines {
			lines[i] = "relu"
			if broken && i%(n/50) == 3 {
				lines[i] = "fc x"
			}
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, errs := Parse("t.cnn", []byte(strings.Join(lines, "\n")))
		runtime.ReadMemStats(&after)
		if broken && (len(errs) != 50 || errs[49].Pos.Line != 49*(n/50)+4) {
			t.Fatalf("%d errors, the last %v", len(errs), errs[len(errs)-1])
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	clean, broken := alloc(false), alloc(true)
	if ratio := float64(broken) / float64(clean); ratio > 4 {
		t.Errorf("50 errors allocate %.1fx the bytes of a clean file (%d against %d)", ratio, broken, clean)
	}
}

// TestLongFiles: more blank lines than the grammar's repetition allows
// (participle.MaxIterations, a million) are still a file: the parser then
// goes statement by statement. A statement of more words gets a message that
// says so. The limit is lowered here to keep the test fast.
func TestLongFiles(t *testing.T) {
	defer func(n int) { participle.MaxIterations = n }(participle.MaxIterations)
	participle.MaxIterations = 1000
	if _, errs := Parse("t.cnn", []byte("input 8x8x1\n"+strings.Repeat("\n", 1100)+"relu\n")); len(errs) > 0 {
		t.Errorf("1,100 blank lines: %v", errs[0])
	}
	_, errs := Parse("t.cnn", []byte("input 8x8x1\nfoo"+strings.Repeat(" x", 1100)+"\n"))
	if len(errs) != 1 || errs[0].Msg != "more than 1,000 words in one statement" || errs[0].Pos.Line != 2 {
		t.Errorf("a statement of 1,101 words: %v", errs)
	}
}
