package compiler

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/dsl"
)

// seedCorpus adds the bundled models, the round-2 fixtures, and a
// set of broken files to f.
func seedCorpus(f *testing.F) {
	var paths []string
	for _, pattern := range []string{"../models/*.cnn", "../golden/graphdata/*/model.cnn"} {
		more, _ := filepath.Glob(pattern)
		paths = append(paths, more...)
	}
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"", "input", "input 3x3x4\npool max 2x2 s2\n", "repeat 2 {", "}", "repeat 99999 { repeat 99999 { relu } }",
		"input 5x5x3\nrepeat 2 { conv 3x3x3 p same; relu }\nfc 10\nsoftmax", "conv 3x3x3 s2x1 p1x2\n",
		"input 1x1x1\nconv 1048576x1x1 p1048576", "input 8x8x1;leaky -1e308;dropout 0.999;fc 1",
		"input 5x5x3 # \u00e9\u00e9\nconv 3x3 q; relu\n", "\xff\xfe", "model m\nmodel m\ninput 2x2x2\ninput 2x2x2",
		"input 4x4x1\nrepeat 2 {\n  repeat x {\n relu\n }\n}\nrelu }\n",
		"input 8x8x4\nb: repeat 2 { residual { conv 3x3x8 s2 p1 g2 d1 nobias; batchnorm } shortcut { c: conv 1x1x8 s2 } }\nconcat { } { pool avg global }\n",
		"input 8x8x4\nx.0: { 0: relu6; concat { fc 3 } { } }\nresidual { }\nrepeat 2 { q: batchnorm eps 0 momentum 2 }\n",
	} {
		f.Add([]byte(s))
	}
}

// FuzzCheck parses and checks arbitrary input: it must never panic, and every
// diagnostic must carry a position and a code; a complete net's figures must
// be consistent.
func FuzzCheck(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		net, ds := Source("f.cnn", src)
		for _, d := range ds {
			if d.Pos.Filename != "f.cnn" || d.Pos.Line < 1 || d.Pos.Column < 1 || d.Code == "" || d.Message == "" {
				t.Fatalf("diagnostic without position, code or message: %+v", d)
			}
		}
		if net == nil {
			return
		}
		if !ds.HasErrors() && !net.Complete() {
			t.Fatal("a net with a failed layer but no error")
		}
		c := net.Costs()
		if c.Params < 0 || c.MACs < 0 || c.InferBytes < 0 || c.TrainBytes < 0 {
			t.Fatalf("negative costs %+v", c)
		}
		for _, l := range net.Layers {
			if !l.Failed && (l.Out.H < 1 || l.Out.W < 1 || l.Out.C < 1) {
				t.Fatalf("layer %s has output %v", l.Text, l.Out)
			}
		}
	})
}

// FuzzFormat checks that formatting keeps the network: the formatted file
// parses, formats to itself, and checks to the same layers and diagnostics.
func FuzzFormat(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		file, errs := dsl.Parse("f.cnn", src)
		if len(errs) > 0 {
			return
		}
		out := dsl.Format(file)
		file2, errs := dsl.Parse("f.cnn", out)
		if len(errs) > 0 {
			t.Fatalf("formatted file does not parse: %v\n%s", errs[0], out)
		}
		if again := dsl.Format(file2); string(again) != string(out) {
			t.Fatalf("not idempotent:\n%s\nthen\n%s", out, again)
		}
		net1, ds1 := Check("f.cnn", file)
		net2, ds2 := Check("f.cnn", file2)
		if summary(net1) != summary(net2) {
			t.Fatalf("formatting changed the network:\n%s\nbecame\n%s", summary(net1), summary(net2))
		}
		if len(ds1) != len(ds2) {
			t.Fatalf("formatting changed the diagnostics: %v became %v", ds1, ds2)
		}
		for i := range ds1 {
			// Messages may name other statements' positions, which
			// formatting moves; everything else must stay.
			if positionRef.ReplaceAllString(ds1[i].Message, "L:C") != positionRef.ReplaceAllString(ds2[i].Message, "L:C") {
				t.Fatalf("formatting changed a diagnostic: %v became %v", ds1[i], ds2[i])
			}
		}
	})
}

var positionRef = regexp.MustCompile(`\b\d+:\d+\b`)

// summary describes a graph's nodes and shapes, without positions.
func summary(r *Result) string {
	if r == nil {
		return "<nil>"
	}
	g := r.Graph
	var b strings.Builder
	b.WriteString(g.Name + " " + g.Input.Shape.String() + "\n")
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "%s %s %v <-", n.Name, n.Text, n.Out())
		for _, v := range n.Inputs {
			fmt.Fprintf(&b, " %d", v.ID)
		}
		b.WriteString("\n")
	}
	if r.Failed != nil {
		b.WriteString("failed " + r.Failed.Text + "\n")
	}
	return b.String()
}
