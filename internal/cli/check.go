package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cnnc/cnnc/compiler"
)

const checkDoc = `Check parses each model file and checks every layer's shape, printing every
error and warning. Text goes to stderr as FILE:LINE:COL: error: MESSAGE;
json, sarif (2.1.0) and github (workflow annotations) go to stdout.
Exit status: 0 no errors, 1 errors found, 2 usage or I/O trouble.`

// fileDiags is the outcome of checking one file.
type fileDiags struct {
	file  string
	diags compiler.Diagnostics
}

func runCheck(e *env, args []string) int {
	fs := newFlags(e, "check", "[--format text|json|sarif|github] FILE...", checkDoc)
	format := fs.String("format", "text", "output `format`: text, json, sarif or github")
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	write, known := checkFormats[*format]
	if !known {
		fmt.Fprintf(e.stderr, "cnnc check: unknown format %q (want text, json, sarif or github)\n", *format)
		return exitUsage
	}
	if len(files) == 0 {
		fmt.Fprintf(e.stderr, "cnnc check: no files given\n")
		fs.Usage()
		return exitUsage
	}
	if !e.oneStdin("check", modelFiles(files)...) {
		return exitUsage
	}
	var results []fileDiags
	status = exitOK
	for _, name := range files {
		src, err := e.readFile(name)
		if err != nil {
			fmt.Fprintf(e.stderr, "cnnc check: %v\n", err)
			status = exitUsage
			continue
		}
		_, diags := compiler.Source(displayName(name), src)
		results = append(results, fileDiags{displayName(name), diags})
		if diags.HasErrors() && status == exitOK {
			status = exitError
		}
	}
	if err := write(e, results); err != nil {
		fmt.Fprintf(e.stderr, "cnnc check: %v\n", err)
		return exitUsage
	}
	return status
}

var checkFormats = map[string]func(*env, []fileDiags) error{
	"text":   writeText,
	"json":   writeJSON,
	"sarif":  writeSARIF,
	"github": writeGitHub,
}

func writeText(e *env, results []fileDiags) error {
	for _, r := range results {
		for _, d := range r.diags {
			if _, err := fmt.Fprintln(e.stderr, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonDiag is one diagnostic in --format json.
type jsonDiag struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

func writeJSON(e *env, results []fileDiags) error {
	out := []jsonDiag{}
	for _, r := range results {
		for _, d := range r.diags {
			out = append(out, jsonDiag{r.file, d.Pos.Line, d.Pos.Column, d.Severity.String(), d.Code, d.Message})
		}
	}
	return writeIndentedJSON(e.stdout, out)
}

func writeIndentedJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ruleDescriptions describes each diagnostic code for SARIF's rule list.
var ruleDescriptions = map[string]string{
	"syntax":            "The file does not follow the .cnn grammar.",
	"encoding":          "The file is not UTF-8 text.",
	"unknown-keyword":   "A statement starts with a word that is not a keyword.",
	"structure":         "The model, input and layers are not in the required order.",
	"range":             "A size, count, stride, padding or probability is out of range.",
	"option":            "A conv or pool option is repeated or does not apply.",
	"shape":             "A layer's output size is below 1, flooring it would leave real pixels unread, or its input does not fit it.",
	"limit":             "The network is larger than cnnc accepts.",
	"name":              "Two tensors of the network have the same name.",
	"stride-gap":        "A stride larger than the window leaves input pixels unseen.",
	"double-activation": "Two activations follow each other directly.",
	"softmax-position":  "Softmax is not the last layer.",
	"dropout-last":      "Dropout is the last layer.",
}

func writeSARIF(e *env, results []fileDiags) error {
	type msg struct {
		Text string `json:"text"`
	}
	type region struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
	}
	type artifact struct {
		URI string `json:"uri"`
	}
	type physical struct {
		ArtifactLocation artifact `json:"artifactLocation"`
		Region           region   `json:"region"`
	}
	type location struct {
		PhysicalLocation physical `json:"physicalLocation"`
	}
	type result struct {
		RuleID    string     `json:"ruleId"`
		Level     string     `json:"level"`
		Message   msg        `json:"message"`
		Locations []location `json:"locations"`
	}
	type rule struct {
		ID               string `json:"id"`
		ShortDescription msg    `json:"shortDescription"`
	}
	var rules []rule
	var res []result
	used := map[string]bool{}
	for _, r := range results {
		for _, d := range r.diags {
			used[d.Code] = true
			res = append(res, result{
				RuleID:  d.Code,
				Level:   d.Severity.String(),
				Message: msg{d.Message},
				Locations: []location{{physical{
					ArtifactLocation: artifact{filepath.ToSlash(r.file)},
					Region:           region{d.Pos.Line, d.Pos.Column},
				}}},
			})
		}
	}
	codes := make([]string, 0, len(used))
	for c := range used {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		rules = append(rules, rule{c, msg{ruleDescriptions[c]}})
	}
	if res == nil {
		res = []result{}
	}
	if rules == nil {
		rules = []rule{}
	}
	doc := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name":           "cnnc",
				"version":        Version,
				"informationUri": "https://github.com/cnnc/cnnc",
				"rules":          rules,
			}},
			"results": res,
		}},
	}
	return writeIndentedJSON(e.stdout, doc)
}

// writeGitHub prints GitHub Actions workflow commands, which the runner turns
// into annotations on the pull request.
func writeGitHub(e *env, results []fileDiags) error {
	for _, r := range results {
		for _, d := range r.diags {
			_, err := fmt.Fprintf(e.stdout, "::%s file=%s,line=%d,col=%d,title=cnnc %s::%s\n",
				d.Severity, escapeProperty(filepath.ToSlash(r.file)), d.Pos.Line, d.Pos.Column, d.Code, escapeData(d.Message))
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// escapeData escapes a workflow command's message as the runner expects.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
