package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/cnnc/cnnc/runtime"
)

// idxKind tells an IDX file by its name: "images" for *-images-idx3-ubyte
// (or *-images.idx3-ubyte), "labels" for *-labels-idx1-ubyte, with or
// without .gz; "" for any other name.
func idxKind(path string) string {
	base := strings.ToLower(filepath.Base(path))
	switch {
	case strings.Contains(base, "idx3-ubyte"):
		return "images"
	case strings.Contains(base, "idx1-ubyte"):
		return "labels"
	}
	return ""
}

// looksIDX reports whether content starts as an IDX file of unsigned bytes
// in 1 or 3 dimensions.
func looksIDX(content []byte) bool {
	return len(content) >= 4 && content[0] == 0 && content[1] == 0 && content[2] == 8 && (content[3] == 1 || content[3] == 3)
}

// isIDXContent reports whether the file at path starts as an IDX file.
func isIDXContent(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [4]byte
	n, _ := f.Read(head[:])
	return looksIDX(head[:n])
}

// idxFolderPair returns the images file of the pair a folder of IDX files
// holds for training (train-*) or testing (t10k-*), or "" when the folder
// holds no IDX images file at all. A folder that holds some, but not the
// one wanted, is an error that unwraps to an *fs.PathError (status 2).
func idxFolderPair(dir string, test bool) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	prefix, what := "train-", "training"
	if test {
		prefix, what = "t10k-", "test"
	}
	var found []string
	for _, e := range entries {
		name := e.Name()
		if idxKind(name) != "images" {
			continue
		}
		if strings.HasPrefix(name, prefix) {
			return filepath.Join(dir, name), nil
		}
		found = append(found, name)
	}
	if len(found) == 0 {
		return "", nil
	}
	missing := &fs.PathError{Op: "open", Path: filepath.Join(dir, prefix+"images-idx3-ubyte.gz"), Err: fs.ErrNotExist}
	return "", &runtime.FileError{File: dir, Err: missing,
		Msg: fmt.Sprintf("holds IDX images (%s) but no %simages-idx3-ubyte[.gz], the %s set", strings.Join(found, ", "), prefix, what)}
}

// labelsPath returns the labels file beside an IDX images file: its name
// with images and idx3 changed to labels and idx1, compressed or not
// (whichever exists; the one like the images file first).
func labelsPath(images string) (string, error) {
	dir, base := filepath.Split(images)
	stem, gz := strings.CutSuffix(base, ".gz")
	stem = strings.Replace(stem, "images", "labels", 1)
	stem = strings.Replace(stem, "idx3", "idx1", 1)
	want := []string{stem + ".gz", stem}
	if !gz {
		slices.Reverse(want)
	}
	var first error
	for _, name := range want {
		path := filepath.Join(dir, name)
		_, err := os.Stat(path)
		if err == nil {
			return path, nil
		}
		if first == nil {
			first = err
		}
	}
	return "", &missingLabels{images: images, want: want, err: first}
}

// missingLabels is the error of an IDX images file without its labels.
// It unwraps to the *fs.PathError of the first name looked for: a missing
// file is an I/O error (status 2).
type missingLabels struct {
	images string
	want   []string
	err    error
}

func (e *missingLabels) Error() string {
	return fmt.Sprintf("%s: its labels file is missing: want %s beside it", e.images, strings.Join(e.want, " or "))
}

func (e *missingLabels) Unwrap() error { return e.err }

// readIDXFile reads the IDX file at path (see ReadIDX).
func readIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: syscall.EISDIR}
	}
	size := st.Size()
	if !st.Mode().IsRegular() {
		size = -1
	}
	return ReadIDX(path, f, size)
}

// loadIDX reads an IDX images file and its labels as a data set for spec:
// images [N, rows, columns] for a network whose input is 1×rows×columns,
// and N labels, each a class of the network.
func loadIDX(images string, spec Spec) (*Set, error) {
	labels, err := labelsPath(images)
	if err != nil {
		// A missing images file is reported as such, as when it is opened.
		f, openErr := os.Open(images)
		if openErr != nil {
			return nil, openErr
		}
		f.Close()
		return nil, err
	}
	if !spec.Classifier {
		return nil, labelsOnly(images, spec)
	}
	img, errImg := readIDXFile(images)
	lab, errLab := readIDXFile(labels)
	if err := errors.Join(errImg, errLab); err != nil {
		return nil, err
	}
	var errs []error
	fail := func(file, format string, args ...any) {
		errs = append(errs, &runtime.FileError{File: file, Msg: fmt.Sprintf(format, args...)})
	}
	if len(img.Dims) != 3 {
		fail(images, "holds an array of %d dimensions (%s): IDX images have 3, count x rows x columns (magic number 0x00000803)", len(img.Dims), dimsX(img.Dims))
	}
	if len(lab.Dims) != 1 {
		fail(labels, "holds an array of %d dimensions (%s): IDX labels have 1, their count (magic number 0x00000801)", len(lab.Dims), dimsX(lab.Dims))
	}
	if len(errs) > 0 {
		return nil, errList(errs)
	}
	n, h, w := img.Dims[0], img.Dims[1], img.Dims[2]
	switch {
	case n == 0:
		fail(images, "holds no images")
	case lab.Dims[0] != n:
		fail(labels, "holds %s for the %s of %s", plural(lab.Dims[0], "label"), plural(n, "image"), images)
	}
	if !slices.Equal(spec.Input, []int{1, h, w}) {
		errs = append(errs, inputMismatch(images, 1, h, w, spec))
	}
	classes := spec.Output[0]
	bad, first := 0, -1
	for i, l := range lab.Data {
		if int(l) >= classes {
			if bad == 0 {
				first = i
			}
			bad++
		}
	}
	if bad > 0 {
		fail(labels, "label %d of image %d is out of range: the network has %s, 0 to %d (%s out of range)",
			lab.Data[first], first, plural(classes, "class"), classes-1, plural(bad, "label"))
	}
	if len(errs) > 0 {
		return nil, errList(errs)
	}
	s := &Set{N: n, X: make([]float32, len(img.Data)), Labels: make([]int32, n), Source: images}
	for i, b := range img.Data {
		s.X[i] = float32(b) / 255
	}
	for i, l := range lab.Data {
		s.Labels[i] = int32(l)
	}
	return s, nil
}
