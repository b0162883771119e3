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
