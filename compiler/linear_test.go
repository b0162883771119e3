package compiler

import (
	"runtime"
	"testing"

	"github.com/cnnc/cnnc/dsl"
)

// TestCheckLinearInNesting: checking n nested repeats, with a layer at each
// level, allocates in proportion to n. Each layer used to copy the whole
// stack of enclosing copies (issue 14: 45 s and 11 GB at n = 20,000); the
// copies are now shared.
func TestCheckLinearInNesting(t *testing.T) {
	alloc := func(n int) uint64 {
		f := nestedRepeats(t, n)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		r, _ := Check("n.cnn", f)
		runtime.ReadMemStats(&after)
		if r == nil || len(r.Graph.Nodes) != n+1 {
			t.Fatalf("n = %d: %+v", n, r)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(1000), alloc(4000)
	if ratio := float64(large) / float64(small); ratio > 6 {
		t.Errorf("4× the nesting allocates %.1f× the bytes (%d against %d): not linear", ratio, large, small)
	}
}

// nestedRepeats builds the file "input 4x4x1", then n nested `repeat 1 {
// relu ...}` and a relu. dsl.Parse refuses blocks nested more than
// dsl.MaxDepth deep, so the tree is built from parsed pieces.
func nestedRepeats(t *testing.T, n int) *dsl.File {
	f, errs := dsl.Parse("n.cnn", []byte("input 4x4x1\nrepeat 1 { relu }\nrelu\n"))
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	proto, relu := f.Stmts[1].(*dsl.Repeat), f.Stmts[2]
	var inner dsl.Stmt = relu
	for range n {
		r := *proto
		r.Body = []dsl.Stmt{proto.Body[0], inner}
		inner = &r
	}
	f.Stmts = []dsl.Stmt{f.Stmts[0], inner}
	return f
}
