package onnx

import (
	"math"

	"github.com/cnnc/cnnc/ir"
)

// Exporters write some of cnnc's layers as several nodes:
//
//	silu       Mul(x, Sigmoid(x))
//	hardswish  Mul(x, HardSigmoid(x)) with alpha 1/6 and beta 0.5 (opsets before 14)
//	gelu       Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5), the factors in any order
//	           and x/√2 also as Mul(x, 1/√2)
//	fc         Add(MatMul(x, W), b)
//	relu6      Clip(Relu(x), min ≤ 0, 6) (opsets before 11)
//	padding    Pad(x) with zeros read by a Conv or an AveragePool: the
//	           padding of the conv or the pool (count_include_pad)
//
// findPatterns finds them before lowering: the last node of each becomes
// the layer (a fusion), the others are absorbed. Every value inside a
// pattern must be read by the pattern alone.

// fusion is a pattern found: its layer and the values it reads.
type fusion struct {
	f      ir.Func // silu, hardswish or gelu
	fc     bool
	x      string // the input
	matmul *Node  // for fc
	bias   string
}

func (l *lowerer) findPatterns() {
	for _, n := range l.x.order {
		switch n.OpType {
		case "Mul":
			l.findGated(n)
		case "Erf":
			l.findGELU(n)
		case "Add":
			l.findFC(n)
		case "Clip":
			l.findClippedReLU(n)
		case "Pad":
			l.findPad(n)
		}
	}
}

// only reports whether value v is read by node r alone (and is not the
// graph's output).
func (l *lowerer) only(v string, r *Node) bool {
	return v != l.x.output && l.x.soleReader(v) == r
}

// static returns the value of a constant known before lowering (an
// initializer, a Constant, an Identity of either), or nil.
func (l *lowerer) static(name string) *array {
	for range 100 {
		if t := l.x.inits[name]; t != nil {
			a, err := l.x.m.values(t)
			if err != nil {
				return nil
			}
			return a
		}
		p := l.x.producer[name]
		switch {
		case p == nil:
			return nil
		case p.OpType == "Identity" && len(p.Inputs) == 1:
			name = p.Inputs[0]
			continue
		case p.OpType == "Constant":
			a, err := constantValue(l.x.m, p)
			if err != nil {
				return nil
			}
			return a
		}
		return nil
	}
	return nil
}

// scalar reports whether value name is a constant single number near v.
func (l *lowerer) scalar(name string, v float64) bool {
	a := l.static(name)
	return a != nil && a.size() == 1 && near(a.at(0), v)
}

// other returns the input of a two-input node that is not v.
func other(n *Node, v string) (string, bool) {
	if len(n.Inputs) != 2 {
		return "", false
	}
	switch v {
	case n.Inputs[0]:
		return n.Inputs[1], true
	case n.Inputs[1]:
		return n.Inputs[0], true
	}
	return "", false
}

// findGated finds silu and hardswish ending at Mul node n.
func (l *lowerer) findGated(n *Node) {
	if len(n.Inputs) != 2 {
		return
	}
	for i := range 2 {
		x, g := n.Inputs[i], n.Inputs[1-i]
		p := l.x.producer[g]
		if p == nil || len(p.Inputs) != 1 || p.Inputs[0] != x || !l.only(g, n) {
			continue
		}
		switch {
		case p.OpType == "Sigmoid":
			l.fuse(n, &fusion{f: ir.SiLU, x: x}, p)
			return
		case p.OpType == "HardSigmoid" && near(float64(p.attrFloat("alpha", 0.2)), 1.0/6) && near(float64(p.attrFloat("beta", 0.5)), 0.5):
			l.fuse(n, &fusion{f: ir.Hardswish, x: x}, p)
			return
		}
	}
}

func (l *lowerer) fuse(root *Node, f *fusion, parts ...*Node) {
	l.fused[root] = f
	for _, p := range parts {
		l.absorbed[p] = true
	}
}

// findGELU finds the erf form of gelu around Erf node e.
func (l *lowerer) findGELU(e *Node) {
	if len(e.Inputs) != 1 || len(e.Outputs) != 1 {
		return
	}
	scale := l.x.producer[e.Inputs[0]]
	if scale == nil || len(scale.Inputs) != 2 || !l.only(e.Inputs[0], e) {
		return
	}
	var x string
	switch {
	case scale.OpType == "Div" && l.scalar(scale.Inputs[1], math.Sqrt2):
		x = scale.Inputs[0]
	case scale.OpType == "Mul" && l.scalar(scale.Inputs[1], 1/math.Sqrt2):
		x = scale.Inputs[0]
	case scale.OpType == "Mul" && l.scalar(scale.Inputs[0], 1/math.Sqrt2):
		x = scale.Inputs[1]
	default:
		return
	}
	add := l.x.soleReader(e.Outputs[0])
	if add == nil || add.OpType != "Add" || !l.only(e.Outputs[0], add) {
		return
	}
	if one, ok := other(add, e.Outputs[0]); !ok || !l.scalar(one, 1) {
		return
	}
	parts := []*Node{scale, e, add}
	cur, hasX, hasHalf := add.Outputs[0], false, false
	for range 2 {
		m := l.x.soleReader(cur)
		if m == nil || m.OpType != "Mul" || !l.only(cur, m) {
			return
		}
		o, ok := other(m, cur)
		switch {
		case !ok:
			return
		case o == x && !hasX:
			hasX = true
		case l.scalar(o, 0.5) && !hasHalf:
			hasHalf = true
		case l.halfX(o, x, m) && !hasX && !hasHalf:
			hasX, hasHalf = true, true
			parts = append(parts, l.x.producer[o])
		default:
			return
		}
		if hasX && hasHalf {
			l.fuse(m, &fusion{f: ir.GELU, x: x}, parts...)
			return
		}
		parts = append(parts, m)
		cur = m.Outputs[0]
	}
}

