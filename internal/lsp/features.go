package lsp

import (
	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/dsl"
)

// Diagnostic is an LSP diagnostic.
type Diagnostic struct {
	Range    Range  `json:"range"`
	Severity int    `json:"severity"` // 1 error, 2 warning
	Code     string `json:"code,omitempty"`
	Source   string `json:"source"`
	Message  string `json:"message"`
}

// diagnostics converts cnnc's diagnostics of d: the same messages, at the
// same places, each spanning its statement to the end of the statement.
func (d *document) diagnostics() []Diagnostic {
	_, ds := compiler.Compile(d.name, []byte(d.text.s))
	out := []Diagnostic{}
	for _, c := range ds {
		sev := 1
		if c.Severity == compiler.Warning {
			sev = 2
		}
		out = append(out, Diagnostic{
			Range:    d.text.rangeAt(c.Pos.Line, c.Pos.Column),
			Severity: sev,
			Code:     c.Code,
			Source:   "cnnc",
			Message:  c.Message,
		})
	}
	return out
}

// TextEdit is an LSP text edit.
type TextEdit struct {
	Range   Range  `json:"range"`
	NewText string `json:"newText"`
}

// format returns the edit that gives d cnnc fmt's layout: one edit over
// the whole text, or none when it is formatted already, has syntax errors
// or is not open (nil).
func (d *document) format() []TextEdit {
	if d == nil {
		return []TextEdit{}
	}
	f, errs := dsl.Parse(d.name, []byte(d.text.s))
	if len(errs) > 0 {
		return []TextEdit{}
	}
	out := string(dsl.Format(f))
	if out == d.text.s {
		return []TextEdit{}
	}
	whole := Range{End: d.text.position(len(d.text.s))}
	return []TextEdit{{Range: whole, NewText: out}}
}
