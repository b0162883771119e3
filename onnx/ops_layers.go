package onnx

import (
	"slices"
	"strconv"

	"github.com/cnnc/cnnc/ir"
)

// The operators that become cnnc layers with tensors (conv, batchnorm, fc)
// or windows (pools).

// mapInput returns input 0 as a feature map, [N, C, H, W].
func (l *lowerer) mapInput(n *Node) (*value, error) {
	var v *value
	var err error
	if p := l.padded[n]; p != nil {
		v, err = l.get(p.in)
		if err == nil && v.net == nil {
			err = unsupported("it pads a constant")
		}
	} else {
		v, err = l.netInput(n, 0)
	}
	if err != nil {
		return nil, err
	}
	if v.rank() != 4 {
		return nil, unsupported("its input is flat; cnnc's %s reads a feature map [N, C, H, W]", n.OpType)
	}
	return v, nil
}

// window is a conv's or pool's geometry along height and width.
type window struct {
	f, s, d, p [2]int
}

// windowOf reads kernel_shape, strides, dilations, pads and auto_pad for
// an input of height and width hw. Padding must be the same on both sides
// of each axis; auto_pad SAME_UPPER/SAME_LOWER gives that only when the
// total padding is even.
func windowOf(n *Node, kernel []int64, hw [2]int, extra *padding) (window, error) {
	var w window
	k, err := n.attrInts("kernel_shape", 2, kernel)
	if err != nil {
		return w, err
	}
	if k == nil {
		return w, unsupported("it has no kernel_shape")
	}
	if kernel != nil && !slices.Equal(k, kernel) {
		return w, unsupported("its kernel_shape %v disagrees with its weight's %v", k, kernel)
	}
	if len(k) != 2 {
		return w, unsupported("a kernel of %s: cnnc's conv and pool are 2-D", plural(len(k), "dimension"))
	}
	s, err := n.attrInts("strides", 2, ones(2))
	if err != nil {
		return w, err
	}
	d, err := n.attrInts("dilations", 2, ones(2))
	if err != nil {
		return w, err
	}
	pads, err := n.attrInts("pads", 4, make([]int64, 4))
	if err != nil {
		return w, err
	}
	if extra != nil {
		if n.attrString("auto_pad", "NOTSET") != "NOTSET" {
			return w, unsupported("it is padded by a Pad node and by auto_pad")
		}
		pads = slices.Clone(pads)
		for i := range pads {
			pads[i] += extra.pads[i]
		}
	}
	for i := range 2 {
		if w.f[i], err = smallInt("the kernel size", k[i], 1); err != nil {
			return w, err
		}
		if w.s[i], err = smallInt("the stride", s[i], 1); err != nil {
			return w, err
		}
		if w.d[i], err = smallInt("the dilation", d[i], 1); err != nil {
			return w, err
		}
	}
	switch pad := n.attrString("auto_pad", "NOTSET"); pad {
	case "NOTSET":
		if pads[0] != pads[2] || pads[1] != pads[3] {
			return w, unsupported("its padding %v (top, left, bottom, right) is not the same on both sides, which cnnc's p cannot say", pads)
		}
		for i := range 2 {
			if w.p[i], err = smallInt("the padding", pads[i], 0); err != nil {
				return w, err
			}
		}
	case "VALID":
	case "SAME_UPPER", "SAME_LOWER":
		for i := range 2 {
			out := (hw[i] + w.s[i] - 1) / w.s[i]
			total := max(0, (out-1)*w.s[i]+w.d[i]*(w.f[i]-1)+1-hw[i])
			if total%2 != 0 {
				return w, unsupported("auto_pad %s pads %d rows or columns, which cannot be split evenly between the two sides", pad, total)
			}
			w.p[i] = total / 2
		}
	default:
		return w, unsupported("auto_pad %q is not one ONNX defines", pad)
	}
	return w, nil
}

func lowerConv(l *lowerer, n *Node) error {
	x, err := l.mapInput(n)
	if err != nil {
		return err
	}
	wt, err := l.constInput(n, 1, false)
	if err != nil {
		return err
	}
	b, err := l.constInput(n, 2, true)
	if err != nil {
		return err
	}
	if len(wt.dims) != 4 || !wt.isFloat() {
		return unsupported("its weight is %s %s; cnnc's conv is 2-D, with float weights [K, C/G, FH, FW]", typeOf(wt), dimsString(wt.dims))
	}
	s := x.net.Shape
	win, err := windowOf(n, []int64{int64(wt.dims[2]), int64(wt.dims[3])}, [2]int{s.H, s.W}, l.padded[n])
	if err != nil {
		return err
	}
	g, err := smallInt("the number of groups", n.attrInt("group", 1), 1)
	if err != nil {
		return err
	}
	if wt.dims[1]*g != s.C {
		return unsupported("its weight %s with %d groups reads %d channels, but its input has %d", dimsString(wt.dims), g, wt.dims[1]*g, s.C)
	}
	op := &ir.Conv{FH: win.f[0], FW: win.f[1], K: wt.dims[0], SH: win.s[0], SW: win.s[1], PH: win.p[0], PW: win.p[1],
		DH: win.d[0], DW: win.d[1], Groups: g, NoBias: b == nil}
	params := map[string]param{"weight": {wt, n.Inputs[1]}}
	if b != nil {
		params["bias"] = param{b, n.Inputs[2]}
	}
	return l.emit(n, op, params, false, x.net)
}

