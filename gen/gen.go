// Package gen compiles a checked network into Go source: one package per
// model holding only what is specific to the network (every size a
// constant, the tensor and buffer tables, one function per layer and
// direction with its kernel geometry baked in), which it hands to the
// engine of cnnc's runtime (runtime/engine) as an engine.Program. The code
// it writes imports only the standard library, runtime and runtime/engine.
//
// Inside the generated code a sample is stored H×W×C (channels innermost),
// with zero padding around a tensor that a conv or mean pool reads with
// padding, so that no inner loop tests for borders; conv weights are stored
// [Fh][Fw][C][K] and fc weights [out][in] with the input in H, W, C order.
// The public API is PyTorch-shaped (C×H×W, [K C Fh Fw], [out in] with the
// input in C, H, W order) and converts at the boundary.
package gen

import (
	"bytes"
	"fmt"
	"go/format"
	"go/token"
	"go/types"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc/compiler"
)

// RuntimePath is the import path of the package generated code links against;
// EnginePath that of the engine it hands its network to.
const (
	RuntimePath = "github.com/cnnc/cnnc/runtime"
	EnginePath  = RuntimePath + "/engine"
)

// RuntimeVersion is the version of the contract between generated code and
// the runtime; raise it, and the runtime's constant VersionGuard names,
// whenever either changes what it expects of the other. Version 2 hands
// the network to runtime/engine.
const RuntimeVersion = 2

// VersionGuard is the runtime constant every generated file refers to: a
// runtime of another version does not declare it, so the file fails to
// build with an error that says to regenerate it.
var VersionGuard = fmt.Sprintf("GeneratedCodeVersion%d_RegenerateWithCnncCompile", RuntimeVersion)

// Option configures File.
type Option func(*config)

type config struct {
	pkg     string
	source  string
	version string
	prefix  string
}

// WithPackage sets the generated package's name; by default it is the model's
// name made into a Go identifier.
func WithPackage(name string) Option { return func(c *config) { c.pkg = name } }

// WithSource sets the file name the header comment names; by default it is
// the net's file name without its directory.
func WithSource(name string) Option { return func(c *config) { c.source = name } }

// WithVersion adds cnnc's version to the header comment.
func WithVersion(v string) Option { return func(c *config) { c.version = v } }

// WithPrefix puts prefix in front of every package-level name the file
// declares, so that several networks can share a package: with "Lenet",
// Model, New and InputSize become LenetModel, LenetNew and LenetInputSize
// (and unexported names such as params become lenetParams). The prefix
// must be an identifier that starts with an upper-case letter. The file
// then has no package comment: the network's table opens the file instead.
func WithPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// File returns the Go source of the package that runs net. The net must be
// complete (no shape errors), the package name valid (see
// CheckPackageName) and the prefix, if any, too (see WithPrefix). The
// source is gofmt-formatted; the same net and options always give the same
// bytes. If the code it writes does not parse, a bug in the generator, the
// error is a *FormatError, which holds the code.
func File(net *compiler.Net, opts ...Option) ([]byte, error) {
	if net == nil || !net.Complete() {
		return nil, fmt.Errorf("gen: the network has errors")
	}
	c, err := newConfig(net.Name, net.File, opts)
	if err != nil {
		return nil, err
	}
	g := &generator{plan: newPlan(net), cfg: c, f: newFile(c)}
	g.file()
	return render(g.f, c)
}

// newConfig returns the configuration opts give a file generated from the
// network name read from file, checked.
func newConfig(name, file string, opts []Option) (config, error) {
	c := config{pkg: PackageName(name), source: filepath.Base(file)}
	for _, o := range opts {
		o(&c)
	}
	if strings.ContainsFunc(c.source, func(r rune) bool { return !unicode.IsPrint(r) }) {
		// A newline or tab in a file name would break the header's one
		// line (a newline made it a /* */ comment go generate ignores).
		c.source = strconv.Quote(c.source)
	}
	if err := CheckPackageName(c.pkg); err != nil {
		return c, fmt.Errorf("gen: %w", err)
	}
	if c.prefix != "" {
		if err := CheckPrefix(c.prefix); err != nil {
			return c, fmt.Errorf("gen: %w", err)
		}
	}
	return c, nil
}

// newFile returns the jennifer file of package c.pkg, left unformatted
// (render formats it, so that an error does not carry the source).
func newFile(c config) *jen.File {
	f := jen.NewFile(c.pkg)
	f.NoFormat = true
	return f
}

// render writes f, gives its names c.prefix and formats it; a result that
// does not parse is a *FormatError.
func render(f *jen.File, c config) ([]byte, error) {
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	return finish(buf.Bytes(), c)
}

// finish gives the names of the rendered file src c.prefix and formats it.
func finish(src []byte, c config) ([]byte, error) {
	if c.prefix != "" {
		named, err := addPrefix(src, c.prefix)
		if err != nil {
			return nil, &FormatError{Err: err, Source: src}
		}
		src = named
	}
	out, err := format.Source(src)
	if err != nil {
		return nil, &FormatError{Err: err, Source: src}
	}
	return out, nil
}

