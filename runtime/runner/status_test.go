//go:build linux

package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestStatus checks that a status line is drawn on a terminal (a
// pseudo-terminal here) and cleared, and that nothing is written elsewhere.
func TestStatus(t *testing.T) {
	var b strings.Builder
	Status(&b, "cnnc run: building")()
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	Status(f, "cnnc run: building")()
	if st, _ := f.Stat(); b.Len() > 0 || st.Size() > 0 {
		t.Errorf("a status line went to a file: %q", b.String())
	}

	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pseudo-terminal:", err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skip("unlockpt:", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skip("ptsname:", err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("open pts:", err)
	}
	defer tty.Close()
	Status(tty, "cnnc run: building")()
	want := "\r\x1b[Kcnnc run: building…\r\x1b[K"
	got := make([]byte, 64)
	k, err := master.Read(got)
	for err == nil && k < len(want) {
		var more int
		more, err = master.Read(got[k:])
		k += more
	}
	if string(got[:k]) != want {
		t.Errorf("the terminal got %q, want %q (%v)", got[:k], want, err)
	}
}
