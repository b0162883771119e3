package draw

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/ir"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// bundled returns the bundled models' names, from ../../models/*.cnn.
func bundled(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("../../models/*.cnn")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no bundled models: %v", err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".cnn"))
	}
	return names
}

// load checks a bundled model, which must be clean.
func load(t *testing.T, name string) *ir.Graph {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("../../models", name+".cnn"))
	if err != nil {
		t.Fatal(err)
	}
	return mustGraph(t, name+".cnn", string(src))
}

func mustGraph(t *testing.T, file, src string) *ir.Graph {
	t.Helper()
	r, diags := compiler.Compile(file, []byte(src))
	if diags.HasErrors() || r == nil || r.Graph == nil || r.Graph.Incomplete {
		t.Fatalf("%s: %v", file, diags)
	}
	return r.Graph
}

// TestGolden holds the drawings of the small bundled models, and of a
// network with every kind of block, in every format; go test
// ./internal/draw -update rewrites them.
func TestGolden(t *testing.T) {
	for _, name := range []string{"example", "lenet5", "branches"} {
		load := load
		if src, ok := odd[name]; ok {
			load = func(t *testing.T, name string) *ir.Graph { return mustGraph(t, name+".cnn", "model "+name+"\n"+src) }
		}
		g := load(t, name)
		for format, ext := range map[string]string{"svg": ".svg", "dot": ".dot", "mermaid": ".mmd"} {
			got := Formats[format](g)
			path := filepath.Join("testdata", name+ext)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/draw -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %s differs from %s (run go test ./internal/draw -update and look at the picture)", name, format, path)
			}
			if again := Formats[format](load(t, name)); !bytes.Equal(again, got) {
				t.Errorf("%s %s: two drawings of one network differ", name, format)
			}
		}
	}
}

// TestDocsFresh checks that the pictures docs/docs.go's go:generate lines
// draw, which the README shows, are what cnnc draw makes now (go generate
// ./docs remakes them). docs/ holds other pictures too (the benchmark's).
func TestDocsFresh(t *testing.T) {
	src, err := os.ReadFile("../../docs/docs.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := regexp.MustCompile(`(?m)^//go:generate go run \.\./cmd/cnnc draw -o (\w+)\.svg \.\./models/(\w+)\.cnn$`).FindAllStringSubmatch(string(src), -1)
	if len(lines) == 0 {
		t.Fatal("docs/docs.go draws no picture")
	}
	for _, m := range lines {
		name, p := m[2], filepath.Join("../../docs", m[1]+".svg")
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := SVG(load(t, name)); !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./docs", p)
		}
	}
}

// odd are networks at the edges of what the drawing handles.
var odd = map[string]string{
	"input only":      "input 8x8x3",
	"one by one":      "input 1x1x1\nconv 1x1x1\nrelu\nfc 1",
	"huge":            "input 1048575x1x1\nconv 3x1x1 s1048572x1",
	"softmax on maps": "input 4x4x2\nsoftmax",
	"leaky stack":     "input 6x6x1\nleaky 0.2\nsigmoid\ntanh\ndropout 0.1\nrelu",
	"changing copies": "input 33x33x3\nrepeat 3 { conv 3x3x8 s2 p1; relu }",
	"nested":          "input 16x16x4\nrepeat 2 { repeat 3 { conv 3x3x4 p same; relu }; pool avg 2x2 }",
	"odd text":        "model a_b\ninput 9x7x5\nconv 3x1x2 s2x1 p1x0\npool max 3x2 s1 p1",
	"fc chain":        "input 2x2x1\nfc 3\nfc 3\nfc 3\nsoftmax",
	"branches": "input 32x32x16\ninc: concat { conv 1x1x8; relu } { conv 1x1x8; residual { conv 3x3x8 p1; relu } shortcut { conv 1x1x8 } } " +
		"{ pool max 3x3 s1 p1; conv 1x1x8 } { }\nrepeat 2 { conv 3x3x40 p1; conv 3x3x40 p1; relu }\n" +
		"outer: residual { residual { conv 3x3x40 p1 }; relu }\nresidual { }\npool avg global\nfc 10",
	"blocks in copies": "input 8x8x4\nstage.1: repeat 3 { residual { batchnorm; relu; conv 3x3x4 p1 } shortcut { concat { } { } ; conv 1x1x4 }; relu6 }",
	"block first":      "input 4x4x2\nresidual { residual { } }\nconcat { concat { relu } } { pool max 2x2 s2; conv 1x1x2 s1 p1 }\nfc 3\nsoftmax",
}

