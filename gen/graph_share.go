package gen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"slices"
	"sort"
	"strings"

	gplan "github.com/cnnc/cnnc/gen/plan"
	"github.com/cnnc/cnnc/ir"
)

// A network repeats itself: ResNet-50's bottlenecks come in copies that
// differ only in the buffers and tensors they use. The generator writes a
// phase (or derived-tensor update) function a step, and share then merges
// the functions whose bodies are the same but for the indexes they use —
// buffers, tensors, derived tensors, int32 and batch buffers — into one
// constructor that takes those indexes and returns the function:
//
//	Run: conv1x1x64Infer(f28, f27, layer1_1_conv1Fold)
//
// Everything else stays as the generator wrote it: geometries (equal ones
// are declared once, see geom), sizes and offsets are constants of the
// body, so the kernels run exactly as before. A function no other one
// equals keeps its name and its form.

// shareFn is a phase or update function as written for one step.
type shareFn struct {
	name string
	// generic is the stem of the name of a shared constructor
	// ("conv1x1x64Infer"), "" to keep name.
	generic string
	// kind is the stem of the name of a constructor shared by layers of
	// other sizes ("conv1x1Infer"), "" to keep name.
	kind string
	// doc says what it does, without node names when it belongs to a step:
	// "computes conv 1x1x64 nobias + batchnorm + relu: output rows [lo, hi)."
	// kindDoc says it without sizes: "computes conv + batchnorm + relu: ...".
	doc, kindDoc string
	who          string // the node it is for, "" for none
}

// register records a phase or update function of the step being generated
// for share.
func (g *graphGen) register(name, doc string) {
	fn := &shareFn{name: name, doc: doc}
	if s := g.cur; s != nil {
		fn.who = s.Node.Name
		if rest, ok := strings.CutPrefix(name, g.stepName(s)); ok {
			fn.generic, fn.kind = opIdent(s)+rest, kindIdent(s)+rest
		}
		fn.doc, fn.kindDoc = anonymous(doc, s.Nodes(), false), anonymous(doc, s.Nodes(), true)
	} else {
		fn.kindDoc = doc
	}
	g.shared = append(g.shared, fn)
}

// opIdent is the stem of the names of a step's shared functions and
// geometries: its layer's kind with its sizes, "conv3x3x64" and "fc1000"
// as written, "batchnorm56x56x64" and "poolmax28x28x128" with their
// output's shape; a copy into a concat's channels from 16 on
// "concat8x8x32Copy16".
func opIdent(s *gplan.Step) string {
	n := s.Node
	f := strings.Fields(n.Text)
	if len(f) > 1 && strings.ContainsAny(f[1], "0123456789") {
		return ident(f[0] + f[1])
	}
	if len(f) > 1 {
		f = f[:2]
	}
	id := ident(strings.Join(f, "") + n.Out().String())
	if s.Kind == gplan.Copy {
		id += fmt.Sprintf("Copy%d", s.C0)
	}
	return id
}

// kindIdent is the stem of the names of the functions a step shares with
// layers of its kind but of other sizes: its layer's kind, "conv3x3",
// "batchnorm", "poolmax", "concatCopy".
func kindIdent(s *gplan.Step) string {
	f := strings.Fields(s.Node.Text)
	id := f[0]
	switch {
	case s.Kind == gplan.Copy:
		id += "Copy"
	case id == "conv":
		d := strings.Split(f[1], "x")
		id += d[0] + "x" + d[1]
	case len(f) > 1 && !strings.ContainsAny(f[1], "0123456789"):
		id += f[1]
	}
	return ident(id)
}

// anonymous rewrites doc without the names of nodes: "layer1.0.conv1
// (conv 1x1x64)" becomes "conv 1x1x64", "layer1.0.bn1's" "the
// batchnorm's", a step's name "conv1+bn1" "conv 3x3x64 + batchnorm";
// without sizes, the layers' statements are their kinds: "conv".
func anonymous(doc string, nodes []*ir.Node, sizeless bool) string {
	type sub struct{ from, to string }
	var subs []sub
	text := func(n *ir.Node) string {
		if sizeless {
			return strings.Fields(n.Text)[0]
		}
		return n.Text
	}
	if len(nodes) > 1 {
		var names, texts []string
		for _, n := range nodes {
			names, texts = append(names, n.Name), append(texts, text(n))
		}
		subs = append(subs, sub{strings.Join(names, "+"), strings.Join(texts, " + ")})
	}
	for _, n := range nodes {
		subs = append(subs, sub{n.Name + " (" + n.Text + ")", text(n)}, sub{n.Name, "the " + strings.Fields(n.Text)[0]})
		if sizeless {
			subs = append(subs, sub{n.Text, text(n)})
		}
	}
	sort.SliceStable(subs, func(i, j int) bool { return len(subs[i].from) > len(subs[j].from) })
	word := func(i int) bool { // doc[i] continues a name
		if i < 0 || i >= len(doc) {
			return false
		}
		c := doc[i]
		return c == '_' || c == '.' && i+1 < len(doc) && doc[i+1] != ' ' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	}
	var b strings.Builder
	for i := 0; i < len(doc); {
		done := false
		for _, s := range subs {
			if strings.HasPrefix(doc[i:], s.from) && !word(i-1) && !word(i+len(s.from)) {
				b.WriteString(s.to)
				i += len(s.from)
				done = true
				break
			}
		}
		if !done {
			b.WriteByte(doc[i])
			i++
		}
	}
	return b.String()
}

