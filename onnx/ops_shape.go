package onnx

import (
	"slices"

	"github.com/cnnc/cnnc/ir"
)

// The operators that only move values: aliases, constants, the small
// integer computations exporters write for x.view(x.size(0), -1), and
// flattening. None of them adds a layer, except Concat and Add on the
// network's tensors.

func lowerIdentity(l *lowerer, n *Node) error {
	v, err := l.input(n, 0)
	if err != nil {
		return err
	}
	return l.set(n, v)
}

// lowerConstant reads a Constant's value attribute (value, or one of the
// value_float(s)/value_int(s) forms of opset 12).
func lowerConstant(l *lowerer, n *Node) error {
	a, err := constantValue(l.x.m, n)
	if err != nil {
		return err
	}
	return l.set(n, &value{c: a})
}

func constantValue(m *Model, n *Node) (*array, error) {
	if len(n.Attrs) != 1 {
		return nil, unsupported("a Constant needs exactly one value attribute, it has %d", len(n.Attrs))
	}
	a := n.Attrs[0]
	switch a.Name {
	case "value":
		if a.T == nil {
			return nil, unsupported("its value attribute holds no tensor")
		}
		return m.values(a.T)
	case "value_float":
		return &array{dims: []int{}, f32: []float32{a.F}}, nil
	case "value_floats":
		return &array{dims: []int{len(a.Floats)}, f32: append([]float32{}, a.Floats...)}, nil
	case "value_int":
		return &array{dims: []int{}, i64: []int64{a.I}}, nil
	case "value_ints":
		return &array{dims: []int{len(a.Ints)}, i64: append([]int64{}, a.Ints...)}, nil
	}
	return nil, unsupported("a Constant's %s is not a number cnnc reads", a.Name)
}

// lowerShape gives the shape of a network tensor: [batch, C, H, W], or
// [batch, F] when flat, batch standing for any batch size.
func lowerShape(l *lowerer, n *Node) error {
	v, err := l.netInput(n, 0)
	if err != nil {
		return err
	}
	s := v.net.Shape
	dims := []int64{batchDim, int64(s.C), int64(s.H), int64(s.W)}
	if v.rank() == 2 {
		dims = []int64{batchDim, int64(s.Size())}
	}
	start, end := n.attrInt("start", 0), n.attrInt("end", int64(len(dims)))
	r := int64(len(dims))
	start, end = max(0, min(r, wrap(start, r))), max(0, min(r, wrap(end, r)))
	dims = dims[start:max(start, end)]
	return l.set(n, &value{c: &array{dims: []int{len(dims)}, i64: dims}})
}

func wrap(i, r int64) int64 {
	if i < 0 {
		return i + r
	}
	return i
}

// lowerGather picks elements of a constant vector (a shape).
func lowerGather(l *lowerer, n *Node) error {
	data, err := l.constInput(n, 0, false)
	if err != nil {
		return err
	}
	idx, err := l.constInput(n, 1, false)
	if err != nil {
		return err
	}
	if len(data.dims) != 1 || n.attrInt("axis", 0) != 0 || idx.isFloat() {
		return unsupported("cnnc computes Gather only on a vector of integers (a shape)")
	}
	out := &array{dims: idx.dims, i64: make([]int64, len(idx.i64))}
	for i, k := range idx.i64 {
		k = wrap(k, int64(len(data.i64)))
		if k < 0 || k >= int64(len(data.i64)) || data.i64 == nil {
			return unsupported("index %d is out of range for %d values", idx.i64[i], data.size())
		}
		out.i64[i] = data.i64[k]
	}
	return l.set(n, &value{c: out})
}

// axesOf returns a node's axes: the attribute before opset 13, input 1
// from then on (for Squeeze and Unsqueeze).
func (l *lowerer) axesOf(n *Node) ([]int64, bool, error) {
	if l.x.opset < 13 || n.attr("axes") != nil {
		a := n.attr("axes")
		if a == nil {
			return nil, false, nil
		}
		return a.Ints, true, nil
	}
	c, err := l.constInput(n, 1, true)
	if err != nil || c == nil {
		return nil, false, err
	}
	if c.i64 == nil {
		return nil, false, unsupported("its axes are not integers")
	}
	return c.i64, true, nil
}

