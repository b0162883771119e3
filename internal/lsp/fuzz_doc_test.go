package lsp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDocument runs what the server computes for an open document on
// arbitrary text: diagnostics, formatting, and hover and completion at the
// first word of up to 64 of its lines. None may panic; every diagnostic's
// range must be in the text, start before end; every hover must name a
// statement, or be the diagnostics of one cnnc cannot read. The seeds are the bundled models and the graph fixtures, so
// that blocks, labels and batchnorm are mutated.
func FuzzDocument(f *testing.F) {
	for _, pattern := range []string{"../../models/*.cnn", "../../golden/graphdata/*/model.cnn"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Add("input 8x8x3\nrepeat 2 {\n  residual { conv 3x3x3 s2 p1 }\n}\nconcat { pool max 2x2 } { }\n")
	f.Fuzz(func(t *testing.T, src string) {
		d := &document{name: "f.cnn", text: newText(src)}
		lines := strings.Split(src, "\n")
		end := d.text.position(len(src))
		for _, g := range d.diagnostics() {
			r := g.Range
			if before(end, r.End) || before(r.End, r.Start) || r.Start.Line < 0 || r.Start.Character < 0 {
				t.Fatalf("diagnostic %q: range %+v outside the text (end %+v)", g.Message, r, end)
			}
		}
		d.format()
		step := max(1, len(lines)/64)
		for i := 0; i < len(lines); i += step {
			at := Position{Line: i, Character: len(lines[i]) - len(strings.TrimLeft(lines[i], " \t"))}
			if h := d.hover(at); h != nil && !strings.HasPrefix(h.Contents.Value, "```cnn\n") && !strings.HasPrefix(h.Contents.Value, "\n**") {
				t.Fatalf("hover at %d:%d: %q", at.Line, at.Character, h.Contents.Value)
			}
			d.complete(at)
		}
	})
}

// before reports whether a comes before b.
func before(a, b Position) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Character < b.Character
}
