// Package cli implements the cnnc command. Each subcommand is a function
// that takes its arguments and the standard streams and returns an exit
// status, so that tests drive it in-process:
//
//	0  success: no errors found (warnings may have been printed)
//	1  errors found in a model, weight or data file
//	2  usage or I/O trouble: a bad flag, a missing file, an unwritable output
package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/runtime"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// env is what a subcommand runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	name, args, short string
	run               func(e *env, args []string) int
}

var commands []command

func init() {
	commands = []command{
		{"check", "[--format text|json|sarif|github] FILE...", "check the shapes of model files", runCheck},
		{"fmt", "[-w] [-d] [-l] [FILE...]", "rewrite model files in canonical layout", runFmt},
		{"compile", "[-o PATH] [--pkg NAME] [--check] FILE", "write the Go package that runs a model", runCompile},
		{"run", "[--engine interp|gen] [--weights W] [--seed N] (--input X.npy | --image A.png...) [--dy DY.npy] [--out OUT.npz] FILE", "run a model on an input batch or images", runRun},
		{"bench", "[--batch N] [--threads N] [--runs N] [--backward] [--train] [--format text|json] FILE", "time the generated code", runBench},
		{"summary", "[--format text|json|csv] [--params] [--batch N] [--mem SIZE] FILE", "print shapes, parameters, multiply-adds and memory", runSummary},
		{"version", "", "print cnnc's version", runVersion},
		{"help", "[COMMAND]", "show help for a command", runHelp},
	}
}

// Version is cnnc's version, printed by `cnnc version`.
var Version = "0.1.0-dev"

// Run runs cnnc with args (without the program name) and returns its exit
// status.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	case "-version", "--version":
		return runVersion(e, nil)
	}
	if c := findCommand(name); c != nil {
		return c.run(e, args[1:])
	}
	unknownCommand(stderr, "cnnc", name)
	return exitUsage
}

func findCommand(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

// unknownCommand reports a command name that is none of cnnc's, with the
// nearest one when it looks like a typo, else the list of commands.
func unknownCommand(w io.Writer, prefix, name string) {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	if near, ok := compiler.Nearest(name, names); ok {
		fmt.Fprintf(w, "%s: unknown command %q (did you mean %q?)\nRun 'cnnc help' for the list of commands.\n", prefix, name, near)
		return
	}
	fmt.Fprintf(w, "%s: unknown command %q\n", prefix, name)
	usage(w)
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "cnnc compiles convolutional networks described in .cnn files.\n\nUsage:\n\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  cnnc %-8s %s\n", c.name, c.short)
	}
	fmt.Fprintf(w, "\nRun 'cnnc help COMMAND' for a command's flags.\n")
}

func runVersion(e *env, args []string) int {
	fs := newFlags(e, "version", "", "Version prints cnnc's version.")
	if status, ok := parseNoArgs(fs, args); !ok {
		return status
	}
	fmt.Fprintf(e.stdout, "cnnc %s\n", Version)
	return exitOK
}

func runHelp(e *env, args []string) int {
	fs := newFlags(e, "help", "[COMMAND]", "Help lists cnnc's commands, or shows a command's usage and flags.")
	rest, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	switch {
	case len(rest) == 0:
		usage(e.stdout)
		return exitOK
	case len(rest) > 1:
		fmt.Fprintf(e.stderr, "cnnc help: want one command, got %d\n", len(rest))
		return exitUsage
	}
	c := findCommand(rest[0])
	if c == nil {
		unknownCommand(e.stderr, "cnnc help", rest[0])
		return exitUsage
	}
	// A command's -h writes its usage to stderr; asked for, help goes to
	// stdout.
	return c.run(&env{stdin: e.stdin, stdout: e.stdout, stderr: e.stdout}, []string{"-h"})
}

// newFlags returns a flag set for a subcommand that prints its usage to
// stderr.
func newFlags(e *env, name, args, doc string) *flag.FlagSet {
	fs := flag.NewFlagSet("cnnc "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "%s\n\n%s\n", strings.TrimSpace("usage: cnnc "+name+" "+args), doc)
		var b strings.Builder
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(w)
		if b.Len() > 0 {
			fmt.Fprintf(w, "\nFlags:\n%s", b.String())
		}
	}
	return fs
}

