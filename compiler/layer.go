package compiler

import (
	"errors"
	"fmt"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/cnnc/cnnc/dsl"
	"github.com/cnnc/cnnc/ir"
)

// layer checks one layer statement, for one copy of its enclosing repeats,
// and adds its node to the graph while shapes are known. Problems of the
// statement itself are reported only on its first visit (first is true);
// shape problems, which may differ between copies, on every visit.
func (c *checker) layer(s dsl.Stmt, first bool) {
	c.layers++
	text := fmt.Sprint(s)
	op, w, ok := c.build(s, text, first)
	if !ok {
		c.cur = nil
		return
	}
	pos := s.Position()
	if !c.hasInput {
		if first && c.declared != nil && c.layers == 1 {
			c.errorf(pos, "structure", "%s comes before the input (at %s); the input must come first", text, lineCol(c.declared.Pos))
		}
		return
	}
	c.warnings(pos, text, op, w) // repeated for each copy: the previous layer may differ
	c.lastKind, c.lastText = op.Kind(), text
	if c.cur == nil {
		return
	}
	c.add(op, site{pos: pos, text: text, label: dsl.LabelOf(s), groupsPos: w.GroupsPos}, c.cur)
}

// site is the statement a node comes from: its position and text, its
// label (nil without one) and, for a grouped conv, where its groups are.
type site struct {
	pos       lexer.Position
	text      string
	label     *dsl.Label
	groupsPos lexer.Position
}

// add adds a node applying op to inputs, named by its label or else by its
// kind in the current scope, and makes its output current. On a shape error
// it reports it, records the failure and makes the shape unknown.
func (c *checker) add(op ir.Op, at site, inputs ...*ir.Value) *ir.Node {
	in := make([]Shape, len(inputs))
	for i, v := range inputs {
		in[i] = v.Shape
	}
	if !c.fits(op, at, in) {
		c.fail(op, at, in)
		return nil
	}
	kind := op.Kind()
	var name string
	if at.label != nil {
		name = join(c.scope.path, at.label.Path)
	} else {
		c.scope.counts[kind]++
		name = join(c.scope.path, fmt.Sprintf("%s%d", kind, c.scope.counts[kind]))
	}
	n, err := c.b.Add(op, ir.Meta{Name: name, Text: at.text, Pos: irPos(at.pos), Copy: c.copy}, inputs...)
	if err != nil { // fits ran the same shape rule
		panic("compiler: " + err.Error())
	}
	c.macs += n.MACs
	switch op.(type) {
	case *ir.FC:
		c.flatBy = name
	case *ir.Softmax:
		c.flatBy = "softmax"
	}
	c.cur = n.Output
	return n
}

// join joins a scope's path and a name: "layer1.0" and "conv1" give
// "layer1.0.conv1"; an empty scope gives the name.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// fits runs op's shape rule on inputs of shapes in and checks the output and
// every tensor against MaxValues, reporting what fails.
func (c *checker) fits(op ir.Op, at site, in []Shape) bool {
	pos, text := at.pos, at.text
	out, err := op.Infer(in)
	if err != nil {
		c.shapeError(op, at, in, err)
		return false
	}
	if c.tooLarge(pos, text, out) {
		return false
	}
	for _, t := range op.Tensors(in) {
		if n := (&t).Size64(); n > MaxValues {
			c.errorf(pos, "limit", "%s: its %s has %s values, more than the %s a tensor may hold", text, t.Name, bigCount(n), bigCount(MaxValues))
			return false
		}
	}
	if m := c.macs + op.MACs(in, out); m > MaxMACs {
		c.errorf(pos, "limit", "%s%s: the network would do %s multiply-adds a sample up to here, more than the %s (2^61) cnnc counts",
			text, copyNote(c.copy), bigCount(m), bigCount(MaxMACs))
		return false
	}
	return true
}

// fail records the statement whose shape failed and makes the shape unknown.
func (c *checker) fail(op ir.Op, at site, in []Shape) {
	if c.result.Failed == nil {
		c.result.Failed = &Failure{Op: op, Text: at.text, Pos: at.pos, Copy: c.copy, In: in}
	}
	c.cur = nil
}

// shapeError reports err, the shape rule's refusal, with the statement and
// the copy it is in: "pool max 2x2 s2 on 3x3x4: (3 - 2 + 0)/2 + 1 = 1.5 is
// not a whole number: ...; p1 would give 2x2x4".
func (c *checker) shapeError(op ir.Op, at site, in []Shape, err error) {
	pos, text := at.pos, at.text
	var se *ir.ShapeError
	if cv, ok := op.(*ir.Conv); ok && errors.As(err, &se) && se.Kind == ir.Groups {
		c.errorf(at.groupsPos, "shape", "%s on %s%s: %d groups do not divide the %d input channels", text, in[0], copyNote(c.copy), cv.Groups, in[0].C)
		return
	}
	if errors.As(err, &se) && se.Kind == ir.FlatInput {
		features := "features"
		if in[0].C == 1 {
			features = "feature"
		}
		c.errorf(pos, "shape", "%s needs a feature map, but its input is %d flat %s (after %s)%s", text, in[0].C, features, c.flatBy, copyNote(c.copy))
		return
	}
	c.errorf(pos, "shape", "%s on %s%s: %v", text, shapeList(in), copyNote(c.copy), err)
}

// shapeList formats shapes as "8x8x4 and 4x4x4".
func shapeList(in []Shape) string {
	s := ""
	for i, x := range in {
		switch {
		case i == 0:
		case i == len(in)-1:
			s += " and "
		default:
			s += ", "
		}
		s += x.String()
	}
	return s
}