// lowerUnsqueeze adds dimensions of size 1 to a constant.
func lowerUnsqueeze(l *lowerer, n *Node) error {
	v, err := l.input(n, 0)
	if err != nil {
		return err
	}
	ax, ok, err := l.axesOf(n)
	if err != nil {
		return err
	}
	if v.c == nil || !ok {
		return unsupported("cnnc computes Unsqueeze only on constants")
	}
	as, err := axes(ax, len(v.c.dims)+len(ax))
	if err != nil {
		return err
	}
	dims := slices.Clone(v.c.dims)
	for _, a := range as {
		dims = slices.Insert(dims, min(a, len(dims)), 1)
	}
	c := *v.c
	c.dims = dims
	return l.set(n, &value{c: &c})
}

// lowerSqueeze drops dimensions of size 1: of a constant, or the 1x1 of a
// network tensor [N, C, 1, 1], which makes it flat.
func lowerSqueeze(l *lowerer, n *Node) error {
	v, err := l.input(n, 0)
	if err != nil {
		return err
	}
	ax, ok, err := l.axesOf(n)
	if err != nil {
		return err
	}
	if v.c != nil {
		dims := []int{}
		if ok {
			as, err := axes(ax, len(v.c.dims))
			if err != nil {
				return err
			}
			for i, d := range v.c.dims {
				if !slices.Contains(as, i) {
					dims = append(dims, d)
				}
			}
		} else {
			for _, d := range v.c.dims {
				if d != 1 {
					dims = append(dims, d)
				}
			}
		}
		c := *v.c
		c.dims = dims
		return l.set(n, &value{c: &c})
	}
	if !ok || v.rank() != 4 {
		return unsupported("cnnc maps Squeeze on the network's tensors only with axes 2 and 3")
	}
	as, err := axes(ax, 4)
	if err != nil {
		return err
	}
	if !slices.Equal(as, []int{2, 3}) || v.net.Shape.H != 1 || v.net.Shape.W != 1 {
		return unsupported("cnnc maps Squeeze on the network's tensors only on a 1x1 map with axes 2 and 3, not axes %v of %s", ax, v.net.Shape)
	}
	return l.set(n, &value{net: v.net, flat: true})
}

// lowerCast converts a constant, or passes a network tensor cast to a
// float type through.
func lowerCast(l *lowerer, n *Node) error {
	v, err := l.input(n, 0)
	if err != nil {
		return err
	}
	to := int32(n.attrInt("to", 0))
	if v.net != nil {
		if to != typeFloat && to != typeDouble {
			return unsupported("it casts the network's values to %s", typeName(to))
		}
		return l.set(n, v)
	}
	c := &array{dims: v.c.dims}
	switch to {
	case typeFloat, typeFloat16, typeBfloat16:
		c.f32 = make([]float32, v.c.size())
		for i := range c.f32 {
			c.f32[i] = float32(v.c.at(i))
		}
	case typeDouble:
		c.f64 = make([]float64, v.c.size())
		for i := range c.f64 {
			c.f64[i] = v.c.at(i)
		}
	default:
		c.i64 = make([]int64, v.c.size())
		for i := range c.i64 {
			if v.c.i64 != nil {
				c.i64[i] = v.c.i64[i]
			} else {
				c.i64[i] = int64(v.c.at(i))
			}
		}
	}
	return l.set(n, &value{c: c})
}

