package gen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"go/types"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckPrefix returns an error unless prefix can start the generated
// package's names (see WithPrefix): an identifier starting with an
// upper-case letter, so that Model becomes the exported FooModel.
func CheckPrefix(prefix string) error {
	r, _ := utf8.DecodeRuneInString(prefix)
	if !isIdent(prefix) || !unicode.IsUpper(r) {
		return fmt.Errorf("invalid prefix %q: want an identifier that starts with an upper-case letter, like %q", prefix, "Lenet")
	}
	return nil
}

// addPrefix renames every package-level name the Go file src declares, so
// that several generated files can share a package: with prefix "Foo", the
// exported Model, New and InputSize become FooModel, FooNew and
// FooInputSize, the unexported params and conv1Geom fooParams and
// fooConv1Geom (the prefix in lower case, the name capitalised). Methods
// and fields keep their names.
//
// The file is type-checked to tell a reference to a package-level name from
// a field, method or local of the same name; its imports are stood in for
// by empty packages, whose errors do not matter here. Comments follow: a
// doc comment's first word when it is its declaration's name, and anywhere
// a renamed name that is not a plain lower-case word (InputSize,
// backwardPhases; not pass or worker, which are also English).
func addPrefix(src []byte, prefix string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "gen.go", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	info := &types.Info{Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: emptyImporter{}, Error: func(error) {}}
	pkg, _ := conf.Check(f.Name.Name, fset, []*ast.File{f}, info)

	renamed := map[string]string{}
	for _, name := range pkg.Scope().Names() {
		if name == "_" || name == "init" {
			continue
		}
		renamed[name] = prefixed(prefix, name)
	}
	rename := func(id *ast.Ident, obj types.Object) {
		if obj != nil && obj.Parent() == pkg.Scope() && renamed[id.Name] != "" {
			id.Name = renamed[id.Name]
		}
	}
	for id, obj := range info.Defs {
		rename(id, obj)
	}
	for id, obj := range info.Uses {
		rename(id, obj)
	}
	renameComments(f, renamed)

	var buf bytes.Buffer
	if err := format.Node(&buf, fset, f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// prefixed is name with prefix: "FooModel" for "Model", "fooParams" for
// "params".
func prefixed(prefix, name string) string {
	if r, _ := utf8.DecodeRuneInString(name); unicode.IsUpper(r) {
		return prefix + name
	}
	return strings.ToLower(prefix) + strings.ToUpper(name[:1]) + name[1:]
}

// word matches a word of a comment, with the dot before it when it is
// qualified by a package name.
var word = regexp.MustCompile(`\.?[A-Za-z_][A-Za-z0-9_]*`)

// renameComments rewrites the comments of f for the new names: a doc
// comment's first word when it is its declaration's name, and anywhere a
// renamed name that is not a plain lower-case word nor qualified by a
// package (engine.Model is not the file's Model).
func renameComments(f *ast.File, renamed map[string]string) {
	for _, group := range f.Comments {
		for _, c := range group.List {
			c.Text = word.ReplaceAllStringFunc(c.Text, func(w string) string {
				if to := renamed[w]; to != "" && strings.ToLower(w) != w {
					return to
				}
				return w
			})
		}
	}
	for _, d := range f.Decls {
		var doc *ast.CommentGroup
		var names []string
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				doc, names = d.Doc, []string{d.Name.Name}
			}
		case *ast.GenDecl:
			if len(d.Specs) == 1 {
				doc, names = d.Doc, specNames(d.Specs[0])
			}
		}
		if doc == nil || len(names) != 1 || renamed[names[0]] == "" {
			continue
		}
		c := doc.List[0]
		if rest, ok := strings.CutPrefix(c.Text, "// "+names[0]+" "); ok {
			c.Text = "// " + renamed[names[0]] + " " + rest
		}
	}
}

func specNames(s ast.Spec) []string {
	switch s := s.(type) {
	case *ast.TypeSpec:
		return []string{s.Name.Name}
	case *ast.ValueSpec:
		if len(s.Names) == 1 {
			return []string{s.Names[0].Name}
		}
	}
	return nil
}

// emptyImporter stands in for every import with an empty package: addPrefix
// needs only the file's own declarations. The engine's generic names are
// the exception: the checker looks at the type arguments of
// engine.Model[Input, Output] only if engine.Model is a generic type, so a
// stub declares it (and NewModel).
type emptyImporter struct{}

// engineStub declares the engine's generic names for emptyImporter.
const engineStub = `package engine

type Model[I, O any] struct{}

func NewModel[I, O any](p any, seed uint64) Model[I, O] { return Model[I, O]{} }
`

func (emptyImporter) Import(path string) (*types.Package, error) {
	if path == EnginePath {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "engine.go", engineStub, 0)
		if err != nil {
			return nil, err
		}
		return (&types.Config{}).Check(path, fset, []*ast.File{f}, nil)
	}
	name := path[strings.LastIndex(path, "/")+1:]
	pkg := types.NewPackage(path, name)
	pkg.MarkComplete()
	return pkg, nil
}