// TestSVGWellFormed decodes the SVG of every bundled model and of odd
// networks as XML, start to end, and checks the root and its viewBox.
func TestSVGWellFormed(t *testing.T) {
	check := func(name string, g *ir.Graph) {
		t.Helper()
		doc := SVG(g)
		if bytes.Contains(doc, []byte("NaN")) || bytes.Contains(doc, []byte("Inf")) {
			t.Errorf("%s: a coordinate is not a number", name)
		}
		d := xml.NewDecoder(bytes.NewReader(doc))
		var root *xml.StartElement
		for {
			tok, err := d.Token()
			if err != nil {
				if err.Error() != "EOF" {
					t.Errorf("%s: not well-formed XML: %v", name, err)
				}
				break
			}
			if se, ok := tok.(xml.StartElement); ok && root == nil {
				root = &se
			}
		}
		if root == nil || root.Name.Local != "svg" || root.Name.Space != "http://www.w3.org/2000/svg" {
			t.Fatalf("%s: root is not an svg element", name)
		}
		viewBox := ""
		for _, a := range root.Attr {
			if a.Name.Local == "viewBox" {
				viewBox = a.Value
			}
		}
		if !regexp.MustCompile(`^0 0 \d+(\.\d)? \d+(\.\d)?$`).MatchString(viewBox) {
			t.Errorf("%s: viewBox %q", name, viewBox)
		}
	}
	for _, name := range bundled(t) {
		check(name, load(t, name))
	}
	for name, src := range odd {
		check(name, mustGraph(t, "odd.cnn", src))
	}
}

