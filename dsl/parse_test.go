package dsl

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestStatements parses one file per statement form and checks what the
// parser captured, through the canonical printer and the node's fields.
func TestStatements(t *testing.T) {
	tests := []struct {
		src  string
		want string // fmt.Sprint of the statement
		node string // %+v of the interesting fields
	}{
		{"model vgg16", "model vgg16", "vgg16"},
		{"model s1", "model s1", "s1"},
		{"input 224x224x3", "input 224x224x3", "[224 224 3]"},
		{"conv 3x3x64", "conv 3x3x64", "[3 3 64] []"},
		{"conv 3x3x64 s1 p1", "conv 3x3x64 s1 p1", "[3 3 64] [s[1] p[1]]"},
		{"conv 3x5x4 s2x1 p1x2", "conv 3x5x4 s2x1 p1x2", "[3 5 4] [s[2 1] p[1 2]]"},
		{"conv 3x3x8 p same", "conv 3x3x8 p same", "[3 3 8] [same]"},
		{"conv 3x3x8 p2x2 s3x3", "conv 3x3x8 p2 s3", "[3 3 8] [p[2 2] s[3 3]]"},
		{"conv +3x3x8", "conv 3x3x8", "[3 3 8] []"},
		{"conv -3x3x8", "conv -3x3x8", "[-3 3 8] []"},
		{"pool max 2x2 s2", "pool max 2x2 s2", "max [2 2] [s[2]]"},
		{"pool mean 2x2", "pool mean 2x2", "mean [2 2] []"},
		{"pool avg 3x3 s2 p1", "pool avg 3x3 s2 p1", "avg [3 3] [s[2] p[1]]"},
		{"fc 1000", "fc 1000", "[1000]"},
		{"relu", "relu", "relu"},
		{"sigmoid", "sigmoid", "sigmoid"},
		{"tanh", "tanh", "tanh"},
		{"leaky", "leaky", "leaky"},
		{"leaky 0.2", "leaky 0.2", "leaky 0.2"},
		{"leaky 1", "leaky 1", "leaky 1"},
		{"leaky -1e-2", "leaky -1e-2", "leaky -0.01"},
		{"dropout 0.5", "dropout 0.5", "0.5"},
		{"dropout .25", "dropout .25", "0.25"},
		{"dropout 0", "dropout 0", "0"},
		{"softmax", "softmax", ""},
		{"repeat 2 { conv 3x3x64 s1 p1; relu }", "repeat 2 { conv 3x3x64 s1 p1; relu }", "[2] 2"},
		{"repeat 2 {\n  conv 3x3x64\n\n  relu\n}", "repeat 2 { conv 3x3x64; relu }", "[2] 2"},
		{"repeat 2 { repeat 3 { relu } }", "repeat 2 { repeat 3 { relu } }", "[2] 1"},
		{"repeat 2 { }", "repeat 2 { }", "[2] 0"},
		{"cnov 3x3x3 s1", "cnov 3x3x3 s1", "cnov"},
		// Round 2: groups, dilation, nobias, batchnorm, global pools, new
		// activations, residual and concat blocks.
		{"conv 3x3x32 p1 g32 nobias", "conv 3x3x32 p1 g32 nobias", "[3 3 32] [p[1] g[32] nobias]"},
		{"conv 3x3x8 d2 p2", "conv 3x3x8 d2 p2", "[3 3 8] [d[2] p[2]]"},
		{"conv 3x3x8 d2x1 g+2", "conv 3x3x8 d2x1 g2", "[3 3 8] [d[2 1] g[2]]"},
		{"conv 3x3x8 d2x2", "conv 3x3x8 d2", "[3 3 8] [d[2 2]]"},
		{"batchnorm", "batchnorm", "[]"},
		{"batchnorm eps 1e-3", "batchnorm eps 1e-3", "[eps=0.001]"},
		{"batchnorm eps 0.001 momentum 0.01", "batchnorm eps 0.001 momentum 0.01", "[eps=0.001 momentum=0.01]"},
		{"batchnorm momentum 1 eps 1", "batchnorm momentum 1 eps 1", "[momentum=1 eps=1]"},
		{"pool avg global", "pool avg global", "avg global"},
		{"pool max global", "pool max global", "max global"},
		{"pool mean global", "pool mean global", "mean global"},
		{"relu6", "relu6", "relu6"},
		{"hardswish", "hardswish", "hardswish"},
		{"silu", "silu", "silu"},
		{"gelu", "gelu", "gelu"},
		{"residual { conv 3x3x8 p1; relu }", "residual { conv 3x3x8 p1; relu }", "body 2"},
		{"residual {\n  conv 3x3x8 s2 p1\n} shortcut { conv 1x1x8 s2 }", "residual { conv 3x3x8 s2 p1 } shortcut { conv 1x1x8 s2 }", "body 1 shortcut 1 at 3:3"},
		{"residual { } shortcut { }", "residual { } shortcut { }", "body 0 shortcut 0 at 1:14"},
		{"concat { } { relu }", "concat { } { relu }", "branches [0 1] at [1:8 1:12]"},
		{"concat { relu } { relu; relu } { }", "concat { relu } { relu; relu } { }", "branches [1 2 0] at [1:8 1:17 1:32]"},
		{"concat { concat { } { } }", "concat { concat { } { } }", "branches [1] at [1:8]"},
		{"repeat 2 { residual { relu } }", "repeat 2 { residual { relu } }", "[2] 1"},
	}
	for _, tt := range tests {
		f, errs := Parse("t.cnn", []byte(tt.src))
		if len(errs) > 0 {
			t.Errorf("Parse(%q): %v", tt.src, errs[0])
			continue
		}
		if len(f.Stmts) != 1 {
			t.Errorf("Parse(%q): %d statements, want 1", tt.src, len(f.Stmts))
			continue
		}
		s := f.Stmts[0]
		if got := fmt.Sprint(s); got != tt.want {
			t.Errorf("Parse(%q) prints as %q, want %q", tt.src, got, tt.want)
		}
		if got := fields(s); got != tt.node {
			t.Errorf("Parse(%q) fields = %q, want %q", tt.src, got, tt.node)
		}
		if p := s.Position(); p.Line != 1 || p.Column != 1 || p.Filename != "t.cnn" {
			t.Errorf("Parse(%q) position = %v, want t.cnn:1:1", tt.src, p)
		}
	}
}

