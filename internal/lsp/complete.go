package lsp

import (
	"regexp"
	"slices"
	"strings"

	"github.com/cnnc/cnnc/dsl"
)

// keywordDocs gives each keyword's form and meaning, as the README's
// language reference does, for completion items.
var keywordDocs = map[string][2]string{
	"model":     {"model NAME", "Names the network; optional, and first. It defaults to the file's base name."},
	"input":     {"input HxWxC", "The input sample: height x width x channels. Exactly one, before any layer."},
	"conv":      {"conv FhxFwxK [sS | sSHxSW] [pP | pPHxPW | p same] [gG] [dD | dDHxDW] [nobias]", "K filters of Fh x Fw x C/G, C being the input depth; stride 1, padding 0, 1 group, dilation 1 and a bias by default. gG splits the channels into G groups (g equal to C: depthwise)."},
	"pool":      {"pool max|mean|avg FhxFw [sS | sSHxSW] [pP | pPHxPW] | pool max|mean|avg global", "Max or mean pooling; the stride defaults to the window. global pools each channel to 1x1."},
	"fc":        {"fc N", "Fully connected, N outputs; flattens C, H, W (in that order) first."},
	"batchnorm": {"batchnorm [eps E] [momentum M]", "Batch normalisation per channel (per feature when flat); eps 1e-5 and momentum 0.1 by default, as PyTorch."},
	"relu":      {"relu", "max(0, x), element-wise."},
	"relu6":     {"relu6", "min(max(0, x), 6), element-wise."},
	"sigmoid":   {"sigmoid", "1/(1+e^-x), element-wise."},
	"tanh":      {"tanh", "tanh x, element-wise."},
	"leaky":     {"leaky [SLOPE]", "x for x > 0, else SLOPE·x; SLOPE defaults to 0.01."},
	"hardswish": {"hardswish", "x·relu6(x+3)/6, element-wise."},
	"silu":      {"silu", "x·sigmoid(x), element-wise."},
	"gelu":      {"gelu", "x·Φ(x) with the exact erf form, element-wise."},
	"dropout":   {"dropout P", "0 <= P < 1: identity at inference, inverted dropout in training."},
	"softmax":   {"softmax", "Softmax over the flattened features of each sample."},
	"repeat":    {"repeat N { STATEMENTS }", "N >= 1 copies of the statements; blocks may nest. Labeled, copy i is named LABEL.i from 0."},
	"residual":  {"residual { STATEMENTS } [shortcut { STATEMENTS }]", "The sum of the body and the shortcut (the identity when omitted) applied to the same input; both must give the same shape."},
	"concat":    {"concat { STATEMENTS } { STATEMENTS } ...", "Every branch reads the same input; their outputs are joined along channels in order. { } is the identity."},
}

// poolOps are the words that may follow pool.
var poolOps = [][2]string{
	{"max", "Max pooling; padding counts as minus infinity."},
	{"mean", "Mean pooling; padding counts as zeros (count_include_pad)."},
	{"avg", "Another name for mean."},
}

// CompletionItem is an LSP completion item.
type CompletionItem struct {
	Label         string `json:"label"`
	Kind          int    `json:"kind"`
	Detail        string `json:"detail,omitempty"`
	Documentation string `json:"documentation,omitempty"`
}

const (
	completionKeyword = 14
	completionValue   = 12
)

