package data

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// fixture reads the arrays of a testdata .npz file by name.
func fixture(t *testing.T, name string) map[string]*runtime.Array {
	t.Helper()
	arrays, err := runtime.ReadArrays(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*runtime.Array{}
	for _, a := range arrays {
		m[a.Name] = a
	}
	return m
}

// jsonArray decodes a JSON value stored as bytes in an array.
func jsonArray(t *testing.T, a *runtime.Array, v any) {
	t.Helper()
	b := make([]byte, len(a.I64))
	for i, x := range a.I64 {
		b[i] = byte(x)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestFolderAsTorchvision reads testdata/folder as torchvision's
// ImageFolder did when make_fixtures.py ran: the same classes, files in
// the same order (upper case first, "cat/sub-x" between "cat/sub" and
// "cat/sub/deeper", other files skipped), the same labels, and each image
// the same tensor through convert("L") or convert("RGB") and ToTensor:
// exactly for the PNGs (gray, RGB, RGBA, paletted; the 16-bit one by its
// high bytes), within 3/255 for the JPEG, whose decoders differ.
func TestFolderAsTorchvision(t *testing.T) {
	want := fixture(t, "folder.npz")
	var paths, classes []string
	jsonArray(t, want["paths"], &paths)
	jsonArray(t, want["classes"], &classes)

	gotClasses, files, err := Folder("testdata/folder")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotClasses, classes) {
		t.Errorf("classes %q, torchvision %q", gotClasses, classes)
	}
	var gotPaths []string
	var labels []int64
	for label, list := range files {
		for _, f := range list {
			rel, _ := filepath.Rel("testdata/folder", f)
			gotPaths = append(gotPaths, rel)
			labels = append(labels, int64(label))
		}
	}
	if !slices.Equal(gotPaths, paths) || !slices.Equal(labels, want["targets"].I64) {
		t.Fatalf("files %q labels %v, torchvision %q %v", gotPaths, labels, paths, want["targets"].I64)
	}

	for _, c := range []struct {
		mode string
		ch   int
	}{{"L", 1}, {"RGB", 3}} {
		spec := Spec{Input: []int{c.ch, 4, 5}, Output: []int{3}, Classifier: true}
		set, _, err := LoadTrain("testdata/folder", spec)
		if err != nil {
			t.Fatal(err)
		}
		ref := want["x_"+c.mode].Float32s()
		if set.N != len(paths) || len(set.X) != len(ref) || !slices.Equal(set.Classes, classes) {
			t.Fatalf("%s: %d samples, %d values; want %d, %d", c.mode, set.N, len(set.X), len(paths), len(ref))
		}
		size := c.ch * 20
		for i := range set.N {
			tol := float32(0)
			if strings.HasSuffix(paths[i], ".jpg") {
				tol = 3.0 / 255
			}
			for j := range size {
				if d := set.X[i*size+j] - ref[i*size+j]; d > tol || d < -tol {
					t.Errorf("%s: %s: value %d is %v, torchvision %v", c.mode, paths[i], j, set.X[i*size+j], ref[i*size+j])
					break
				}
			}
		}
	}
}

// TestFolderErrors: every problem names the folder or the image.
func TestFolderErrors(t *testing.T) {
	dir := t.TempDir()
	put := func(name string, data []byte) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec := Spec{Input: []int{1, 2, 3}, Output: []int{2}, Classifier: true}
	load := func(root string, spec Spec) error {
		_, _, err := LoadTrain(root, spec)
		return err
	}

	put("none/readme.txt", []byte("hi"))
	if err := load(filepath.Join(dir, "none"), spec); err == nil || !strings.Contains(err.Error(), "none: holds no class folders: an image data set is a folder of one folder") {
		t.Errorf("no classes: %v", err)
	}

	put("empty/a/x.png", pngBytes(t, 2, 3))
	put("empty/b/notes.txt", []byte("hi"))
	if err := os.MkdirAll(filepath.Join(dir, "empty/c"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := load(filepath.Join(dir, "empty"), Spec{Input: []int{1, 2, 3}, Output: []int{3}, Classifier: true})
	if err == nil || !strings.Contains(err.Error(), `empty: class folders "b" and "c" hold no image files (.jpg .jpeg .png`) {
		t.Errorf("empty classes: %v", err)
	}

	put("bad/a/1.png", pngBytes(t, 2, 3))
	put("bad/a/2.png", pngBytes(t, 3, 3))
	put("bad/a/3.bmp", []byte("BM\x00\x00"))
	put("bad/a/4.jpg", []byte("\x89PNG\r\n\x1a\nnot really"))
	put("bad/b/5.png", nil)
	put("bad/b/6.jpeg", []byte("\xff\xd8\xff\xe0 cut short"))
	err = load(filepath.Join(dir, "bad"), spec)
	for _, want := range []string{
		"bad/a/2.png: is 3x3 pixels (HxW): the network's input is 2x3",
		"bad/a/3.bmp: is a BMP image: cnnc reads PNG and JPEG",
		"bad/a/4.jpg: corrupt image: unexpected EOF", // a PNG by its content, cut short
		"bad/b/5.png: is empty: want a PNG or JPEG image",
		"bad/b/6.jpeg: corrupt image: ",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to hold %q", err, want)
		}
	}

	// More classes than the network has; channels it cannot take; a
	// network that learns targets.
	put("three/a/1.png", pngBytes(t, 2, 3))
	put("three/b/1.png", pngBytes(t, 2, 3))
	put("three/c/1.png", pngBytes(t, 2, 3))
	if err := load(filepath.Join(dir, "three"), spec); err == nil || !strings.Contains(err.Error(), "three: holds 3 class folders, but the network has 2 classes") {
		t.Errorf("classes: %v", err)
	}
	if err := load(filepath.Join(dir, "three"), Spec{Input: []int{2, 2, 3}, Output: []int{3}, Classifier: true}); err == nil || !strings.Contains(err.Error(), "the network's input is 2x2x3: images give 1 channel (grayscale) or 3 (RGB)") {
		t.Errorf("channels: %v", err)
	}
	if err := load(filepath.Join(dir, "three"), Spec{Input: []int{1, 2, 3}, Output: []int{3}}); err == nil || !strings.Contains(err.Error(), "holds class labels, but the network does not end in softmax") {
		t.Errorf("targets: %v", err)
	}

	// An unreadable image is an I/O error (status 2); a symbolic link
	// loop is read once.
	if os.Geteuid() != 0 {
		put("locked/a/1.png", pngBytes(t, 2, 3))
		if err := os.Chmod(filepath.Join(dir, "locked/a/1.png"), 0); err != nil {
			t.Fatal(err)
		}
		var pe *fs.PathError
		if err := load(filepath.Join(dir, "locked"), spec); !errors.As(err, &pe) {
			t.Errorf("unreadable: %v, want an *fs.PathError", err)
		}
	}
	put("loop/a/1.png", pngBytes(t, 2, 3))
	if err := os.Symlink("..", filepath.Join(dir, "loop/a/up")); err != nil {
		t.Fatal(err)
	}
	if _, files, err := Folder(filepath.Join(dir, "loop")); err != nil || len(files[0]) != 1 {
		t.Errorf("loop: %v %v", files, err)
	}
}

// TestImageBounded decodes the header of a PNG that declares 8000x8000
// pixels in 60 bytes: refused before the decoder allocates them.
func TestImageBounded(t *testing.T) {
	b := pngBytes(t, 1, 1)
	// The IHDR chunk's width and height, then its CRC made right.
	binary.BigEndian.PutUint32(b[16:], 8000)
	binary.BigEndian.PutUint32(b[20:], 8000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	_, err := DecodeImage("huge.png", b, 3, nil)
	goruntime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "huge.png: truncated or corrupt: its header declares 8000x8000 pixels, more than its") {
		t.Errorf("error %v", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("allocated %d bytes", got)
	}
}

// pngBytes is a gray PNG of h×w pixels.
func pngBytes(t *testing.T, h, w int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 10)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestResizeAsTorchvision resizes testdata/photo.png as make_fixtures.py
// did with torchvision (convert, ToTensor, Resize(antialias=False),
// Normalize), shrinking, growing and keeping its size: within 1e-6 before
// normalising (PyTorch computes the weights and sums in float32, cnnc in
// float64 rounded once; they differ by a few float32 roundings).
func TestResizeAsTorchvision(t *testing.T) {
	want := fixture(t, "resize.npz")
	norms := map[int]*Norm{
		1: {Mean: []float32{0.5}, Std: []float32{0.25}},
		3: {Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}},
	}
	for _, c := range []struct {
		mode   string
		ch     int
		oh, ow int
	}{{"L", 1, 5, 7}, {"L", 1, 20, 30}, {"L", 1, 13, 17}, {"RGB", 3, 5, 7}, {"RGB", 3, 20, 30}, {"RGB", 3, 13, 17}} {
		img, err := ReadImage("testdata/photo.png", c.ch, nil)
		if err != nil {
			t.Fatal(err)
		}
		x := Resize(img.Floats(), img.C, img.H, img.W, c.oh, c.ow)
		norms[c.ch].Apply(x, len(x))
		name := c.mode + "_" + strings.ReplaceAll(dims([]int{c.oh, c.ow}), " ", "x")
		ref := want[name].Float32s()
		if len(x) != len(ref) {
			t.Fatalf("%s: %d values, want %d", name, len(x), len(ref))
		}
		worst := 0.0
		for i := range x {
			worst = max(worst, math.Abs(float64(x[i]-ref[i])))
		}
		if tol := 1e-6 / float64(slices.Min(norms[c.ch].Std)); worst > tol {
			t.Errorf("%s: differs from torchvision by up to %g", name, worst)
		}
	}
}

// TestChannels converts colours as PIL's convert("L") and convert("RGB").
func TestChannels(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	img.Set(0, 0, color.NRGBA{R: 255, G: 128, B: 0, A: 255})
	img.Set(1, 0, color.NRGBA{R: 10, G: 20, B: 30, A: 0}) // alpha dropped, not applied
	if got := channels(img, 3).Pix; !slices.Equal(got, []byte{255, 10, 128, 20, 0, 30}) {
		t.Errorf("RGB %v", got)
	}
	// L = (19595 R + 38470 G + 7471 B + 32768) >> 16: 0.299·255 + 0.587·128
	// rounds to 151; 18.3 to 18.
	if got := channels(img, 1).Pix; !slices.Equal(got, []byte{151, 18}) {
		t.Errorf("L %v", got)
	}
}
