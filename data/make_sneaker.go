//go:build ignore

// Make_sneaker writes the pictures of the README's Fashion-MNIST
// walkthrough for cnnc run --image: the first sneaker (class 7) of
// Fashion-MNIST's test set, as it is (sneaker.png, 28x28, 8-bit grey) and
// twice its size (sneaker56.jpg: each pixel a 2x2 block, JPEG quality 90).
// Fashion-MNIST is Zalando Research's, under the MIT licence. Run it from
// the repository's root, with Debian's dataset-fashion-mnist installed:
//
//	go run data/make_sneaker.go   # writes data/sneaker.png, data/sneaker56.jpg
//
// It makes the same files again, byte for byte (Go's encoders are
// deterministic).
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
)

const (
	dir     = "/usr/share/datasets/fashion-mnist"
	sneaker = 7
	side    = 28
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "make_sneaker:", err)
		os.Exit(1)
	}
}

func run() error {
	labels, err := readIDX(dir+"/t10k-labels-idx1-ubyte.gz", 0x801, 8)
	if err != nil {
		return err
	}
	images, err := readIDX(dir+"/t10k-images-idx3-ubyte.gz", 0x803, 16)
	if err != nil {
		return err
	}
	i := bytes.IndexByte(labels, sneaker)
	if i < 0 || len(images) < (i+1)*side*side {
		return fmt.Errorf("no sneaker in the test set")
	}
	small := image.NewGray(image.Rect(0, 0, side, side))
	copy(small.Pix, images[i*side*side:(i+1)*side*side])
	big := image.NewGray(image.Rect(0, 0, 2*side, 2*side))
	for y := range 2 * side {
		for x := range 2 * side {
			big.Pix[y*2*side+x] = small.Pix[y/2*side+x/2]
		}
	}
	var p, j bytes.Buffer
	if err := png.Encode(&p, small); err != nil {
		return err
	}
	if err := jpeg.Encode(&j, big, &jpeg.Options{Quality: 90}); err != nil {
		return err
	}
	if err := os.WriteFile("data/sneaker.png", p.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile("data/sneaker56.jpg", j.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("test image %d (a sneaker): data/sneaker.png, data/sneaker56.jpg\n", i)
	return nil
}

// readIDX returns the values of a gzipped IDX file after its header of
// size bytes, which must begin with magic.
func readIDX(name string, magic uint32, size int) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(b) < size || binary.BigEndian.Uint32(b) != magic {
		return nil, fmt.Errorf("%s: not an IDX file of magic %#x", name, magic)
	}
	return b[size:], nil
}
