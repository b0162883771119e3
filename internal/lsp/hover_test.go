package lsp

import (
	"strings"
	"testing"
)

func hoverText(t *testing.T, c *client, uri string, line, char int) string {
	t.Helper()
	res := c.result("textDocument/hover", map[string]any{"textDocument": doc(uri), "position": pos(line, char)})
	if res == nil {
		return ""
	}
	return res.(map[string]any)["contents"].(map[string]any)["value"].(string)
}

func TestHover(t *testing.T) {
	c := initialized(t)
	uri := "file:///vgg.cnn"
	open(c, uri, "model tiny\ninput 32x32x3\nrepeat 2 { conv 3x3x8 p1; relu }\npool max 2x2\nfc 10 # 🙂 scores\n")
	for _, tc := range []struct {
		line, char int
		want       []string
	}{
		{2, 16, []string{"```cnn\nconv 3x3x8 p1\n```", "| conv1 | 32x32x3 | 32x32x8 | 224 | 221,184 (221 k) |", "| conv2 | 32x32x8 | 32x32x8 | 584 | 589,824 (590 k) |"}},
		{2, 28, []string{"```cnn\nrelu\n```", "| relu1 | 32x32x8 | 32x32x8 | 0 | 0 |", "| relu2 |"}},
		{2, 3, []string{"```cnn\nrepeat 2 { ... }\n```", "| repeat | 32x32x3 | 32x32x8 | 808 | 811,008 (811 k) |", "4 layers: 808 parameters, 811,008 (811 k) multiply-adds per image."}},
		{3, 0, []string{"pool max 2x2", "| maxpool1 | 32x32x8 | 16x16x8 | 0 | 0 |"}},
		{4, 12, []string{"fc 10", "| fc1 | 16x16x8 | 10 | 20,490 | 20,480 (20.5 k) |"}},
		{1, 4, []string{"input 32x32x3", "Network **tiny**: 32x32x3 in, 10 out; 6 layers.", "21,298 parameters"}},
		{0, 2, nil},
	} {
		got := hoverText(t, c, uri, tc.line, tc.char)
		if tc.want == nil && got != "" {
			t.Errorf("%d:%d: hover %q, want none", tc.line, tc.char, got)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%d:%d: hover lacks %q:\n%s", tc.line, tc.char, w, got)
			}
		}
	}
	res := c.result("textDocument/hover", map[string]any{"textDocument": doc(uri), "position": pos(2, 16)})
	if r := rangeOf(res); r != "2:11-2:24" {
		t.Errorf("hover range %s, want the conv statement 2:11-2:24", r)
	}
	// A broken file: hover still works up to the failing layer, and the
	// failing layer says so.
	open(c, uri+"2", "input 3x3x1\nconv 3x3x1\npool max 2x2\n")
	if got := hoverText(t, c, uri+"2", 2, 0); !strings.Contains(got, "| (error) | 1x1x1 | error |") ||
		!strings.Contains(got, "**error**: pool max 2x2 on 1x1x1:") {
		t.Errorf("hover on the failing layer: %q", got)
	}
	c.finish(true, nil)
}

// blocksSrc is a small ResNet-like file with every kind of block: a
// labeled repeat of unlabeled residuals, a labeled residual with a
// shortcut, a labeled concat with an identity branch, an unlabeled repeat
// and a labeled group.
const blocksSrc = `model mini
input 8x8x3
conv1: conv 3x3x8 p1 nobias
bn1: batchnorm
relu
layer1: repeat 2 {
  residual {
    conv 3x3x8 p1 nobias
    batchnorm
  }
  relu
}
layer2.0: residual {
  conv 3x3x16 s2 p1 nobias
  batchnorm
} shortcut {
  downsample.0: conv 1x1x16 s2 nobias
  downsample.1: batchnorm
}
mix: concat { conv 1x1x4 } { } { pool max 3x3 s1 p1 }
repeat 2 { residual { relu6 } }
head: {
  pool avg global
  fc: fc 10
}
`

