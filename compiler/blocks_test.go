package compiler

import (
	"strings"
	"testing"

	"github.com/cnnc/cnnc/dsl"
)

// TestBlockDiagnostics checks the exact message and position of every error
// and warning of issue 15's forms.
func TestBlockDiagnostics(t *testing.T) {
	tests := []diagCase{
		{"clean blocks", "input 8x8x4\nresidual { conv 3x3x4 p1; batchnorm; relu }\nconcat { conv 1x1x2 } { }\npool avg global\nfc 3\n", nil},
		{"residual missing its stride", "input 56x56x64\nresidual {\n  conv 3x3x128 s2 p1 nobias\n  batchnorm\n}\n", []string{
			"2:1: error: residual on 56x56x64: its body gives 28x28x128 but the identity shortcut gives 56x56x64; shortcut { conv 1x1x128 s2 nobias; batchnorm } would give 28x28x128"}},
		{"shortcut missing its stride", "input 56x56x64\nresidual { conv 3x3x128 s2 p1 } shortcut { conv 1x1x128 }\n", []string{
			"2:1: error: residual on 56x56x64: its body gives 28x28x128 but its shortcut gives 56x56x128; shortcut { conv 1x1x128 s2 } would give 28x28x128"}},
		{"residual to flat", "input 4x4x2\nresidual { fc 10 }\n", []string{
			"2:1: error: residual on 4x4x2: its body gives 10 but the identity shortcut gives 4x4x2; shortcut { fc 10 } would give 10"}},
		{"residual in a repeat copy", "input 8x8x4\nrepeat 2 {\n  residual { conv 3x3x8 p1 }\n}\n", []string{
			"3:3: error: residual on 8x8x4 (copy 1 of 2 of the repeat at 2:1): its body gives 8x8x8 but the identity shortcut gives 8x8x4; shortcut { conv 1x1x8 } would give 8x8x8"}},
		{"later statements not blamed", "input 8x8x4\nresidual { conv 3x3x8 p1 }\nconv 3x3x9\n", []string{
			"2:1: error: residual on 8x8x4: its body gives 8x8x8 but the identity shortcut gives 8x8x4; shortcut { conv 1x1x8 } would give 8x8x8"}},
		{"concat mismatch", "input 8x8x4\nconcat { pool max 2x2 } { } { conv 3x3x2 }\n", []string{
			"2:1: error: concat on 8x8x4: its branches give 4x4x4, 8x8x4 and 6x6x2: they must agree on height and width"}},
		{"concat flat and map", "input 1x1x4\nconcat { fc 3 } { }\n", []string{
			"2:1: error: concat on 1x1x4: its branches give 3 and 1x1x4: they must be all flat or all feature maps"}},
		{"groups do not divide K", "input 8x8x8\nconv 3x3x6 p1 g4\n", []string{
			"2:15: error: conv 3x3x6 p1 g4: 4 groups do not divide the 6 filters"}},
		{"groups do not divide C", "input 8x8x6\nconv 3x3x8 p1 g4\n", []string{
			"2:15: error: conv 3x3x8 p1 g4 on 8x8x6: 4 groups do not divide the 6 input channels"}},
		{"zero groups", "input 8x8x6\nconv 3x3x8 g0\n", []string{
			"2:12: error: conv 3x3x8 g0: the number of groups must be at least 1, got 0"}},
		{"depthwise", "input 8x8x6\nconv 3x3x6 p1 g6 nobias\n", nil},
		{"dilation arithmetic", "input 10x10x1\nconv 3x3x2 s2 d2\n", []string{
			"2:1: error: conv 3x3x2 s2 d2 on 10x10x1: (10 + 0 - 2·(3 - 1) - 1)/2 + 1 = 3.5 is not a whole number: flooring it would leave the last row and column of the input unread; p1 would give 4x4x2"}},
		{"dilation below 1", "input 4x4x1\nconv 3x3x2 d2\n", []string{
			"2:1: error: conv 3x3x2 d2 on 4x4x1: (4 + 0 - 2·(3 - 1) - 1)/1 + 1 = 0 is below 1; p1 would give 2x2x2"}},
		{"dilated p same", "input 9x9x1\nconv 3x3x2 d2 p same\nconv 2x2x2 d3 p same\n", []string{
			"3:15: error: conv 2x2x2 d3 p same: p same needs an odd window: a 2x2 filter dilated by 3 spans 4x4, which has no centre, so no padding keeps the size (it would be 1.5)"}},
		{"zero dilation", "input 8x8x1\nconv 3x3x2 d0\n", []string{
			"2:12: error: conv 3x3x2 d0: a dilation must be at least 1, got 0"}},
		{"options twice", "input 8x8x8\nconv 3x3x8 g2 g4 d1 d2 nobias nobias\n", []string{
			"2:15: error: conv 3x3x8 g2 g4 d1 d2 nobias nobias: groups given twice (g2 and g4)",
			"2:21: error: conv 3x3x8 g2 g4 d1 d2 nobias nobias: dilation given twice (d1 and d2)",
			"2:31: error: conv 3x3x8 g2 g4 d1 d2 nobias nobias: nobias given twice"}},
		{"conv options on a pool", "input 8x8x8\npool max 2x2 g2\npool max 2x2 nobias\n", []string{
			"2:14: error: pool max 2x2 g2: g2 is for conv only",
			"3:14: error: pool max 2x2 nobias: nobias is for conv only"}},
		{"batchnorm settings", "input 8x8x8\nbatchnorm eps 0\nbatchnorm momentum 1.5\nbatchnorm eps 1e-3 eps 1e-4\n", []string{
			"2:11: error: batchnorm eps 0: eps must be a finite number above 0, got 0",
			"3:11: error: batchnorm momentum 1.5: momentum must be in [0, 1], got 1.5",
			"4:20: error: batchnorm eps 1e-3 eps 1e-4: eps given twice (eps 1e-3 and eps 1e-4)"}},
		{"batchnorm on flat features", "input 8x8x8\nfc 10\nbatchnorm\n", nil},
		{"global pool on flat", "input 8x8x8\nfc 10\npool avg global\n", []string{
			"3:1: error: pool avg global needs a feature map, but its input is 10 flat features (after fc1)"}},
		{"slope on relu6", "input 8x8x8\nrelu6 0.2\n", []string{"2:1: error: relu6 takes no argument; only leaky has a slope"}},
		{"two activations across a block", "input 8x8x8\nrelu\nresidual { gelu }\nsilu\n", []string{
			"3:12: warning: gelu directly after relu: two activations in a row"}},
		{"shortcut stride is no gap", "input 8x8x4\nresidual { conv 3x3x8 s2 p1 } shortcut { conv 1x1x8 s2 }\nconv 1x1x8 s2\n", []string{
			"3:1: warning: conv 1x1x8 s2: stride s2 is larger than the window 1x1, so some input pixels are never seen"}},
		{"input in a block", "input 8x8x8\nresidual { input 8x8x8 }\nc: { model m }\n", []string{
			"2:12: error: input cannot be inside a residual block",
			"3:6: error: model cannot be inside a group"}},
		{"label on input", "m: model a\nx: input 8x8x8\n", []string{
			"1:1: error: model cannot have a label: labels name layers and blocks",
			"2:1: error: input cannot have a label: labels name layers and blocks"}},
		{"name collision", "input 8x8x8\nconv1: conv 3x3x8 p1\nconv 3x3x8 p1\n", []string{
			`3:1: error: conv 3x3x8 p1: "conv1.weight" is already the name of a tensor of conv 3x3x8 p1 at 2:8`}},
		{"name collision in copies", "input 8x8x8\nrepeat 2 {\n  b: batchnorm\n}\n", []string{
			`3:6: error: batchnorm: "b.weight" would name a tensor in every copy of the repeat at 2:1; label the repeat so that each copy has a scope of its own`}},
		{"labeled repeat copies", "input 8x8x8\nblocks: repeat 2 {\n  b: batchnorm\n}\n", nil},
	}
	checkDiagnostics(t, tests)
}

