package runner

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/data"
)

// ImageOptions are cnnc run's flags for images: the files, how they are
// resized and normalised, and the classes' names.
type ImageOptions struct {
	Images    []string // PNG or JPEG files, each a sample
	Resize    string   // HxW, the size to resize the images to; empty to keep theirs
	Mean, Std data.Floats
	Labels    string // the classes' names, one a line
}

// flags registers the options on fs.
func (o *ImageOptions) flags(fs *flag.FlagSet) {
	fs.Func("image", "classify the PNG or JPEG image `FILE` (repeat for more; instead of --input)", func(s string) error {
		o.Images = append(o.Images, s)
		return nil
	})
	fs.StringVar(&o.Resize, "resize", "", "resize the images to `HxW` (bilinear, as torchvision's Resize with antialias=False), the network's input size")
	fs.Var(&o.Mean, "mean", "normalise the images by subtracting this `mean` (one number, or one per channel), as in training")
	fs.Var(&o.Std, "std", "and dividing by this standard `deviation`")
	fs.StringVar(&o.Labels, "labels", "", "name the top classes with the names in `NAMES.txt`, one a line")
}

// imageArgs returns the options as a program's arguments.
func (o *ImageOptions) imageArgs() []string {
	var args []string
	for _, img := range o.Images {
		args = append(args, "-image", img)
	}
	for _, f := range [][2]string{{"-resize", o.Resize}, {"-mean", o.Mean.String()}, {"-std", o.Std.String()}, {"-labels", o.Labels}} {
		if f[1] != "" {
			args = append(args, f[0], f[1])
		}
	}
	return args
}

// check returns what is wrong with the image flags alone, or nil.
func (o *ImageOptions) check(input string) []string {
	var errs []string
	if len(o.Images) > 0 && input != "" {
		errs = append(errs, "--input and --image: want one of them")
	}
	if len(o.Images) == 0 {
		for _, f := range []struct{ name, v string }{{"--resize", o.Resize}, {"--mean", o.Mean.String()}, {"--std", o.Std.String()}} {
			if f.v != "" {
				errs = append(errs, fmt.Sprintf("%s applies to --image", f.name))
			}
		}
	}
	if (len(o.Mean) == 0) != (len(o.Std) == 0) {
		errs = append(errs, "--mean and --std come together")
	}
	if o.Resize != "" {
		if _, _, err := parseSize(o.Resize); err != nil {
			errs = append(errs, fmt.Sprintf("--resize %s: %v", o.Resize, err))
		}
	}
	return errs
}

// parseSize parses HxW.
func parseSize(s string) (h, w int, err error) {
	hs, ws, ok := strings.Cut(s, "x")
	h, errH := strconv.Atoi(hs)
	w, errW := strconv.Atoi(ws)
	if !ok || errH != nil || errW != nil || h < 1 || w < 1 || h > 1<<16 || w > 1<<16 {
		return 0, 0, errors.New("want a size HxW, such as 224x224")
	}
	return h, w, nil
}

// readImages reads the images as a batch for a network whose samples are
// shaped input, [C H W] with C 1 (grayscale) or 3 (RGB): each is decoded
// and converted to C channels (see data.ReadImage), scaled to [0, 1]
// (ToTensor), resized to --resize (data.Resize: bilinear, no antialiasing)
// and normalised by --mean and --std (Normalize), in that order, as
// torchvision's transforms.Compose([ToTensor(), Resize((H, W),
// antialias=False), Normalize(mean, std)]) on an image opened with PIL and
// converted with convert("L") or convert("RGB").
func (o *ImageOptions) readImages(input []int, stdin io.Reader) ([]float64, error) {
	if len(input) != 3 || input[0] != 1 && input[0] != 3 {
		return nil, fmt.Errorf("the network's input is %s: images give 1 channel (grayscale) or 3 (RGB)", strings.ReplaceAll(dims(input), " ", "x"))
	}
	c, h, w := input[0], input[1], input[2]
	if o.Resize != "" {
		rh, rw, err := parseSize(o.Resize)
		if err != nil {
			return nil, usagef("--resize %s: %v", o.Resize, err)
		}
		if rh != h || rw != w {
			return nil, usagef("--resize %s: the network's input is %dx%d", o.Resize, h, w)
		}
	}
	var norm *data.Norm
	if len(o.Mean) > 0 {
		var err error
		if norm, err = data.NewNorm(o.Mean, o.Std, c); err != nil {
			return nil, usagef("%v", err)
		}
	}
	var x []float64
	for _, path := range o.Images {
		check := func(ih, iw int) error {
			if o.Resize == "" && (ih != h || iw != w) {
				return &runtime.FileError{File: runtime.StdinName(path), Msg: fmt.Sprintf("is %dx%d pixels (HxW), the network's input %dx%d: --resize %dx%d resizes it", ih, iw, h, w, h, w)}
			}
			return nil
		}
		img, err := readImage(path, c, check, stdin)
		if err != nil {
			return nil, err
		}
		v := img.Floats()
		if img.H != h || img.W != w {
			v = data.Resize(v, c, img.H, img.W, h, w)
		}
		if norm != nil {
			norm.Apply(v, len(v))
		}
		for _, f := range v {
			if !finite(float64(f)) {
				return nil, usagef("--mean and --std make %s hold %v: want a normalisation that keeps values finite", runtime.StdinName(path), f)
			}
			x = append(x, float64(f))
		}
	}
	return x, nil
}

// readImage reads an image file, or standard input for "-" and
// /dev/stdin.
func readImage(path string, c int, check func(h, w int) error, stdin io.Reader) (*data.Image, error) {
	if !runtime.IsStdin(path) {
		return data.ReadImage(path, c, check)
	}
	if stdin == nil {
		stdin = os.Stdin
	}
	content, err := io.ReadAll(stdin)
	if err != nil {
		return nil, fmt.Errorf("reading standard input: %w", err)
	}
	return data.DecodeImage(runtime.StdinName(path), content, c, check)
}

// topClasses prints, for each of n samples of y (flat outputs of a
// classifier), its k top classes with their names and outputs, the first
// of equal outputs first:
//
//	sneaker.png
//	  1. 7 Sneaker     0.9731
//	  2. 5 Sandal      0.0213
func topClasses(w io.Writer, y []float64, n, k int, sources, names []string) {
	classes := len(y) / n
	k = min(k, classes)
	for s := range n {
		row := y[s*classes : (s+1)*classes]
		order := make([]int, classes)
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			switch {
			case above(row[a], row[b]):
				return -1
			case above(row[b], row[a]):
				return 1
			}
			return 0
		})
		labels := make([]string, k)
		width := 0
		for i, c := range order[:k] {
			labels[i] = fmt.Sprint(c)
			if c < len(names) {
				labels[i] += " " + names[c]
			}
			width = max(width, len([]rune(labels[i])))
		}
		fmt.Fprintln(w, sources[s])
		for i, c := range order[:k] {
			fmt.Fprintf(w, "  %d. %s  %.6g\n", i+1, pad(labels[i], width), row[c])
		}
	}
}
