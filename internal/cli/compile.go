package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/gen"
	"github.com/cnnc/cnnc/runtime"
)

const compileDoc = `Compile checks a model and writes the Go package that runs it: forward and
backward code with every size a constant, linked against cnnc's runtime.
By default it writes NAME_cnn.go beside FILE (NAME being FILE's base name);
-o names a file, or a directory (existing, or ending in /) to write
NAME_cnn.go into, or - for stdout. The package name is --pkg, else
$GOPACKAGE when run by go generate, else the model's name made into one
(a name Go reserves, such as func or main, gets an underscore: func_).
--prefix Foo starts every name the file declares with Foo (FooModel,
FooNew, FooInput), so that several models can share a package. A file with
errors gets its diagnostics, exit status 1, and nothing is written; a file
that already holds the code is left untouched.
--check writes nothing and exits 1 when the file on disk differs.`

func runCompile(e *env, args []string) int {
	fs := newFlags(e, "compile", "[-o PATH] [--pkg NAME] [--prefix PREFIX] [--check] FILE", compileDoc)
	out := fs.String("o", "", "output `path`: a file, a directory, or - for stdout")
	pkg := fs.String("pkg", "", "the generated package's `name`")
	prefix := fs.String("prefix", "", "start every name the file declares with `Prefix` (upper case first)")
	check := fs.Bool("check", false, "exit 1 if the output file is missing or stale; write nothing")
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(files) != 1 {
		fmt.Fprintf(e.stderr, "cnnc compile: want exactly one model file, got %d\n", len(files))
		return exitUsage
	}
	opts, err := compileOptions(*pkg, *prefix)
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc compile: %v\n", err)
		return exitUsage
	}
	name := files[0]
	src, err := e.readFile(name)
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc compile: %v\n", err)
		return exitUsage
	}
	r, diags := compiler.Compile(displayName(name), src)
	for _, d := range diags {
		fmt.Fprintln(e.stderr, d)
	}
	if diags.HasErrors() || r == nil {
		return exitError
	}
	opts = append(opts, gen.WithSource(filepath.Base(displayName(name))))
	code, status := e.generate("compile", name, genModelOf(r), opts...)
	if code == nil {
		return status
	}
	dest := outputPath(name, *out)
	if dest == "-" {
		e.stdout.Write(code)
		return exitOK
	}
	if *check {
		old, err := os.ReadFile(dest)
		if err != nil || !bytes.Equal(old, code) {
			fmt.Fprintf(e.stderr, "cnnc compile: %s is stale: run cnnc compile %s\n", dest, strings.Join(args, " "))
			return exitError
		}
		return exitOK
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		fmt.Fprintf(e.stderr, "cnnc compile: %v\n", err)
		return exitUsage
	}
	if err := runtime.CheckOutputs([]runtime.NamedPath{{Name: "the model file", Path: name}}, []runtime.NamedPath{{Name: "-o", Path: dest}}); err != nil {
		fmt.Fprintf(e.stderr, "cnnc compile: %v\n", err)
		return exitUsage
	}
	if holds(dest, code) {
		return exitOK
	}
	if err := runtime.WriteFileAtomic(dest, code, 0o644); err != nil {
		fmt.Fprintf(e.stderr, "cnnc compile: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// compileOptions checks the package name (--pkg, else $GOPACKAGE, else
// none: the model's name) and the prefix, before any file is read.
func compileOptions(pkg, prefix string) ([]gen.Option, error) {
	var opts []gen.Option
	from := "--pkg"
	if pkg == "" {
		pkg, from = os.Getenv("GOPACKAGE"), "$GOPACKAGE"
	}
	if pkg != "" {
		if err := gen.CheckPackageName(pkg); err != nil {
			return nil, fmt.Errorf("%s: %w", from, err)
		}
		opts = append(opts, gen.WithPackage(pkg))
	}
	if prefix != "" {
		if err := gen.CheckPrefix(prefix); err != nil {
			return nil, fmt.Errorf("--prefix: %w", err)
		}
		opts = append(opts, gen.WithPrefix(prefix))
	}
	return opts, nil
}

// keepSource writes the code of a *gen.FormatError (generated code that
// does not parse: a bug) to a temporary file, and returns the words that
// say where, to follow the error; stderr gets no source.
func keepSource(err error) string {
	var fe *gen.FormatError
	if !errors.As(err, &fe) {
		return ""
	}
	f, ferr := os.CreateTemp("", "cnnc-unformatted-*.go")
	if ferr != nil {
		return ""
	}
	defer f.Close()
	if _, ferr := f.Write(fe.Source); ferr != nil {
		return ""
	}
	return fmt.Sprintf("; the code is in %s: please report it", f.Name())
}

// outputPath resolves -o for the model file name: "" means NAME_cnn.go
// beside it; a directory (existing, or written with a trailing slash) means
// NAME_cnn.go inside it.
func outputPath(model, out string) string {
	base := strings.TrimSuffix(filepath.Base(model), filepath.Ext(model)) + "_cnn.go"
	if model == "-" {
		base = "stdin_cnn.go"
	}
	switch {
	case out == "-":
		return out
	case out == "":
		return filepath.Join(filepath.Dir(model), base)
	case strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(filepath.Separator)):
		return filepath.Join(out, base)
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return filepath.Join(out, base)
	}
	return out
}
