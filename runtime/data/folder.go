package data

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cnnc/cnnc/runtime"
)

// imageExtensions are torchvision's IMG_EXTENSIONS: the files an
// ImageFolder takes, by their name in lower case. cnnc decodes PNG and
// JPEG, and refuses the others by name rather than skip them, which would
// change the data set.
var imageExtensions = []string{".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"}

// maxDepth bounds how deep a class folder's sub-folders are read.
const maxDepth = 64

// maxProblems is how many images with problems an error names.
const maxProblems = 10

// Folder lists an image data set as torchvision's ImageFolder does: the
// classes are the sub-folders of dir, sorted (symbolic links followed, and
// hidden folders count); class i's samples are the files under its folder,
// at any depth, whose names end in one of torchvision's image extensions:
// folder by folder in the order of their paths, sorted, and the files of
// each sorted. A class with no image is an error, as in torchvision.
func Folder(dir string) (classes []string, files [][]string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		if isDir(filepath.Join(dir, e.Name()), e) {
			classes = append(classes, e.Name())
		}
	}
	if len(classes) == 0 {
		return nil, nil, &runtime.FileError{File: dir, Msg: "holds no class folders: an image data set is a folder of one folder of PNG or JPEG images per class, " +
			"as torchvision's ImageFolder reads it; an IDX data set holds train-images-idx3-ubyte[.gz] and its labels"}
	}
	slices.Sort(classes)
	var empty []string
	for _, c := range classes {
		var list []string
		var dirs []string
		seen := map[string]bool{}
		if err := walk(filepath.Join(dir, c), 0, seen, &dirs); err != nil {
			return nil, nil, err
		}
		slices.Sort(dirs)
		for _, d := range dirs {
			entries, err := os.ReadDir(d)
			if err != nil {
				return nil, nil, err
			}
			var names []string
			for _, e := range entries {
				if !isDir(filepath.Join(d, e.Name()), e) && hasImageExtension(e.Name()) {
					names = append(names, e.Name())
				}
			}
			slices.Sort(names)
			for _, n := range names {
				list = append(list, filepath.Join(d, n))
			}
		}
		if len(list) == 0 {
			empty = append(empty, c)
		}
		files = append(files, list)
	}
	if len(empty) > 0 {
		what := "class folder " + quoteList(empty, " and ") + " holds"
		if len(empty) > 1 {
			what = "class folders " + quoteList(empty, " and ") + " hold"
		}
		return nil, nil, &runtime.FileError{File: dir, Msg: fmt.Sprintf("%s no image files (%s)", what, strings.Join(imageExtensions, " "))}
	}
	return classes, files, nil
}

// walk appends dir and every folder under it to dirs, following symbolic
// links but visiting each folder once.
func walk(dir string, depth int, seen map[string]bool, dirs *[]string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	if seen[real] {
		return nil
	}
	if depth > maxDepth {
		return &runtime.FileError{File: dir, Msg: fmt.Sprintf("is nested more than %d folders deep in its class folder", maxDepth)}
	}
	seen[real] = true
	*dirs = append(*dirs, dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		sub := filepath.Join(dir, e.Name())
		if isDir(sub, e) {
			if err := walk(sub, depth+1, seen, dirs); err != nil {
				return err
			}
		}
	}
	return nil
}

// isDir reports whether a directory entry is a folder, following a
// symbolic link.
func isDir(path string, e os.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&os.ModeSymlink == 0 {
		return false
	}
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

func hasImageExtension(name string) bool {
	lower := strings.ToLower(name)
	return slices.ContainsFunc(imageExtensions, func(ext string) bool { return strings.HasSuffix(lower, ext) })
}

func quoteList(names []string, and string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + and + q[len(q)-1]
}

// loadFolder reads a folder of class folders of images (see Folder) as a
// data set for spec: every image must have the network's height and width;
// it is converted to the network's channels, 1 (luminance) or 3 (RGB), as
// ReadImage does.
func loadFolder(dir string, spec Spec) (*Set, error) {
	classes, files, err := Folder(dir)
	if err != nil {
		return nil, err
	}
	if !spec.Classifier {
		return nil, labelsOnly(dir, spec)
	}
	if len(spec.Input) != 3 || spec.Input[0] != 1 && spec.Input[0] != 3 {
		return nil, &runtime.FileError{File: dir, Msg: fmt.Sprintf("holds images, but the network's input is %s: images give 1 channel (grayscale) or 3 (RGB)", strings.ReplaceAll(dims(spec.Input), " ", "x"))}
	}
	if n := spec.Output[0]; len(classes) > n {
		return nil, &runtime.FileError{File: dir, Msg: fmt.Sprintf("holds %s, but the network has %s", plural(len(classes), "class folder"), plural(n, "class"))}
	}
	c, h, w := spec.Input[0], spec.Input[1], spec.Input[2]
	s := &Set{Classes: classes, Source: dir}
	var errs []error
	more := 0
	for label, list := range files {
		for _, f := range list {
			check := func(ih, iw int) error {
				if ih != h || iw != w {
					return &runtime.FileError{File: f, Msg: fmt.Sprintf("is %dx%d pixels (HxW): the network's input is %dx%d", ih, iw, h, w)}
				}
				return nil
			}
			img, err := ReadImage(f, c, check)
			if err != nil {
				if len(errs) < maxProblems {
					errs = append(errs, err)
				} else {
					more++
				}
				continue
			}
			if len(errs) == 0 {
				s.X = append(s.X, img.Floats()...)
				s.Labels = append(s.Labels, int32(label))
			}
		}
	}
	if more > 0 {
		errs = append(errs, fmt.Errorf("%s: and %s with problems", dir, plural(more, "more image")))
	}
	if len(errs) > 0 {
		return nil, errList(errs)
	}
	s.N = len(s.Labels)
	return s, nil
}
