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
	"github.com/cnnc/cnnc/gen"
	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/runner"
)

// program is a built generated program: a model's package and a main.
type program struct {
	dir string // the temporary directory it was built in; "" for a program from the cache
	bin string // the program
}

// buildProgram generates net's package and a main that main writes, and
// builds them with the Go toolchain, in a temporary module that builds
// offline: it replaces github.com/cnnc/cnnc with a copy of the runtime
// sources embedded in this binary. A program built before comes from the
// cache instead (see programCache), and a new one goes into it. A signal j
// catches stops the build: the go command and its compilers are stopped
// and waited for, the temporary directory (the go command's work
// directories too) is removed, and the error is errInterrupted.
func buildProgram(j *job, code []byte, main func(*jen.File)) (*program, error) {
	files, err := programFiles(code, main)
	if err != nil {
		return nil, err
	}
	goCmd, err := goTool()
	if err != nil {
		return nil, err
	}
	cache := openCache()
	key := cacheKey(files, goCmd)
	if bin := cache.lookup(key); bin != "" {
		return &program{bin: bin}, nil
	}
	dir, err := os.MkdirTemp("", "cnnc-build-")
	if err != nil {
		return nil, err
	}
	p := &program{dir: dir, bin: filepath.Join(dir, "prog", "prog")}
	if goruntime.GOOS == "windows" {
		p.bin += ".exe"
	}
	if err := p.build(j, files, goCmd); err != nil {
		p.remove()
		return nil, err
	}
	if bin := cache.store(key, p.bin); bin != "" {
		p.remove()
		return &program{bin: bin}, nil
	}
	return p, nil
}

// build writes files into p's directory and builds the program.
func (p *program) build(j *job, files map[string][]byte, goCmd string) error {
	for name, data := range files {
		if err := writeFile(filepath.Join(p.dir, name), data); err != nil {
			return err
		}
	}
	work := filepath.Join(p.dir, "work") // the go command's temporary files
	if err := os.Mkdir(work, 0o755); err != nil {
		return err
	}
	// The fast way first: Go's SIMD experiment (AVX-512 and AVX2 kernels,
	// chosen at run time); a toolchain or platform without it builds the
	// portable code instead.
	var out bytes.Buffer
	var err error
	for _, experiment := range simdExperiments() {
		cmd := exec.Command(goCmd, "build", "-o", p.bin, ".")
		cmd.Dir = filepath.Join(p.dir, "prog")
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local", "GOTMPDIR="+work)
		if experiment != "" {
			cmd.Env = append(cmd.Env, "GOEXPERIMENT="+experiment)
		}
		out.Reset()
		cmd.Stdout, cmd.Stderr = &out, &out
		err = j.run(cmd, true)
		if j.interrupted() {
			return errInterrupted
		}
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("building the generated code: %v\n%s", err, out.String())
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

// remove removes the directory p was built in, if it is not in the cache.
func (p *program) remove() {
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}

// programFiles returns the files of the two modules: cnnc/ (the embedded
// runtime) and prog/ (the model's package and main).
func programFiles(code []byte, main func(*jen.File)) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(cnnc.Runtime, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return err
		}
		data, err := cnnc.Runtime.ReadFile(path)
		files["cnnc/"+path] = data
		return err
	})
	if err != nil {
		return nil, err
	}
	f := jen.NewFile("main")
	main(f)
	var mainSrc bytes.Buffer
	if err := f.Render(&mainSrc); err != nil {
		return nil, err
	}
	files["prog/go.mod"] = []byte("module cnncprog\n\ngo 1.26\n\nrequire github.com/cnnc/cnnc v0.0.0\n\nreplace github.com/cnnc/cnnc => ../cnnc\n")
	files["prog/go.sum"] = files["cnnc/go.sum"]
	files["prog/model/model_cnn.go"] = code
	files["prog/main.go"] = mainSrc.Bytes()
	return files, nil
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