// TestHoverBlocks checks the whole hover text on blocks (their copies'
// shapes, a merge's branches, totals over every copy) and the full
// PyTorch names of layers inside blocks.
func TestHoverBlocks(t *testing.T) {
	c := initialized(t)
	uri := "file:///mini.cnn"
	open(c, uri, blocksSrc)
	residual := "```cnn\nlayer2.0: residual { ... } shortcut { ... }\n```\n" +
		"| block | input | output | branches | parameters | multiply-adds |\n|---|---|---|---|--:|--:|\n" +
		"| layer2.0 | 8x8x8 | 4x4x16 | body 4x4x16, shortcut 4x4x16 | 1,344 | 20,480 (20.5 k) |\n\n" +
		"5 layers: 1,344 parameters, 20,480 (20.5 k) multiply-adds per image.\n"
	for _, tc := range []struct {
		line, char int
		rng, want  string
	}{
		{1, 0, "1:0-1:11", "```cnn\ninput 8x8x3\n```\nNetwork **mini**: 8x8x3 in, 10 out; 25 layers.\n\n" +
			"3,198 parameters, 109,416 (109 k) multiply-adds per image.\n117 buffer values (batchnorm's running statistics).\n"},
		{5, 0, "5:0-5:16", "```cnn\nlayer1: repeat 2 { ... }\n```\n" +
			"| block | input | output | parameters | multiply-adds |\n|---|---|---|--:|--:|\n" +
			"| layer1 | 8x8x8 | 8x8x8 | 1,184 | 73,728 (73.7 k) |\n\n" +
			"8 layers: 1,184 parameters, 73,728 (73.7 k) multiply-adds per image.\n"},
		{6, 5, "6:2-6:10", "```cnn\nresidual { ... }\n```\n" +
			"| block | input | output | branches | parameters | multiply-adds |\n|---|---|---|---|--:|--:|\n" +
			"| layer1.0.add1 | 8x8x8 | 8x8x8 | body 8x8x8, identity 8x8x8 | 592 | 36,864 (36.9 k) |\n" +
			"| layer1.1.add1 | 8x8x8 | 8x8x8 | body 8x8x8, identity 8x8x8 | 592 | 36,864 (36.9 k) |\n\n" +
			"2 copies, 6 layers: 1,184 parameters, 73,728 (73.7 k) multiply-adds per image.\n"},
		{7, 4, "7:4-7:24", "```cnn\nconv 3x3x8 p1 nobias\n```\n" +
			"| layer | input | output | parameters | multiply-adds |\n|---|---|---|--:|--:|\n" +
			"| layer1.0.conv1 | 8x8x8 | 8x8x8 | 576 | 36,864 (36.9 k) |\n" +
			"| layer1.1.conv1 | 8x8x8 | 8x8x8 | 576 | 36,864 (36.9 k) |\n"},
		{12, 0, "12:0-12:18", residual},
		{12, 12, "12:10-12:18", residual},
		{15, 4, "15:2-15:10", residual}, // the shortcut keyword
		{16, 2, "16:2-16:37", "```cnn\ndownsample.0: conv 1x1x16 s2 nobias\n```\n" +
			"| layer | input | output | parameters | multiply-adds |\n|---|---|---|--:|--:|\n" +
			"| layer2.0.downsample.0 | 8x8x8 | 4x4x16 | 128 | 2,048 (2.05 k) |\n"},
		{17, 16, "17:16-17:25", "```cnn\ndownsample.1: batchnorm\n```\n" +
			"| layer | input | output | parameters | multiply-adds |\n|---|---|---|--:|--:|\n" +
			"| layer2.0.downsample.1 | 4x4x16 | 4x4x16 | 32 | 0 |\n"},
		{19, 5, "19:5-19:11", "```cnn\nmix: concat { ... } { ... } { ... }\n```\n" +
			"| block | input | output | branches | parameters | multiply-adds |\n|---|---|---|---|--:|--:|\n" +
			"| mix | 4x4x16 | 4x4x36 | 4x4x4, 4x4x16, 4x4x16 | 68 | 1,024 (1.02 k) |\n\n" +
			"3 layers: 68 parameters, 1,024 (1.02 k) multiply-adds per image.\n"},
		{19, 15, "19:14-19:24", "```cnn\nconv 1x1x4\n```\n" +
			"| layer | input | output | parameters | multiply-adds |\n|---|---|---|--:|--:|\n" +
			"| mix.conv1 | 4x4x16 | 4x4x4 | 68 | 1,024 (1.02 k) |\n"},
		{20, 11, "20:11-20:19", "```cnn\nresidual { ... }\n```\n" +
			"| block | input | output | branches | parameters | multiply-adds |\n|---|---|---|---|--:|--:|\n" +
			"| add1 | 4x4x36 | 4x4x36 | body 4x4x36, identity 4x4x36 | 0 | 0 |\n" +
			"| add2 | 4x4x36 | 4x4x36 | body 4x4x36, identity 4x4x36 | 0 | 0 |\n\n" +
			"2 copies, 4 layers: 0 parameters, 0 multiply-adds per image.\n"},
		{21, 0, "21:0-21:5", "```cnn\nhead: { ... }\n```\n" +
			"| block | input | output | parameters | multiply-adds |\n|---|---|---|--:|--:|\n" +
			"| head | 4x4x36 | 10 | 370 | 360 |\n\n" +
			"2 layers: 370 parameters, 360 multiply-adds per image.\n"},
		{23, 6, "23:6-23:11", "```cnn\nfc: fc 10\n```\n" +
			"| layer | input | output | parameters | multiply-adds |\n|---|---|---|--:|--:|\n" +
			"| head.fc | 1x1x36 | 10 | 370 | 360 |\n"},
		{9, 2, "", ""}, // a closing brace
	} {
		res := c.result("textDocument/hover", map[string]any{"textDocument": doc(uri), "position": pos(tc.line, tc.char)})
		got := hoverText(t, c, uri, tc.line, tc.char)
		r := ""
		if res != nil {
			r = rangeOf(res)
		}
		if got != tc.want || r != tc.rng {
			t.Errorf("%d:%d: hover over %s:\n%q\nwant over %s:\n%q", tc.line, tc.char, r, got, tc.rng, tc.want)
		}
	}
	c.finish(true, nil)
}

