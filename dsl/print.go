package dsl

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// String returns d in canonical form: its numbers joined by 'x' ("3x3x64").
// A size with a number out of range is returned as written.
func (d Dims) String() string {
	if d.Bad || len(d.V) == 0 {
		return d.Text
	}
	parts := make([]string, len(d.V))
	for i, v := range d.V {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, "x")
}

// String returns the option as written in canonical form: "s2", "p1x2",
// "p same", "g32", "d2", "nobias". A pair of equal numbers is written once
// ("s2x2" becomes "s2").
func (o *Option) String() string {
	switch {
	case o.Same:
		return "p same"
	case o.NoBias:
		return "nobias"
	case o.Stride != nil:
		return o.Stride.option("s")
	case o.Pad != nil:
		return o.Pad.option("p")
	case o.Groups != nil:
		return o.Groups.option("g")
	case o.Dilation != nil:
		return o.Dilation.option("d")
	}
	return ""
}

func (p *Pair) option(letter string) string {
	if len(p.V) == 2 && p.V[0] == p.V[1] && !p.Bad {
		return letter + strconv.Itoa(p.V[0])
	}
	if p.Bad {
		return p.Text
	}
	return letter + p.Dims.String()
}

func optionsString(opts []*Option) string {
	var b strings.Builder
	for _, o := range opts {
		b.WriteString(" ")
		b.WriteString(o.String())
	}
	return b.String()
}

// The String methods write a statement in canonical form, without its
// label (error messages quote statements this way); a block is written on
// one line, with the labels of the statements inside it.

func (s *Model) String() string { return "model " + s.Name }
func (s *Input) String() string { return "input " + s.Dims.String() }
func (s *Conv) String() string  { return "conv " + s.Dims.String() + optionsString(s.Opts) }
func (s *Pool) String() string {
	if s.Global {
		return "pool " + s.Op + " global"
	}
	return "pool " + s.Op + " " + s.Dims.String() + optionsString(s.Opts)
}
func (s *FC) String() string { return "fc " + s.N.String() }
func (s *BatchNorm) String() string {
	var b strings.Builder
	b.WriteString("batchnorm")
	for _, o := range s.Opts {
		b.WriteString(" " + o.Name + " " + o.Value.Text)
	}
	return b.String()
}
func (s *Activation) String() string {
	if s.Slope != nil {
		return s.Kind + " " + s.Slope.Text
	}
	return s.Kind
}
func (s *Dropout) String() string     { return "dropout " + s.P.Text }
func (s *Softmax) String() string     { return "softmax" }
func (s *Bad) String() string         { return strings.Join(append([]string{s.Word}, s.Rest...), " ") }
func (s *labeledStmt) String() string { return s.L.String() + " " + fmt.Sprint(s.Stmt) }

// String returns the repeat on one line: "repeat 2 { conv 3x3x64 p1; relu }".
func (s *Repeat) String() string { return oneLine(s) }

// String returns the residual on one line:
// "residual { conv 1x1x8; batchnorm } shortcut { conv 1x1x8 s2 }".
func (s *Residual) String() string { return oneLine(s) }

// String returns the concat on one line: "concat { } { conv 3x3x4 p1 }".
func (s *Concat) String() string { return oneLine(s) }

// String returns the group's block on one line: "{ conv 1x1x8; relu }".
func (s *Group) String() string { return oneLine(s) }

// head returns what a block statement writes before its blocks, and the word
// each block after the first is introduced by ("shortcut" or "").
func head(s Stmt) (string, func(i int) string) {
	none := func(int) string { return "" }
	switch s := s.(type) {
	case *Repeat:
		return "repeat " + s.N.String(), none
	case *Residual:
		return "residual", func(int) string { return "shortcut" }
	case *Concat:
		return "concat", none
	}
	return "", none
}

// blocks returns the '{', statements and '}' of each block of s, in order.
func blocks(s Stmt) []*Block {
	switch s := s.(type) {
	case *Repeat:
		return []*Block{{Pos: s.Open.Pos, Stmts: s.Body, Close: s.Close}}
	case *Residual:
		if s.Shortcut != nil {
			return []*Block{s.Body, s.Shortcut}
		}
		return []*Block{s.Body}
	case *Concat:
		return s.Branches
	case *Group:
		return []*Block{s.Body}
	}
	return nil
}

// oneLine writes s on one line in canonical form, in time linear in its
// size however deeply its blocks nest.
func oneLine(s Stmt) string {
	var b strings.Builder
	writeOneLine(&b, s)
	return b.String()
}

func writeOneLine(b *strings.Builder, s Stmt) {
	bs := blocks(s)
	if bs == nil {
		b.WriteString(fmt.Sprint(s))
		return
	}
	h, joiner := head(s)
	b.WriteString(h)
	for i, blk := range bs {
		if j := joiner(i); i > 0 && j != "" {
			b.WriteString(" " + j)
		}
		if h != "" || i > 0 {
			b.WriteString(" ")
		}
		writeBlock(b, blk.Stmts)
	}
}

// writeBlock writes "{ a; b }", or "{ }" for an empty block.
func writeBlock(b *strings.Builder, stmts []Stmt) {
	b.WriteString("{")
	for i, st := range stmts {
		if i > 0 {
			b.WriteString(";")
		}
		b.WriteString(" ")
		if l := LabelOf(st); l != nil {
			b.WriteString(l.String() + " ")
		}
		writeOneLine(b, st)
	}
	b.WriteString(" }")
}