// lowerConcat joins network tensors along channels (a concat block), or
// integer vectors (a shape being built).
func lowerConcat(l *lowerer, n *Node) error {
	vs := make([]*value, len(n.Inputs))
	nets := 0
	for i := range n.Inputs {
		v, err := l.input(n, i)
		if err != nil {
			return err
		}
		vs[i] = v
		if v.net != nil {
			nets++
		}
	}
	axis := n.attrInt("axis", 0)
	if nets == 0 {
		out := &array{dims: []int{0}, i64: []int64{}}
		for _, v := range vs {
			if len(v.c.dims) != 1 || v.c.i64 == nil || (axis != 0 && axis != -1) {
				return unsupported("cnnc computes Concat of constants only on integer vectors (shapes)")
			}
			out.i64 = append(out.i64, v.c.i64...)
		}
		out.dims[0] = len(out.i64)
		return l.set(n, &value{c: out})
	}
	if nets != len(vs) {
		return unsupported("it joins the network's tensors with constants")
	}
	r := vs[0].rank()
	ins := make([]*ir.Value, len(vs))
	flat := false
	for i, v := range vs {
		if v.rank() != r {
			return unsupported("its inputs have different ranks")
		}
		if r == 2 && (v.net.Shape.H != 1 || v.net.Shape.W != 1) && !v.net.Shape.Flat {
			return unsupported("cnnc joins flattened tensors only when they were 1x1 maps")
		}
		ins[i], flat = v.net, flat || v.flat
	}
	if a := wrap(axis, int64(r)); a != 1 {
		return unsupported("it joins along axis %d; cnnc's concat joins channels (axis 1)", axis)
	}
	return l.emit(n, &ir.Concat{}, nil, flat, ins...)
}

// lowerAdd sums two network tensors of one shape (a residual block).
func lowerAdd(l *lowerer, n *Node) error {
	if len(n.Inputs) != 2 {
		return unsupported("it sums %s; cnnc's residual blocks sum 2", plural(len(n.Inputs), "input"))
	}
	a, err := l.input(n, 0)
	if err != nil {
		return err
	}
	b, err := l.input(n, 1)
	if err != nil {
		return err
	}
	if a.net == nil || b.net == nil {
		return unsupported("it adds a constant to the network's values; cnnc adds constants only as the bias of fc (MatMul + Add) or conv")
	}
	if a.rank() != b.rank() || a.net.Shape != b.net.Shape {
		return unsupported("it adds %s and %s: cnnc adds only tensors of one shape, without broadcasting", a.net.Shape, b.net.Shape)
	}
	return l.emit(n, &ir.Add{}, nil, a.flat || b.flat, a.net, b.net)
}

// lowerFlatten flattens [N, C, H, W] to [N, C·H·W] (axis 1): cnnc's fc and
// softmax do that to their input themselves.
func lowerFlatten(l *lowerer, n *Node) error {
	v, err := l.netInput(n, 0)
	if err != nil {
		return err
	}
	if a := wrap(n.attrInt("axis", 1), int64(v.rank())); a != 1 {
		return unsupported("it flattens from axis %d; cnnc flattens only from axis 1 (keeping the batch)", n.attrInt("axis", 1))
	}
	return l.set(n, &value{net: v.net, flat: true})
}

// lowerReshape accepts the reshapes that only flatten, [N, -1] and the
// like, and those that change nothing.
func lowerReshape(l *lowerer, n *Node) error {
	v, err := l.netInput(n, 0)
	if err != nil {
		return err
	}
	to, err := l.constInput(n, 1, false)
	if err != nil {
		return err
	}
	if to.i64 == nil {
		return unsupported("its shape is not a vector of integers")
	}
	t, s := to.i64, v.net.Shape
	allowZero := n.attrInt("allowzero", 0) == 1
	isBatch := func(d int64) bool {
		return d == batchDim || (d == 0 && !allowZero) || d == -1 || (l.batch > 0 && d == l.batch)
	}
	if len(t) == 2 && isBatch(t[0]) && (t[1] == -1 && t[0] != -1 || t[1] == int64(s.Size())) {
		return l.set(n, &value{net: v.net, flat: true})
	}
	if len(t) == 4 && v.rank() == 4 && isBatch(t[0]) {
		same := true
		for i, d := range []int{s.C, s.H, s.W} {
			same = same && (t[i+1] == int64(d) || t[i+1] == 0 && !allowZero)
		}
		if same {
			return l.set(n, v)
		}
	}
	shown := make([]any, len(t))
	for i, d := range t {
		shown[i] = d
		if d == batchDim {
			shown[i] = "N"
		}
	}
	return unsupported("it reshapes %s to %v; cnnc maps only reshapes that flatten [N, C, H, W] to [N, C·H·W]", s, shown)
}
