package plan

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/ir"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// compile compiles a .cnn file into its graph.
func compile(t testing.TB, path string) *ir.Graph {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, ds := compiler.Compile(filepath.Base(path), src)
	if ds.HasErrors() || r == nil || r.Graph == nil {
		t.Fatalf("%s: %v", path, ds)
	}
	return r.Graph
}

// goldens are the graphs whose plans testdata holds: the small blocks in
// testdata, two of round 1's chains and the three round-2 models.
func goldens(t testing.TB) map[string]string {
	files := map[string]string{}
	fs, _ := filepath.Glob("testdata/*.cnn")
	for _, f := range fs {
		files[strings.TrimSuffix(filepath.Base(f), ".cnn")] = f
	}
	for _, f := range models(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".cnn")
		switch name {
		case "lenet5", "vgg16", "resnet18", "resnet50", "mobilenetv2":
			files[name] = f
		}
	}
	for _, name := range []string{"lenet5", "vgg16", "resnet18", "resnet50", "mobilenetv2"} {
		if files[name] == "" {
			t.Fatalf("no %s.cnn among the bundled models", name)
		}
	}
	return files
}

// TestGolden compares each plan's dump with testdata/NAME.MODE.golden
// (go test -update rewrites them).
func TestGolden(t *testing.T) {
	for name, f := range goldens(t) {
		g := compile(t, f)
		for _, opt := range []Options{{Mode: Inference}, {Mode: Training}} {
			p, err := Build(g, opt)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", name+"."+opt.Mode.String()+".golden"), p.String())
		}
	}
	p, err := Build(compile(t, "testdata/basic_residual.cnn"), Options{FuseGlobalPool: true})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/basic_residual.pool.golden", p.String())
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it); first difference:\n%s", path, firstDiff(string(want), got))
	}
}

// firstDiff shows the first line where want and got differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n  want %q\n  got  %q", i+1, a, b)
		}
	}
	return ""
}

// models returns the bundled models: models/*.cnn, and the round-2 ones
// that may still be in golden/models.
func models(t testing.TB) []string {
	var out []string
	seen := map[string]bool{}
	for _, dir := range []string{"../../models", "../../golden/models"} {
		fs, _ := filepath.Glob(filepath.Join(dir, "*.cnn"))
		for _, f := range fs {
			if !seen[filepath.Base(f)] {
				seen[filepath.Base(f)] = true
				out = append(out, f)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no bundled models found")
	}
	return out
}