// runProgram builds the program main writes for net (from file) and runs
// it with args, extra variables in its environment and cnnc's streams, as
// the command name; it returns cnnc's exit status. Signals are passed on
// (see job); on a terminal, stderr says that the program is being built.
func (e *env) runProgram(name string, m *genModel, file string, main func(*jen.File), args, env []string) int {
	code, status := e.generate(name, file, m, gen.WithPackage("model"), gen.WithSource(filepath.Base(file)))
	if code == nil {
		return status
	}
	j := startJob()
	defer j.stop()
	done := runner.Status(e.stderr, "cnnc "+name+": building the model's program")
	p, err := buildProgram(j, code, main)
	done()
	if j.interrupted() {
		if err == nil {
			p.remove()
		}
		fmt.Fprintf(e.stderr, "cnnc %s: %v while building the program: stopped\n", name, j.caught)
		return signalStatus(j.caught)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc %s: %v\n", name, err)
		return exitUsage
	}
	defer p.remove()
	cmd := exec.Command(p.bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	return j.status(e, name, j.run(cmd, false))
}

// runGenerated checks o's files against net, then builds the model's code
// with a main that runs cnnc run's options, and runs it with the same
// arguments.
func (e *env) runGenerated(m *genModel, file string, o runner.Options) int {
	if err := o.Check(m.input(), m.output(), m.tensors()); err != nil {
		fmt.Fprintf(e.stderr, "cnnc run: %v\n", err)
		return runner.ExitStatus(err)
	}
	args := o.Args()
	if o.Train {
		if err := m.checkTrainBatch(&o); err != nil {
			fmt.Fprintf(e.stderr, "cnnc run: %v\n", err)
			return exitError
		}
		args = append(args, "-train")
	}
	return e.runProgram("run", m, file, runMain(m), args, nil)
}

// runMain writes the main of the program cnnc run --engine gen runs:
//
//	func main() {
//		e := runner.Generated(func(seed uint64) runtime.Network { return model.New(seed) },
//			[]int{C, H, W}, []int{F}, model.ParamSpecs())
//		os.Exit(runner.Main(e, os.Args[1:], os.Stdout, os.Stderr))
//	}
func runMain(m *genModel) func(*jen.File) {
	return programMain(m, "Main")
}

// programMain writes the main of a program that runs a runner function
// (Main, EvalMain) on the model's engine.
func programMain(m *genModel, fn string) func(*jen.File) {
	const runnerPath = "github.com/cnnc/cnnc/runtime/runner"
	const model = "cnncprog/model"
	return func(f *jen.File) {
		f.Func().Id("main").Params().Block(
			jen.Id("e").Op(":=").Qual(runnerPath, "Generated").Call(
				jen.Func().Params(jen.Id("seed").Uint64()).Qual(gen.RuntimePath, "Network").Block(
					jen.Return(jen.Qual(model, "New").Call(jen.Id("seed"))),
				),
				intsLit(m.input()), intsLit(m.output()), specsLit(m.params()),
			),
			jen.Qual("os", "Exit").Call(jen.Qual(runnerPath, fn).Call(jen.Id("e"), jen.Qual("os", "Args").Index(jen.Lit(1).Op(":")), jen.Qual("os", "Stdout"), jen.Qual("os", "Stderr"))),
		)
	}
}

// intsLit is the literal []int{v...}.
func intsLit(v []int) *jen.Statement {
	return jen.Index().Int().ValuesFunc(func(g *jen.Group) {
		for _, n := range v {
			g.Lit(n)
		}
	})
}

// specsLit is the literal []runtime.ParamSpec{...} of specs.
func specsLit(specs []runtime.ParamSpec) *jen.Statement {
	return jen.Index().Qual(gen.RuntimePath, "ParamSpec").ValuesFunc(func(g *jen.Group) {
		for _, s := range specs {
			g.Values(jen.Id("Name").Op(":").Lit(s.Name), jen.Id("Shape").Op(":").Add(intsLit(s.Shape)))
		}
	})
}
