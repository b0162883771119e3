package cli

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/cnnc/cnnc/gen"
)

// TestKeepSource: generated code that does not parse (a generator bug)
// goes to a file whose path the message gives, never to stderr.
func TestKeepSource(t *testing.T) {
	src := []byte("package func\n\nvar x = \n")
	err := fmt.Errorf("wrapped: %w", &gen.FormatError{Err: errors.New("1:9: expected 'IDENT', found 'func'"), Source: src})
	words := keepSource(err)
	m := regexp.MustCompile(`^; the code is in (.*cnnc-unformatted-[0-9]+\.go): please report it$`).FindStringSubmatch(words)
	if m == nil {
		t.Fatalf("keepSource = %q", words)
	}
	defer os.Remove(m[1])
	if got, err := os.ReadFile(m[1]); err != nil || string(got) != string(src) {
		t.Errorf("%s holds %q (%v), want %q", m[1], got, err, src)
	}
	if words := keepSource(errors.New("gen: the network has errors")); words != "" {
		t.Errorf("keepSource of another error = %q, want nothing", words)
	}
}
