package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var diagLine = regexp.MustCompile(`^<stdin>:\d+:\d+: (error|warning): \S`)

// FuzzCommands runs check, fmt and summary on arbitrary input: none may
// panic, the status must be 0 or 1, and every line on stderr must be a
// diagnostic with a position.
func FuzzCommands(f *testing.F) {
	paths, _ := filepath.Glob("../../models/*.cnn")
	graphs, _ := filepath.Glob("../../golden/graphdata/*/model.cnn")
	for _, p := range append(paths, graphs...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", "input 3x3x4\npool max 2x2 s2\nfc 3", "repeat 2 {", "input 2x2x1\nfc 1e9", "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, args := range [][]string{
			{"check", "-"},
			{"check", "--format", "sarif", "-"},
			{"fmt", "-"},
			{"summary", "--params", "--mem", "1GiB", "-"},
			{"summary", "--format", "json", "-"},
		} {
			var stdout, stderr bytes.Buffer
			status := Run(args, bytes.NewReader(src), &stdout, &stderr)
			if status != exitOK && status != exitError {
				t.Fatalf("cnnc %s: status %d\n%s", strings.Join(args, " "), status, stderr.String())
			}
			for _, line := range strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n") {
				if line != "" && !diagLine.MatchString(line) {
					t.Fatalf("cnnc %s: stderr line without a position: %q", strings.Join(args, " "), line)
				}
			}
		}
	})
}
