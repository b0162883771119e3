package interp_test

import (
	"fmt"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/interp"
)

// A 2x2 filter over a 3x3 input, forward and backward (worked by hand in
// TestConvByHand).
func Example() {
	r, diags := compiler.Compile("tiny.cnn", []byte("input 3x3x1\nconv 2x2x1\n"))
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	m, err := interp.New(r.Graph)
	if err != nil {
		fmt.Println(err)
		return
	}
	err = m.SetParams(map[string][]float64{
		"conv1.weight": {1, 2, 3, 4}, // [K=1, C=1, Fh=2, Fw=2]
		"conv1.bias":   {1},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9} // one sample, [N=1, C=1, H=3, W=3]
	pass, err := m.Forward(x, 1, interp.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("y ", pass.Output())

	dx, grads, err := pass.Backward([]float64{1, 2, 3, 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("dx", dx)
	for i, p := range r.Graph.Params() {
		fmt.Println(p.Name, grads[i])
	}
	// Output:
	// y  [38 48 68 78]
	// dx [1 4 4 6 20 16 9 24 16]
	// conv1.weight [37 47 67 77]
	// conv1.bias [10]
}