// fields summarises the captured fields of a statement for TestStatements.
func fields(s Stmt) string {
	opts := func(os []*Option) string {
		var parts []string
		for _, o := range os {
			switch {
			case o.Same:
				parts = append(parts, "same")
			case o.Stride != nil:
				parts = append(parts, fmt.Sprintf("s%v", o.Stride.V))
			case o.Pad != nil:
				parts = append(parts, fmt.Sprintf("p%v", o.Pad.V))
			case o.Groups != nil:
				parts = append(parts, fmt.Sprintf("g%v", o.Groups.V))
			case o.Dilation != nil:
				parts = append(parts, fmt.Sprintf("d%v", o.Dilation.V))
			case o.NoBias:
				parts = append(parts, "nobias")
			}
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	switch s := s.(type) {
	case *Model:
		return s.Name
	case *Input:
		return fmt.Sprint(s.Dims.V)
	case *Conv:
		return fmt.Sprintf("%v %s", s.Dims.V, opts(s.Opts))
	case *Pool:
		if s.Global {
			return s.Op + " global"
		}
		return fmt.Sprintf("%s %v %s", s.Op, s.Dims.V, opts(s.Opts))
	case *FC:
		return fmt.Sprint(s.N.V)
	case *Activation:
		if s.Slope != nil {
			return fmt.Sprintf("%s %v", s.Kind, s.Slope.Value)
		}
		return s.Kind
	case *Dropout:
		return fmt.Sprint(s.P.Value)
	case *Softmax:
		return ""
	case *Repeat:
		return fmt.Sprintf("%v %d", s.N.V, len(s.Body))
	case *Bad:
		return s.Word
	case *BatchNorm:
		var parts []string
		for _, o := range s.Opts {
			parts = append(parts, fmt.Sprintf("%s=%v", o.Name, o.Value.Value))
		}
		return "[" + strings.Join(parts, " ") + "]"
	case *Residual:
		if s.Shortcut == nil {
			return fmt.Sprintf("body %d", len(s.Body.Stmts))
		}
		return fmt.Sprintf("body %d shortcut %d at %d:%d", len(s.Body.Stmts), len(s.Shortcut.Stmts), s.ShortcutKw.Pos.Line, s.ShortcutKw.Pos.Column)
	case *Concat:
		var n, at []string
		for _, b := range s.Branches {
			n = append(n, fmt.Sprint(len(b.Stmts)))
			at = append(at, fmt.Sprintf("%d:%d", b.Pos.Line, b.Pos.Column))
		}
		return fmt.Sprintf("branches [%s] at [%s]", strings.Join(n, " "), strings.Join(at, " "))
	}
	return "?"
}

func TestSeparatorsAndPositions(t *testing.T) {
	src := "# header\r\ninput 5x5x3 ; conv 3x3x2\r\n\n   relu # trailing\nrepeat 2 {\n  fc 4\n}"
	f, errs := Parse("m.cnn", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var got []string
	var walk func([]Stmt)
	walk = func(ss []Stmt) {
		for _, s := range ss {
			got = append(got, fmt.Sprintf("%d:%d %s", s.Position().Line, s.Position().Column, strings.Fields(fmt.Sprint(s))[0]))
			if r, ok := s.(*Repeat); ok {
				walk(r.Body)
			}
		}
	}
	walk(f.Stmts)
	want := "2:1 input|2:15 conv|4:4 relu|5:1 repeat|6:3 fc"
	if strings.Join(got, "|") != want {
		t.Errorf("statements at %q, want %q", strings.Join(got, "|"), want)
	}
	if len(f.Comments) != 2 || f.Comments[0].Text != "# header" || f.Comments[1].Pos.Line != 4 {
		t.Errorf("comments = %+v", f.Comments)
	}
}

// TestSyntaxErrors checks the exact message and position of every kind of
// syntax error, and that parsing goes on after each one.
func TestSyntaxErrors(t *testing.T) {
	for _, tt := range syntaxErrors {
		_, errs := Parse("t.cnn", []byte(tt.src))
		var got []string
		for _, e := range errs {
			if e.Pos.Filename != "t.cnn" {
				t.Errorf("Parse(%q): error without the file name: %v", tt.src, e)
			}
			got = append(got, fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Column, e.Msg))
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("Parse(%q) errors:\n%s\nwant:\n%s", tt.src, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

// TestSyntaxErrorsInBlocks: a broken statement gets the same message inside
// every kind of block as at the top level, at the same place in it.
func TestSyntaxErrorsInBlocks(t *testing.T) {
	blocks := []string{"x: {\n  %s\n}", "repeat 2 {\n  %s\n}", "residual {\n  %s\n} shortcut { }", "concat { } {\n  %s\n}", "residual { } shortcut {\n  %s\n}"}
	at := regexp.MustCompile(`^(\d+):(\d+): (.*)$`)
	n := 0
	for _, tt := range syntaxErrors {
		if len(tt.want) != 1 || strings.ContainsAny(tt.src, "\n{};\xff") || strings.HasPrefix(tt.src, "\ufeff") {
			continue
		}
		m := at.FindStringSubmatch(tt.want[0])
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		msg := strings.Replace(m[3], "unexpected end of file", "unexpected end of line", 1)
		want := fmt.Sprintf("%d:%d: %s", line+1, col+2, msg)
		for _, b := range blocks {
			n++
			src := fmt.Sprintf(b, tt.src)
			_, errs := Parse("t.cnn", []byte(src))
			var got []string
			for _, e := range errs {
				got = append(got, fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Column, e.Msg))
			}
			if strings.Join(got, "\n") != want {
				t.Errorf("Parse(%q) errors:\n%s\nwant:\n%s", src, strings.Join(got, "\n"), want)
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d cases", n)
	}
}

// syntaxErrors holds the exact message and position of every kind of syntax
// error, and that parsing goes on after each one.
var syntaxErrors = []struct {
	src  string
	want []string
}{
	{"input 5x5x3\nconv 3x3x3 relu", []string{
		`2:12: unexpected "relu", expected an option (sN, sNxN, pN, pNxN, p same, gN, dN, dNxN, nobias) or the end of the statement`}},
	{"input 5x5x3\nconv 3x3x3 q1", []string{
		`2:12: unexpected "q1", expected an option (sN, sNxN, pN, pNxN, p same, gN, dN, dNxN, nobias) or the end of the statement`}},
	{"conv\n", []string{`1:5: unexpected end of line, expected the filter size FhxFwxK, such as 3x3x64`}},
	{"conv x3x3", []string{`1:6: unexpected "x3x3", expected the filter size FhxFwxK, such as 3x3x64`}},
	{"input", []string{`1:6: unexpected end of file, expected the input size HxWxC, such as 224x224x3`}},
	{"pool 2x2", []string{`1:6: unexpected "2x2", expected max, mean or avg`}},
	{"pool min 2x2", []string{`1:6: unexpected "min", expected max, mean or avg`}},
	{"pool max", []string{`1:9: unexpected end of file, expected global or the window size FhxFw, such as 2x2`}},
	{"fc 1.5", []string{`1:4: unexpected "1.5", expected the number of outputs, such as 10`}},
	{"fc 10 10", []string{`1:7: unexpected "10", expected the end of the statement (a newline or ';')`}},
	{"dropout", []string{`1:8: unexpected end of file, expected a number, such as 0.5`}},
	{"dropout x", []string{`1:9: unexpected "x", expected a number, such as 0.5`}},
	{"softmax 2", []string{`1:9: unexpected "2", expected the end of the statement (a newline or ';')`}},
	{"relu relu", []string{`1:6: unexpected "relu", expected the end of the statement (a newline or ';')`}},
	{"model", []string{`1:6: unexpected end of file, expected a name`}},
	{"model 3", []string{`1:7: unexpected "3", expected a name`}},
	{"repeat x { relu }", []string{`1:8: unexpected "x", expected a count, such as 2`}},
	{"repeat 2 relu", []string{`1:10: unexpected "relu", expected "{"`}},
	{"relu\n}", []string{`2:1: unexpected "}" outside a block`}},
	{"{", []string{`1:2: unexpected end of file, expected "}" to close the block at 1:1`}},
	{"relu\n{ relu }", []string{`2:1: a group needs a label, as in "features: { ... }"`}},
	{"3x3x3", []string{`1:1: unexpected "3x3x3", expected a statement (model, input, conv, pool, fc, batchnorm, relu, relu6, sigmoid, tanh, leaky, hardswish, silu, gelu, dropout, softmax, repeat, residual, concat)`}},
	{"input 5x5x3\n\u00a0relu", []string{`2:1: unexpected character '\u00a0' (U+00A0)`}},
	{"input 5x5x3 @", []string{`1:13: unexpected character '@' (U+0040)`}},
	{"relu\xff", []string{`1:5: file is not UTF-8 text (byte 0xff)`}},
	// Round 2.
	{"a:", []string{`1:3: unexpected end of file after a label, expected a statement or a block`}},
	{"a:\nrelu", []string{`1:3: unexpected end of line after a label, expected a statement or a block`}},
	{"a: b: relu", []string{`1:4: a statement has one label; "a" already labels it`}},
	{"batchnorm x", []string{`1:11: unexpected "x", expected eps E, momentum M or the end of the statement`}},
	{"batchnorm eps", []string{`1:14: unexpected end of file, expected a number, such as 0.5`}},
	{"conv 3x3x8 g", []string{`1:12: unexpected "g", expected an option (sN, sNxN, pN, pNxN, p same, gN, dN, dNxN, nobias) or the end of the statement`}},
	{"pool max global 2x2", []string{`1:17: unexpected "2x2", expected the end of the statement (a newline or ';')`}},
	{"concat", []string{`1:7: unexpected end of file, expected "{"`}},
	{"residual relu", []string{`1:10: unexpected "relu", expected "{"`}},
	{"residual { relu } shortcut", []string{`1:19: unexpected "shortcut" without a block, expected shortcut { STATEMENTS }`}},
	{"residual { relu }\nshortcut { relu }\nrelu x", []string{
		`2:1: unexpected "shortcut": it goes on the line of the residual's closing brace, as in "} shortcut {"`,
		`3:6: unexpected "x", expected the end of the statement (a newline or ';')`}},
	// Issue 14: a statement after a one-line block on the same line is
	// one error, not also an unclosed block.
	{"input 8x8x1\nrepeat 2 { relu } relu", []string{`2:19: unexpected "relu", expected the end of the statement (a newline or ';')`}},
	{"concat { relu } { } relu\nfc x", []string{
		`1:21: unexpected "relu", expected the end of the statement (a newline or ';')`,
		`2:4: unexpected "x", expected the number of outputs, such as 10`}},
	// Issue 14: a size with a capital X, or digits run into letters, is
	// one token, quoted where it starts.
	{"input 8X8X1", []string{`1:7: unexpected "8X8X1", expected the input size HxWxC, such as 224x224x3 (with a lowercase x: 8x8x1)`}},
	{"conv 3x3X8 p1", []string{`1:6: unexpected "3x3X8", expected the filter size FhxFwxK, such as 3x3x64 (with a lowercase x: 3x3x8)`}},
	{"fc 10abc", []string{`1:4: unexpected "10abc", expected the number of outputs, such as 10`}},
	{"input 8×8×1", []string{`1:8: unexpected character '×' (U+00D7): sizes are written with the letter x, as in 224x224x3`}},
	{"repeat 2 { relu", []string{`1:16: unexpected end of file, expected "}" to close the block at 1:10`}},
	{"concat { relu } {\n  relu\n", []string{`3:1: unexpected end of file, expected "}" to close the block at 1:17`}},
	{"relu\n\ufeffrelu", []string{`2:1: unexpected character '\ufeff' (U+FEFF)`}},
	// Options past 16 are refused (each duplicate is an error the
	// checker quotes the statement in: 300,000 took it minutes).
	{"conv 1x1x4" + strings.Repeat(" s1", 3000), []string{`1:60: conv has 3,000 options, more than 16: it takes at most one each of sN, pN, gN, dN and nobias`}},
	{"pool max 2x2" + strings.Repeat(" p1", 17), []string{`1:62: pool has 17 options, more than 16: it takes at most one each of sN and pN`}},
	{"batchnorm" + strings.Repeat(" eps 1", 17), []string{`1:107: batchnorm has 17 options, more than 16: it takes at most one each of eps and momentum`}},
	// Inside a block, a statement cut short at the end of its line, its
	// ';' or the block's '}'.
	{"x: {\n  batchnorm eps\n}", []string{`2:16: unexpected end of line, expected a number, such as 0.5`}},
	{"x: {\r\n  batchnorm eps\r\n}", []string{`2:16: unexpected end of line, expected a number, such as 0.5`}},
	{"x: { batchnorm eps; relu }", []string{`1:19: unexpected ";", expected a number, such as 0.5`}},
	{"x: { batchnorm eps }", []string{`1:20: unexpected "}", expected a number, such as 0.5`}},
	{"repeat 2 {\n  batchnorm eps", []string{
		`2:16: unexpected end of file, expected a number, such as 0.5`,
		`2:16: unexpected end of file, expected "}" to close the block at 1:10`}},
	// CRLF: the end of line is where the line ends, at the CR.
	{"input 5x5x3\r\nconv\r\nrelu", []string{`2:5: unexpected end of line, expected the filter size FhxFwxK, such as 3x3x64`}},
	{"conv \r\n", []string{`1:6: unexpected end of line, expected the filter size FhxFwxK, such as 3x3x64`}},
	{"relu\r\r\nfc x", []string{`2:4: unexpected "x", expected the number of outputs, such as 10`}},
	// A long token is quoted in part.
	{"conv 3x3x3 " + strings.Repeat("q", 100000), []string{`1:12: unexpected "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"... (100,000 characters), expected an option (sN, sNxN, pN, pNxN, p same, gN, dN, dNxN, nobias) or the end of the statement`}},
	{"fc " + strings.Repeat("9", 41) + "x", []string{`1:4: unexpected "99999999999999999999999999999999"... (42 characters), expected the number of outputs, such as 10`}},
	// Recovery: each broken statement is reported, the rest parse.
	{"input 5x5x3\nconv 3x3 q\nrelu\npool 2x2\nrepeat 2 {\n  fc x\n  relu\n}\nfc 10 10\n", []string{
		`2:10: unexpected "q", expected an option (sN, sNxN, pN, pNxN, p same, gN, dN, dNxN, nobias) or the end of the statement`,
		`4:6: unexpected "2x2", expected max, mean or avg`,
		`6:6: unexpected "x", expected the number of outputs, such as 10`,
		`9:7: unexpected "10", expected the end of the statement (a newline or ';')`,
	}},
	// A broken repeat header takes its block's closing brace along.
	{"repeat y {\n  relu\n}\nsoftmax 1\n", []string{
		`1:8: unexpected "y", expected a count, such as 2`,
		`4:9: unexpected "1", expected the end of the statement (a newline or ';')`,
	}},
}

func TestErrorString(t *testing.T) {
	_, errs := Parse("dir/m.cnn", []byte("fc x"))
	if len(errs) != 1 {
		t.Fatalf("got %d errors", len(errs))
	}
	want := `dir/m.cnn:1:4: unexpected "x", expected the number of outputs, such as 10`
	if errs[0].Error() != want {
		t.Errorf("Error() = %q, want %q", errs[0].Error(), want)
	}
}

func TestErrorLimit(t *testing.T) {
	src := strings.Repeat("fc x\n", 200)
	_, errs := Parse("t.cnn", []byte(src))
	if len(errs) != maxErrors {
		t.Errorf("got %d errors, want the limit %d", len(errs), maxErrors)
	}
}
