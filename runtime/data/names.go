package data

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/cnnc/cnnc/runtime"
)

// maxNamesFile bounds the size of a file of class names.
const maxNamesFile = 16 << 20

// ReadNames reads a file of class names, one a line in class order (as
// the imagenet_classes.txt of PyTorch's examples): blank lines at its end
// are ignored, a byte order mark at its start too, and it must name
// exactly classes classes. Errors name the file and, for a blank name,
// its line. A path naming standard input ("-", /dev/stdin) reads stdin
// (os.Stdin when nil).
func ReadNames(path string, classes int, stdin io.Reader) ([]string, error) {
	var r io.Reader
	if runtime.IsStdin(path) {
		r = stdin
		if r == nil {
			r = os.Stdin
		}
		path = runtime.StdinName(path)
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	content, err := io.ReadAll(io.LimitReader(r, maxNamesFile+1))
	if err != nil {
		return nil, err
	}
	fail := func(format string, args ...any) error {
		return &runtime.FileError{File: path, Msg: fmt.Sprintf(format, args...)}
	}
	if len(content) > maxNamesFile {
		return nil, fail("is larger than %d bytes: a file of class names holds a name a line", maxNamesFile)
	}
	if !utf8.Valid(content) {
		return nil, fail("is not UTF-8 text: a file of class names holds a name a line")
	}
	text := strings.TrimPrefix(string(content), "\ufeff")
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
		if lines[i] == "" {
			return nil, fail("line %d is blank: want a class name on every line", i+1)
		}
	}
	if len(lines) != classes {
		return nil, fail("names %s, but the network has %s", plural(len(lines), "class"), plural(classes, "class"))
	}
	return lines, nil
}
