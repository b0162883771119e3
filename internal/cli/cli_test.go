package cli

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cnnc/cnnc/runtime"
)

// TestMain lets the scripts run `cnnc` as a real command: the test binary
// re-executes itself as cnnc.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cnnc": func() { os.Exit(Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar: the command's exit statuses,
// output and files, as a user sees them.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// The bundled models and the golden fixtures, for scripts that
			// use them.
			env.Setenv("MODELS", mustAbs(t, "../../models"))
			env.Setenv("GOLDEN", mustAbs(t, "../../golden/testdata"))
			env.Setenv("ONNX", mustAbs(t, "../../onnx/testdata"))
			// cnnc run --engine gen builds with the go command, which needs
			// the module and build caches this test runs with (a script's
			// environment has a home of its own).
			for name, value := range goEnv(t, "GOMODCACHE", "GOCACHE", "GOPATH") {
				env.Setenv(name, value)
			}
			env.Setenv("CNNC_CACHE", programCacheDir(t))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"npzsplit": npzSplit,
			"npzclose": npzClose,
		},
	})
}

// npzSplit writes chosen arrays of an .npz file to files of their own:
//
//	npzsplit torch.npz x=x.npy dy=dy.npy weights.npz:conv1.weight,conv1.bias
func npzSplit(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: npzsplit FILE NAME=OUT... OUT.npz:NAME,NAME...")
	}
	arrays, err := runtime.ReadArrays(ts.MkAbs(args[0]))
	ts.Check(err)
	byName := map[string]*runtime.Array{}
	for _, a := range arrays {
		byName[a.Name] = a
	}
	for _, spec := range args[1:] {
		var out string
		var names []string
		if name, file, ok := strings.Cut(spec, "="); ok {
			out, names = file, []string{name}
		} else if file, list, ok := strings.Cut(spec, ":"); ok {
			out, names = file, strings.Split(list, ",")
		} else {
			ts.Fatalf("npzsplit: bad spec %q", spec)
		}
		var sel []*runtime.Array
		for _, n := range names {
			a, ok := byName[n]
			if !ok {
				ts.Fatalf("npzsplit: %s has no %q", args[0], n)
			}
			sel = append(sel, a)
		}
		ts.Check(runtime.WriteArrays(ts.MkAbs(out), sel))
	}
}

// npzClose compares the arrays of two .npz files by name: every name given
// must be in both with the same shape and values within tol relative to the
// larger of 1 and the reference's largest magnitude.
//
//	npzclose TOL GOT.npz WANT.npz NAME...
func npzClose(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 4 {
		ts.Fatalf("usage: npzclose TOL GOT.npz WANT.npz NAME...")
	}
	tol, err := strconv.ParseFloat(args[0], 64)
	ts.Check(err)
	read := func(path string) map[string]*runtime.Array {
		arrays, err := runtime.ReadArrays(ts.MkAbs(path))
		ts.Check(err)
		m := map[string]*runtime.Array{}
		for _, a := range arrays {
			m[a.Name] = a
		}
		return m
	}
	got, want := read(args[1]), read(args[2])
	var bad []string
	for _, name := range args[3:] {
		g, w := got[name], want[name]
		if g == nil || w == nil {
			bad = append(bad, name+": missing")
			continue
		}
		if !slices.Equal(g.Shape, w.Shape) {
			bad = append(bad, fmt.Sprintf("%s: shape %v, want %v", name, g.Shape, w.Shape))
			continue
		}
		gv, wv := g.Float64s(), w.Float64s()
		scale, worst := 1.0, 0.0
		for i := range wv {
			scale = max(scale, math.Abs(wv[i]))
			worst = max(worst, math.Abs(gv[i]-wv[i]))
		}
		if worst > tol*scale {
			bad = append(bad, fmt.Sprintf("%s: max |diff| %.3g > %.3g", name, worst, tol*scale))
		}
	}
	if neg != (len(bad) > 0) {
		if neg {
			ts.Fatalf("arrays are close")
		}
		ts.Fatalf("arrays differ:\n%s", strings.Join(bad, "\n"))
	}
}

func mustAbs(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// goEnv returns the values of go env variables.
// programCacheDir is the cache of built programs cnnc uses outside tests
// (see programCache), which scripts keep: their home does not exist.
func programCacheDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("CNNC_CACHE"); dir != "" {
		return dir
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "off"
	}
	return filepath.Join(base, "cnnc", "programs")
}

func goEnv(t *testing.T, names ...string) map[string]string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"env"}, names...)...).Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	values := map[string]string{}
	for i, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if i < len(names) {
			values[names[i]] = line
		}
	}
	return values
}
