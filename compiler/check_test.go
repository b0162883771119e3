package compiler

import (
	"fmt"
	"strings"
	"testing"
)

// diagStrings formats diagnostics as "line:col: severity: message".
func diagStrings(ds Diagnostics) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%d:%d: %s: %s", d.Pos.Line, d.Pos.Column, d.Severity, d.Message))
	}
	return out
}

// TestDiagnostics checks the exact message and position of every kind of
// error and warning the checker reports.
func TestDiagnostics(t *testing.T) {
	tests := []diagCase{
		{"clean", "input 5x5x3\nconv 3x3x2 s2 p1\nrelu\nfc 10\nsoftmax\n", nil},
		{"not whole", "input 3x3x4\npool max 2x2 s2\n", []string{
			"2:1: error: pool max 2x2 s2 on 3x3x4: (3 - 2 + 0)/2 + 1 = 1.5 is not a whole number: flooring it would leave the last row and column of the input unread; p1 would give 2x2x4"}},
		{"not whole, padding fixes", "input 8x8x3\nconv 3x3x8 s3\n", []string{
			"2:1: error: conv 3x3x8 s3 on 8x8x3: (8 - 3 + 0)/3 + 1 = 2.67 is not a whole number: flooring it would leave the last 2 rows and columns of the input unread; p1 would give 3x3x8"}},
		{"not whole, stride fixes", "input 6x6x3\nconv 3x3x8 s2\n", []string{
			"2:1: error: conv 3x3x8 s2 on 6x6x3: (6 - 3 + 0)/2 + 1 = 2.5 is not a whole number: flooring it would leave the last row and column of the input unread; p1 would give 3x3x8"}},
		{"below 1", "input 3x3x6\nconv 5x5x16\n", []string{
			"2:1: error: conv 5x5x16 on 3x3x6: (3 - 5 + 0)/1 + 1 = -1 is below 1; p1 would give 1x1x16"}},
		{"height only", "input 8x9x1\nconv 3x3x2 s3\n", []string{
			"2:1: error: conv 3x3x2 s3 on 8x9x1: height (8 - 3 + 0)/3 + 1 = 2.67 is not a whole number: flooring it would leave the last 2 rows of the input unread; p1x0 would give 3x3x2"}},
		{"width only", "input 9x8x1\nconv 3x3x2 s3\n", []string{
			"2:1: error: conv 3x3x2 s3 on 9x8x1: width (8 - 3 + 0)/3 + 1 = 2.67 is not a whole number: flooring it would leave the last 2 columns of the input unread; p0x1 would give 3x3x2"}},
		{"rectangular", "input 9x8x1\nconv 3x5x2 s2x1 p1x2\n", nil},
		{"inside repeat", "input 16x16x3\nrepeat 3 {\n  conv 3x3x8 s2\n  relu\n}\n", []string{
			"3:3: error: conv 3x3x8 s2 on 16x16x3 (copy 1 of 3 of the repeat at 2:1): (16 - 3 + 0)/2 + 1 = 7.5 is not a whole number: flooring it would leave the last row and column of the input unread; p1 would give 8x8x8"}},
		// PyTorch floors the output size; cnnc accepts the floor when no
		// real pixel is left unread (issue 15): ResNet's downsampling.
		{"floored, the unread tail is padding", "input 56x56x64\nconv 3x3x128 s2 p1\nconv 3x3x8 s2 p1\n", nil},
		{"floored, within a stride's gap", "input 56x56x64\nconv 1x1x128 s2\n", []string{
			"2:1: warning: conv 1x1x128 s2: stride s2 is larger than the window 1x1, so some input pixels are never seen"}},
		{"floored in a repeat", "input 224x224x3\nrepeat 5 { pool max 3x3 s2 p1 }\n", nil},
		{"later copy", "input 12x12x3\nrepeat 3 {\n  pool max 2x2\n}\n", []string{
			"3:3: error: pool max 2x2 on 3x3x3 (copy 3 of 3 of the repeat at 2:1): (3 - 2 + 0)/2 + 1 = 1.5 is not a whole number: flooring it would leave the last row and column of the input unread; p1 would give 2x2x3"}},
		{"nested copy", "input 8x8x1\nrepeat 2 {\n  repeat 2 { pool max 2x2 }\n}\n", []string{
			"3:14: error: pool max 2x2 on 1x1x1 (copy 2 of 2 of the repeat at 3:3, in copy 2 of 2 of the repeat at 2:1): (1 - 2 + 0)/2 + 1 = 0.5 is below 1; p1 would give 1x1x1"}},
		{"later layers not blamed", "input 3x3x1\npool max 2x2 s2\nconv 5x5x3\nfc 10\n", []string{
			"2:1: error: pool max 2x2 s2 on 3x3x1: (3 - 2 + 0)/2 + 1 = 1.5 is not a whole number: flooring it would leave the last row and column of the input unread; p1 would give 2x2x1"}},
		{"static errors after a shape error", "input 3x3x1\npool max 2x2 s2\nconv 3x3x0\n", []string{
			"2:1: error: pool max 2x2 s2 on 3x3x1: (3 - 2 + 0)/2 + 1 = 1.5 is not a whole number: flooring it would leave the last row and column of the input unread; p1 would give 2x2x1",
			"3:1: error: conv 3x3x0: every size must be at least 1, got 0"}},
		{"no input", "conv 3x3x3\nrelu\n", []string{
			"1:1: error: no input statement: the network needs `input HxWxC` before its first layer"}},
		{"empty file", "", []string{
			"1:1: error: no input statement: the network needs `input HxWxC` before its first layer"}},
		{"layer before input", "model m\nrelu\ninput 4x4x1\n", []string{
			"2:1: error: relu comes before the input (at 3:1); the input must come first"}},
		{"second input", "input 4x4x1\ninput 4x4x1\n", []string{
			"2:1: error: second input statement (the first is at 1:1)"}},
		{"input in repeat", "input 4x4x1\nrepeat 2 { input 4x4x1 }\n", []string{
			"2:12: error: input cannot be inside a repeat block"}},
		{"model not first", "input 4x4x1\nmodel m\n", []string{
			"2:1: error: model must be the first statement"}},
		{"second model", "model a\nmodel b\ninput 4x4x1\n", []string{
			"2:1: error: second model statement (the first is at 1:1)"}},
		{"model in repeat", "model a\ninput 4x4x1\nrepeat 1 { model b }\n", []string{
			"3:12: error: model cannot be inside a repeat block"}},
		{"unknown keyword", "input 4x4x1\ncnov 3x3x3\nReLU\nsoftmx\nbanana 2\n", []string{
			`2:1: error: unknown keyword "cnov" (did you mean "conv"?)`,
			`3:1: error: unknown keyword "ReLU" (did you mean "relu"?)`,
			`4:1: error: unknown keyword "softmx" (did you mean "softmax"?)`,
			`5:1: error: unknown keyword "banana" (a statement starts with one of model, input, conv, pool, fc, batchnorm, relu, relu6, sigmoid, tanh, leaky, hardswish, silu, gelu, dropout, softmax, repeat, residual, concat)`}},
		{"input sizes", "input 4x4\n", []string{`1:1: error: input needs HxWxC, such as 224x224x3; got "4x4"`}},
		{"zero input", "input 0x4x1\n", []string{"1:1: error: input 0x4x1: every size must be at least 1, got 0"}},
		{"negative filter", "input 4x4x1\nconv -3x3x2\n", []string{"2:1: error: conv -3x3x2: every size must be at least 1, got -3"}},
		{"zero filters", "input 4x4x1\nconv 3x3x0\n", []string{"2:1: error: conv 3x3x0: every size must be at least 1, got 0"}},
		{"conv sizes", "input 4x4x1\nconv 3x3\n", []string{`2:1: error: conv needs FhxFwxK, such as 3x3x64; got "3x3"`}},
		{"pool sizes", "input 4x4x1\npool max 2x2x2\n", []string{`2:1: error: pool needs FhxFw, such as 2x2; got "2x2x2"`}},
		{"fc sizes", "input 4x4x1\nfc 0\n", []string{"2:1: error: fc 0: the number of outputs must be at least 1, got 0"}},
		{"too large", "input 4x4x1\nfc 99999999999999999999\n", []string{"2:1: error: fc 99999999999999999999: 99999999999999999999 is too large (at most 1048576)"}},
		// Found by fuzzing: the number was quoted as written, the statement
		// canonically, so cnnc fmt changed the message.
		{"too large, leading zeros", "input 4x4x1\nfc 01100000\n", []string{"2:1: error: fc 1100000: 1100000 is too large (at most 1048576)"}},
		{"zero stride", "input 4x4x1\nconv 3x3x2 s0\n", []string{"2:12: error: conv 3x3x2 s0: a stride must be at least 1, got 0"}},
		{"negative stride", "input 4x4x1\npool max 2x2 s1x-1\n", []string{"2:14: error: pool max 2x2 s1x-1: a stride must be at least 1, got -1"}},
		{"negative padding", "input 4x4x1\nconv 3x3x2 p-1\n", []string{"2:12: error: conv 3x3x2 p-1: a padding must be 0 or more, got -1"}},
		{"pool padding", "input 8x8x1\npool max 4x4 p3\n", []string{
			"2:14: error: pool max 4x4 p3: padding p3 is larger than half the window 4x4 (at most p2)"}},
		{"pool padding rectangular", "input 8x8x1\npool mean 3x2 p1x2\n", []string{
			"2:15: error: pool mean 3x2 p1x2: padding p1x2 is larger than half the window 3x2 (at most p1)"}},
		{"p same", "input 8x8x1\nconv 5x3x2 p same\n", nil},
		{"p same even", "input 8x8x1\nconv 4x4x2 p same\n", []string{
			"2:12: error: conv 4x4x2 p same: p same needs an odd filter size: a 4x4 filter has no centre, so no padding keeps the size (it would be 1.5)"}},
		{"p same on pool", "input 8x8x1\npool max 3x3 p same\n", []string{
			"2:14: error: pool max 3x3 p same: p same is for conv only; give a pool's padding as pN or pNxN"}},
		{"stride twice", "input 8x8x1\nconv 3x3x1 s1 s2\n", []string{
			"2:15: error: conv 3x3x1 s1 s2: stride given twice (s1 and s2)"}},
		{"padding twice", "input 8x8x1\nconv 3x3x1 p1 p same\n", []string{
			"2:15: error: conv 3x3x1 p1 p same: padding given twice (p1 and p same)"}},
		{"dropout range", "input 8x8x1\ndropout 1\ndropout -0.1\ndropout 1e999\n", []string{
			"2:1: error: dropout 1: the probability must be in [0, 1), got 1",
			"3:1: error: dropout -0.1: the probability must be in [0, 1), got -0.1",
			"4:1: error: dropout 1e999: the probability must be in [0, 1), got 1e999"}},
		{"slope", "input 8x8x1\nleaky 1e999\n", []string{"2:1: error: leaky 1e999: the slope must be a finite number, got 1e999"}},
		{"slope on relu", "input 8x8x1\nrelu 0.1\n", []string{"2:1: error: relu takes no argument; only leaky has a slope"}},
		{"repeat zero", "input 8x8x1\nrepeat 0 { relu }\n", []string{"2:1: error: repeat 0: the count must be at least 1, got 0"}},
		{"repeat limit", "input 8x8x1\nrepeat 1000 { repeat 1000 { relu } }\n", []string{
			"1:1: error: repeat blocks expand the network to more than 100,000 statements"}},
		{"repeat limit, unknown words", "repeat 99999 { repeat 99999 { relu4 } }\n", []string{
			"1:1: error: no input statement: the network needs `input HxWxC` before its first layer",
			"1:1: error: repeat blocks expand the network to more than 100,000 statements"}},
		{"repeat limit, empty blocks", "input 8x8x1\nrepeat 99999 { repeat 99999 { } }\n", []string{
			"1:1: error: repeat blocks expand the network to more than 100,000 statements"}},
		// Found by fuzzing: without the input line the statements came to
		// exactly the limit, and the checker ran 99999² empty passes.
		{"repeat limit, empty blocks, no input", "repeat 99999 { repeat 99999 { } }\n", []string{
			"1:1: error: no input statement: the network needs `input HxWxC` before its first layer",
			"1:1: error: repeat blocks expand the network to more than 100,000 statements"}},
		{"canonical numbers in messages", "input 00004x4\n", []string{
			`1:1: error: input needs HxWxC, such as 224x224x3; got "4x4"`}},
		{"conv after fc", "input 8x8x1\nfc 10\nconv 1x1x2\n", []string{
			"3:1: error: conv 1x1x2 needs a feature map, but its input is 10 flat features (after fc1)"}},
		// Each conv does 2^31·32767² multiply-adds, just under 2^61: the
		// second would take the sum past what an int64 holds twice over.
		{"multiply-add limit", "input 65536x32768x1\nrepeat 8 { conv 32767x32767x1 p same }\n", []string{
			"2:12: error: conv 32767x32767x1 p same (copy 2 of 8 of the repeat at 2:1): the network would do 4,611,404,547,745,644,544 multiply-adds a sample up to here, more than the 2,305,843,009,213,693,952 (2^61) cnnc counts"}},
		{"conv after fc 1", "input 8x8x1\nfc 1\nconv 1x1x2\n", []string{
			"3:1: error: conv 1x1x2 needs a feature map, but its input is 1 flat feature (after fc1)"}},
		{"pool after softmax", "input 8x8x1\nsoftmax\npool max 2x2\n", []string{
			"3:1: error: pool max 2x2 needs a feature map, but its input is 64 flat features (after softmax)"}},
		{"tensor limit", "input 1048576x1048576x3\n", []string{
			"1:1: error: input: 1048576x1048576x3 is 3,298,534,883,328 values, more than the 2,147,483,648 a tensor may hold"}},
		{"static errors once per statement", "input 8x8x1\nrepeat 3 { conv 3x3x0 }\n", []string{
			"2:12: error: conv 3x3x0: every size must be at least 1, got 0"}},
		{"syntax error keeps static errors", "input 8x8x1\nconv 3x3x0\nfc x\n", []string{
			"2:1: error: conv 3x3x0: every size must be at least 1, got 0",
			`3:4: error: unexpected "x", expected the number of outputs, such as 10`}},

		// Warnings.
		{"stride gap", "input 8x8x1\npool max 2x2 s3\n", []string{
			"2:1: warning: pool max 2x2 s3: stride s3 is larger than the window 2x2, so some input pixels are never seen"}},
		{"stride gap conv", "input 9x9x1\nconv 1x1x4 s2\n", []string{
			"2:1: warning: conv 1x1x4 s2: stride s2 is larger than the window 1x1, so some input pixels are never seen"}},
		{"two activations", "input 4x4x1\nrelu\nsigmoid\n", []string{
			"3:1: warning: sigmoid directly after relu: two activations in a row"}},
		{"two activations in repeat", "input 4x4x1\nrepeat 2 { leaky 0.1 }\n", []string{
			"2:12: warning: leaky 0.1 directly after leaky 0.1: two activations in a row"}},
		{"softmax not last", "input 4x4x1\nsoftmax\nfc 3\n", []string{
			"2:1: warning: softmax is not the last layer: the layers after it see probabilities, not scores"}},
		{"dropout last", "input 4x4x1\nfc 3\ndropout 0.5\n", []string{
			"3:1: warning: dropout is the last layer: it does nothing at inference and drops outputs in training"}},
	}
	checkDiagnostics(t, tests)
}

// diagCase is a file and the diagnostics it must get, as diagStrings
// writes them.
type diagCase struct {
	name, src string
	want      []string
}

// checkDiagnostics checks each case's diagnostics, and that each has a full
// position and a code.
func checkDiagnostics(t *testing.T, tests []diagCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds := Source("t.cnn", []byte(tt.src))
			got := diagStrings(ds)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, d := range ds {
				if d.Pos.Filename != "t.cnn" || d.Pos.Line < 1 || d.Pos.Column < 1 || d.Code == "" {
					t.Errorf("diagnostic without a full position or code: %+v", d)
				}
			}
		})
	}
}

func TestDiagnosticString(t *testing.T) {
	_, ds := Source("dir/m.cnn", []byte("input 3x3x4\npool max 2x2 s2\n"))
	want := "dir/m.cnn:2:1: error: pool max 2x2 s2 on 3x3x4: (3 - 2 + 0)/2 + 1 = 1.5 is not a whole number: flooring it would leave the last row and column of the input unread; p1 would give 2x2x4"
	if len(ds) != 1 || ds[0].String() != want {
		t.Errorf("got %v, want %q", ds, want)
	}
	if !ds.HasErrors() {
		t.Error("HasErrors is false")
	}
}