// indexConsts maps the package-level index constants of g to the stem of the
// parameter that stands for them in a shared function: b for buffers, p
// for tensors, d for derived tensors, i for int32 buffers, s for batch
// buffers.
func (g *graphGen) indexConsts() map[string]string {
	m := map[string]string{}
	for _, e := range g.bufs {
		m[e.name] = "b"
	}
	for _, id := range g.tensorID {
		m[id] = "p"
	}
	for _, d := range g.derived {
		m[d.name] = "d"
	}
	for _, n := range g.ints {
		m[n.name] = "i"
	}
	for _, n := range g.batch {
		m[n.name] = "s"
	}
	for _, name := range g.geoms {
		m[name] = "g"
	}
	return m
}

// geomTypes maps each geometry to the type of a pointer to it:
// "*runtime.ConvGeom".
func (g *graphGen) geomTypes() map[string]string {
	m := map[string]string{}
	for lit, name := range g.geoms {
		typ, _, _ := strings.Cut(lit, "{")
		m[name] = "*" + strings.TrimSpace(typ)
	}
	return m
}

// template is a function body with holes where index constants were:
// text[0] hole[0] text[1] ... text[len(hole)]; args are the constants.
type template struct {
	text  []string
	holes []int // the parameter of each hole
	args  []string
	stems []string // the stem of each parameter
}

// abstract cuts the index constants out of body, the pointers to
// geometries (&conv1Geom) and, with numbers, its integers.
func abstract(body []byte, indexes map[string]string, numbers bool) template {
	var t template
	param := map[string]int{}
	var s scanner.Scanner
	fs := token.NewFileSet()
	s.Init(fs.AddFile("", -1, len(body)), body, nil, 0)
	last, and := 0, -1 // and: the offset of a & just before
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		off := fs.Position(pos).Offset
		stem, arg, start := indexes[lit], lit, off
		switch {
		case tok == token.INT && numbers:
			stem = "n"
		case tok != token.IDENT:
			stem = ""
		case stem == "g" && and >= 0:
			arg, start = "&"+lit, and
		case stem == "g":
			stem = ""
		}
		and = -1
		if tok == token.AND {
			and = off
		}
		if stem == "" {
			continue
		}
		p, seen := param[arg]
		if !seen || stem == "n" { // each number a parameter of its own
			p = len(t.args)
			param[arg] = p
			t.args = append(t.args, arg)
			t.stems = append(t.stems, stem)
		}
		t.text = append(t.text, string(body[last:start]))
		t.holes = append(t.holes, p)
		last = off + len(lit)
	}
	t.text = append(t.text, string(body[last:]))
	return t
}

// fill renders the template with name(i) in parameter i's holes.
func (t template) fill(name func(i int) string) string {
	var b strings.Builder
	for i, h := range t.holes {
		b.WriteString(t.text[i])
		b.WriteString(name(h))
	}
	b.WriteString(t.text[len(t.text)-1])
	return b.String()
}

// shareMember is one function of a shareGroup.
type shareMember struct {
	fn         *shareFn
	start, end int // its declaration with its doc comment, as offsets
	args       []string
}

