package lsp

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/dsl"
)

// The VS Code extension in editors/vscode is plain JSON and JavaScript;
// these tests keep it in step with the language.

const vscodeDir = "../../editors/vscode"

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vscodeDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// grammar is the part of a TextMate grammar the tests read.
type grammar struct {
	ScopeName  string          `json:"scopeName"`
	FileTypes  []string        `json:"fileTypes"`
	Patterns   []rule          `json:"patterns"`
	Repository map[string]rule `json:"repository"`
}

type rule struct {
	Include  string          `json:"include"`
	Match    string          `json:"match"`
	Begin    string          `json:"begin"`
	End      string          `json:"end"`
	Name     string          `json:"name"`
	Captures map[string]rule `json:"captures"`
	Patterns []rule          `json:"patterns"`
}

// rules returns every rule of g with a regex, depth first, in the order
// the grammar tries them at the top level.
func (g grammar) rules(t *testing.T) []rule {
	var out []rule
	var walk func(r rule)
	walk = func(r rule) {
		if r.Include != "" {
			inc, ok := g.Repository[strings.TrimPrefix(r.Include, "#")]
			if !ok {
				t.Errorf("include %q is not in the repository", r.Include)
				return
			}
			walk(inc)
			return
		}
		if r.Match != "" || r.Begin != "" {
			out = append(out, r)
		}
		for _, p := range r.Patterns {
			walk(p)
		}
	}
	for _, p := range g.Patterns {
		walk(p)
	}
	return out
}

// scope returns the scope the grammar gives the token at the start of s
// (or of its first capture), the way a TextMate engine picks the first
// rule that matches earliest: enough to test single tokens.
func (g grammar) scope(t *testing.T, s string) string {
	best, bestAt := "", len(s)+1
	for _, r := range g.rules(t) {
		re := regexp.MustCompile(r.Match)
		loc := re.FindStringSubmatchIndex(s)
		if loc == nil || loc[0] >= bestAt {
			continue
		}
		bestAt, best = loc[0], r.Name
		if best == "" {
			if c, ok := r.Captures["1"]; ok {
				best = c.Name
			}
		}
	}
	return best
}

func TestGrammar(t *testing.T) {
	var g grammar
	readJSON(t, "syntaxes/cnn.tmLanguage.json", &g)
	if g.ScopeName != "source.cnn" || !slices.Equal(g.FileTypes, []string{"cnn"}) {
		t.Errorf("scopeName %q, fileTypes %v", g.ScopeName, g.FileTypes)
	}
	// Every regex is RE2 too (the grammar uses no Oniguruma-only syntax),
	// so Go can check them.
	for _, r := range g.rules(t) {
		for _, re := range []string{r.Match, r.Begin, r.End} {
			if _, err := regexp.Compile(re); re != "" && err != nil {
				t.Errorf("regex %q: %v", re, err)
			}
		}
	}
	// The keywords the grammar knows are the language's.
	var words []string
	alt := regexp.MustCompile(`^\\b\(([a-z0-9|]+)\)\\b$`)
	for _, r := range g.Repository["keywords"].Patterns {
		m := alt.FindStringSubmatch(r.Match)
		if m == nil {
			t.Fatalf("keyword rule %q is not \\b(a|b)\\b", r.Match)
		}
		words = append(words, strings.Split(m[1], "|")...)
	}
	slices.Sort(words)
	want := slices.Sorted(slices.Values(dsl.Keywords))
	if !slices.Equal(words, want) {
		t.Errorf("grammar keywords %v, want dsl.Keywords %v", words, want)
	}
	for _, tc := range []struct{ text, scope string }{
		{"# a comment", "comment.line.number-sign.cnn"},
		{"conv 3x3x64", "keyword.other.layer.cnn"},
		{"3x3x64 s1", "constant.numeric.size.cnn"},
		{"s2 p1", "variable.parameter.stride.cnn"},
		{"s2x1", "variable.parameter.stride.cnn"},
		{"p1x2", "variable.parameter.padding.cnn"},
		{"p same", "variable.parameter.padding.cnn"},
		{"0.5", "constant.numeric.cnn"},
		{"1e-3", "constant.numeric.cnn"},
		{"1000", "constant.numeric.cnn"},
		{"repeat 2 {", "keyword.control.repeat.cnn"},
		{"{ relu }", "punctuation.section.block.begin.cnn"},
		{"relu; tanh", "support.function.activation.cnn"},
		{"softmax", "support.function.cnn"},
		{"model vgg19", "keyword.other.declaration.cnn"},
		{"layer2.0: residual {", "entity.name.label.cnn"},
		{"fc: fc 10", "entity.name.label.cnn"},
		{"features.18.0 : conv 1x1x8", "entity.name.label.cnn"},
		{"residual {", "keyword.control.block.cnn"},
		{"concat { } {", "keyword.control.block.cnn"},
		{"shortcut {", "keyword.control.shortcut.cnn"},
		{"batchnorm eps 1e-3", "keyword.other.layer.cnn"},
		{"eps 1e-3", "variable.parameter.setting.cnn"},
		{"momentum 0.01", "variable.parameter.setting.cnn"},
		{"relu6", "support.function.activation.cnn"},
		{"hardswish", "support.function.activation.cnn"},
		{"silu", "support.function.activation.cnn"},
		{"gelu", "support.function.activation.cnn"},
		{"global", "support.constant.pool.cnn"},
		{"g32 nobias", "variable.parameter.groups.cnn"},
		{"d2x1", "variable.parameter.dilation.cnn"},
		{"nobias", "variable.parameter.nobias.cnn"},
		{"pool max 2x2", "keyword.other.layer.cnn"},
		{"convolution", ""},
		{"s1abc", ""},
	} {
		if got := g.scope(t, tc.text); got != tc.scope {
			t.Errorf("%q: scope %q, want %q", tc.text, got, tc.scope)
		}
	}
}

