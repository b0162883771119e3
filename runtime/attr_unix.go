//go:build unix

package runtime

import (
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives f the owner and group of the file described by info,
// where the process may (as root may): a file WriteAtomic replaces keeps
// them. Failures are ignored, as an ordinary user cannot give a file away
// and the replacement is then theirs.
func keepOwner(f *os.File, info fs.FileInfo) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		f.Chown(int(st.Uid), int(st.Gid))
	}
}

// writable returns an error when this process may not write the existing
// file path: WriteAtomic could replace a read-only file (only its
// directory must be writable), but a read-only file is one its owner
// protected.
func writable(path string) error {
	if err := syscall.Access(path, 2 /* W_OK */); err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return nil
}
