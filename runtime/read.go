package runtime

import (
	"bytes"
	"encoding/binary"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ReadArrays reads the arrays in the file at path: .npy holds one array,
// named after the file without its extension; .npz and .safetensors hold
// named arrays, returned in file order. See ReadNPY, ReadNPZ and
// ReadSafetensors for what each accepts. The extension (any case) chooses
// the format; a file with another extension or none, a pipe, a terminal or
// a device is read by its content (see ReadArraysFrom). Arrays are allocated
// only after their size has been checked against the file's.
//
// Every error names path. Errors about the path itself wrap an
// *fs.PathError: those of os.Open (a missing or unreadable file) and a
// directory's. Errors about the contents are *FileError without one.
func ReadArrays(path string) ([]*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case st.IsDir():
		return nil, &FileError{File: path, Msg: "is a directory, not a file of arrays (.npy, .npz or .safetensors)",
			Err: &fs.PathError{Op: "read", Path: path, Err: syscall.EISDIR}}
	case !st.Mode().IsRegular():
		return ReadArraysFrom(path, f)
	}
	return readArraysAt(path, f, st.Size(), true)
}

// ReadArraysFrom reads the arrays of a .npy, .npz or .safetensors file
// whose bytes come from r, such as standard input, recognising the format
// by its first bytes: the \x93NUMPY magic of .npy, the PK signature of a
// zip archive (.npz), or the 8-byte header length and the '{' of
// .safetensors. Raw values without a header are refused: nothing would
// give their shape. r is read to its end into memory first (.npz and
// .safetensors need to seek). name names the file in errors and, without
// its extension, a .npy's array ("stdin" for "-" and "<stdin>"). An error
// reading r wraps an *fs.PathError.
func ReadArraysFrom(name string, r io.Reader) ([]*Array, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &FileError{File: name, Msg: "reading: " + err.Error(), Err: &fs.PathError{Op: "read", Path: name, Err: err}}
	}
	return readArraysAt(name, bytes.NewReader(data), int64(len(data)), false)
}

// readArraysAt reads the arrays of the file name, size bytes at r, in the
// format its extension names (when byExt) or its content shows.
func readArraysAt(name string, r io.ReaderAt, size int64, byExt bool) ([]*Array, error) {
	c, ok := codecs[strings.ToLower(filepath.Ext(name))]
	if !ok || !byExt {
		var err error
		if c, err = sniff(r, size); err != nil {
			return nil, inFile(err, name, "")
		}
	}
	arrays, err := c.read(r, size)
	if err != nil {
		return nil, inFile(err, name, "")
	}
	if len(arrays) == 1 && arrays[0].Name == "" { // .npy
		arrays[0].Name = arrayName(name)
	}
	return arrays, nil
}

// arrayName names a .npy file's array: the file's base name without its
// extension, "stdin" for standard input.
func arrayName(name string) string {
	if name == "-" || name == "<stdin>" || IsStdin(name) {
		return "stdin"
	}
	return strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
}

// sniff returns the codec of a file by its first bytes.
func sniff(r io.ReaderAt, size int64) (codec, error) {
	head := make([]byte, min(size, 16))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return codec{}, err
	}
	switch {
	case size == 0:
		return codec{}, fail("is empty: want a .npy, .npz or .safetensors file")
	case bytes.HasPrefix(head, []byte("\x93NUMPY")):
		return codecs[".npy"], nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return codecs[".npz"], nil
	case len(head) > 8 && head[8] == '{' && binary.LittleEndian.Uint64(head) <= uint64(size-8):
		return codecs[".safetensors"], nil
	}
	return codec{}, fail("is not a .npy, .npz or .safetensors file: it starts with %q, where .npy has the magic \"\\x93NUMPY\", .npz (a zip archive) \"PK\", and .safetensors an 8-byte header length and '{'", head)
}

// IsStdin reports whether path names standard input: "-", "/dev/stdin"
// or file descriptor 0 under /dev/fd or /proc/self/fd.
func IsStdin(path string) bool {
	switch path {
	case "-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0":
		return true
	}
	return false
}

// StdinName is how messages name path when it is standard input: "<stdin>"
// for "-", the path itself otherwise.
func StdinName(path string) string {
	if path == "-" {
		return "<stdin>"
	}
	return path
}
