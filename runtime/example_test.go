package runtime_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/cnnc/cnnc/runtime"
)

func ExampleNewArray32() {
	w := runtime.NewArray32("fc1.weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	// Row-major: element [1][0] is at index 1*3 + 0.
	fmt.Println(w.Size(), w.DType(), w.F32[1*3+0])
	fmt.Println(w.Float64s())
	// Output:
	// 6 float32 4
	// [1 2 3 4 5 6]
}

func ExampleWriteArrays() {
	dir, err := os.MkdirTemp("", "weights")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	path := filepath.Join(dir, "weights.npz")
	err = runtime.WriteArrays(path, []*runtime.Array{
		runtime.NewArray32("conv1.weight", []int{2, 1, 1, 1}, []float32{0.5, -0.5}),
		runtime.NewArray32("conv1.bias", []int{2}, []float32{0, 0}),
		runtime.NewArrayInt64("bn1.num_batches_tracked", nil, []int64{3}),
	})
	if err != nil {
		log.Fatal(err)
	}
	arrays, err := runtime.ReadArrays(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range arrays {
		fmt.Println(a.Name, a.Shape, a.DType(), a.Float32s())
	}
	// Output:
	// conv1.weight [2 1 1 1] float32 [0.5 -0.5]
	// conv1.bias [2] float32 [0 0]
	// bn1.num_batches_tracked [] int64 [3]
}

func ExampleReadArrays_errors() {
	_, err := runtime.ReadArrays("testdata/bigendian.npy")
	fmt.Println(err)
	_, err = runtime.ReadArrays("testdata/expected.json")
	fmt.Println(err)
	// Output:
	// testdata/bigendian.npy: big-endian data (">f4") is not supported; save with little-endian float32 or float64
	// testdata/expected.json: is not a .npy, .npz or .safetensors file: it starts with "{\n \"empty.npy\": ", where .npy has the magic "\x93NUMPY", .npz (a zip archive) "PK", and .safetensors an 8-byte header length and '{'
}

func ExampleReadNPY() {
	var buf bytes.Buffer
	if err := runtime.WriteNPY(&buf, runtime.NewArray64("", []int{3}, []float64{1, 2, 3})); err != nil {
		log.Fatal(err)
	}
	header := buf.Bytes()[:bytes.IndexByte(buf.Bytes(), '}')+1]
	fmt.Printf("%q\n", header)
	a, err := runtime.ReadNPY(&buf)
	fmt.Println(a.Shape, a.F64, err)
	// Output:
	// "\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"
	// [3] [1 2 3] <nil>
}

func ExampleCheckParams() {
	arrays, err := runtime.ReadArrays("testdata/model.npz")
	if err != nil {
		log.Fatal(err)
	}
	_, err = runtime.CheckParams("testdata/model.npz", arrays, []runtime.ParamSpec{
		{Name: "conv1.weight", Shape: []int{2, 1, 5, 5}},
		{Name: "conv1.bias", Shape: []int{2}},
		{Name: "fc1.weight", Shape: []int{3, 8}},
		{Name: "fc1.bias", Shape: []int{3}},
		{Name: "fc2.bias", Shape: []int{10}},
	})
	fmt.Println(err)
	// Output:
	// testdata/model.npz: conv1.weight: shape [2 1 5 5] expected, file has [2 1 3 3]
	// testdata/model.npz: fc2.bias: missing (shape [10] expected)
	// testdata/model.npz: bn1.weight: unexpected array (shape [2])
	// testdata/model.npz: bn1.bias: unexpected array (shape [2])
	// testdata/model.npz: bn1.running_mean: unexpected array (shape [2])
	// testdata/model.npz: bn1.running_var: unexpected array (shape [2])
	// testdata/model.npz: bn1.num_batches_tracked: unexpected array (shape [])
}

func ExampleWriteAtomic() {
	dir, err := os.MkdirTemp("", "atomic")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	path := filepath.Join(dir, "report.txt")
	runtime.WriteFileAtomic(path, []byte("old\n"), 0o644)
	err = runtime.WriteAtomic(path, 0o644, func(w io.Writer) error {
		fmt.Fprintln(w, "half a report")
		return errors.New("disk on fire")
	})
	fmt.Println(err != nil)
	b, _ := os.ReadFile(path)
	fmt.Print(string(b))
	// Output:
	// true
	// old
}
