package compiler

import (
	"strings"
	"testing"
)

// TestNotYet checks that the round-2 forms the checker does not lower yet
// get a positioned error, once per statement, and no crash.
func TestNotYet(t *testing.T) {
	src := "input 8x8x8\nconv1: relu\nresidual { relu }\nconcat { } { relu }\nb: { relu }\nbatchnorm\npool max global\n" +
		"conv 3x3x8 g2\nconv 3x3x8 d2\nconv 3x3x8 nobias\nrepeat 2 { batchnorm }\nrelu6\n" +
		"pool max 2x2 nobias\npool max 2x2 g2\npool max 2x2 d2\n"
	_, ds := Source("t.cnn", []byte(src))
	want := []string{
		"2:8: error: labels are not supported yet",
		"3:1: error: residual blocks are not supported yet",
		"4:1: error: concat blocks are not supported yet",
		"5:4: error: labels are not supported yet",
		"6:1: error: batchnorm is not supported yet",
		"7:1: error: global pools are not supported yet",
		"8:1: error: grouped convs are not supported yet",
		"9:1: error: dilated convs are not supported yet",
		"10:1: error: nobias is not supported yet",
		"11:12: error: batchnorm is not supported yet",
		"13:1: error: pool max 2x2 nobias: nobias is for conv only",
		"14:1: error: pool max 2x2 g2: g2 is for conv only",
		"15:1: error: pool max 2x2 d2: d2 is for conv only",
	}
	if got := diagStrings(ds); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
