package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
)

// idxBytes is an IDX file of unsigned bytes: its header, then values.
func idxBytes(dims []uint32, values []byte) []byte {
	b := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, values...)
}

func gzipBytes(t testing.TB, data []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readIDXBytes(b []byte) (*IDX, error) {
	return ReadIDX("f", bytes.NewReader(b), int64(len(b)))
}

func TestReadIDX(t *testing.T) {
	good := idxBytes([]uint32{2, 1, 3}, []byte{1, 2, 3, 4, 5, 6})
	for _, b := range [][]byte{good, gzipBytes(t, good)} {
		x, err := readIDXBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(x.Dims, []int{2, 1, 3}) || !bytes.Equal(x.Data, []byte{1, 2, 3, 4, 5, 6}) {
			t.Errorf("ReadIDX gave %v %v", x.Dims, x.Data)
		}
	}

	gz := gzipBytes(t, good)
	corrupt := slices.Clone(gz)
	corrupt[len(corrupt)-6] ^= 0xff // the CRC
	float := slices.Clone(good)
	float[2] = 0x0d
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "f: is empty: an IDX file starts with a 4-byte magic number"},
		{"short", []byte{0, 0}, "f: truncated: 2 bytes, but an IDX file starts with a 4-byte magic number"},
		{"magic", []byte("PK\x03\x04rest"), "f: bad magic number 0x504b0304: not an IDX file"},
		{"no dims", []byte{0, 0, 8, 0}, "f: bad magic number 0x00000800: not an IDX file"},
		{"type", float, "f: holds float values (magic number 0x00000d03): cnnc reads IDX files of unsigned bytes (0x00000803)"},
		{"header", good[:9], "f: truncated header: 5 bytes of the 12 bytes that give its 3 dimensions"},
		{"data", good[:len(good)-2], "f: truncated: its header declares 2x1x3 values (6 bytes), the file holds 4 bytes of them"},
		{"gz data", gzipBytes(t, good[:len(good)-1]), "f: truncated: its header declares 2x1x3 values (6 bytes), the file holds 5 bytes of them"},
		{"gz cut", gz[:len(gz)-10], "f: truncated: its gzip data ends before their end mark and checksum"},
		{"gz cut more", gz[:len(gz)-14], "f: truncated: its header declares 2x1x3 values (6 bytes), the file holds"},
		{"trailing", append(slices.Clone(good), 9, 9), "f: 2 bytes after the 2x1x3 values its header declares (6 bytes)"},
		{"gz trailing", append(slices.Clone(gz), 'x'), "f: 1 byte after the end of its gzip data"},
		{"crc", corrupt, "f: corrupt gzip data in the values: gzip: invalid checksum"},
		{"huge", idxBytes([]uint32{1 << 20, 1 << 20, 2}, nil), "f: declares an array of 1048576x1048576x2 values, more than cnnc reads (2^31)"},
		{"gz header", []byte{0x1f, 0x8b, 1}, "f: not a valid gzip file: unexpected EOF"},
	} {
		_, err := readIDXBytes(c.data)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// TestReadIDXBounded reads headers that declare a billion values the file
// does not hold: nothing that large is allocated, compressed or not.
func TestReadIDXBounded(t *testing.T) {
	head := idxBytes([]uint32{1 << 10, 1 << 10, 1 << 10}, make([]byte, 100))
	for _, b := range [][]byte{head, gzipBytes(t, head)} {
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		_, err := readIDXBytes(b)
		goruntime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "truncated: its header declares 1024x1024x1024 values (1073741824 bytes), the file holds 100 bytes of them") {
			t.Errorf("error %v", err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
			t.Errorf("allocated %d bytes for a file of %d", got, len(b))
		}
	}
}

// testSpec is a network of 2x3 single-channel images and 3 classes.
var testSpec = Spec{Input: []int{1, 2, 3}, Output: []int{3}, Classifier: true}

// TestLoadIDX reads the tiny IDX data set of testdata/idx: the folder's
// train pair for training, its t10k pair for testing, and each images file
// by name (compressed or not, its labels the other way round).
func TestLoadIDX(t *testing.T) {
	train, val, err := LoadTrain("testdata/idx", testSpec)
	if err != nil {
		t.Fatal(err)
	}
	if val != nil || train.N != 3 || !slices.Equal(train.Labels, []int32{2, 0, 1}) || len(train.X) != 18 {
		t.Fatalf("train: %+v, val %v", train, val)
	}
	// The images are 0, 14, 28, ..., 238, divided by 255 in float32.
	for i, v := range train.X {
		if want := float32(14*i) / 255; v != want {
			t.Fatalf("train.X[%d] = %v, want %v", i, v, want)
		}
	}
	if train.Source != filepath.Join("testdata/idx", "train-images-idx3-ubyte") {
		t.Errorf("source %q", train.Source)
	}
	test, err := LoadTest("testdata/idx", testSpec)
	if err != nil {
		t.Fatal(err)
	}
	if test.N != 2 || !slices.Equal(test.Labels, []int32{1, 1}) || test.X[0] != 1 || test.X[11] != float32(255-14*11)/255 {
		t.Fatalf("test: %+v", test)
	}
	byName, err := LoadTest("testdata/idx/t10k-images-idx3-ubyte.gz", testSpec)
	if err != nil || !slices.Equal(byName.X, test.X) {
		t.Errorf("t10k by name: %v", err)
	}
	byName, _, err = LoadTrain("testdata/idx/train-images-idx3-ubyte", testSpec)
	if err != nil || !slices.Equal(byName.X, train.X) {
		t.Errorf("train by name: %v", err)
	}
}

// TestLoadIDXErrors: every problem of an IDX pair names its file, with
// status 1 (a *runtime.FileError) or 2 (an *fs.PathError: a missing file).
func TestLoadIDXErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	images := write("a-images-idx3-ubyte", idxBytes([]uint32{2, 2, 3}, make([]byte, 12)))
	write("a-labels-idx1-ubyte", idxBytes([]uint32{3}, []byte{0, 1, 2}))
	write("b-images-idx3-ubyte.gz", gzipBytes(t, idxBytes([]uint32{2, 4, 4}, make([]byte, 32))))
	write("b-labels-idx1-ubyte.gz", gzipBytes(t, idxBytes([]uint32{2}, []byte{0, 7})))
	write("c-images-idx3-ubyte", idxBytes([]uint32{6}, make([]byte, 6)))
	write("c-labels-idx1-ubyte", idxBytes([]uint32{2, 3}, make([]byte, 6)))
	write("d-images-idx3-ubyte", idxBytes([]uint32{2, 2, 3}, make([]byte, 12)))
	write("mnist.bin", idxBytes([]uint32{1, 2, 3}, make([]byte, 6)))

	for _, c := range []struct {
		path, want string
		missing    bool // an *fs.PathError
	}{
		{images, "a-labels-idx1-ubyte: holds 3 labels for the 2 images of " + images, false},
		{"b-images-idx3-ubyte.gz", "b-images-idx3-ubyte.gz: images of one channel of 4x4 pixels (1x4x4 as CxHxW) do not fit the network, whose input is 1x2x3", false},
		{"b-images-idx3-ubyte.gz", "b-labels-idx1-ubyte.gz: label 7 of image 1 is out of range: the network has 3 classes, 0 to 2 (1 label out of range)", false},
		{"c-images-idx3-ubyte", "c-images-idx3-ubyte: holds an array of 1 dimensions (6): IDX images have 3", false},
		{"c-images-idx3-ubyte", "c-labels-idx1-ubyte: holds an array of 2 dimensions (2x3): IDX labels have 1", false},
		{"a-labels-idx1-ubyte", "a-labels-idx1-ubyte: is an IDX labels file: give the images file", false},
		{"d-images-idx3-ubyte", "d-images-idx3-ubyte: its labels file is missing: want d-labels-idx1-ubyte or d-labels-idx1-ubyte.gz beside it", true},
		{"e-images-idx3-ubyte", "no such file or directory", true},
		{"mnist.bin", "mnist.bin: holds IDX data, but its name is not *-images-idx3-ubyte[.gz]", false},
	} {
		path := c.path
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		_, _, err := LoadTrain(path, testSpec)
		var pe *fs.PathError
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.As(err, &pe) != c.missing {
			t.Errorf("%s: error %v, want %q (missing file: %v)", c.path, err, c.want, c.missing)
		}
	}
	// A network that learns targets cannot learn from labels.
	_, _, err := LoadTrain(images, Spec{Input: []int{1, 2, 3}, Output: []int{2}})
	if err == nil || !strings.Contains(err.Error(), "holds class labels, but the network does not end in softmax: it learns targets [N 2]") {
		t.Errorf("targets: %v", err)
	}
	// A folder holding only the train pair has no test set.
	only := t.TempDir()
	if err := os.WriteFile(filepath.Join(only, "train-images-idx3-ubyte"), idxBytes([]uint32{1, 2, 3}, make([]byte, 6)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadTest(only, testSpec)
	var pe *fs.PathError
	if err == nil || !strings.Contains(err.Error(), "holds IDX images (train-images-idx3-ubyte) but no t10k-images-idx3-ubyte[.gz], the test set") || !errors.As(err, &pe) {
		t.Errorf("no t10k: %v", err)
	}
}

// TestFashionMNIST reads the real Fashion-MNIST files where Debian's
// dataset-fashion-mnist package put them: 60,000 training and 10,000 test
// images of 28x28, 6,000 and 1,000 of each class, and the pixel mean and
// deviation everyone quotes (0.2860, 0.3530).
func TestFashionMNIST(t *testing.T) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): %v", err)
	}
	spec := Spec{Input: []int{1, 28, 28}, Output: []int{10}, Classifier: true}
	train, _, err := LoadTrain(dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	test, err := LoadTest(dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s    *Set
		n    int
		name string
	}{{train, 60000, "train-images-idx3-ubyte.gz"}, {test, 10000, "t10k-images-idx3-ubyte.gz"}} {
		if c.s.N != c.n || len(c.s.X) != c.n*784 || filepath.Base(c.s.Source) != c.name {
			t.Fatalf("%s: %d samples, %d values", c.s.Source, c.s.N, len(c.s.X))
		}
		count := make([]int, 10)
		for _, l := range c.s.Labels {
			count[l]++
		}
		for k, n := range count {
			if n != c.n/10 {
				t.Errorf("%s: class %d has %d samples, want %d", c.name, k, n, c.n/10)
			}
		}
	}
	// The first training image is an ankle boot (class 9), the first test
	// one too.
	if train.Labels[0] != 9 || test.Labels[0] != 9 {
		t.Errorf("first labels %d, %d, want 9, 9", train.Labels[0], test.Labels[0])
	}
	n := Stats(train.X, 1, 784)
	if d := n.Mean[0] - 0.2860; d < -5e-5 || d > 5e-5 {
		t.Errorf("mean %v, want 0.2860", n.Mean[0])
	}
	if d := n.Std[0] - 0.3530; d < -5e-5 || d > 5e-5 {
		t.Errorf("std %v, want 0.3530", n.Std[0])
	}
}