// FormatError is File's error when the code it wrote does not parse, which
// is a bug in the generator. Its message is short; Source holds the code.
type FormatError struct {
	Err    error
	Source []byte
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("gen: the generated code does not parse (a bug in cnnc): %v", e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

// PackageName turns a model name into a Go package name: lower case, letters
// and digits, not starting with a digit, and not a name Go reserves (see
// CheckPackageName), which gets an underscore. For example "VGG-16" gives
// "vgg16", "3d" gives "m3d", "func" gives "func_" and "main" gives "main_".
func PackageName(model string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(model) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	name := b.String()
	if name == "" || unicode.IsDigit(rune(name[0])) {
		name = "m" + name
	}
	if CheckPackageName(name) != nil || name == "main" {
		// main would build only beside a func main.
		name += "_"
	}
	return name
}

// CheckPackageName returns an error unless name can name a generated
// package: it must be an identifier other than the blank identifier, a Go
// keyword ("func", "type"), a predeclared identifier ("int", "len",
// "true"), which an importing file could no longer use, or "init", which
// cannot be imported. "main" is allowed, for a command's own package, which
// then declares func main beside the generated file.
func CheckPackageName(name string) error {
	switch {
	case !isIdent(name) || name == "_":
		return fmt.Errorf("invalid package name %q: not a Go identifier", name)
	case token.IsKeyword(name):
		return fmt.Errorf("invalid package name %q: a Go keyword", name)
	case types.Universe.Lookup(name) != nil:
		return fmt.Errorf("invalid package name %q: a predeclared Go identifier", name)
	case name == "init":
		return fmt.Errorf("invalid package name %q: init cannot be imported", name)
	}
	return nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

type generator struct {
	*plan
	cfg config
	f   *jen.File
}

func (g *generator) file() {
	opening(g.f, g.cfg, g.packageDoc())
	g.versionGuard()
	g.constants()
	g.modelType()
	g.indexes()
	g.program()
	g.phases()
}

// opening emits a generated file's header, its package comment doc (or,
// with a prefix, the same lines opening the file: the file shares its
// package) and its imports.
func opening(f *jen.File, c config, doc string) {
	header := fmt.Sprintf("Code generated by cnnc from %s. DO NOT EDIT.", c.source)
	if c.version != "" {
		header = fmt.Sprintf("Code generated by cnnc %s from %s. DO NOT EDIT.", c.version, c.source)
	}
	f.HeaderComment(header)
	if c.prefix != "" {
		f.HeaderComment("")
	}
	for _, line := range strings.Split(doc, "\n") {
		if c.prefix != "" {
			f.HeaderComment(line)
		} else {
			f.PackageComment(line)
		}
	}
	f.ImportName(RuntimePath, "runtime")
	f.ImportName(EnginePath, "engine")
}

// versionGuard emits the reference to the runtime's version constant.
func (g *generator) versionGuard() { guardVersion(g.f) }

func guardVersion(f *jen.File) {
	f.Comment("This file needs the runtime it was generated for: if the line below does not")
	f.Comment("build, regenerate the file (go generate) with the cnnc of your runtime.")
	f.Const().Id("_").Op("=").Add(rt(VersionGuard))
	f.Line()
}

// docIntro is the first sentence of a package comment (or, with a
// prefix, of the comment opening the file).
func docIntro(c config, name string) string {
	if c.prefix != "" {
		return fmt.Sprintf("The names that start with %s run the network %q,\ncompiled by cnnc from %s.\n\n", c.prefix, name, c.source)
	}
	return fmt.Sprintf("Package %s runs the network %q, compiled by cnnc from %s.\n\n", c.pkg, name, c.source)
}

// packageDoc is the package comment: the network as a table.
func (g *generator) packageDoc() string {
	net := g.net
	var b strings.Builder
	b.WriteString(docIntro(g.cfg, net.Name))
	rows := [][]string{{"layer", "output", "params"}, {"input " + net.Input.String(), net.Input.String(), ""}}
	for _, l := range net.Layers {
		params := ""
		if n := l.ParamCount(); n > 0 {
			params = compiler.BigCount(n)
		}
		rows = append(rows, []string{l.Text, l.Out.String(), params})
	}
	b.WriteString(table(rows))
	fmt.Fprintf(&b, "\n%s parameters, %s multiply-adds a sample forward.\n\n", compiler.BigCount(net.Costs().Params), compiler.BigCount(net.Costs().MACs))
	b.WriteString(`Tensors at this package's API are PyTorch-shaped: Input holds one sample in
C×H×W order, Output the network's output in the same order (or its
features, when the network ends flat), and parameters have PyTorch's names
and shapes, so a PyTorch state_dict saved with numpy.savez or safetensors
loads as it is. Inside, values are laid out H×W×C for speed.

The network runs on cnnc's engine (runtime/engine), which this package
hands its layers, tensors and buffers as one engine.Program. Model is not
safe for concurrent use; its batch methods use every core.`)
	return b.String()
}

// table aligns rows in columns separated by two spaces, each line indented
// by a tab so that godoc shows it as preformatted text.
func table(rows [][]string) string {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			line.WriteString(c + strings.Repeat(" ", widths[i]-len(c)))
		}
		b.WriteString("\t" + strings.TrimRight(line.String(), " ") + "\n")
	}
	return b.String()
}

// rt refers to a name in the runtime package, eng to one in the engine.
func rt(name string) *jen.Statement  { return jen.Qual(RuntimePath, name) }
func eng(name string) *jen.Statement { return jen.Qual(EnginePath, name) }
