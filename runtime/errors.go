package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Error is the type of the values this package panics with when it is
// misused: a programmer error, not a bad file. Compare with errors.Is
// against the sentinels below.
type Error struct{ string }

func (err Error) Error() string { return err.string }

// ErrShape is what constructors panic with (wrapped, with details) when the
// data does not fit the shape.
var ErrShape = Error{"runtime: shape mismatch"}

// FileError reports what is wrong with a tensor or weight file. File is the
// path as the caller gave it (empty for in-memory readers), Entry the array
// or archive member concerned (empty when the problem is the file as a
// whole), Msg says what is wrong, and Err is the underlying error, if any.
// Error joins the non-empty parts with ": ", for example
//
//	weights.npz: conv1.weight.npy: big-endian data (">f4") is not supported; ...
type FileError struct {
	File, Entry, Msg string
	Err              error
}

func (e *FileError) Error() string {
	parts := make([]string, 0, 3)
	for _, s := range []string{e.File, e.Entry, e.Msg} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

// Unwrap returns the underlying error, so that errors.Is(err,
// io.ErrUnexpectedEOF) and the like work.
func (e *FileError) Unwrap() error { return e.Err }

// fail returns a *FileError whose message is formatted as by fmt.Sprintf.
func fail(format string, args ...any) error {
	return &FileError{Msg: fmt.Sprintf(format, args...)}
}

// byteCount writes n bytes as "1 byte" or "12 bytes".
func byteCount(n int64) string {
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// inFile attaches a file name and an entry to err, keeping any already set.
// An error that is not a *FileError becomes the Err of a new one.
func inFile(err error, file, entry string) error {
	if err == nil {
		return nil
	}
	fe, ok := err.(*FileError)
	if !ok {
		return &FileError{File: file, Entry: entry, Msg: err.Error(), Err: err}
	}
	if fe.File == "" {
		fe.File = file
	}
	if fe.Entry == "" {
		fe.Entry = entry
	}
	return fe
}

// osFail reports a failed file-system step on file, without the temporary
// path that *fs.PathError would print.
func osFail(file, step string, err error) error {
	inner := err
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		inner = pe.Err
	case errors.As(err, &le):
		inner = le.Err
	}
	return &FileError{File: file, Msg: step + ": " + inner.Error(), Err: err}
}