// shareGroup is functions that are equal but for their index constants.
type shareGroup struct {
	sig     string // the parameters of the functions: "(c *engine.Ctx, lo, hi int)"
	t       template
	members []*shareMember
}

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// share merges the functions of fns in the Go file src that are equal but
// for the index constants they use (see the top of this file); unique
// names the constructors.
func share(src []byte, fns []*shareFn, indexes, types map[string]string, unique func(string) string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	decls := map[string]*ast.FuncDecl{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			decls[fd.Name.Name] = fd
		}
	}
	byKey := map[string]*shareGroup{}
	var groups []*shareGroup
	for _, fn := range fns {
		d := decls[fn.name]
		if d == nil {
			return nil, fmt.Errorf("no function %s", fn.name)
		}
		sig := string(src[off(d.Type.Params.Pos()):off(d.Type.End())])
		t := abstract(src[off(d.Body.Pos()):off(d.Body.End())], indexes, strings.Contains(sig, "Ctx"))
		key := sig + t.fill(func(i int) string { return fmt.Sprintf("%s%d", t.stems[i], i) })
		grp := byKey[key]
		if grp == nil {
			grp = &shareGroup{sig: sig, t: t}
			byKey[key] = grp
			groups = append(groups, grp)
		}
		grp.members = append(grp.members, &shareMember{fn: fn, start: off(d.Doc.Pos()), end: off(d.End()), args: t.args})
	}
	var edits []edit
	calls := map[string]string{} // a merged function's name → its constructor's call
	for _, grp := range groups {
		if len(grp.members) < 2 {
			continue
		}
		if grp.same() {
			// Equal functions: the first serves for all.
			for _, m := range grp.members[1:] {
				edits = append(edits, edit{start: m.start, end: m.end})
				calls[m.fn.name] = grp.members[0].fn.name
			}
			continue
		}
		name, text, call := grp.constructor(types, unique)
		for i, m := range grp.members {
			e := edit{start: m.start, end: m.end}
			if i == 0 {
				e.text = text
			}
			edits = append(edits, e)
			calls[m.fn.name] = name + "(" + strings.Join(call(m), ", ") + ")"
		}
	}
	if len(edits) == 0 {
		return src, nil
	}
	// The references, in the program's tables.
	var s scanner.Scanner
	file := fset.AddFile("", -1, len(src))
	s.Init(file, src, nil, 0)
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if c, ok := calls[lit]; ok && tok == token.IDENT {
			o := file.Offset(pos)
			if !inside(edits, o) {
				edits = append(edits, edit{start: o, end: o + len(lit), text: c})
			}
		}
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b strings.Builder
	last := 0
	for _, e := range edits {
		b.Write(src[last:e.start])
		b.WriteString(e.text)
		last = e.end
	}
	b.Write(src[last:])
	return []byte(b.String()), nil
}

// inside reports whether offset o falls in a declaration being replaced.
func inside(edits []edit, o int) bool {
	for _, e := range edits {
		if o >= e.start && o < e.end {
			return true
		}
	}
	return false
}

// same reports whether the group's functions use the same index
// constants: they are equal.
func (grp *shareGroup) same() bool {
	for _, m := range grp.members[1:] {
		if !slices.Equal(m.args, grp.members[0].args) {
			return false
		}
	}
	return true
}

// constructor returns the name and the text of the group's constructor,
// and the arguments it takes for member m: the index constants that differ
// between members (the others stay constants of its body).
func (grp *shareGroup) constructor(types map[string]string, unique func(string) string) (string, string, func(m *shareMember) []string) {
	first := grp.members[0]
	t := grp.t
	varies := make([]bool, len(t.args))
	for _, m := range grp.members[1:] {
		for i, a := range m.args {
			varies[i] = varies[i] || a != first.args[i]
		}
	}
	names := make([]string, len(t.args))
	count := map[string]int{}
	var params, who []string
	lastType, sized := "", false
	for i, stem := range t.stems {
		if !varies[i] {
			names[i] = first.args[i]
			continue
		}
		names[i] = fmt.Sprintf("%s%d", stem, count[stem])
		count[stem]++
		typ := "int"
		if stem == "g" {
			typ = types[strings.TrimPrefix(first.args[i], "&")]
		}
		sized = sized || stem == "g" || stem == "n"
		if len(params) > 0 && typ != lastType {
			params[len(params)-1] += " " + lastType
		}
		params, lastType = append(params, names[i]), typ
	}
	if len(params) > 0 {
		params[len(params)-1] += " " + lastType
	}
	for _, m := range grp.members {
		if m.fn.who != "" && (len(who) == 0 || who[len(who)-1] != m.fn.who) {
			who = append(who, m.fn.who)
		}
	}
	stem, doc := first.fn.generic, first.fn.doc
	if sized { // layers of several sizes
		stem, doc = first.fn.kind, first.fn.kindDoc
	}
	if stem == "" {
		stem = first.fn.name
	}
	if len(who) > 4 {
		who = append(who[:3], fmt.Sprintf("%d others", len(who)-3))
	}
	name := unique(stem)
	kind := "phase"
	if strings.Contains(grp.sig, "Weights") {
		kind = "update"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "// %s returns the %s of %s, on the %s given: it %s\n",
		name, kind, list(who), list(kinds(t.stems, varies)), doc)
	fmt.Fprintf(&b, "func %s(%s) func%s {\n\treturn func%s %s\n}", name, strings.Join(params, ", "), grp.sig, grp.sig, t.fill(func(i int) string { return names[i] }))
	return name, b.String(), func(m *shareMember) []string {
		var args []string
		for i, a := range m.args {
			if varies[i] {
				args = append(args, a)
			}
		}
		return args
	}
}

// list is "a", "a and b", "a, b and c".
func list(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// kinds names what the parameters of a constructor are, in the order of
// the stems: "buffers", "tensors", ...
func kinds(stems []string, varies []bool) []string {
	what := map[string]string{"g": "geometries", "b": "buffers", "p": "tensors", "d": "derived tensors", "i": "int32 buffers", "s": "batch buffers", "n": "sizes"}
	var out []string
	seen := map[string]bool{}
	for _, k := range []string{"g", "b", "p", "d", "i", "s", "n"} {
		for i, s := range stems {
			if s == k && varies[i] && !seen[k] {
				seen[k] = true
				out = append(out, what[k])
			}
		}
	}
	return out
}
