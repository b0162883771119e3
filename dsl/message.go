package dsl

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// message words a participle error for a reader of a .cnn file: what was
// found, and what the statement it sits in expected there.
func message(err participle.Error, text []byte) string {
	pos := err.Position()
	ute, ok := err.(*participle.UnexpectedTokenError)
	if !ok {
		if strings.Contains(err.Message(), "invalid input text") && pos.Offset < len(text) {
			r, _ := utf8.DecodeRune(text[pos.Offset:])
			msg := fmt.Sprintf("unexpected character %q (U+%04X)", r, r)
			if r == '×' {
				msg += ": sizes are written with the letter x, as in 224x224x3"
			}
			return msg
		}
		if strings.HasPrefix(err.Message(), "too many iterations") {
			return fmt.Sprintf("more than %s words in one statement", thousands(participle.MaxIterations))
		}
		return err.Message()
	}
	got := describeToken(ute.Unexpected)
	keyword, labeled := statementKeyword(text, pos.Offset)
	afterBrace := strings.HasSuffix(strings.TrimRight(string(text[:pos.Offset]), " \t\r"), "}")
	switch {
	case keyword == "" && ute.Unexpected.Value == "}":
		return `unexpected "}" outside a block`
	case ute.Unexpected.Value == "shortcut" && afterBrace:
		return `unexpected "shortcut" without a block, expected shortcut { STATEMENTS }`
	case keyword == "" && ute.Unexpected.Value == "shortcut":
		return `unexpected "shortcut": it goes on the line of the residual's closing brace, as in "} shortcut {"`
	case keyword == "" && labeled:
		return fmt.Sprintf("unexpected %s after a label, expected a statement or a block", got)
	}
	msg := err.Message()
	expect := ""
	if i := strings.Index(msg, " (expected "); i >= 0 {
		expect = strings.TrimSuffix(msg[i+len(" (expected "):], ")")
	}
	term := firstTerm(expect)
	if keyword == "" && term == `"}"` && !ute.Unexpected.EOF() {
		term = "Stmt" // at a statement's start in a block: "}" could end it, but a statement was meant
	}
	want := expected(term, keyword, statementWords(text, pos.Offset))
	if want == `"}"` {
		if open, ok := unclosed(text, pos.Offset); ok {
			want += fmt.Sprintf(" to close the block at %d:%d", open.Line, open.Column)
		}
	}
	msg = fmt.Sprintf("unexpected %s, expected %s", got, want)
	if v := ute.Unexpected.Value; strings.ContainsRune(v, 'X') && sizeLike.MatchString(strings.ReplaceAll(v, "X", "x")) {
		msg += fmt.Sprintf(" (with a lowercase x: %s)", strings.ReplaceAll(v, "X", "x"))
	}
	return msg
}

// sizeLike matches a size such as 3x3x64.
var sizeLike = regexp.MustCompile(`^[-+]?\d+(x[-+]?\d+)*$`)

// unclosed returns the position of the last '{' before offset that no '}'
// closes.
func unclosed(text []byte, offset int) (lexer.Position, bool) {
	var open []int
	structure(text[:min(offset, len(text))], 0, 0, func(i, depth int) bool {
		if text[i] == '{' {
			open = append(open, i)
		} else if text[i] == '}' && len(open) > 0 {
			open = open[:len(open)-1]
		}
		return true
	})
	if len(open) == 0 {
		return lexer.Position{}, false
	}
	at := open[len(open)-1]
	line := 1 + bytes.Count(text[:at], []byte("\n"))
	lineStart := bytes.LastIndexByte(text[:at], '\n') + 1
	return lexer.Position{Offset: at, Line: line, Column: utf8.RuneCount(text[lineStart:at]) + 1}, true
}

// statementWords returns the words of the statement around offset that come
// before it.
func statementWords(text []byte, offset int) []string {
	offset = min(max(offset, 0), len(text))
	start := offset
	for start > 0 && !isBoundary(text[start-1]) {
		start--
	}
	return strings.Fields(string(text[start:offset]))
}

// describeToken names a token the way a person would point at it.
func describeToken(t lexer.Token) string {
	switch {
	case t.EOF():
		return "end of file"
	case t.Value == "\n" || t.Value == "\r\n":
		return "end of line"
	case utf8.RuneCountInString(t.Value) > maxQuoted:
		r := []rune(t.Value)
		return fmt.Sprintf("%q... (%s characters)", string(r[:maxQuoted-8]), thousands(len(r)))
	}
	return strconv.Quote(t.Value)
}

// maxQuoted bounds the characters of a token quoted in a message.
const maxQuoted = 40

// firstTerm returns the first element of an EBNF sequence such as
// `<size> Option* (?= <eol> | "}" | <eof>)`, keeping parenthesised groups whole.
func firstTerm(ebnf string) string {
	depth := 0
	for i, r := range ebnf {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ' ':
			if depth == 0 {
				return ebnf[:i]
			}
		}
	}
	return ebnf
}

// statementKeyword returns the first word of the statement around offset,
// after its label if it has one; labeled reports the label.
func statementKeyword(text []byte, offset int) (keyword string, labeled bool) {
	offset = min(max(offset, 0), len(text))
	start := offset
	for start > 0 && !isBoundary(text[start-1]) {
		start--
	}
	before := string(text[start:offset])
	if loc := labelPrefix.FindStringIndex(before); loc != nil {
		before, labeled = before[loc[1]:], true
	}
	fields := strings.Fields(before)
	if len(fields) == 0 {
		return "", labeled
	}
	return fields[0], labeled
}

// labelPrefix matches a label at the start of a statement.
var labelPrefix = regexp.MustCompile(`^[ \t\r]*` + labelPattern + `[ \t]*:`)

// sizeHints says what the size after each keyword looks like.
var sizeHints = map[string]string{
	"input":  "the input size HxWxC, such as 224x224x3",
	"conv":   "the filter size FhxFwxK, such as 3x3x64",
	"pool":   "the window size FhxFw, such as 2x2",
	"fc":     "the number of outputs, such as 10",
	"repeat": "a count, such as 2",
}

// optionHints says what may follow the size of a statement with options.
var optionHints = map[string]string{
	"conv":      "an option (sN, sNxN, pN, pNxN, p same, gN, dN, dNxN, nobias) or the end of the statement",
	"pool":      "an option (sN, sNxN, pN, pNxN) or the end of the statement",
	"batchnorm": "eps E, momentum M or the end of the statement",
}

// expected words the grammar term the parser wanted, in the context of the
// statement that starts with keyword and has words before the error.
func expected(term, keyword string, words []string) string {
	switch {
	case term == "<size>":
		if hint, ok := sizeHints[keyword]; ok {
			return hint
		}
		return "a whole number"
	case term == "(<float> | <size>)":
		return "a number, such as 0.5"
	case term == `("max" | "mean" | "avg")`:
		return "max, mean or avg"
	case strings.HasPrefix(term, `("global" | `):
		return "global or the window size FhxFw, such as 2x2"
	case strings.HasPrefix(term, "(<ident> | <stride>"):
		return "a name"
	case term == `"{"` || term == `"}"` || term == `"same"`:
		return term
	case term == "Block" || term == "Block+":
		return `"{"`
	case strings.Contains(term, "Stmt") || keyword == "":
		return "a statement (" + strings.Join(Keywords, ", ") + ")"
	case keyword == "pool" && slices.Contains(words, "global"):
	case optionHints[keyword] != "":
		return optionHints[keyword]
	}
	return "the end of the statement (a newline or ';')"
}
