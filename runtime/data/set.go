// Package data reads the data sets cnnc trains and evaluates on, and the
// images cnnc run classifies, into samples of float32 in PyTorch's C×H×W
// order:
//
//   - an .npz (or .safetensors) file holding x, y and optionally x_val,
//     y_val (see LoadTrain);
//   - the IDX files of MNIST and Fashion-MNIST, an images file
//     *-images-idx3-ubyte[.gz] with its *-labels-idx1-ubyte[.gz] beside it,
//     or a folder holding the train-* and t10k-* pairs;
//   - a folder of PNG and JPEG images in one sub-folder per class, read as
//     torchvision's datasets.ImageFolder reads it.
//
// Pixels become values in [0, 1] as torchvision's transforms.ToTensor makes
// them (a byte divided by 255). Every file is checked before its values are
// used, and each problem is an error naming the file (a *runtime.FileError,
// or a list of them); no allocation is larger than the bytes a file holds
// can justify. The package needs only the standard library and the
// runtime, so that the programs cnnc builds read data as cnnc does.
package data

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cnnc/cnnc/runtime"
)

// Set is a data set in memory: N samples of X, each C×H×W values in
// PyTorch's order, with a class label each (Labels, for a classifier) or
// the output each should give (Targets, N outputs, for any other network).
type Set struct {
	N       int
	X       []float32
	Labels  []int32
	Targets []float32
	// Classes names the classes when the data set does (an image folder's
	// sub-folders, in label order); nil otherwise.
	Classes []string
	// Source says where the samples came from, for messages: a file, "x_val
	// and y_val of d.npz", a folder.
	Source string
}

// Spec is what a network wants of its data.
type Spec struct {
	// Input is the shape of one sample, [C H W] (or [F]); Output the shape
	// of one output, [F] for a network ending flat.
	Input, Output []int
	// Classifier is set for a network that learns class labels (it ends in
	// softmax over Output[0] classes); it otherwise learns targets shaped
	// like Output, which only an .npz file holds.
	Classifier bool
	// Stdin is what a path naming standard input ("-", /dev/stdin) reads;
	// nil for os.Stdin.
	Stdin io.Reader
}

// LoadTrain reads the data set at path for training: the training samples,
// and the held-out ones of an .npz file holding x_val and y_val (nil
// otherwise). A folder of IDX files gives its train-* pair.
func LoadTrain(path string, spec Spec) (train, val *Set, err error) {
	return load(path, spec, false)
}

// LoadTest reads the data set at path for measuring a trained network: a
// folder of IDX files gives its t10k-* pair (the test set), an .npz file
// its x_val and y_val when it holds them, else its x and y.
func LoadTest(path string, spec Spec) (*Set, error) {
	train, val, err := load(path, spec, true)
	if val != nil {
		return val, err
	}
	return train, err
}

// LoadHeldOut reads the data set at path as the held-out samples of a
// training run (cnnc train's --val-data): as LoadTest, except that a
// folder of IDX files is refused, since its test set is for measuring a
// trained network.
func LoadHeldOut(path string, spec Spec) (*Set, error) {
	if !runtime.IsStdin(path) {
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			if idx, _ := idxFolderPair(path, true); idx != "" {
				return nil, &runtime.FileError{File: path, Msg: fmt.Sprintf("is a folder of IDX files, whose t10k pair is the test set cnnc eval measures: give an images file to hold out (%s), or hold out part of the training set with --val", filepath.Base(idx))}
			}
		}
	}
	return LoadTest(path, spec)
}

func load(path string, spec Spec, test bool) (train, val *Set, err error) {
	if runtime.IsStdin(path) {
		return loadStdin(path, spec)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() && !isTensorName(path) {
		idx, err := idxFolderPair(path, test)
		if err != nil {
			return nil, nil, err
		}
		if idx != "" {
			train, err = loadIDX(idx, spec)
			return train, nil, err
		}
		train, err = loadFolder(path, spec)
		return train, nil, err
	}
	if kind := idxKind(path); kind != "" {
		if kind == "labels" {
			return nil, nil, &runtime.FileError{File: path, Msg: "is an IDX labels file: give the images file (*-images-idx3-ubyte[.gz]), whose labels cnnc finds beside it"}
		}
		train, err = loadIDX(path, spec)
		return train, nil, err
	}
	arrays, err := runtime.ReadArrays(path)
	if err != nil {
		if isIDXContent(path) {
			return nil, nil, &runtime.FileError{File: path, Msg: "holds IDX data, but its name is not *-images-idx3-ubyte[.gz]: cnnc finds an IDX file's labels by its name"}
		}
		return nil, nil, err
	}
	return checkArrays(path, arrays, spec)
}

// loadStdin reads a data set from standard input: an .npz or .safetensors
// file, recognised by its content.
func loadStdin(path string, spec Spec) (train, val *Set, err error) {
	r := spec.Stdin
	if r == nil {
		r = os.Stdin
	}
	content, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("reading standard input: %w", err)
	}
	name := runtime.StdinName(path)
	if looksIDX(content) {
		return nil, nil, &runtime.FileError{File: name, Msg: "holds IDX data: an IDX images file is read by name, with its labels file beside it, not from standard input"}
	}
	arrays, err := runtime.ReadArraysFrom(name, strings.NewReader(string(content)))
	if err != nil {
		return nil, nil, err
	}
	return checkArrays(name, arrays, spec)
}

// isTensorName reports whether path ends in an extension of a tensor
// file: such a path is one even when it names a directory (an error).
func isTensorName(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npz", ".npy", ".safetensors":
		return true
	}
	return false
}

// labelsOnly is the error of a data set that holds class labels for a
// network that learns targets.
func labelsOnly(file string, spec Spec) error {
	return &runtime.FileError{File: file, Msg: fmt.Sprintf("holds class labels, but the network does not end in softmax: it learns targets [N %s], which only an .npz file holds", dims(spec.Output))}
}

// inputMismatch is the error of images of c channels of h×w pixels for a
// network whose samples are shaped spec.Input.
func inputMismatch(file string, c, h, w int, spec Spec) error {
	return &runtime.FileError{File: file, Msg: fmt.Sprintf("%s of %dx%d pixels (%dx%dx%d as CxHxW) do not fit the network, whose input is %s",
		channelWord(c), h, w, c, h, w, strings.ReplaceAll(dims(spec.Input), " ", "x"))}
}

func channelWord(c int) string {
	if c == 1 {
		return "images of one channel"
	}
	return fmt.Sprintf("images of %d channels", c)
}

func dims(shape []int) string { return strings.Trim(fmt.Sprint(shape), "[]") }

// plural writes n and the noun, with an s (es after s) unless n is 1.
func plural(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "s"):
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// errList joins errors as a list, one a line.
func errList(errs []error) error { return errors.Join(errs...) }
