package runtime

import (
	"bufio"
	"fmt"
	"io"
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

// codecOf returns the codec for an output path's extension, or an error
// wrapping ErrOutputPath.
func codecOf(path string) (codec, error) {
	ext := strings.ToLower(filepath.Ext(path))
	f, ok := codecs[ext]
	if !ok {
		return f, &FileError{File: path, Msg: fmt.Sprintf("unknown file extension %q; want .npy, .npz or .safetensors", ext), Err: ErrOutputPath}
	}
	return f, nil
}

// CheckArraysPath returns the error WriteArrays would give for path's
// extension (one wrapping ErrOutputPath), or nil, so that a command can
// refuse an output it cannot write before it works.
func CheckArraysPath(path string) error {
	_, err := codecOf(path)
	return err
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
