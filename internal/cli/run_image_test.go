package cli

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// TestRunImageAsTorchvision runs images through a network that is the
// identity (a 1x1 max pool), so that its output is the tensor cnnc made of
// each image: runtime/data/testdata/photo.png, 13x17 RGB, resized to 5x7
// (RGB) and 20x30 (gray) and normalised, against what torchvision made of
// it (make_fixtures.py: convert, ToTensor, Resize(antialias=False),
// Normalize): within 1e-6 before normalising, on both engines.
func TestRunImageAsTorchvision(t *testing.T) {
	fixtures := mustAbs(t, "../../runtime/data/testdata")
	want := map[string]*runtime.Array{}
	arrays, err := runtime.ReadArrays(filepath.Join(fixtures, "resize.npz"))
	must(t, err)
	for _, a := range arrays {
		want[a.Name] = a
	}
	t.Chdir(t.TempDir())
	t.Setenv("CNNC_CACHE", programCacheDir(t))
	must(t, os.WriteFile("rgb.cnn", []byte("input 5x7x3\npool max 1x1\n"), 0o644))
	must(t, os.WriteFile("gray.cnn", []byte("input 20x30x1\npool max 1x1\n"), 0o644))
	photo := filepath.Join(fixtures, "photo.png")
	engines := []string{"interp", "gen"}
	if testing.Short() {
		engines = engines[:1]
	}
	for _, engine := range engines {
		for _, c := range []struct {
			model, fixture string
			args           []string
			std            float64
		}{
			{"rgb.cnn", "RGB_5x7", []string{"--resize", "5x7", "--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225"}, 0.224},
			{"gray.cnn", "L_20x30", []string{"--resize", "20x30", "--mean", "0.5", "--std", "0.25"}, 0.25},
		} {
			args := append([]string{"run", "--engine", engine, "--image", photo, "--image", photo, "--out", "y.npz"}, c.args...)
			var out, errs bytes.Buffer
			if status := Run(append(args, c.model), nil, &out, &errs); status != 0 {
				t.Fatalf("%s %s: status %d: %s", engine, c.model, status, errs.String())
			}
			got, err := runtime.ReadArrays("y.npz")
			must(t, err)
			y, ref := got[0].Float64s(), want[c.fixture].Float64s()
			if len(y) != 2*len(ref) {
				t.Fatalf("%s %s: %d values, want 2×%d", engine, c.model, len(y), len(ref))
			}
			worst := 0.0
			for i, v := range y {
				worst = max(worst, math.Abs(v-ref[i%len(ref)]))
			}
			if worst > 1e-6/c.std {
				t.Errorf("%s %s: differs from torchvision by up to %g", engine, c.model, worst)
			}
		}
	}
}

// writePixel writes a PNG of one RGB pixel.
func writePixel(t *testing.T, name string, c color.NRGBA) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, c)
	var b bytes.Buffer
	must(t, png.Encode(&b, img))
	must(t, os.WriteFile(name, b.Bytes(), 0o644))
}

