package dsl

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// TestLabels checks that a label is moved onto the statement it labels, with
// its path and position, and that the statement keeps its keyword's position.
func TestLabels(t *testing.T) {
	src := "conv1: conv 3x3x8\nlayer2.0 : residual { relu }\n  fc: fc 10; features.18.0: batchnorm\n0: relu\nblk: {\n  pool: pool max global\n}\n"
	f, errs := Parse("t.cnn", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var got []string
	var walk func([]Stmt)
	walk = func(ss []Stmt) {
		for _, s := range ss {
			l := LabelOf(s)
			if l == nil {
				got = append(got, fmt.Sprintf("- %T@%s", s, at(s.Position())))
			} else {
				got = append(got, fmt.Sprintf("%s@%s %T@%s", l.Path, at(l.Pos), s, at(s.Position())))
			}
			for _, b := range Blocks(s) {
				walk(b)
			}
		}
	}
	walk(f.Stmts)
	want := []string{
		"conv1@1:1 *dsl.Conv@1:8",
		"layer2.0@2:1 *dsl.Residual@2:12",
		"- *dsl.Activation@2:23",
		"fc@3:3 *dsl.FC@3:7",
		"features.18.0@3:14 *dsl.BatchNorm@3:29",
		"0@4:1 *dsl.Activation@4:4",
		"blk@5:1 *dsl.Group@5:6",
		"pool@6:3 *dsl.Pool@6:9",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("labels:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if segs := LabelOf(f.Stmts[3]).Segments(); strings.Join(segs, "|") != "features|18|0" {
		t.Errorf("segments %q", segs)
	}
}

func at(p lexer.Position) string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// TestBlockPositions checks the positions the checker reports merges at:
// each block's braces and the shortcut keyword.
func TestBlockPositions(t *testing.T) {
	src := "repeat 2 {  relu  }\nresidual {\n  relu\n  }   shortcut  { relu }\nconcat { }  {\n}\n"
	f, errs := Parse("t.cnn", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	r := f.Stmts[0].(*Repeat)
	res := f.Stmts[1].(*Residual)
	c := f.Stmts[2].(*Concat)
	got := []string{
		at(r.Open.Pos) + " " + r.Open.Value, at(r.Close.Pos) + " " + r.Close.Value,
		at(res.Body.Pos), at(res.Body.Close.Pos) + " " + res.Body.Close.Value,
		at(res.ShortcutKw.Pos) + " " + res.ShortcutKw.Value, at(res.Shortcut.Pos), at(res.Shortcut.Close.Pos),
		at(c.Pos), at(c.Branches[0].Pos), at(c.Branches[0].Close.Pos), at(c.Branches[1].Pos), at(c.Branches[1].Close.Pos),
	}
	want := []string{
		"1:10 {", "1:19 }",
		"2:10", "4:3 }",
		"4:7 shortcut", "4:17", "4:24",
		"5:1", "5:8", "5:10", "5:13", "6:1",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("positions\n%s\nwant\n%s", strings.Join(got, "|"), strings.Join(want, "|"))
	}
	if e := res.End(); e.Line != 4 {
		t.Errorf("residual ends at %s, want line 4", at(e))
	}
}
