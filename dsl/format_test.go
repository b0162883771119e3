package dsl

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

func TestFormat(t *testing.T) {
	ar, err := txtar.ParseFile("testdata/fmt.txtar")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range ar.Files {
		files[f.Name] = f.Data
	}
	for _, f := range ar.Files {
		name, ok := strings.CutSuffix(f.Name, ".in")
		if !ok {
			continue
		}
		want, ok := files[name+".out"]
		if !ok {
			t.Errorf("%s: no %s.out", f.Name, name)
			continue
		}
		in := f.Data
		if name == "crlf" {
			in = bytes.ReplaceAll(in, []byte("\n"), []byte("\r\n"))
		}
		got := mustFormat(t, name, in)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
			continue
		}
		if again := mustFormat(t, name+" (again)", got); !bytes.Equal(again, got) {
			t.Errorf("%s: formatting is not idempotent:\n%s", name, again)
		}
	}
}

func mustFormat(t *testing.T, name string, src []byte) []byte {
	t.Helper()
	f, errs := Parse(name, src)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", name, errs[0])
	}
	return Format(f)
}

// TestBundledModelsAreFormatted keeps the bundled models in canonical form.
func TestBundledModelsAreFormatted(t *testing.T) {
	paths, _ := filepath.Glob("../models/*.cnn")
	if len(paths) < 10 {
		t.Fatalf("bundled models: %v", paths)
	}
	for _, path := range paths {
		src := readFile(t, path)
		if got := mustFormat(t, path, src); !bytes.Equal(got, src) {
			t.Errorf("%s is not in canonical layout; run cnnc fmt -w %s", path, path)
		}
	}
}
