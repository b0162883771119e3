package compiler

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/alecthomas/participle/v2/lexer"
)

// Severity says whether a diagnostic makes the file unusable.
type Severity int

const (
	// Error means the network cannot be built; cnnc exits with status 1.
	Error Severity = iota
	// Warning points at something legal but probably unintended.
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one message about a .cnn file, at a position.
type Diagnostic struct {
	Pos      lexer.Position
	Severity Severity
	// Code names the kind of problem, stable across releases: "syntax",
	// "shape", "range", ... It is the rule id in SARIF output.
	Code    string
	Message string
}

// String formats d as "file:line:col: error: message".
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s", d.Pos.Filename, d.Pos.Line, d.Pos.Column, d.Severity, d.Message)
}

// Diagnostics is a list of diagnostics, kept sorted by position.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == Error })
}

// sortAndDedupe orders ds by file, line and column (errors before warnings
// at one position) and drops exact repeats, which repeat blocks produce.
func (ds Diagnostics) sortAndDedupe() Diagnostics {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Severity, b.Severity),
		)
	})
	return slices.CompactFunc(ds, func(a, b Diagnostic) bool {
		return a.Pos.Line == b.Pos.Line && a.Pos.Column == b.Pos.Column && a.Pos.Filename == b.Pos.Filename &&
			a.Severity == b.Severity && a.Message == b.Message
	})
}
