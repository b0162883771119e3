package runtime

import (
	"errors"
	"fmt"
	"slices"
)

// ParamSpec names a parameter a network expects and its shape, in
// PyTorch's layout: conv weights [K, C, Fh, Fw], fc weights [out, in].
type ParamSpec struct {
	Name  string
	Shape []int
}

// CheckParams matches the arrays read from file against the parameters a
// network wants and returns them by name. Every wanted name must be present
// with exactly its shape, and no other name may be. Otherwise it returns
// nil and an error listing every problem, one *FileError per line (joined
// as by errors.Join): wrong shapes and missing names in the order of want,
// then unexpected and repeated names in the order of arrays, for example
//
//	weights.npz: conv1.weight: shape [64 3 3 3] expected, file has [64 3 5 5]
//	weights.npz: fc3.bias: missing (shape [10] expected)
//	weights.npz: conv9.weight: unexpected array (shape [64 3 3 3])
//
// The dtype is not checked: read values with Float32s or Float64s.
func CheckParams(file string, arrays []*Array, want []ParamSpec) (map[string]*Array, error) {
	byName := make(map[string]*Array, len(arrays))
	var errs []error
	problem := func(name, format string, args ...any) {
		errs = append(errs, &FileError{File: file, Entry: name, Msg: fmt.Sprintf(format, args...)})
	}
	var repeated []string
	for _, a := range arrays {
		if byName[a.Name] != nil {
			repeated = append(repeated, a.Name)
		}
		byName[a.Name] = a
	}
	wanted := make(map[string]bool, len(want))
	for _, p := range want {
		wanted[p.Name] = true
		a := byName[p.Name]
		switch {
		case a == nil:
			problem(p.Name, "missing (shape %v expected)", p.Shape)
		case !slices.Equal(a.Shape, p.Shape):
			problem(p.Name, "shape %v expected, file has %v", p.Shape, a.Shape)
		}
	}
	for _, a := range arrays {
		if !wanted[a.Name] {
			problem(a.Name, "unexpected array (shape %v)", a.Shape)
		}
	}
	for _, name := range repeated {
		problem(name, "appears more than once")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return byName, nil
}
