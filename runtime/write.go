package runtime

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrOutputPath is wrapped by the errors for an output path that cannot be
// used at all, whatever the data: a directory, or the same file as one of
// a command's inputs. Commands report them as usage errors (exit status 2).
var ErrOutputPath = errors.New("unusable output path")

// output is where a write to a path given by the user goes.
type output struct {
	path   string      // the file to change: the path, its symbolic links followed
	info   fs.FileInfo // the file at path, nil when there is none
	direct bool        // write straight through: not a regular file
}

// maxLinks bounds the symbolic links followed, as the kernel's ELOOP does.
const maxLinks = 40

// resolveOutput finds the file a write to name must change. A symbolic link
// is followed to its final target (which may not exist yet), so that the
// link stays and its target is written. A device, a FIFO, a socket and any
// file under /proc or /dev/fd (where /dev/stdout leads on Linux: those
// "links" name open files, not paths) are written straight through. A
// directory, or standard input (/dev/stdin, descriptor 0), is an error
// wrapping ErrOutputPath.
func resolveOutput(name string) (output, error) {
	path := name
	for hops := 0; ; hops++ {
		if fdPath(path) {
			if filepath.Base(path) == "0" && filepath.Base(filepath.Dir(path)) == "fd" {
				// /dev/stdin: writing through the descriptor would append
				// to the file it reads, or to the terminal.
				return output{}, &FileError{File: name, Msg: "is standard input, which cannot be written", Err: ErrOutputPath}
			}
			info, err := os.Stat(path)
			if err != nil {
				return output{}, err
			}
			return output{path: path, info: info, direct: true}, nil
		}
		info, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return output{path: path}, nil
		}
		if err != nil {
			return output{}, err
		}
		switch mode := info.Mode(); {
		case mode.IsDir():
			return output{}, &FileError{File: name, Msg: "is a directory", Err: fmt.Errorf("%w: %w", ErrOutputPath, syscall.EISDIR)}
		case mode&fs.ModeSymlink == 0:
			return output{path: path, info: info, direct: !mode.IsRegular()}, nil
		case hops == maxLinks:
			return output{}, &FileError{File: name, Msg: "too many levels of symbolic links", Err: syscall.ELOOP}
		}
		target, err := os.Readlink(path)
		if err != nil {
			return output{}, err
		}
		if !filepath.IsAbs(target) {
			// Relative to the link's directory, whose own links must be
			// followed first for a target such as ../x to mean what the
			// kernel takes it to.
			dir, err := filepath.EvalSymlinks(filepath.Dir(path))
			if err != nil {
				return output{}, err
			}
			target = filepath.Join(dir, target)
		}
		path = target
	}
}

// fdPath reports whether path is under /proc or /dev/fd, whose entries
// stand for open files (/dev/stdout is a link to /proc/self/fd/1 on Linux).
func fdPath(path string) bool {
	path = filepath.ToSlash(filepath.Clean(path))
	for _, dir := range []string{"/proc", "/dev/fd"} {
		if path == dir || strings.HasPrefix(path, dir+"/") {
			return true
		}
	}
	return false
}