// tokens scans line as a TextMate engine does with g's top-level rules:
// at each position the rule whose match starts earliest (the first such
// rule on a tie) takes its match. It returns the scopes of the matches in
// order and the non-blank text no rule matched.
func (g grammar) tokens(t *testing.T, line string) (scopes []string, unmatched string) {
	type match struct {
		loc   []int
		scope string
	}
	var all [][]match
	for _, r := range g.rules(t) {
		name := r.Name
		if c, ok := r.Captures["1"]; ok && name == "" {
			name = c.Name
		}
		var ms []match
		for _, loc := range regexp.MustCompile(r.Match).FindAllStringSubmatchIndex(line, -1) {
			ms = append(ms, match{loc, name})
		}
		all = append(all, ms)
	}
	for i := 0; i < len(line); {
		best := match{loc: []int{len(line), len(line)}}
		for _, ms := range all {
			for _, m := range ms {
				if m.loc[0] >= i && m.loc[0] < best.loc[0] && m.loc[1] > m.loc[0] {
					best = m
					break
				}
			}
		}
		unmatched += strings.TrimSpace(line[i:best.loc[0]])
		if best.loc[0] == len(line) {
			break
		}
		scopes = append(scopes, best.scope)
		i = best.loc[1]
	}
	return scopes, unmatched
}

// TestGrammarCoversModels: every token of every bundled model and every
// golden fixture's model, which together use every statement, option and
// label form of the language, gets a scope from the grammar.
func TestGrammarCoversModels(t *testing.T) {
	var g grammar
	readJSON(t, "syntaxes/cnn.tmLanguage.json", &g)
	if _, rest := g.tokens(t, "conv 3x3x8 q7 nobias # x"); rest != "q7" {
		t.Fatalf("tokens leave %q unmatched, want q7", rest)
	}
	var files []string
	for _, pat := range []string{"../../models/*.cnn", "../../golden/graphdata/*/model.cnn", "../../golden/testdata/*/model.cnn"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d model files", len(files))
	}
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			scopes, rest := g.tokens(t, line)
			if rest != "" {
				t.Errorf("%s:%d: no scope for %q in %q", f, i+1, rest, line)
			}
			for _, sc := range scopes {
				if sc == "" {
					t.Errorf("%s:%d: a token without a name in %q", f, i+1, line)
				}
				seen[sc] = true
			}
		}
	}
	// The files use every form the grammar names.
	for _, sc := range []string{"entity.name.label.cnn", "keyword.control.block.cnn", "keyword.control.shortcut.cnn",
		"keyword.control.repeat.cnn", "variable.parameter.groups.cnn", "variable.parameter.dilation.cnn",
		"variable.parameter.nobias.cnn", "variable.parameter.setting.cnn", "variable.parameter.padding.cnn",
		"support.constant.pool.cnn", "support.function.activation.cnn"} {
		if !seen[sc] {
			t.Errorf("no model file has a token of scope %s", sc)
		}
	}
}

