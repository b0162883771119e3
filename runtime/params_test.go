package runtime

import (
	"errors"
	"testing"
)

func TestCheckParams(t *testing.T) {
	want := []ParamSpec{
		{"conv1.weight", []int{64, 3, 3, 3}},
		{"conv1.bias", []int{64}},
		{"fc3.bias", []int{10}},
	}
	good := []*Array{
		NewArray32("conv1.bias", []int{64}, make([]float32, 64)),
		NewArray32("conv1.weight", []int{64, 3, 3, 3}, make([]float32, 64*27)),
		NewArray64("fc3.bias", []int{10}, make([]float64, 10)),
	}
	got, err := CheckParams("weights.npz", good, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["conv1.weight"] != good[1] {
		t.Errorf("got %v", got)
	}

	bad := []*Array{
		NewArray32("conv9.weight", []int{64, 3, 3, 3}, make([]float32, 64*27)),
		NewArray32("conv1.weight", []int{64, 3, 5, 5}, make([]float32, 64*75)),
		NewArray32("conv1.bias", []int{64}, make([]float32, 64)),
		NewArray32("conv1.bias", []int{64}, make([]float32, 64)),
	}
	_, err = CheckParams("weights.npz", bad, want)
	const msg = `weights.npz: conv1.weight: shape [64 3 3 3] expected, file has [64 3 5 5]
weights.npz: fc3.bias: missing (shape [10] expected)
weights.npz: conv9.weight: unexpected array (shape [64 3 3 3])
weights.npz: conv1.bias: appears more than once`
	wantError(t, err, msg)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Entry != "conv1.weight" {
		t.Errorf("first problem is %#v", fe)
	}
}