// TestHoverFailedBlock: a residual whose body and shortcut disagree shows
// both branches, an output "error", which copy it is, and the error.
func TestHoverFailedBlock(t *testing.T) {
	c := initialized(t)
	uri := "file:///bad.cnn"
	open(c, uri, "input 8x8x3\nrepeat 2 {\n  residual { conv 3x3x3 s2 p1 }\n}\n")
	want := "```cnn\nresidual { ... }\n```\n" +
		"| block | input | output | branches | parameters | multiply-adds |\n|---|---|---|---|--:|--:|\n" +
		"| copy 1 of 2 | 8x8x3 | error | body 4x4x3, identity 8x8x3 | 84 | 1,296 (1.3 k) |\n\n" +
		"1 layer: 84 parameters, 1,296 (1.3 k) multiply-adds per image.\n\n" +
		"**error**: residual on 8x8x3 (copy 1 of 2 of the repeat at 2:1): its body gives 4x4x3 but the identity shortcut gives 8x8x3; shortcut { conv 1x1x3 s2 } would give 4x4x3\n"
	if got := hoverText(t, c, uri, 2, 2); got != want {
		t.Errorf("hover:\n%s\nwant:\n%s", got, want)
	}
	c.finish(true, nil)
}

// TestHoverEverywhere hovers and completes at every position of files with
// blocks, whole and cut short at every line (so that blocks fail or lose
// their closing braces): no panic, and every hover names a statement.
func TestHoverEverywhere(t *testing.T) {
	lines := strings.SplitAfter(blocksSrc, "\n")
	srcs := []string{blocksSrc, "input 8x8x3\nrepeat 2 {\n  residual { conv 3x3x3 s2 p1 }\n}\nconcat { pool max 2x2 } { }\n"}
	step := 1
	if testing.Short() {
		step = 4
	}
	for n := 0; n < len(lines); n += step {
		srcs = append(srcs, strings.Join(lines[:n], ""))
	}
	for _, src := range srcs {
		d := &document{name: "e.cnn", text: newText(src)}
		for i, line := range strings.Split(src, "\n") {
			for j := 0; j <= len(line); j++ {
				if h := d.hover(Position{Line: i, Character: j}); h != nil && !strings.HasPrefix(h.Contents.Value, "```cnn\n") {
					t.Errorf("%q at %d:%d: hover %q", src, i, j, h.Contents.Value)
				}
				d.complete(Position{Line: i, Character: j})
			}
		}
	}
}

// TestHoverManyCopies: a block with tens of thousands of copies is listed
// up to maxHoverRows and counted whole, in time linear in the copies.
func TestHoverManyCopies(t *testing.T) {
	d := &document{name: "many.cnn", text: newText("input 4x4x1\nrepeat 40000 { residual { relu } }\n")}
	h := d.hover(Position{Line: 1, Character: 15})
	if h == nil {
		t.Fatal("no hover")
	}
	for _, want := range []string{"| add16 | 4x4x1 | 4x4x1 | body 4x4x1, identity 4x4x1 | 0 | 0 |\n\n... and 39984 more copies\n",
		"40000 copies, 80,000 layers: 0 parameters"} {
		if !strings.Contains(h.Contents.Value, want) {
			t.Errorf("hover lacks %q:\n%s", want, h.Contents.Value)
		}
	}
}