// WriteAtomic writes the file name through write. Data goes through a
// buffer, so write may make small writes; it never holds the whole file in
// memory. If write fails, its error is returned with name attached.
//
// What happens depends on what name is:
//   - a regular file, or nothing: the data goes into a temporary file in
//     the same directory, which is synced and renamed over name, so that
//     readers see the old file or the new one, never a part. If any step
//     fails, the temporary file is removed and an existing file is left
//     untouched. A new file gets perm exactly (no umask); an existing one
//     keeps its permissions (and, where the system allows, its owner), and
//     one this process may not write (read-only) is an error, although
//     the rename could replace it.
//   - a symbolic link: the same, for the file it leads to; the link stays.
//   - a device, a FIFO, /dev/stdout and the like: the data is written
//     straight through, appended; nothing is created or replaced.
//   - a directory: an error wrapping ErrOutputPath, and nothing is written.
//
// Errors are *FileError naming name.
func WriteAtomic(name string, perm os.FileMode, write func(w io.Writer) error) error {
	out, err := resolveOutput(name)
	if err != nil {
		return inFile(err, name, "")
	}
	if out.direct {
		return writeDirect(name, out.path, write)
	}
	if out.info != nil {
		if err := writable(out.path); err != nil {
			return readOnly(name, err)
		}
		perm = out.info.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(out.path), "."+filepath.Base(out.path)+".tmp*")
	if err != nil {
		return osFail(name, "create temporary file", err)
	}
	done := false
	defer func() {
		if !done { // an error, or a panic in write
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, chunkBytes)
	if err := write(bw); err != nil {
		return writeFail(name, err)
	}
	if out.info != nil {
		keepOwner(f, out.info)
	}
	steps := []struct {
		step string
		do   func() error
	}{
		{"write", bw.Flush},
		{"chmod", func() error { return f.Chmod(perm) }},
		{"sync", f.Sync},
		{"close", f.Close},
		{"rename", func() error { return os.Rename(f.Name(), out.path) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return osFail(name, s.step, err)
		}
	}
	done = true
	syncDir(filepath.Dir(out.path))
	return nil
}

// readOnly reports an existing file this process may not write.
func readOnly(name string, err error) error {
	return &FileError{File: name, Msg: "cannot be written: permission denied (the file is read-only)", Err: err}
}

// writeDirect writes to path, a file that is not regular, in place.
func writeDirect(name, path string, write func(w io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return osFail(name, "open", err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, chunkBytes)
	if err := write(bw); err != nil {
		return writeFail(name, err)
	}
	if err := bw.Flush(); err != nil {
		return osFail(name, "write", err)
	}
	if err := f.Close(); err != nil {
		return osFail(name, "close", err)
	}
	return nil
}

// writeFail attaches name to an error of a write function: one from the
// file itself is reported as the failed step, without the temporary
// file's name.
func writeFail(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return osFail(name, "write", err)
	}
	return inFile(err, name, "")
}

// syncDir makes a rename in dir durable where the system supports it;
// failures are ignored, as some file systems refuse to sync directories.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// WriteFileAtomic is like os.WriteFile but atomic, as WriteAtomic.
func WriteFileAtomic(name string, data []byte, perm os.FileMode) error {
	return WriteAtomic(name, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// CreateOutput opens the file name for a stream of writes that a reader
// may follow as they come, such as a log: a regular file is created or
// truncated (perm for a new one), a symbolic link followed, a device or
// FIFO opened for appending. A directory is an error wrapping
// ErrOutputPath. Errors are *FileError naming name.
func CreateOutput(name string, perm os.FileMode) (*os.File, error) {
	out, err := resolveOutput(name)
	if err != nil {
		return nil, inFile(err, name, "")
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if out.direct {
		flags = os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(out.path, flags, perm)
	if err != nil {
		return nil, osFail(name, "open", err)
	}
	return f, nil
}

// CheckOutput reports whether the file name can be written, without
// writing or creating it, so that a long computation does not fail at its
// end: a directory is an error wrapping ErrOutputPath; for a regular file,
// or none, a temporary file must be creatable beside it (it is removed at
// once). Devices and FIFOs are not opened. Errors are *FileError naming
// name.
func CheckOutput(name string) error {
	out, err := resolveOutput(name)
	if err != nil {
		return inFile(err, name, "")
	}
	if out.direct {
		return nil
	}
	if out.info != nil {
		if err := writable(out.path); err != nil {
			return readOnly(name, err)
		}
	}
	f, err := os.CreateTemp(filepath.Dir(out.path), "."+filepath.Base(out.path)+".check*")
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return &FileError{File: name, Msg: "cannot be written: " + msg, Err: err}
	}
	f.Close()
	return os.Remove(f.Name())
}

// NamedPath is a file a command reads or writes, with what names it on the
// command line ("--data", "the model file"), for messages.
type NamedPath struct{ Name, Path string }

// CheckOutputs returns an error wrapping ErrOutputPath when an output is
// the same file as an input or as an earlier output: the same inode,
// through symbolic or hard links too, or for outputs not yet created the
// same path. Only regular files are compared, so "" and "-", terminals and
// pipes (/dev/stdin and /dev/stdout may be the same terminal) never clash.
func CheckOutputs(inputs, outputs []NamedPath) error {
	type file struct {
		NamedPath
		info fs.FileInfo // nil for a file not yet created
		abs  string
	}
	stat := func(p NamedPath) (file, bool) {
		if p.Path == "" || p.Path == "-" {
			return file{}, false
		}
		info, err := os.Stat(p.Path)
		if err == nil && !info.Mode().IsRegular() || err != nil && !errors.Is(err, fs.ErrNotExist) {
			return file{}, false
		}
		abs, _ := filepath.Abs(p.Path)
		return file{p, info, abs}, true
	}
	var seen []file
	for _, in := range inputs {
		if f, ok := stat(in); ok && f.info != nil {
			seen = append(seen, f)
		}
	}
	for _, out := range outputs {
		o, ok := stat(out)
		if !ok {
			continue
		}
		for _, f := range seen {
			if o.info != nil && f.info != nil && os.SameFile(o.info, f.info) || o.info == nil && f.info == nil && o.abs == f.abs {
				return &FileError{File: out.Path, Msg: fmt.Sprintf("%s would overwrite %s %s (the same file)", out.Name, f.Name, f.Path), Err: ErrOutputPath}
			}
		}
		seen = append(seen, o)
	}
	return nil
}