func typeOf(a *array) string {
	if a.isFloat() {
		return "float"
	}
	return "integer"
}

func lowerBatchNorm(l *lowerer, n *Node) error {
	x, err := l.netInput(n, 0)
	if err != nil {
		return err
	}
	s := x.net.Shape
	if x.flat && !s.Flat && (s.H != 1 || s.W != 1) {
		return unsupported("it normalises each of the %d features of a flattened %s map, which cnnc's batchnorm cannot (it normalises channels of a map)", s.Size(), s)
	}
	if n.attrInt("spatial", 1) != 1 || n.attrInt("training_mode", 0) != 0 {
		return unsupported("it is in training mode or not spatial; cnnc imports inference batchnorm")
	}
	params := map[string]param{}
	for i, name := range []string{"weight", "bias", "running_mean", "running_var"} {
		a, err := l.constInput(n, i+1, false)
		if err != nil {
			return err
		}
		if !a.isFloat() || a.size() != s.C {
			return unsupported("its %s has %s, want %d", name, plural(a.size(), "value"), s.C)
		}
		params[name] = param{a, n.Inputs[i+1]}
	}
	_, eps := decimal(n.attrFloat("epsilon", 1e-5))
	// ONNX's momentum weighs the running value (0.9), PyTorch's the batch's
	// (0.1): six digits of 1 - momentum say what the float32 meant.
	mom, _ := strconv.ParseFloat(strconv.FormatFloat(1-float64(n.attrFloat("momentum", 0.9)), 'g', 6, 64), 64)
	return l.emit(n, &ir.BatchNorm{Eps: eps, Momentum: mom}, params, x.flat, x.net)
}

// flatInput returns input 0 as a flat tensor [N, F] (a map flattened).
func (l *lowerer) flatInput(n *Node) (*value, error) {
	v, err := l.netInput(n, 0)
	if err != nil {
		return nil, err
	}
	if v.rank() != 2 {
		return nil, unsupported("its input is a map %s; cnnc's fc reads [N, F] (Flatten first)", v.net.Shape)
	}
	return v, nil
}

func lowerGemm(l *lowerer, n *Node) error {
	x, err := l.flatInput(n)
	if err != nil {
		return err
	}
	if n.attrInt("transA", 0) != 0 {
		return unsupported("transA is set; cnnc's fc multiplies the input as it is")
	}
	w, err := l.constInput(n, 1, false)
	if err != nil {
		return err
	}
	c, err := l.constInput(n, 2, true)
	if err != nil {
		return err
	}
	return l.fc(n, x, w, n.attrInt("transB", 0) != 0, n.attrFloat("alpha", 1), c, n.attrFloat("beta", 1), n.Inputs[1], input(n, 2))
}

func input(n *Node, i int) string {
	if i < len(n.Inputs) {
		return n.Inputs[i]
	}
	return ""
}

func lowerMatMul(l *lowerer, n *Node) error {
	x, err := l.flatInput(n)
	if err != nil {
		return err
	}
	w, err := l.constInput(n, 1, false)
	if err != nil {
		return err
	}
	return l.fc(n, x, w, false, 1, nil, 1, n.Inputs[1], "")
}

// fc adds an fc layer computing alpha·x·W + beta·c, W being w or, when
// transposed, wᵀ: [F, K] or [K, F]. c is the bias, a vector of K, one
// value to broadcast, or nil for none (cnnc's fc has a bias: it is zeros).
func (l *lowerer) fc(n *Node, x *value, w *array, transposed bool, alpha float32, c *array, beta float32, wFrom, cFrom string) error {
	f := x.net.Shape.Size()
	if len(w.dims) != 2 || !w.isFloat() {
		return unsupported("its weight is %s %s; cnnc's fc needs a float matrix", typeOf(w), dimsString(w.dims))
	}
	k, in := w.dims[1], w.dims[0]
	if transposed {
		k, in = in, k
	}
	if in != f {
		return unsupported("its weight %s reads %d features, but its input has %d", dimsString(w.dims), in, f)
	}
	weight := w
	if !transposed || alpha != 1 {
		weight = scaled(w, alpha, !transposed)
		wFrom = ""
	}
	var bias *array
	switch {
	case c == nil:
		bias = scaled(&array{dims: []int{k}, f32: make([]float32, k)}, 1, false)
		cFrom = ""
	case !c.isFloat() || c.size() != k && c.size() != 1:
		return unsupported("its bias %s does not fit %d outputs", dimsString(c.dims), k)
	default:
		bias = scaled(c, beta, false)
		if c.size() == 1 && k != 1 {
			bias = broadcast(bias, k)
		}
		if beta != 1 || c.size() != k {
			cFrom = ""
		}
	}
	bias.dims = []int{k}
	params := map[string]param{"weight": {weight, wFrom}, "bias": {bias, cFrom}}
	return l.emit(n, &ir.FC{K: k}, params, false, x.net)
}

