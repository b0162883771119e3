package cli

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/cnnc/cnnc/dsl"
	"github.com/cnnc/cnnc/runtime"
)

const fmtDoc = `Fmt rewrites model files in canonical layout: one statement a line, blocks
indented by two spaces, blocks written on one line kept on one line, runs of
blank lines folded, comments kept. Without flags it prints the result to
stdout; with no files it reads stdin. -l, -d and -w combine: each does its
part. A file with syntax errors is left alone and its errors printed; the exit
status is then 1.`

func runFmt(e *env, args []string) int {
	fs := newFlags(e, "fmt", "[-w] [-d] [-l] [FILE...]", fmtDoc)
	write := fs.Bool("w", false, "write the result to each file instead of stdout")
	showDiff := fs.Bool("d", false, "print a diff of the changes instead of the result")
	list := fs.Bool("l", false, "list the files whose layout differs from canonical")
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(files) == 0 {
		if *write {
			fmt.Fprintf(e.stderr, "cnnc fmt: -w needs files to write\n")
			return exitUsage
		}
		files = []string{"-"}
	}
	if !e.oneStdin("fmt", modelFiles(files)...) {
		return exitUsage
	}
	if *write && slices.ContainsFunc(files, runtime.IsStdin) {
		fmt.Fprintf(e.stderr, "cnnc fmt: -w cannot rewrite standard input\n")
		return exitUsage
	}
	status = exitOK
	for _, name := range files {
		if s := e.fmtFile(name, *write, *showDiff, *list); s > status {
			status = s
		}
	}
	return status
}

// fmtFile formats one file as the flags say and returns its exit status.
func (e *env) fmtFile(name string, write, showDiff, list bool) int {
	src, err := e.readFile(name)
	if err != nil {
		fmt.Fprintf(e.stderr, "cnnc fmt: %v\n", err)
		return exitUsage
	}
	f, errs := dsl.Parse(displayName(name), src)
	if len(errs) > 0 {
		for _, err := range errs {
			fmt.Fprintf(e.stderr, "%s:%d:%d: error: %s\n", err.Pos.Filename, err.Pos.Line, err.Pos.Column, err.Msg)
		}
		return exitError
	}
	out := dsl.Format(f)
	changed := !bytes.Equal(src, out)
	if list && changed {
		fmt.Fprintln(e.stdout, displayName(name))
	}
	if showDiff && changed {
		e.stdout.Write(diff.Diff(displayName(name)+".orig", src, displayName(name), out))
	}
	if write && changed {
		// Replaced atomically, keeping its mode, so that a failure never
		// leaves the model half written; a link's target is written.
		if err := runtime.WriteFileAtomic(name, out, 0o644); err != nil {
			fmt.Fprintf(e.stderr, "cnnc fmt: %v\n", err)
			return exitUsage
		}
	}
	if !write && !showDiff && !list {
		e.stdout.Write(out)
	}
	return exitOK
}