// indent is one level of block indentation in canonical layout.
const indent = "  "

// Format returns f in canonical layout: one statement a line, blocks
// indented by two spaces, `} shortcut {` and a concat's `} {` on the line of
// the closing brace, a label and its statement on one line ("conv1: conv
// 3x3x8"), a block written on one line in the source kept on one line, runs of blank lines folded to one, and every comment kept, on
// its own line or after its statement as written. Formatting is idempotent
// and does not change the network the file describes.
func Format(f *File) []byte {
	p := &printer{comments: f.Comments}

	p.stmts(f.Stmts, 0)
	p.flush(-1, 0)
	alignComments(p.lines)
	var b bytes.Buffer
	if f.BOM {
		b.Write(byteOrderMark)
	}
	for _, l := range p.lines {
		line := l.text
		if l.comment != "" {
			line += strings.Repeat(" ", l.pad+1) + l.comment
		}
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

type outLine struct {
	text    string
	comment string // a trailing comment, or ""
	pad     int    // extra spaces before the comment, to align it
	srcLine int    // the source line the text ends on; 0 for a blank line
}

// alignComments lines up the trailing comments of each paragraph: a run of
// statement lines not broken by a blank line or a comment on its own line.
// A statement without a comment does not break the run, so that comments
// annotating a few layers of a list line up.
func alignComments(lines []outLine) {
	isCode := func(l outLine) bool { return l.text != "" && !strings.HasPrefix(strings.TrimSpace(l.text), "#") }
	for i := 0; i < len(lines); {
		j, width := i, 0
		for j < len(lines) && isCode(lines[j]) {
			if lines[j].comment != "" {
				width = max(width, utf8.RuneCountInString(lines[j].text))
			}
			j++
		}
		for k := i; k < j; k++ {
			lines[k].pad = width - utf8.RuneCountInString(lines[k].text)
		}
		i = max(j, i+1)
	}
}

type printer struct {
	lines    []outLine
	comments []Comment
	next     int // the first comment not yet printed
	lastLine int // the source line of the last thing printed
}

// emit prints text at depth, which in the source started on line from and
// ended on line to, after the comments that come before offset.
func (p *printer) emit(text string, depth, offset, from, to int) {
	p.flush(offset, depth)
	p.blankBefore(from)
	p.lines = append(p.lines, outLine{text: strings.Repeat(indent, depth) + text, srcLine: to})
	p.lastLine = to
}

// blankBefore keeps one blank line where the source had any before line.
func (p *printer) blankBefore(line int) {
	if len(p.lines) > 0 && p.lastLine > 0 && line > p.lastLine+1 && p.lines[len(p.lines)-1].srcLine != 0 &&
		!strings.HasSuffix(p.lines[len(p.lines)-1].text, "{") {
		p.lines = append(p.lines, outLine{})
	}
}

// flush prints the comments that start before offset (all of them for -1):
// after the last line printed when they sat on its last source line, else on
// lines of their own at depth.
func (p *printer) flush(offset, depth int) {
	for p.next < len(p.comments) && (offset < 0 || p.comments[p.next].Pos.Offset < offset) {
		c := p.comments[p.next]
		p.next++
		if n := len(p.lines); n > 0 && p.lines[n-1].srcLine == c.Pos.Line && p.lines[n-1].comment == "" {
			p.lines[n-1].comment = c.Text
			continue
		}
		p.blankBefore(c.Pos.Line)
		p.lines = append(p.lines, outLine{text: strings.Repeat(indent, depth) + c.Text, srcLine: c.Pos.Line})
		p.lastLine = c.Pos.Line
	}
}

func (p *printer) stmts(stmts []Stmt, depth int) {
	for _, s := range stmts {
		pos, end := s.Position(), s.End()
		prefix := ""
		if l := LabelOf(s); l != nil {
			prefix = l.String() + " "
			pos = l.Pos
		}
		bs := blocks(s)
		if bs == nil || pos.Line == end.Line {
			p.emit(prefix+fmt.Sprint(s), depth, pos.Offset, pos.Line, end.Line)
			continue
		}
		h, joiner := head(s)
		line := strings.TrimRight(prefix+h, " ")
		p.flush(pos.Offset, depth)
		p.blankBefore(pos.Line)
		for i, b := range bs {
			if j := joiner(i); i > 0 && j != "" {
				line += " " + j
			}
			if line != "" {
				line += " "
			}
			if b.Pos.Line == b.Close.Pos.Line {
				var w strings.Builder
				writeBlock(&w, b.Stmts)
				line += w.String()
				continue
			}
			p.lines = append(p.lines, outLine{text: strings.Repeat(indent, depth) + line + "{", srcLine: b.Pos.Line})
			p.lastLine = b.Pos.Line
			p.stmts(b.Stmts, depth+1)
			p.flush(b.Close.Pos.Offset, depth+1)
			line = "}"
		}
		p.lines = append(p.lines, outLine{text: strings.Repeat(indent, depth) + line, srcLine: end.Line})
		p.lastLine = end.Line
	}
}