// halfX reports whether value v is Mul(x, 0.5), read by r alone.
func (l *lowerer) halfX(v, x string, r *Node) bool {
	p := l.x.producer[v]
	if p == nil || p.OpType != "Mul" || !l.only(v, r) {
		return false
	}
	o, ok := other(p, x)
	return ok && l.scalar(o, 0.5)
}

// findFC finds Add(MatMul(x, W), b) with W and b constant.
func (l *lowerer) findFC(add *Node) {
	if len(add.Inputs) != 2 {
		return
	}
	for i := range 2 {
		mm := l.x.producer[add.Inputs[i]]
		if mm == nil || mm.OpType != "MatMul" || len(mm.Inputs) != 2 || !l.only(add.Inputs[i], add) {
			continue
		}
		if l.static(mm.Inputs[1]) == nil || l.static(add.Inputs[1-i]) == nil {
			continue
		}
		l.fuse(add, &fusion{fc: true, x: mm.Inputs[0], matmul: mm, bias: add.Inputs[1-i]}, mm)
		return
	}
}

// lowerFusion adds the layer of a pattern ending at node n.
func (l *lowerer) lowerFusion(n *Node, f *fusion) error {
	if v := l.vals[f.x]; v != nil && v.bad {
		for _, out := range n.Outputs {
			l.vals[out] = &value{bad: true}
		}
		return nil
	}
	if !f.fc {
		return l.activation(n, f.f, 0, f.x)
	}
	x, err := l.get(f.x)
	if err != nil {
		return err
	}
	if x.net == nil || x.rank() != 2 {
		return unsupported("cnnc maps MatMul + Add to fc only on a flat input [N, F]")
	}
	w, c := l.static(f.matmul.Inputs[1]), l.static(f.bias)
	return l.fc(n, x, w, false, 1, c, 1, f.matmul.Inputs[1], f.bias)
}

// clipBounds returns a Clip's bounds when they are known before lowering:
// attributes before opset 11, constant inputs from then on.
func (l *lowerer) clipBounds(n *Node) (lo, hi float64, ok bool) {
	if l.x.opset < 11 {
		return float64(n.attrFloat("min", -math.MaxFloat32)), float64(n.attrFloat("max", math.MaxFloat32)), true
	}
	lo, hi = math.Inf(-1), math.Inf(1)
	for i, b := range []*float64{&lo, &hi} {
		if i+1 < len(n.Inputs) && n.Inputs[i+1] != "" {
			a := l.static(n.Inputs[i+1])
			if a == nil || a.size() != 1 {
				return 0, 0, false
			}
			*b = a.at(0)
		}
	}
	return lo, hi, true
}

// findClippedReLU finds relu6 written as Clip(Relu(x), min, 6).
func (l *lowerer) findClippedReLU(c *Node) {
	if len(c.Inputs) == 0 {
		return
	}
	p := l.x.producer[c.Inputs[0]]
	if p == nil || p.OpType != "Relu" || len(p.Inputs) != 1 || !l.only(c.Inputs[0], c) {
		return
	}
	if lo, hi, ok := l.clipBounds(c); ok && lo <= 0 && hi == 6 {
		l.fuse(c, &fusion{f: ir.ReLU6, x: p.Inputs[0]}, p)
	}
}

// padding is a Pad folded into the conv or pool that reads it: its input
// and the rows and columns it adds (top, left, bottom, right).
type padding struct {
	in   string
	pads [4]int64
}

// findPad finds a Pad with zeros around height and width only, read by a
// Conv or an AveragePool alone, which takes the padding over.
func (l *lowerer) findPad(p *Node) {
	if len(p.Inputs) == 0 || len(p.Outputs) != 1 || p.attrString("mode", "constant") != "constant" {
		return
	}
	r := l.x.soleReader(p.Outputs[0])
	if r == nil || r.OpType != "Conv" && r.OpType != "AveragePool" || !l.only(p.Outputs[0], r) || r.Inputs[0] != p.Outputs[0] {
		return
	}
	var pads []int64
	value := 0.0
	if l.x.opset < 11 {
		if a := p.attr("pads"); a != nil {
			pads = a.Ints
		}
		value = float64(p.attrFloat("value", 0))
	} else {
		if len(p.Inputs) < 2 {
			return
		}
		a := l.static(p.Inputs[1])
		if a == nil || a.i64 == nil {
			return
		}
		pads = a.i64
		if len(p.Inputs) > 2 && p.Inputs[2] != "" {
			v := l.static(p.Inputs[2])
			if v == nil || v.size() != 1 {
				return
			}
			value = v.at(0)
		}
	}
	if len(pads) != 8 || value != 0 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 {
		return
	}
	for _, v := range pads {
		if v < 0 {
			return
		}
	}
	l.padded[r] = &padding{in: p.Inputs[0], pads: [4]int64{pads[2], pads[3], pads[6], pads[7]}}
	l.absorbed[p] = true
}