// TestRunImageTop prints each image's top classes with their names: a
// network whose three scores are the pixel's red, green and blue values
// (in [0, 1]) before a softmax, so that the order and the probabilities
// are known: (255, 0, 128) gives scores (1, 0, 128/255), in the order red,
// blue, green.
func TestRunImageTop(t *testing.T) {
	t.Chdir(t.TempDir())
	must(t, os.WriteFile("px.cnn", []byte("input 1x1x3\nfc 3\nsoftmax\n"), 0o644))
	must(t, runtime.WriteArrays("w.npz", []*runtime.Array{
		runtime.NewArray32("fc1.weight", []int{3, 3}, []float32{1, 0, 0, 0, 1, 0, 0, 0, 1}),
		runtime.NewArray32("fc1.bias", []int{3}, make([]float32, 3)),
	}))
	must(t, os.WriteFile("names.txt", []byte("red\ngreen\nblue\n"), 0o644))
	writePixel(t, "a.png", color.NRGBA{R: 255, G: 0, B: 128, A: 255})
	writePixel(t, "b.png", color.NRGBA{R: 0, G: 255, B: 0, A: 255})
	var out, errs bytes.Buffer
	if status := Run([]string{"run", "--weights", "w.npz", "--image", "a.png", "--image", "b.png", "--labels", "names.txt", "px.cnn"}, nil, &out, &errs); status != 0 {
		t.Fatalf("status %d: %s", status, errs.String())
	}
	b := 128.0 / 255
	sa := math.Exp(1) + 1 + math.Exp(b)
	sb := 2 + math.Exp(1)
	want := strings.Join([]string{
		"a.png",
		"  1. 0 red    " + g6(math.Exp(1)/sa),
		"  2. 2 blue   " + g6(math.Exp(b)/sa),
		"  3. 1 green  " + g6(1/sa),
		"b.png",
		"  1. 1 green  " + g6(math.Exp(1)/sb),
		"  2. 0 red    " + g6(1/sb),
		"  3. 2 blue   " + g6(1/sb),
		"",
	}, "\n")
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func g6(v float64) string { return fmt.Sprintf("%.6g", v) }

// TestRunImageErrors: statuses and messages of run --image.
func TestRunImageErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	must(t, os.WriteFile("px.cnn", []byte("input 1x1x3\nfc 3\nsoftmax\n"), 0o644))
	must(t, os.WriteFile("two.cnn", []byte("input 1x1x2\nfc 3\n"), 0o644))
	must(t, os.WriteFile("names.txt", []byte("red\ngreen\n"), 0o644))
	must(t, os.WriteFile("b.bmp", []byte("BM not really"), 0o644))
	writePixel(t, "a.png", color.NRGBA{R: 1, A: 255})
	img := image.NewGray(image.Rect(0, 0, 3, 2))
	var big bytes.Buffer
	must(t, png.Encode(&big, img))
	must(t, os.WriteFile("big.png", big.Bytes(), 0o644))
	for _, c := range []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"--image", "a.png", "--input", "x.npy"}, 2, "--input and --image: want one of them"},
		{[]string{"--input", "x.npy", "--resize", "2x2", "--mean", "1"}, 2, "--resize applies to --image\n--mean applies to --image\n--mean and --std come together\n"},
		{[]string{"--image", "a.png", "--resize", "2by2"}, 2, "--resize 2by2: want a size HxW, such as 224x224"},
		{[]string{"--image", "a.png", "--resize", "2x2"}, 2, "--resize 2x2: the network's input is 1x1"},
		{[]string{"--image", "big.png"}, 1, "big.png: is 2x3 pixels (HxW), the network's input 1x1: --resize 1x1 resizes it"},
		{[]string{"--image", "b.bmp"}, 1, "b.bmp: is a BMP image: cnnc reads PNG and JPEG"},
		{[]string{"--image", "missing.png"}, 2, "open missing.png: no such file or directory"},
		{[]string{"--image", "a.png", "--labels", "names.txt"}, 1, "names.txt: names 2 classes, but the network has 3 classes"},
		{[]string{"--image", "a.png", "--mean", "0,0", "--std", "1"}, 2, "--mean 0,0: want one number, or one for each of the network's 3 input channels"},
	} {
		var out, errs bytes.Buffer
		status := Run(append(append([]string{"run"}, c.args...), "px.cnn"), nil, &out, &errs)
		if status != c.status || !strings.Contains(errs.String(), c.want) {
			t.Errorf("cnnc run %s: status %d, want %d; stderr %q, want it to hold %q", strings.Join(c.args, " "), status, c.status, errs.String(), c.want)
		}
	}
	var out, errs bytes.Buffer
	if status := Run([]string{"run", "--image", "a.png", "two.cnn"}, nil, &out, &errs); status != 1 || !strings.Contains(errs.String(), "the network's input is 2x1x1: images give 1 channel (grayscale) or 3 (RGB)") {
		t.Errorf("two channels: status %d, %s", status, errs.String())
	}
}
