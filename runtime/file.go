package runtime

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// codec reads and writes one file format.
type codec struct {
	read  func(r io.ReaderAt, size int64) ([]*Array, error)
	write func(w io.Writer, arrays []*Array) error
}

// codecs maps each accepted extension to its codec.
var codecs = map[string]codec{
	".npy":         {readNPYAt, writeNPYFile},
	".npz":         {ReadNPZ, WriteNPZ},
	".safetensors": {ReadSafetensors, WriteSafetensors},
}

func codecOf(path string) (codec, error) {
	ext := strings.ToLower(filepath.Ext(path))
	f, ok := codecs[ext]
	if !ok {
		return f, &FileError{File: path, Msg: fmt.Sprintf("unknown file extension %q; want .npy, .npz or .safetensors", ext)}
	}
	return f, nil
}

// ReadArrays reads the arrays in the file at path, choosing the format by
// the extension (any case): .npy holds one array, named after the file
// without its extension; .npz and .safetensors hold named arrays, returned
// in file order. See ReadNPY, ReadNPZ and ReadSafetensors for what each
// accepts. Every error names path; errors opening the file are those of
// os.Open, others are *FileError. Arrays are allocated only after their
// size has been checked against the file's.
func ReadArrays(path string) ([]*Array, error) {
	c, err := codecOf(path)
	if err != nil {
		return nil, err
	}
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
		return nil, &FileError{File: path, Msg: "is a directory"}
	}
	arrays, err := c.read(f, st.Size())
	if err != nil {
		return nil, inFile(err, path, "")
	}
	if len(arrays) == 1 && arrays[0].Name == "" { // .npy
		arrays[0].Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return arrays, nil
}

func readNPYAt(r io.ReaderAt, size int64) ([]*Array, error) {
	a, err := readNPY(bufio.NewReaderSize(io.NewSectionReader(r, 0, size), chunkBytes), size)
	if err != nil {
		return nil, err
	}
	return []*Array{a}, nil
}

func writeNPYFile(w io.Writer, arrays []*Array) error {
	if len(arrays) != 1 {
		return fail("a .npy file holds exactly one array, got %d", len(arrays))
	}
	return WriteNPY(w, arrays[0])
}

// WriteArrays writes arrays to the file at path as WriteAtomic does
// (atomically for a regular file), choosing the format by the extension as
// ReadArrays does. A .npy file takes exactly one array and ignores its
// name. A new file gets permissions 0644; an existing one keeps its own.
// Every error names path, as *FileError; an unknown
// extension, an inconsistent array or (for .npz and .safetensors) an
// empty or repeated name is reported before anything is written.
func WriteArrays(path string, arrays []*Array) error {
	c, err := codecOf(path)
	if err != nil {
		return err
	}
	return WriteAtomic(path, 0o644, func(w io.Writer) error { return c.write(w, arrays) })
}
