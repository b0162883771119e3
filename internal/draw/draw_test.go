package draw

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/compiler"
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
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// Until draw reads the graph, only sequential models are drawn.
		if net, _ := compiler.Source(p, src); net == nil {
			continue
		}
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".cnn"))
	}
	return names
}

// load checks a bundled model, which must be clean.
func load(t *testing.T, name string) *compiler.Net {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("../../models", name+".cnn"))
	if err != nil {
		t.Fatal(err)
	}
	return mustNet(t, name+".cnn", string(src))
}

func mustNet(t *testing.T, file, src string) *compiler.Net {
	t.Helper()
	net, diags := compiler.Source(file, []byte(src))
	if diags.HasErrors() || net == nil {
		t.Fatalf("%s: %v", file, diags)
	}
	return net
}

// TestGolden holds the drawings of the small bundled models in every
// format; go test ./internal/draw -update rewrites them.
func TestGolden(t *testing.T) {
	for _, name := range []string{"example", "lenet5"} {
		net := load(t, name)
		for format, ext := range map[string]string{"svg": ".svg", "dot": ".dot", "mermaid": ".mmd"} {
			got := Formats[format](net)
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
}

// TestSVGWellFormed decodes the SVG of every bundled model and of odd
// networks as XML, start to end, and checks the root and its viewBox.
func TestSVGWellFormed(t *testing.T) {
	check := func(name string, net *compiler.Net) {
		t.Helper()
		doc := SVG(net)
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
		check(name, mustNet(t, "odd.cnn", src))
	}
}

// TestStages checks which maps are drawn once with a count.
func TestStages(t *testing.T) {
	counts := func(net *compiler.Net) string {
		var parts []string
		for _, s := range stages(net) {
			part := shapeLabel(s.shape)
			if s.count > 1 {
				part += "*" + string(rune('0'+s.count))
			}
			for _, n := range s.notes {
				part += "+" + n.Text
			}
			parts = append(parts, part)
		}
		return strings.Join(parts, " ")
	}
	for _, tc := range []struct{ name, src, want string }{
		{"vgg19", "", "224×224×3 224×224×64*2+relu 112×112×64 112×112×128*2+relu 56×56×128 56×56×256*4+relu 28×28×256 28×28×512*4+relu 14×14×512 14×14×512*4+relu 7×7×512 4096+relu+dropout 0.5 4096+relu+dropout 0.5 1000+softmax"},
		{"alexnet", "", "227×227×3 55×55×96+relu 27×27×96 27×27×256+relu 13×13×256 13×13×384+relu 13×13×384+relu 13×13×256+relu 6×6×256 4096+relu+dropout 0.5 4096+relu+dropout 0.5 1000+softmax"},
		{"changing copies", odd["changing copies"], "33×33×3 17×17×8+relu 9×9×8+relu 5×5×8+relu"},
		{"nested", odd["nested"], "16×16×4 16×16×4*3+relu 8×8×4 8×8×4*3+relu 4×4×4"},
		{"softmax on maps", odd["softmax on maps"], "4×4×2 32"},
		{"written twice", "input 8x8x2\nconv 3x3x2 p1\nconv 3x3x2 p1", "8×8×2 8×8×2 8×8×2"},
	} {
		var net *compiler.Net
		if tc.src == "" {
			net = load(t, tc.name)
		} else {
			net = mustNet(t, "m.cnn", tc.src)
		}
		if got := counts(net); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestOpLabel(t *testing.T) {
	net := mustNet(t, "m.cnn", "input 31x32x3\nconv 3x3x8\nconv 5x3x8 s2x1 p1\npool max 2x2\npool avg 3x3 s1 p1\nconv 3x3x8 p same\nfc 10\nsoftmax")
	want := []string{"conv 3×3", "conv 5×3 s2×1 p1", "max 2×2", "avg 3×3 s1 p1", "conv 3×3 p1", "fc", "softmax"}
	for i, l := range net.Layers {
		if got := opLabel(l); got != want[i] {
			t.Errorf("opLabel(%q) = %q, want %q", l.Text, got, want[i])
		}
	}
}

// TestMermaidSyntax checks every line of the flowcharts against the few
// forms Mermaid is given: a header, nodes, edges and class definitions.
func TestMermaidSyntax(t *testing.T) {
	line := regexp.MustCompile(`^(flowchart TD|    L\d+\["[^"]+"\]:::[a-z]+|    L\d+ --> L\d+|    classDef [a-z]+ fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6},color:#222222)$`)
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
	f.Fuzz(func(t *testing.T, src string) {
		net, diags := compiler.Source("f.cnn", []byte(src))
		if net == nil || diags.HasErrors() {
			return
		}
		for _, render := range Formats {
			render(net)
		}
		if err := xml.Unmarshal(SVG(net), new(struct{})); err != nil {
			t.Fatalf("not XML: %v", err)
		}
	})
}
