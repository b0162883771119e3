package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUnchangedOutputKeepsItsTime: compile -o and draw -o leave a file that
// already holds the bytes they would write untouched, so that go generate on
// a fresh tree changes no file times (the go command keys its cached test
// results on the times of the files a test reads), and still rewrite a file
// whose bytes differ.
func TestUnchangedOutputKeepsItsTime(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.cnn")
	if err := os.WriteFile(model, []byte("input 6x6x2\nconv 3x3x4\nrelu\nfc 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, c := range []struct{ cmd, out string }{
		{"compile", filepath.Join(dir, "m_cnn.go")},
		{"draw", filepath.Join(dir, "m.svg")},
	} {
		t.Run(c.cmd, func(t *testing.T) {
			run := func() {
				t.Helper()
				var out, errs strings.Builder
				if status := Run([]string{c.cmd, "-o", c.out, model}, nil, &out, &errs); status != 0 {
					t.Fatalf("cnnc %s: status %d: %s", c.cmd, status, errs.String())
				}
			}
			run()
			want, err := os.ReadFile(c.out)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(c.out, old, old); err != nil {
				t.Fatal(err)
			}
			run()
			if fi, err := os.Stat(c.out); err != nil || !fi.ModTime().Equal(old) {
				t.Errorf("the same bytes again: the file was rewritten (%v, %v)", fi.ModTime(), err)
			}
			// Different bytes (same length) are replaced by the right ones.
			stale := []byte(strings.Repeat("x", len(want)))
			if err := os.WriteFile(c.out, stale, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(c.out, old, old); err != nil {
				t.Fatal(err)
			}
			run()
			got, err := os.ReadFile(c.out)
			if err != nil || string(got) != string(want) {
				t.Errorf("a stale file was not rewritten (%v)", err)
			}
		})
	}
}
