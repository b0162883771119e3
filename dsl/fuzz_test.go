package dsl

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzParse parses arbitrary input: it must never panic, every error must
// carry a position, in order; a file that parses must format to a file that
// parses to the same statements, and formatting that again must change
// nothing.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"../models/*.cnn", "../golden/graphdata/*/model.cnn"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	if ar, err := txtar.ParseFile("testdata/fmt.txtar"); err == nil {
		for _, file := range ar.Files {
			f.Add(file.Data)
		}
	}
	for _, s := range []string{
		"", "{", "}", "a:", "a: b: relu", "a: {", "\ufeffinput 8x8x1\n", "input 8X8X1",
		"residual { relu }\nshortcut { relu }", "residual { relu } shortcut", "concat { } { relu } relu",
		"repeat 2 { relu } relu", strings.Repeat("repeat 1 { ", MaxDepth+1) + "relu",
		"conv 3x3x8 g0 d-1 nobias nobias p same", "batchnorm eps 1e999 momentum -0 eps 1x2",
		"x.y.0: concat { a: { relu } } { b.1: repeat 2 { residual { } shortcut { } } }",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, errs := Parse("f.cnn", src)
		for i, e := range errs {
			if e.Pos.Filename != "f.cnn" || e.Pos.Line < 1 || e.Pos.Column < 1 || e.Msg == "" {
				t.Fatalf("error without position or message: %+v", e)
			}
			if i > 0 && (e.Pos.Line < errs[i-1].Pos.Line || e.Pos.Line == errs[i-1].Pos.Line && e.Pos.Column < errs[i-1].Pos.Column) {
				t.Fatalf("errors out of order: %v then %v", errs[i-1], e)
			}
		}
		if len(errs) > 0 {
			return
		}
		out := Format(file)
		file2, errs := Parse("f.cnn", out)
		if len(errs) > 0 {
			t.Fatalf("formatted file does not parse: %v\n%s", errs[0], out)
		}
		if a, b := dump(file), dump(file2); a != b {
			t.Fatalf("formatting changed the statements:\n%s\nbecame\n%s", a, b)
		}
		if again := Format(file2); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\n%s\nthen\n%s", out, again)
		}
	})
}

// dump writes every statement of f with its label, one a line, blocks on
// the line of their statement.
func dump(f *File) string {
	var b strings.Builder
	if f.BOM {
		b.WriteString("BOM\n")
	}
	for _, s := range f.Stmts {
		if l := LabelOf(s); l != nil {
			b.WriteString(l.String() + " ")
		}
		fmt.Fprintln(&b, s)
	}
	return b.String()
}