// TestTooManyStatements: a long file without repeats is not blamed on them;
// the parser reports it at the first statement past the limit (the input
// statement counts, so the 100,001st statement is on line 100,001).
func TestTooManyStatements(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 100,001 lines")
	}
	_, ds := Source("t.cnn", []byte("input 8x8x8\n"+strings.Repeat("relu\n", MaxLayers+1)))
	if got := strings.Join(diagStrings(ds), "\n"); got != "100001:1: error: the file has more than 100,000 statements" {
		t.Errorf("got %s", got)
	}
}

// TestScopeOf: the scope ScopeOf gives the statements inside nested blocks
// is the prefix of their nodes' names, copy by copy.
func TestScopeOf(t *testing.T) {
	src := "input 4x4x2\nlayer1.1: repeat 2 {\n  in: repeat 2 {\n    repeat 1 { blk: { residual { x: { conv 1x1x2 } } } }\n  }\n}\n"
	r, ds := Compile("s.cnn", []byte(src))
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	f, _ := dsl.Parse("s.cnn", []byte(src))
	rep := f.Stmts[1].(*dsl.Repeat)
	inner := rep.Body[0].(*dsl.Repeat)
	once := inner.Body[0].(*dsl.Repeat)
	blk := once.Body[0].(*dsl.Group)
	res := blk.Body.Stmts[0].(*dsl.Residual)
	x := res.Body.Stmts[0]
	outer := []dsl.Stmt{rep, inner, once, blk, res, x}
	var got []string
	for _, n := range r.Graph.Nodes {
		if n.Op.Kind() == "conv" {
			got = append(got, ScopeOf(outer, n.Copy)+" "+n.Name)
		}
	}
	want := "layer1.1.in.0.blk.x layer1.1.in.0.blk.x.conv1|layer1.1.in.1.blk.x layer1.1.in.1.blk.x.conv1|" +
		"layer1.2.in.0.blk.x layer1.2.in.0.blk.x.conv1|layer1.2.in.1.blk.x layer1.2.in.1.blk.x.conv1"
	if strings.Join(got, "|") != want {
		t.Errorf("got %s\nwant %s", strings.Join(got, "|"), want)
	}
}