// scaled returns alpha·a, transposed when a is a matrix and transpose is
// set; a itself when there is nothing to do.
func scaled(a *array, alpha float32, transpose bool) *array {
	if alpha == 1 && !transpose {
		return a
	}
	out := &array{dims: slices.Clone(a.dims)}
	rows, cols := 1, a.size()
	if transpose {
		rows, cols = a.dims[0], a.dims[1]
		out.dims = []int{cols, rows}
	}
	src := func(i int) int { // the index in a of value i of out
		if !transpose {
			return i
		}
		return (i%rows)*cols + i/rows
	}
	if a.f64 != nil {
		out.f64 = make([]float64, a.size())
		for i := range out.f64 {
			out.f64[i] = float64(alpha) * a.f64[src(i)]
		}
		return out
	}
	out.f32 = make([]float32, a.size())
	for i := range out.f32 {
		out.f32[i] = alpha * a.f32[src(i)]
	}
	return out
}

func broadcast(a *array, k int) *array {
	out := &array{dims: []int{k}}
	if a.f64 != nil {
		out.f64 = slices.Repeat(a.f64[:1], k)
	} else {
		out.f32 = slices.Repeat(a.f32[:1], k)
	}
	return out
}

func lowerPool(l *lowerer, n *Node) error {
	x, err := l.mapInput(n)
	if err != nil {
		return err
	}
	s := x.net.Shape
	win, err := windowOf(n, nil, [2]int{s.H, s.W}, l.padded[n])
	if err != nil {
		return err
	}
	if win.d != [2]int{1, 1} {
		return unsupported("it is dilated; cnnc's pools are not")
	}
	mode := ir.Max
	if n.OpType == "AveragePool" {
		mode = ir.Mean
		own, err := windowOf(n, nil, [2]int{s.H, s.W}, nil)
		if err != nil {
			return err
		}
		if n.attrInt("count_include_pad", 0) == 0 && own.p != [2]int{} {
			return unsupported("it averages without counting the padding (count_include_pad 0); cnnc's mean pool counts it, as PyTorch's AvgPool2d does by default")
		}
	}
	op := &ir.Pool{Mode: mode, FH: win.f[0], FW: win.f[1], SH: win.s[0], SW: win.s[1], PH: win.p[0], PW: win.p[1]}
	if n.attrInt("ceil_mode", 0) != 0 {
		for i, in := range []int{s.H, s.W} {
			floor := (in+2*win.p[i]-win.f[i])/win.s[i] + 1
			ceil := (in+2*win.p[i]-win.f[i]+win.s[i]-1)/win.s[i] + 1
			if (ceil-1)*win.s[i] >= in+win.p[i] { // PyTorch drops a last window that starts in the padding
				ceil--
			}
			if ceil != floor {
				return unsupported("ceil_mode gives %d rows or columns where cnnc's pool gives %d", ceil, floor)
			}
		}
	}
	return l.emit(n, op, nil, false, x.net)
}

func lowerGlobalPool(l *lowerer, n *Node) error {
	x, err := l.mapInput(n)
	if err != nil {
		return err
	}
	mode := ir.Mean
	if n.OpType == "GlobalMaxPool" {
		mode = ir.Max
	}
	return l.emit(n, &ir.GlobalPool{Mode: mode}, nil, false, x.net)
}

// lowerReduce maps ReduceMean and ReduceMax over height and width to a
// global pool (flat when keepdims is 0).
func lowerReduce(l *lowerer, n *Node) error {
	x, err := l.mapInput(n)
	if err != nil {
		return err
	}
	a := n.attr("axes")
	if a == nil {
		return unsupported("cnnc maps %s only over axes 2 and 3 (a global pool)", n.OpType)
	}
	as, err := axes(a.Ints, 4)
	if err != nil {
		return err
	}
	if !slices.Equal(as, []int{2, 3}) {
		return unsupported("cnnc maps %s only over axes 2 and 3 (a global pool), not %v", n.OpType, a.Ints)
	}
	mode := ir.Mean
	if n.OpType == "ReduceMax" {
		mode = ir.Max
	}
	return l.emit(n, &ir.GlobalPool{Mode: mode}, nil, n.attrInt("keepdims", 1) == 0, x.net)
}
