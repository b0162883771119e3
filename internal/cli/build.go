package cli

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/cnnc/cnnc"
	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/gen"
	"github.com/cnnc/cnnc/runtime/runner"
)

// program is a generated model with a main package, in a temporary module
// that builds offline: the module replaces github.com/cnnc/cnnc with a copy
// of the runtime sources embedded in this binary.
type program struct {
	dir string // the temporary directory holding both modules
	bin string // the built program
}

// buildProgram generates net's package and a main that calls mainFunc of
// the runner package, and builds them with the Go toolchain.
func buildProgram(net *compiler.Net, source string, main func(*jen.File)) (*program, error) {
	dir, err := os.MkdirTemp("", "cnnc-build-")
	if err != nil {
		return nil, err
	}
	p := &program{dir: dir, bin: filepath.Join(dir, "prog", "prog")}
	if goruntime.GOOS == "windows" {
		p.bin += ".exe"
	}
	if err := p.write(net, source, main); err != nil {
		p.remove()
		return nil, err
	}
	goCmd, err := goTool()
	if err != nil {
		p.remove()
		return nil, err
	}
	// The fast way first: Go's SIMD experiment (AVX-512 and AVX2 kernels,
	// chosen at run time); a toolchain or platform without it builds the
	// portable code instead.
	var out bytes.Buffer
	for _, experiment := range simdExperiments() {
		cmd := exec.Command(goCmd, "build", "-o", p.bin, ".")
		cmd.Dir = filepath.Join(dir, "prog")
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local")
		if experiment != "" {
			cmd.Env = append(cmd.Env, "GOEXPERIMENT="+experiment)
		}
		out.Reset()
		cmd.Stdout, cmd.Stderr = &out, &out
		if err = cmd.Run(); err == nil {
			return p, nil
		}
	}
	p.remove()
	return nil, fmt.Errorf("building the generated code: %v\n%s", err, out.String())
}

// simdExperiments lists the GOEXPERIMENT values to try building with, best
// first: the simd experiment on amd64 (added to any set already), then the
// environment's own.
func simdExperiments() []string {
	current := os.Getenv("GOEXPERIMENT")
	if goruntime.GOARCH != "amd64" || os.Getenv("CNNC_PORTABLE") != "" {
		return []string{current}
	}
	simd := "simd"
	if current != "" {
		simd = current + ",simd"
	}
	return []string{simd, current}
}

func (p *program) remove() { os.RemoveAll(p.dir) }

// write lays out the two modules: cnnc/ (the embedded runtime) and prog/
// (the model's package and main).
func (p *program) write(net *compiler.Net, source string, main func(*jen.File)) error {
	err := fs.WalkDir(cnnc.Runtime, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return err
		}
		data, err := cnnc.Runtime.ReadFile(path)
		if err != nil {
			return err
		}
		return writeFile(filepath.Join(p.dir, "cnnc", path), data)
	})
	if err != nil {
		return err
	}
	code, err := gen.File(net, gen.WithPackage("model"), gen.WithSource(source))
	if err != nil {
		return err
	}
	sum, err := cnnc.Runtime.ReadFile("go.sum")
	if err != nil {
		return err
	}
	f := jen.NewFile("main")
	main(f)
	var mainSrc bytes.Buffer
	if err := f.Render(&mainSrc); err != nil {
		return err
	}
	files := map[string][]byte{
		"prog/go.mod":             []byte("module cnncprog\n\ngo 1.26\n\nrequire github.com/cnnc/cnnc v0.0.0\n\nreplace github.com/cnnc/cnnc => ../cnnc\n"),
		"prog/go.sum":             sum,
		"prog/model/model_cnn.go": code,
		"prog/main.go":            mainSrc.Bytes(),
	}
	for name, data := range files {
		if err := writeFile(filepath.Join(p.dir, name), data); err != nil {
			return err
		}
	}
	return nil
}

// progMod writes the program's go.mod: it requires cnnc, replaced by the
// embedded copy, and everything cnnc requires, at cnnc's versions, so that
// the build needs no module lookup (the modules are in the module cache
// since cnnc itself was built with them).
func progMod(cnncMod []byte) []byte {
	var b strings.Builder
	b.WriteString("module cnncprog\n\ngo 1.26\n\nrequire github.com/cnnc/cnnc v0.0.0\n\nrequire (\n")
	for _, r := range requirements(cnncMod) {
		fmt.Fprintf(&b, "\t%s // indirect\n", r)
	}
	b.WriteString(")\n\nreplace github.com/cnnc/cnnc => ../cnnc\n")
	return []byte(b.String())
}

// requirements returns the "path version" pairs of a go.mod's require
// directives.
func requirements(mod []byte) []string {
	var out []string
	block := false
	for _, line := range strings.Split(string(mod), "\n") {
		line, _, _ = strings.Cut(line, "//")
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
		case block && fields[0] == ")":
			block = false
		case block && len(fields) == 2:
			out = append(out, fields[0]+" "+fields[1])
		case fields[0] == "require" && len(fields) == 2 && fields[1] == "(":
			block = true
		case fields[0] == "require" && len(fields) == 3:
			out = append(out, fields[1]+" "+fields[2])
		}
	}
	return out
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// goTool finds the go command: on PATH, else in the GOROOT this binary was
// built with.
func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	p := filepath.Join(goruntime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("the go command is needed to build generated code, and it is not on PATH")
}

// runGenerated builds the model's code with a main that runs cnnc run's
// options, and runs it with the same arguments.
func (e *env) runGenerated(net *compiler.Net, file string, o runner.Options) int {
	const runnerPath = "github.com/cnnc/cnnc/runtime/runner"
	const model = "cnncprog/model"
	p, err := buildProgram(net, filepath.Base(file), func(f *jen.File) {
		ints := func(v []int) *jen.Statement {
			return jen.Index().Int().ValuesFunc(func(g *jen.Group) {
				for _, n := range v {
					g.Lit(n)
				}
			})
		}
		f.Func().Id("main").Params().Block(
			jen.Id("e").Op(":=").Qual(runnerPath, "Generated").Call(
				jen.Func().Params(jen.Id("seed").Uint64()).Qual(gen.RuntimePath, "Network").Block(
					jen.Return(jen.Qual(model, "New").Call(jen.Id("seed"))),
				),
				ints(net.Input.Dims()), ints(net.Output().Dims()), jen.Qual(model, "ParamSpecs").Call(),
			),
			jen.Qual("os", "Exit").Call(jen.Qual(runnerPath, "Main").Call(jen.Id("e"), jen.Qual("os", "Args").Index(jen.Lit(1).Op(":")), jen.Qual("os", "Stdout"), jen.Qual("os", "Stderr"))),
		)
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc run: %v\n", err)
		return exitUsage
	}
	defer p.remove()
	args := []string{"-input", o.Input, "-seed", fmt.Sprint(o.Seed)}
	for _, f := range [][2]string{{"-weights", o.Weights}, {"-dy", o.DY}, {"-out", o.Out}} {
		if f[1] != "" {
			args = append(args, f[0], f[1])
		}
	}
	cmd := exec.Command(p.bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintf(e.stderr, "cnnc run: %v\n", err)
		return exitUsage
	}
	return exitOK
}
