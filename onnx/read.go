package onnx

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// maxModelBytes is the largest model file read: protobuf messages are
// limited to 2 GiB, so larger weights live in external data files.
const maxModelBytes = 2 << 30

// ReadFile reads the ONNX model at name. Its external data files, if any,
// are read later, from name's folder, when the importer needs them. An
// error opening or reading the file is returned as it is (an *fs.PathError);
// a file that is not a well-formed model gives a *FormatError.
func ReadFile(name string) (*Model, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, &os.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	if info.Size() > maxModelBytes {
		return nil, &FormatError{File: name, Offset: -1, Msg: fmt.Sprintf("%d bytes is more than a protobuf message can hold (2 GiB); weights that large belong in external data files", info.Size())}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxModelBytes+1))
	if err != nil {
		return nil, err
	}
	return Decode(name, data, filepath.Dir(name))
}

// Decode reads an ONNX model from data, naming it file in errors. External
// data files are read from the folder dir, and only from inside it; ""
// refuses them (a model read from standard input).
func Decode(file string, data []byte, dir string) (*Model, error) {
	if len(data) > maxModelBytes {
		return nil, &FormatError{File: file, Offset: -1, Msg: "more than 2 GiB, which a protobuf message cannot be"}
	}
	m, err := decodeModel(&msg{b: data, what: "ModelProto"})
	if err != nil {
		var fe *FormatError
		if errors.As(err, &fe) {
			fe.File = file
		}
		return nil, err
	}
	m.file, m.dir = file, dir
	return m, nil
}

// external reads the want bytes of tensor t's data from its external data
// file: the "location" key relative to the model's folder, from "offset"
// (0 unless given), "length" bytes when given (it must be want). The
// location must stay inside the folder: an absolute path, a ".." or a
// symbolic link that leads out of it is refused (os.Root enforces the
// last).
func (m *Model) external(t *Tensor, want int) ([]byte, error) {
	fail := func(format string, args ...any) error {
		return &FormatError{File: m.file, Offset: t.At, Msg: fmt.Sprintf("tensor %q: external data: ", t.Name) + fmt.Sprintf(format, args...)}
	}
	keys := map[string]string{}
	for _, kv := range t.external {
		keys[kv[0]] = kv[1]
	}
	loc, ok := keys["location"]
	if !ok || loc == "" {
		return nil, fail("no location")
	}
	if path.IsAbs(loc) || filepath.IsAbs(loc) || filepath.VolumeName(loc) != "" {
		return nil, fail("location %q is an absolute path; it must be relative to the model's folder", loc)
	}
	for _, seg := range strings.FieldsFunc(loc, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return nil, fail("location %q leads out of the model's folder", loc)
		}
	}
	if m.dir == "" {
		return nil, fail("the model was not read from a file, so there is no folder to find %q in", loc)
	}
	offset, err := parseSize(keys, "offset")
	if err != nil {
		return nil, fail("%v", err)
	}
	length, err := parseSize(keys, "length")
	if err != nil {
		return nil, fail("%v", err)
	}
	if _, given := keys["length"]; given && length != int64(want) {
		return nil, fail("length %d, but the tensor's %v values take %d bytes", length, t.Dims, want)
	}
	root, err := os.OpenRoot(m.dir)
	if err != nil {
		return nil, fail("%v", err)
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(loc))
	if err != nil {
		if strings.Contains(err.Error(), "escapes") {
			return nil, fail("location %q leads out of the model's folder", loc)
		}
		return nil, fail("%v", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fail("%v", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fail("%q is not a regular file", loc)
	}
	if offset > info.Size() || int64(want) > info.Size()-offset {
		return nil, fail("%q holds %d bytes; the tensor needs %d from offset %d", loc, info.Size(), want, offset)
	}
	buf := make([]byte, want)
	if _, err := f.ReadAt(buf, offset); err != nil {
		return nil, fail("reading %q: %v", loc, err)
	}
	return buf, nil
}

// parseSize reads an external data key holding a byte count (0 when the
// key is absent).
func parseSize(keys map[string]string, key string) (int64, error) {
	s, ok := keys[key]
	if !ok {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%s %q is not a byte count", key, s)
	}
	return v, nil
}

// values decodes an initializer or constant tensor of the model.
func (m *Model) values(t *Tensor) (*array, error) {
	a, err := t.values(m.external)
	var fe *FormatError
	if errors.As(err, &fe) && fe.File == "" {
		fe.File = m.file
	}
	return a, err
}