// complete offers the words that may stand at the cursor: a statement's
// keyword at the start of a statement (after a label too), max, mean or avg
// after pool, global after those, the options not given yet after a conv's,
// a pool's or a batchnorm's sizes (s, p, p same, g, d, nobias, eps,
// momentum), and nothing elsewhere (in a comment, among a layer's sizes).
func (d *document) complete(at Position) []CompletionItem {
	items := []CompletionItem{}
	if d == nil {
		return items
	}
	off := d.text.byteOffset(at)
	line, _ := d.text.lineCol(off)
	before := d.text.s[d.text.lines[line-1]:off]
	if strings.Contains(before, "#") {
		return items
	}
	if i := strings.LastIndexAny(before, ";{}"); i >= 0 {
		before = before[i+1:]
	}
	words := strings.Fields(before)
	typing := len(before) > 0 && !strings.ContainsRune(" \t\r", rune(before[len(before)-1]))
	if typing {
		words = words[:len(words)-1] // the word being typed
	}
	if len(words) > 0 && strings.HasSuffix(words[0], ":") {
		words = words[1:] // a label: the statement starts after it
	} else if len(words) > 1 && words[1] == ":" {
		words = words[2:]
	}
	switch {
	case len(words) == 0:
		for _, kw := range dsl.Keywords {
			doc := keywordDocs[kw]
			items = append(items, CompletionItem{Label: kw, Kind: completionKeyword, Detail: doc[0], Documentation: doc[1]})
		}
	case len(words) == 1 && words[0] == "pool":
		for _, op := range poolOps {
			items = append(items, CompletionItem{Label: op[0], Kind: completionValue, Detail: "pool " + op[0] + " FhxFw", Documentation: op[1]})
		}
	case len(words) == 2 && words[0] == "pool" && slices.ContainsFunc(poolOps, func(op [2]string) bool { return op[0] == words[1] }):
		items = append(items, CompletionItem{Label: "global", Kind: completionValue, Detail: "pool " + words[1] + " global", Documentation: "One value per channel: the output is 1x1xC."})
	default:
		items = append(items, options(words)...)
	}
	return items
}

// option is an option a statement may take after its sizes: its label, its
// form, its meaning and the words that show it is given already.
type option struct {
	label, form, doc string
	given            *regexp.Regexp
}

var (
	stride    = option{"s", "sS | sSHxSW", "The stride; the window's size for a pool, 1 for a conv.", regexp.MustCompile(`^s[0-9]`)}
	padding   = option{"p", "pP | pPHxPW", "Zero padding on each side, 0 by default (minus infinity for max pooling).", regexp.MustCompile(`^p([0-9]|$)`)}
	statement = map[string][]option{
		"conv": {stride, padding,
			{"p same", "p same", "The padding that keeps height and width at stride 1: D·(F-1)/2 on each side; the window must be odd.", regexp.MustCompile(`^p([0-9]|$)`)},
			{"g", "gG", "G groups (nn.Conv2d(groups=G)): C and K divisible by G; g equal to C is a depthwise conv.", regexp.MustCompile(`^g[0-9]`)},
			{"d", "dD | dDHxDW", "Dilation (nn.Conv2d(dilation=D)): the filter's taps D apart, 1 by default.", regexp.MustCompile(`^d[0-9]`)},
			{"nobias", "nobias", "No bias (bias=False), as before a batchnorm.", regexp.MustCompile(`^nobias$`)},
		},
		"pool": {stride, {padding.label, padding.form, "Padding on each side, 0 by default: minus infinity for max, zeros for mean.", padding.given}},
		"batchnorm": {
			{"eps", "eps E", "Added to the variance before its square root; 1e-5 by default.", regexp.MustCompile(`^eps$`)},
			{"momentum", "momentum M", "The weight of a batch in the running statistics; 0.1 by default.", regexp.MustCompile(`^momentum$`)},
		},
	}
)

// options offers the options of the statement words start (after its
// sizes) that are not given yet: nothing inside a global pool, before a
// conv's or pool's sizes, or where a number is due (after eps or
// momentum); only same after a bare p.
func options(words []string) []CompletionItem {
	if len(words) == 0 {
		return nil
	}
	opts, sized := statement[words[0]], 1
	switch words[0] {
	case "conv":
		sized = 2
	case "pool":
		sized = 3
		if len(words) > 2 && words[2] == "global" {
			return nil
		}
	}
	if len(words) < sized {
		return nil
	}
	last := words[len(words)-1]
	var out []CompletionItem
	for _, o := range opts {
		if last == "p" && len(words) > sized {
			if o.label == "p same" {
				out = append(out, CompletionItem{Label: "same", Kind: completionValue, Detail: o.form, Documentation: o.doc})
			}
			continue
		}
		if (last == "eps" || last == "momentum") && len(words) > sized {
			return nil
		}
		if slices.ContainsFunc(words[sized:], o.given.MatchString) {
			continue
		}
		out = append(out, CompletionItem{Label: o.label, Kind: completionValue, Detail: words[0] + " ... " + o.form, Documentation: o.doc})
	}
	return out
}