// describe writes a lane as the block diagram draws it: each map's shape
// with its count (*N) and notes (+relu), notes without a map as ·+relu, a
// block's lanes in {...|...} (= for the identity) with its count and its
// join's caption, copies in (...)*N.
func describe(items []*item) string {
	var parts []string
	for _, it := range items {
		var s string
		switch it.kind {
		case mapItem:
			s = shapeLabel(it.shape)
		case notesItem:
			s = "·"
		case groupItem:
			s = "(" + describe(it.body) + ")"
		case blockItem:
			var lanes []string
			for _, l := range it.lanes {
				if len(l) == 0 {
					lanes = append(lanes, "=")
				} else {
					lanes = append(lanes, describe(l))
				}
			}
			s = "{" + strings.Join(lanes, " | ") + "}"
		}
		if it.count > 1 {
			s += fmt.Sprintf("*%d", it.count)
		}
		if it.kind == blockItem {
			s += it.join.cap.op + " " + shapeLabel(it.shape)
			it = it.join
		}
		for _, n := range it.notes {
			s += "+" + n.Text
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// TestLanes checks which maps are drawn once with a count, and how
// branches are laid out.
func TestLanes(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"vgg19", "", "224×224×3 224×224×64*2+relu 112×112×64 112×112×128*2+relu 56×56×128 56×56×256*4+relu 28×28×256 28×28×512*4+relu 14×14×512 14×14×512*4+relu 7×7×512 4096+relu+dropout 0.5 4096+relu+dropout 0.5 1000+softmax"},
		{"alexnet", "", "227×227×3 55×55×96+relu 27×27×96 27×27×256+relu 13×13×256 13×13×384+relu 13×13×384+relu 13×13×256+relu 6×6×256 4096+relu+dropout 0.5 4096+relu+dropout 0.5 1000+softmax"},
		{"changing copies", odd["changing copies"], "33×33×3 17×17×8+relu 9×9×8+relu 5×5×8+relu"},
		{"nested", odd["nested"], "16×16×4 16×16×4*3+relu 8×8×4 8×8×4*3+relu 4×4×4"},
		{"softmax on maps", odd["softmax on maps"], "4×4×2 32"},
		{"written twice", "input 8x8x2\nconv 3x3x2 p1\nconv 3x3x2 p1", "8×8×2 8×8×2 8×8×2"},
		{"copies of two maps", "input 8x8x2\nrepeat 3 { conv 3x3x2 p1; conv 3x3x2 p1; relu }", "8×8×2 (8×8×2 8×8×2+relu)*3"},
		{"copies of nested copies", "input 8x8x2\nrepeat 2 { repeat 3 { conv 3x3x2 p1 } }", "8×8×2 8×8×2*6"},
		{"residual", "input 8x8x4\nresidual { conv 3x3x4 p1; batchnorm; relu; conv 3x3x4 p1 }\nrelu",
			"8×8×4 {8×8×4+batchnorm+relu 8×8×4 | =}add 8×8×4+relu"},
		{"downsampling", "input 8x8x4\nresidual { conv 3x3x8 s2 p1 } shortcut { conv 1x1x8 s2; batchnorm }",
			"8×8×4 {4×4×8 | 4×4×8+batchnorm}add 4×4×8"},
		{"notes first", "input 8x8x4\nconcat { } { batchnorm; relu; conv 3x3x2 p1 } { pool max 3x3 s1 p1 }",
			"8×8×4 {= | ·+batchnorm+relu 8×8×2 | 8×8×4}concat 8×8×10"},
		{"identity only", "input 8x8x4\nresidual { }", "8×8×4 {= | =}add 8×8×4"},
		{"nested blocks", "input 8x8x4\nresidual { residual { relu } }", "8×8×4 {{·+relu | =}add 8×8×4 | =}add 8×8×4"},
		{"resnet18", "", "224×224×3 112×112×64+batchnorm+relu 56×56×64 " +
			"{56×56×64+batchnorm+relu 56×56×64+batchnorm | =}*2add 56×56×64+relu " +
			"{28×28×128+batchnorm+relu 28×28×128+batchnorm | 28×28×128+batchnorm}add 28×28×128+relu " +
			"{28×28×128+batchnorm+relu 28×28×128+batchnorm | =}add 28×28×128+relu " +
			"{14×14×256+batchnorm+relu 14×14×256+batchnorm | 14×14×256+batchnorm}add 14×14×256+relu " +
			"{14×14×256+batchnorm+relu 14×14×256+batchnorm | =}add 14×14×256+relu " +
			"{7×7×512+batchnorm+relu 7×7×512+batchnorm | 7×7×512+batchnorm}add 7×7×512+relu " +
			"{7×7×512+batchnorm+relu 7×7×512+batchnorm | =}add 7×7×512+relu 1×1×512 1000"},
	} {
		var g *ir.Graph
		if tc.src == "" {
			g = load(t, tc.name)
		} else {
			g = mustGraph(t, "m.cnn", tc.src)
		}
		l := lay(g)
		if got := describe(l.top); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestOpLabel(t *testing.T) {
	g := mustGraph(t, "m.cnn", "input 31x32x3\nconv 3x3x8\nconv 5x3x8 s2x1 p1\npool max 2x2\npool avg 3x3 s1 p1\nconv 3x3x8 p same\nconv 3x3x8 p2 g4 d2 nobias\npool mean global\nfc 10\nsoftmax")
	want := []string{"conv 3×3", "conv 5×3 s2×1 p1", "max 2×2", "avg 3×3 s1 p1", "conv 3×3 p1", "conv 3×3 p2 g4 d2", "mean global", "fc", "softmax"}
	for i, n := range g.Nodes {
		if got := opLabel(n); got != want[i] {
			t.Errorf("opLabel(%q) = %q, want %q", n.Text, got, want[i])
		}
	}
}

// TestMermaidSyntax checks every line of the flowcharts against the few
// forms Mermaid is given: a header, nodes, subgraphs, edges and class
// definitions.
func TestMermaidSyntax(t *testing.T) {
	line := regexp.MustCompile(`^(flowchart TD|(    )+L\d+\["[^"]+"\]:::[a-z]+|(    )+subgraph B\d+\["[^"]+"\]|(    )+end|    L\d+ --> L\d+|    classDef [a-z]+ fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6},color:#222222)$`)
	for _, name := range bundled(t) {
		out := string(Mermaid(load(t, name)))
		for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if !line.MatchString(l) {
				t.Errorf("%s line %d: %q", name, i+1, l)
			}
		}
	}
}

func TestDotQuote(t *testing.T) {
	if got, want := dotQuote("a\"b\\c\nd"), `"a\"b\\c\nd"`; got != want {
		t.Errorf("dotQuote = %s, want %s", got, want)
	}
}

func FuzzSVG(f *testing.F) {
	for _, src := range odd {
		f.Add(src)
	}
	paths, _ := filepath.Glob("../../models/*.cnn")
	graphs, _ := filepath.Glob("../../golden/graphdata/*/model.cnn")
	for _, p := range append(paths, graphs...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		r, diags := compiler.Compile("f.cnn", []byte(src))
		if r == nil || r.Graph == nil || r.Graph.Incomplete || diags.HasErrors() {
			return
		}
		for _, render := range Formats {
			render(r.Graph)
		}
		if err := xml.Unmarshal(SVG(r.Graph), new(struct{})); err != nil {
			t.Fatalf("not XML: %v", err)
		}
	})
}
