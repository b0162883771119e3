// Package cli implements the cnnc command. Each subcommand is a function
// that takes its arguments and the standard streams and returns an exit
// status, so that tests drive it in-process:
//
//	0  success: no errors found (warnings may have been printed)
//	1  errors found in a model, weight or data file
//	2  usage or I/O trouble: a bad flag, a missing file, an unwritable output
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
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
		{"run", "[--engine interp|gen] [--weights W] [--seed N] --input X.npy [--dy DY.npy] [--out OUT.npz] FILE", "run a model on an input batch", runRun},
		{"bench", "[--batch N] [--threads N] [--runs N] [--backward] [--format text|json] FILE", "time the generated code", runBench},
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
	for _, c := range commands {
		if c.name == name {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "cnnc: unknown command %q\n", name)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "cnnc compiles convolutional networks described in .cnn files.\n\nUsage:\n\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  cnnc %-8s %s\n", c.name, c.short)
	}
	fmt.Fprintf(w, "\nRun 'cnnc help COMMAND' for a command's flags.\n")
}

func runVersion(e *env, args []string) int {
	fmt.Fprintf(e.stdout, "cnnc %s\n", Version)
	return exitOK
}

func runHelp(e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(e, []string{"-h"})
		}
	}
	fmt.Fprintf(e.stderr, "cnnc help: unknown command %q\n", args[0])
	return exitUsage
}

// newFlags returns a flag set for a subcommand that prints its usage to
// stderr.
func newFlags(e *env, name, args, doc string) *flag.FlagSet {
	fs := flag.NewFlagSet("cnnc "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: cnnc %s %s\n\n%s\n", name, args, doc)
		var b strings.Builder
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
		if b.Len() > 0 {
			fmt.Fprintf(fs.Output(), "\nFlags:\n%s", b.String())
		}
	}
	return fs
}

// parseFlags parses args with fs, allowing flags after positional arguments
// (`cnnc compile vgg19.cnn -o out/`), and returns the positional arguments.
// "--" ends the flags. It returns ok false after printing the error, or
// after -h (with status 0).
func parseFlags(fs *flag.FlagSet, args []string) (pos []string, status int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
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

// readFile reads a model file, or standard input for "-".
func (e *env) readFile(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(e.stdin)
	}
	return os.ReadFile(name)
}

// displayName is the name diagnostics use for a file argument.
func displayName(arg string) string {
	if arg == "-" {
		return "<stdin>"
	}
	return arg
}