func TestExtensionManifest(t *testing.T) {
	var pkg struct {
		Main        string   `json:"main"`
		Activation  []string `json:"activationEvents"`
		Contributes struct {
			Languages []struct {
				ID            string   `json:"id"`
				Extensions    []string `json:"extensions"`
				Configuration string   `json:"configuration"`
			} `json:"languages"`
			Grammars []struct {
				Language  string `json:"language"`
				ScopeName string `json:"scopeName"`
				Path      string `json:"path"`
			} `json:"grammars"`
		} `json:"contributes"`
		Dependencies map[string]string `json:"dependencies"`
	}
	readJSON(t, "package.json", &pkg)
	langs, grams := pkg.Contributes.Languages, pkg.Contributes.Grammars
	if len(langs) != 1 || langs[0].ID != "cnn" || !slices.Equal(langs[0].Extensions, []string{".cnn"}) {
		t.Fatalf("languages: %+v", langs)
	}
	if len(grams) != 1 || grams[0].Language != "cnn" || grams[0].ScopeName != "source.cnn" {
		t.Fatalf("grammars: %+v", grams)
	}
	if !slices.Contains(pkg.Activation, "onLanguage:cnn") || pkg.Dependencies["vscode-languageclient"] == "" {
		t.Errorf("activation %v, dependencies %v", pkg.Activation, pkg.Dependencies)
	}
	for _, p := range []string{pkg.Main, langs[0].Configuration, grams[0].Path} {
		if _, err := os.Stat(filepath.Join(vscodeDir, p)); err != nil {
			t.Errorf("package.json names %s: %v", p, err)
		}
	}

	var conf struct {
		Comments struct {
			LineComment string `json:"lineComment"`
		} `json:"comments"`
		Brackets         [][]string        `json:"brackets"`
		IndentationRules map[string]string `json:"indentationRules"`
	}
	readJSON(t, langs[0].Configuration, &conf)
	if conf.Comments.LineComment != "#" || len(conf.Brackets) != 1 || !slices.Equal(conf.Brackets[0], []string{"{", "}"}) {
		t.Errorf("language configuration: %+v", conf)
	}
	for name, re := range conf.IndentationRules {
		if _, err := regexp.Compile(re); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	src, err := os.ReadFile(filepath.Join(vscodeDir, pkg.Main))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"require('vscode-languageclient/node')", "args: ['lsp']", "language: 'cnn'"} {
		if !strings.Contains(string(src), want) {
			t.Errorf("%s lacks %s", pkg.Main, want)
		}
	}
	if node, err := exec.LookPath("node"); err == nil {
		if out, err := exec.Command(node, "--check", filepath.Join(vscodeDir, pkg.Main)).CombinedOutput(); err != nil {
			t.Errorf("node --check %s: %v\n%s", pkg.Main, err, out)
		}
	}
}

// TestKeywordDocs checks that completion documents every keyword.
func TestKeywordDocs(t *testing.T) {
	for _, kw := range dsl.Keywords {
		if d := keywordDocs[kw]; d[0] == "" || d[1] == "" || !strings.HasPrefix(d[0], kw) {
			t.Errorf("keyword %q: docs %q", kw, d)
		}
	}
	if len(keywordDocs) != len(dsl.Keywords) {
		t.Errorf("%d keyword docs for %d keywords", len(keywordDocs), len(dsl.Keywords))
	}
}
