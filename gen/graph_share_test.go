package gen_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/gen"
)

// graphPackage generates the package of the network in src.
func graphPackage(t *testing.T, name string, src []byte) []byte {
	t.Helper()
	r, ds := compiler.Compile(name, src)
	if ds.HasErrors() || r == nil || r.Graph == nil {
		t.Fatalf("%s: %v", name, ds)
	}
	out, err := gen.GraphFile(r.Graph)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// code is what a generated package declares: its functions (a phase,
// update or constructor each, but for New, ParamSpecs and bnVecs), each
// as its parameters and body with "_" for the index constants, the
// geometries, a constructor's parameters and a phase's integers, and its
// geometries (package-level vars but program), each as its value.
type code struct {
	lines      int
	funcs      map[string][]string // function text → names
	geometries map[string][]string // geometry value → names
}

func declared(t *testing.T, src []byte) code {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	c := code{lines: bytes.Count(src, []byte("\n")), funcs: map[string][]string{}, geometries: map[string][]string{}}
	indexes, geometries := map[string]bool{}, map[string]bool{}
	print := func(n any) string {
		var b strings.Builder
		if err := printer.Fprint(&b, fset, n); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok {
			for _, s := range g.Specs {
				v, ok := s.(*ast.ValueSpec)
				switch {
				case ok && g.Tok == token.CONST && len(v.Names) == 1:
					indexes[v.Names[0].Name] = true
				case ok && g.Tok == token.VAR && v.Names[0].Name != "program" && v.Names[0].Name != "_":
					c.geometries[print(v.Values[0])] = append(c.geometries[print(v.Values[0])], v.Names[0].Name)
					geometries[v.Names[0].Name] = true
				}
			}
		}
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Name.Name == "New" || fn.Name.Name == "ParamSpecs" || fn.Name.Name == "bnVecs" {
			continue
		}
		blank := map[string]bool{}
		for k := range indexes {
			blank[k] = true
		}
		typ, body := fn.Type, fn.Body
		if lit := constructed(fn); lit != nil {
			for _, p := range fn.Type.Params.List {
				for _, n := range p.Names {
					blank[n.Name] = true
				}
			}
			typ, body = lit.Type, lit.Body
		}
		phase := strings.Contains(print(typ), "Ctx")
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				if blank[n.Name] || geometries[n.Name] {
					n.Name = "_"
				}
			case *ast.BasicLit:
				if phase && n.Kind == token.INT { // a phase's sizes are arguments
					n.Value = "_"
				}
			}
			return true
		})
		text := print(typ) + print(body)
		c.funcs[text] = append(c.funcs[text], fn.Name.Name)
	}
	return c
}

// constructed returns the function a constructor returns, nil when fn is
// no constructor.
func constructed(fn *ast.FuncDecl) *ast.FuncLit {
	if len(fn.Body.List) != 1 {
		return nil
	}
	ret, ok := fn.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return nil
	}
	lit, _ := ret.Results[0].(*ast.FuncLit)
	return lit
}

// TestGraphShares: a generated package holds one function for each kind of
// phase or update (the geometry, buffers, tensors and, for a phase, the
// sizes it works on are its arguments), whatever the number of layers
// that run it, and one declaration of each distinct geometry. ResNet-101
// is ResNet-50 with 17 more bottlenecks in its third stage, equal to the 5
// there: its package declares the same functions and geometries, and
// grows by the network's tables only.
func TestGraphShares(t *testing.T) {
	src, err := os.ReadFile("../models/resnet50.cnn")
	if err != nil {
		t.Fatal(err)
	}
	const repeat = "layer3.1: repeat 5 {"
	if !bytes.Contains(src, []byte(repeat)) {
		t.Fatalf("resnet50.cnn has no %q", repeat)
	}
	src101 := bytes.Replace(src, []byte(repeat), []byte("layer3.1: repeat 22 {"), 1)
	r50, r101 := declared(t, graphPackage(t, "resnet50.cnn", src)), declared(t, graphPackage(t, "resnet101.cnn", src101))

	for what, m := range map[string]map[string][]string{"functions": r50.funcs, "geometries": r50.geometries} {
		for _, names := range m {
			if len(names) > 1 {
				t.Errorf("ResNet-50: %s %v are equal but for the indexes they use", what, names)
			}
		}
	}
	if len(r101.funcs) != len(r50.funcs) || len(r101.geometries) != len(r50.geometries) {
		t.Errorf("ResNet-101 declares %d functions and %d geometries, ResNet-50 %d and %d: want the same",
			len(r101.funcs), len(r101.geometries), len(r50.funcs), len(r50.geometries))
	}
	// A bottleneck block adds 10 rows to the package doc's table of nodes;
	// 18 tensors (3 convs, 3 batchnorms of 5), 12 derived tensors (each
	// conv's folded and transposed weights, the Winograd transforms of its
	// 3x3 conv, each batchnorm's coefficients) and 6 buffers (the values
	// its backward reads), each a constant and a table row, and 3 batch
	// buffers (a constant each); 3 inference steps of 3 lines, 7 training
	// steps of about 6 (their forward and backward phases) and 7 phases of
	// the inference-mode forward again: 145 lines, all of them data.
	const perBlock = 150
	if grown := r101.lines - r50.lines; grown > 17*perBlock {
		t.Errorf("ResNet-101's package has %d lines, ResNet-50's %d: %d lines a bottleneck, want at most %d",
			r101.lines, r50.lines, grown/17, perBlock)
	}
	// ResNet-50's package is mostly the tables of its network (about 2,700
	// lines with the package doc's: 320 tensors, 193 derived tensors, 113
	// buffers and 182 steps), then 135 geometries and 77 functions. Before
	// the functions were shared it was 11,301 lines.
	if r50.lines > 4500 {
		t.Errorf("ResNet-50's package has %d lines, want at most 4500", r50.lines)
	}
	t.Logf("ResNet-50: %d lines, %d functions, %d geometries; ResNet-101: %d lines", r50.lines, len(r50.funcs), len(r50.geometries), r101.lines)
}
