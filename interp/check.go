package interp

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cnnc/cnnc/compiler"
)

// check recomputes what the interpreter relies on from each layer's
// statement (kind, sizes, strides, paddings) and the net's input, and
// returns an error listing every layer whose shapes or parameters disagree.
// The compiler should make this unreachable; the judge of the generated
// code does not take the compiler's word for it.
func check(net *compiler.Net) error {
	var problems []string
	if s := net.Input; s.H < 1 || s.W < 1 || s.C < 1 || (s.Flat && (s.H != 1 || s.W != 1)) {
		problems = append(problems, fmt.Sprintf("input shape %+v is not a valid sample", s))
	}
	cur := net.Input
	names := map[string]bool{}
	for i, l := range net.Layers {
		if l == nil {
			problems = append(problems, fmt.Sprintf("layer %d is nil", i))
			break
		}
		if l.In != cur {
			problems = append(problems, fmt.Sprintf("layer %d (%s): input %+v, but the previous layer gives %+v", i, l.Text, l.In, cur))
		}
		out, params, err := expect(l)
		switch {
		case err != "":
			problems = append(problems, fmt.Sprintf("layer %d (%s): %s", i, l.Text, err))
		case l.Out != out:
			problems = append(problems, fmt.Sprintf("layer %d (%s): output %+v, want %+v", i, l.Text, l.Out, out))
		case !sameParams(l.Params, params):
			problems = append(problems, fmt.Sprintf("layer %d (%s): parameters %+v, want %+v", i, l.Text, l.Params, params))
		}
		for _, p := range l.Params {
			if names[p.Name] {
				problems = append(problems, fmt.Sprintf("layer %d (%s): parameter name %q is used twice", i, l.Text, p.Name))
			}
			names[p.Name] = true
		}
		cur = l.Out
	}
	if len(problems) > 0 {
		return fmt.Errorf("interp: the net is inconsistent: %s", strings.Join(problems, "; "))
	}
	return nil
}

// expect returns the output shape and parameters layer l must have, given
// its input and attributes, or a description of what is wrong with them.
func expect(l *compiler.Layer) (out compiler.Shape, params []compiler.Param, problem string) {
	in := l.In
	switch l.Kind {
	case compiler.Conv, compiler.MaxPool, compiler.MeanPool:
		if in.Flat {
			return out, nil, "needs a feature map, got flat input"
		}
		if l.FH < 1 || l.FW < 1 || l.SH < 1 || l.SW < 1 || l.PH < 0 || l.PW < 0 {
			return out, nil, fmt.Sprintf("bad geometry: window %dx%d, stride %dx%d, padding %dx%d", l.FH, l.FW, l.SH, l.SW, l.PH, l.PW)
		}
		h, okH := outSize(in.H, l.FH, l.SH, l.PH)
		w, okW := outSize(in.W, l.FW, l.SW, l.PW)
		if !okH || !okW {
			return out, nil, fmt.Sprintf("output size of %s is not a whole positive number", in)
		}
		if l.Kind == compiler.Conv {
			if l.K < 1 {
				return out, nil, fmt.Sprintf("%d filters", l.K)
			}
			fanIn := in.C * l.FH * l.FW
			return compiler.Shape{H: h, W: w, C: l.K}, []compiler.Param{
				{Name: l.Name + ".weight", Shape: []int{l.K, in.C, l.FH, l.FW}, FanIn: fanIn},
				{Name: l.Name + ".bias", Shape: []int{l.K}},
			}, ""
		}
		// PyTorch requires a pool's padding to be at most half its window;
		// then every window holds an input and mean pooling's divisor is
		// always Fh·Fw.
		if 2*l.PH > l.FH || 2*l.PW > l.FW {
			return out, nil, fmt.Sprintf("padding %dx%d is more than half the window %dx%d", l.PH, l.PW, l.FH, l.FW)
		}
		return compiler.Shape{H: h, W: w, C: in.C}, nil, ""
	case compiler.FC:
		if l.K < 1 {
			return out, nil, fmt.Sprintf("%d outputs", l.K)
		}
		return compiler.Shape{H: 1, W: 1, C: l.K, Flat: true}, []compiler.Param{
			{Name: l.Name + ".weight", Shape: []int{l.K, in.Size()}, FanIn: in.Size()},
			{Name: l.Name + ".bias", Shape: []int{l.K}},
		}, ""
	case compiler.Softmax:
		return compiler.Shape{H: 1, W: 1, C: in.Size(), Flat: true}, nil, ""
	case compiler.ReLU, compiler.Sigmoid, compiler.Tanh:
		return in, nil, ""
	case compiler.Leaky:
		if math.IsNaN(l.Alpha) || math.IsInf(l.Alpha, 0) {
			return out, nil, fmt.Sprintf("slope %v is not finite", l.Alpha)
		}
		return in, nil, ""
	case compiler.Dropout:
		if !(l.Alpha >= 0 && l.Alpha < 1) {
			return out, nil, fmt.Sprintf("probability %v is outside [0, 1)", l.Alpha)
		}
		return in, nil, ""
	}
	return out, nil, fmt.Sprintf("unknown kind %v", l.Kind)
}

// outSize returns (W-F+2P)/S+1 and whether it is a whole number of at least
// 1. For example, W=5, F=3, P=1, S=2 gives 3; W=4, F=3, P=0, S=2 gives 1.5,
// which is refused: PyTorch would floor it, but cnnc's nets never do.
func outSize(w, f, s, p int) (int, bool) {
	num := w - f + 2*p
	if num < 0 || num%s != 0 {
		return 0, false
	}
	return num/s + 1, true
}

// sameParams reports whether two parameter lists are equal.
func sameParams(a, b []compiler.Param) bool {
	return slices.EqualFunc(a, b, func(p, q compiler.Param) bool {
		return p.Name == q.Name && p.FanIn == q.FanIn && slices.Equal(p.Shape, q.Shape)
	})
}
