package gen_test

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"sync"
	"testing"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/gen"
)

// typeChecker type-checks generated files against the runtime's source;
// one importer serves every call, so the runtime is read once.
var typeChecker = sync.OnceValue(func() *types.Config {
	fset := token.NewFileSet()
	return &types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
})

// typeCheck parses and type-checks one generated file: what go build
// would refuse (an unused variable, a negative constant index, a name
// declared twice) is an error here too.
func typeCheck(code []byte) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "model_cnn.go", code, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	_, err = typeChecker().Check(f.Name.Name, fset, []*ast.File{f}, nil)
	return err
}

// FuzzGenerate: whatever the source, if cnnc check accepts it, the
// generator neither panics nor fails, and its output type-checks. The seeds
// are the property test's first random models and the degenerate ones
// written out; TestGeneratedModels builds, vets and runs such models.
func FuzzGenerate(f *testing.F) {
	for seed := uint64(1); seed <= 24; seed++ {
		src, _, _ := randomModel(seed)
		f.Add(src)
	}
	for _, src := range []string{
		"input 4x4x2",
		"input 6x6x2; relu",
		"input 6x6x2; pool max 2x2; pool mean 3x3",
		"input 6x6x2; softmax",
		"input 1x1x1; softmax; softmax",
		"input 3x3x1; dropout 0.5",
		"input 2x2x1; fc 1",
		"input 4x4x1; repeat 2 { repeat 2 { leaky -1 } }",
	} {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		net, ds := compiler.Source("fuzz.cnn", []byte(src))
		if net == nil || ds.HasErrors() || tooBig(net) {
			return
		}
		code, err := gen.File(net, gen.WithPackage("fuzz"))
		if err != nil {
			t.Fatalf("gen.File: %v\nmodel:\n%s", err, src)
		}
		if err := typeCheck(code); err != nil {
			t.Fatalf("the generated code does not type-check: %v\nmodel:\n%s", err, src)
		}
	})
}

// tooBig says a network would take the fuzzer long to generate: the
// generated code's size grows with the layers and with the constants of
// big tensors, which the checker's limits allow to reach gigabytes.
func tooBig(net *compiler.Net) bool {
	if len(net.Layers) > 50 || net.Input.Size() > 1<<16 {
		return true
	}
	for _, l := range net.Layers {
		if l.Out.Size() > 1<<16 || l.MACs > 1<<24 {
			return true
		}
	}
	return false
}
