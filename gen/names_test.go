package gen_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/gen"
)

func TestPackageName(t *testing.T) {
	for model, want := range map[string]string{
		"VGG-16": "vgg16", "3d": "m3d", "": "m", "lenet5": "lenet5",
		// Names Go reserves get an underscore.
		"func": "func_", "go": "go_", "type": "type_", "int": "int_", "len": "len_",
		"nil": "nil_", "true": "true_", "init": "init_", "main": "main_", "_": "m",
	} {
		if got := gen.PackageName(model); got != want {
			t.Errorf("PackageName(%q) = %q, want %q", model, got, want)
		}
		if err := gen.CheckPackageName(gen.PackageName(model)); err != nil {
			t.Errorf("PackageName(%q) gives a name CheckPackageName refuses: %v", model, err)
		}
	}
}

func TestCheckPackageName(t *testing.T) {
	for name, want := range map[string]string{
		"type":   `invalid package name "type": a Go keyword`,
		"func":   `invalid package name "func": a Go keyword`,
		"int":    `invalid package name "int": a predeclared Go identifier`,
		"len":    `invalid package name "len": a predeclared Go identifier`,
		"init":   `invalid package name "init": init cannot be imported`,
		"_":      `invalid package name "_": not a Go identifier`,
		"a-b":    `invalid package name "a-b": not a Go identifier`,
		"":       `invalid package name "": not a Go identifier`,
		"9lives": `invalid package name "9lives": not a Go identifier`,
		"main":   "",
		"vgg16":  "",
	} {
		err := gen.CheckPackageName(name)
		if got := errString(err); got != want {
			t.Errorf("CheckPackageName(%q) = %q, want %q", name, got, want)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestFileNames: File refuses a bad package name or prefix with a short
// error (never the source), and derives a safe package name from a model
// named after a Go keyword.
func TestFileNames(t *testing.T) {
	net := mustNet(t, "model func\ninput 4x4x2\nfc 3\n")
	code, err := gen.File(net)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(code), "\npackage func_\n") {
		t.Errorf("model func: want package func_, got\n%.300s", code)
	}
	for _, opt := range []gen.Option{gen.WithPackage("type"), gen.WithPackage("go"), gen.WithPrefix("lower"), gen.WithPrefix("A-B"), gen.WithPrefix("_X")} {
		code, err := gen.File(net, opt)
		if err == nil || code != nil || len(err.Error()) > 200 {
			t.Errorf("want a short error and no code, got %d bytes and %v", len(code), err)
		}
	}
}

func mustNet(t *testing.T, src string) *compiler.Net {
	t.Helper()
	net, ds := compiler.Source("t.cnn", []byte(src))
	if net == nil || ds.HasErrors() {
		t.Fatalf("%s: %v", src, ds)
	}
	return net
}

// TestFileHeaderOneLine: a file name with a newline or tab is quoted in the
// header, which stays the one line go generate recognises.
func TestFileHeaderOneLine(t *testing.T) {
	net := mustNet(t, "input 4x4x1\nfc 2\n")
	for _, name := range []string{"we\nird.cnn", "tab\t.cnn", "sp ace.cnn"} {
		code, err := gen.File(net, gen.WithPackage("p"), gen.WithSource(name))
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(code), "\n")
		if !header.MatchString(first) {
			t.Errorf("%q: first line %q", name, first)
		}
	}
}

var header = regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.$`)

// TestPrefixedNames: with a prefix, the file's own names are renamed in the
// code (the type arguments of engine.Model too) and in its comments, and a
// name qualified by a package (engine.Model) is left alone.
func TestPrefixedNames(t *testing.T) {
	code, err := gen.File(mustNet(t, "input 4x4x2\nfc 3\n"), gen.WithPackage("nets"), gen.WithPrefix("Small"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(code)
	for _, want := range []string{
		"\ntype SmallModel struct {\n\tengine.Model[SmallInput, SmallOutput]\n}\n",
		"engine.NewModel[SmallInput, SmallOutput](&smallProgram, seed)",
		"// SmallModel runs the network. Its methods are engine.Model's",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("the prefixed code has no %q", want)
		}
	}
	if strings.Contains(src, "engine.Small") {
		t.Error("a name qualified by the engine package was prefixed")
	}
}