// parseFlags parses args with fs, allowing flags after positional arguments
// (`cnnc compile vgg19.cnn -o out/`), and returns the positional arguments.
// "--" ends the flags. It returns ok false after printing the error, or
// after -h (with status 0).
func parseFlags(fs *flag.FlagSet, args []string) (pos []string, status int, ok bool) {
	out := fs.Output()
	var msg bytes.Buffer
	fs.SetOutput(&msg)
	defer fs.SetOutput(out)
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				out.Write(msg.Bytes())
				return nil, exitOK, false
			}
			reportFlagError(out, fs, err, msg.Bytes())
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseNoArgs is parseFlags for a command that takes no arguments besides
// its flags: it refuses any with status 2.
func parseNoArgs(fs *flag.FlagSet, args []string) (status int, ok bool) {
	rest, status, ok := parseFlags(fs, args)
	if ok && len(rest) > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), rest[0])
		return exitUsage, false
	}
	return status, ok
}

// reportFlagError writes the flag package's error, msg (the error's line
// and the usage), as cnnc's: prefixed with the command, and for an unknown
// flag with the nearest defined one.
func reportFlagError(w io.Writer, fs *flag.FlagSet, err error, msg []byte) {
	first, usage, _ := bytes.Cut(msg, []byte("\n"))
	line := string(first)
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if near, ok := compiler.Nearest(strings.TrimPrefix(name, "-"), names); ok {
			line += fmt.Sprintf(" (did you mean --%s?)", near)
		}
	}
	fmt.Fprintf(w, "%s: %s\n%s", fs.Name(), line, usage)
}

// readFile reads a model file, or standard input for "-" and /dev/stdin.
func (e *env) readFile(name string) ([]byte, error) {
	if runtime.IsStdin(name) {
		return io.ReadAll(e.stdin)
	}
	return os.ReadFile(name)
}

// oneStdin checks that at most one of a command's files reads standard
// input ("-", /dev/stdin): a second would find it empty. It prints the
// clash and returns false otherwise.
func (e *env) oneStdin(cmd string, files ...runtime.NamedPath) bool {
	var readers []string
	for _, f := range files {
		if runtime.IsStdin(f.Path) {
			readers = append(readers, f.Name)
		}
	}
	if len(readers) > 1 {
		fmt.Fprintf(e.stderr, "cnnc %s: %s and %s both read standard input; only one file can\n", cmd, strings.Join(readers[:len(readers)-1], ", "), readers[len(readers)-1])
		return false
	}
	return true
}

// stdinCopy reads standard input into memory when one of files names it,
// and returns a reader of the copy for cnnc's own checks, leaving e.stdin
// a second copy for the program it builds: both read the same file. It
// returns e.stdin (nothing read) when no file names it, and false after
// printing why standard input could not be read.
func (e *env) stdinCopy(cmd string, files ...runtime.NamedPath) (io.Reader, bool) {
	if !slices.ContainsFunc(files, func(f runtime.NamedPath) bool { return runtime.IsStdin(f.Path) }) {
		return e.stdin, true
	}
	data, err := io.ReadAll(e.stdin)
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc %s: reading standard input: %v\n", cmd, err)
		return nil, false
	}
	e.stdin = bytes.NewReader(data)
	return bytes.NewReader(data), true
}

// modelFiles names a command's model file arguments for oneStdin.
func modelFiles(files []string) []runtime.NamedPath {
	named := make([]runtime.NamedPath, len(files))
	for i, f := range files {
		named[i] = runtime.NamedPath{Name: fmt.Sprintf("model file %d", i+1), Path: f}
		if len(files) == 1 {
			named[i].Name = "the model file"
		}
	}
	return named
}

// displayName is the name diagnostics use for a file argument.
func displayName(arg string) string {
	if arg == "-" {
		return "<stdin>"
	}
	return arg
}
