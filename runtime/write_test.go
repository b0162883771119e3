//go:build unix

package runtime

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWriteAtomicKeepsMode checks that an existing file keeps its
// permissions and a new one gets perm.
func TestWriteAtomicKeepsMode(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old")
	os.WriteFile(old, []byte("x"), 0o600)
	os.Chmod(old, 0o600)
	mustWrite(t, old, "new")
	mustMode(t, old, 0o600)
	fresh := filepath.Join(dir, "fresh")
	mustWrite(t, fresh, "new")
	mustMode(t, fresh, 0o644)
}

// TestWriteAtomicSymlink checks that a link is followed to its target,
// which is written (keeping its mode) while the link stays a link; also
// through a relative link in a linked directory, and a link to a file not
// yet created.
func TestWriteAtomicSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real", "target.go")
	os.Mkdir(filepath.Join(dir, "real"), 0o755)
	os.WriteFile(target, []byte("old"), 0o600)
	os.Chmod(target, 0o640)
	link := filepath.Join(dir, "link.go")
	mustOK(t, os.Symlink("real/target.go", link))
	mustWrite(t, link, "through the link")
	mustLink(t, link)
	mustContent(t, target, "through the link")
	mustMode(t, target, 0o640)

	// sub -> real; sub/rel -> ../real/target.go: the ".." is taken in
	// real's parent, as the kernel takes it, not lexically.
	mustOK(t, os.Symlink("real", filepath.Join(dir, "sub")))
	mustOK(t, os.Symlink("../real/target.go", filepath.Join(dir, "real", "rel")))
	mustWrite(t, filepath.Join(dir, "sub", "rel"), "relative")
	mustContent(t, target, "relative")
	mustLink(t, filepath.Join(dir, "real", "rel"))

	dangling := filepath.Join(dir, "dangling")
	mustOK(t, os.Symlink("created", dangling))
	mustWrite(t, dangling, "made")
	mustLink(t, dangling)
	mustContent(t, filepath.Join(dir, "created"), "made")

	loop := filepath.Join(dir, "loop")
	mustOK(t, os.Symlink("loop", loop))
	if err := WriteFileAtomic(loop, []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), "too many levels of symbolic links") {
		t.Errorf("a link to itself: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "real")); len(entries) != 2 {
		t.Errorf("real/ holds %v, want target.go and rel (temporary files left?)", entries)
	}
}

// TestWriteAtomicDirectory checks that a directory is refused, by a link
// too, with an error a command reports as a usage error.
func TestWriteAtomicDirectory(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "out")
	os.Mkdir(sub, 0o755)
	os.Symlink("out", filepath.Join(dir, "link"))
	for _, name := range []string{sub, filepath.Join(dir, "link")} {
		err := WriteFileAtomic(name, []byte("x"), 0o644)
		wantError(t, err, name+": is a directory")
		if !errors.Is(err, ErrOutputPath) || !errors.Is(err, syscall.EISDIR) {
			t.Errorf("%v does not wrap ErrOutputPath and EISDIR", err)
		}
		wantError(t, CheckOutput(name), name+": is a directory")
		_, err = CreateOutput(name, 0o644)
		wantError(t, err, name+": is a directory")
	}
	if st, err := os.Stat(sub); err != nil || !st.IsDir() {
		t.Errorf("out is no longer a directory: %v %v", st, err)
	}
}

// TestWriteAtomicFIFO checks that a FIFO is written into, not replaced,
// by every writer, and that CheckOutput does not block on it.
func TestWriteAtomicFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	if err := CheckOutput(fifo); err != nil {
		t.Fatal(err)
	}
	writers := map[string]func() error{
		"WriteFileAtomic": func() error { return WriteFileAtomic(fifo, []byte("data"), 0o644) },
		"CreateOutput": func() error {
			f, err := CreateOutput(fifo, 0o644)
			if err != nil {
				return err
			}
			f.WriteString("data")
			return f.Close()
		},
	}
	for name, write := range writers {
		got := make(chan string)
		go func() {
			b, _ := os.ReadFile(fifo)
			got <- string(b)
		}()
		if err := write(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if st, err := os.Lstat(fifo); err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
			t.Fatalf("%s: the FIFO was replaced: %v %v", name, st.Mode(), err)
		}
		select {
		case s := <-got:
			if s != "data" {
				t.Errorf("%s: the reader got %q", name, s)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the reader got nothing in 10s", name)
		}
	}
}

// TestWriteAtomicDevice writes to device nodes made like /dev/null and
// /dev/full (so that a failure cannot damage the real ones): each stays a
// device, and the full one's error is reported. Making a device node
// needs root (CAP_MKNOD); the test is skipped without.
func TestWriteAtomicDevice(t *testing.T) {
	dir := t.TempDir()
	null, full := filepath.Join(dir, "null"), filepath.Join(dir, "full")
	for path, minor := range map[string]int{null: 3, full: 7} {
		if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, 1<<8|minor); err != nil {
			t.Skip("mknod needs root:", err)
		}
	}
	if err := WriteFileAtomic(null, []byte("gone"), 0o644); err != nil {
		t.Errorf("null: %v", err)
	}
	wantError(t, WriteFileAtomic(full, []byte("lost"), 0o644), full+": write: no space left on device")
	os.Symlink("full", full+".npz")
	wantError(t, WriteArrays(full+".npz", sampleArrays()), full+".npz: write: no space left on device")
	for _, path := range []string{null, full} {
		if st, err := os.Stat(path); err != nil || st.Mode()&fs.ModeCharDevice == 0 {
			t.Errorf("%s is no longer a device: %v %v", path, st.Mode(), err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("directory holds %v (temporary files left?)", entries)
	}
}

// TestWriteAtomicOpenFile writes through /dev/fd/N, as /dev/stdout is
// written: to a pipe, and to a regular file the descriptor has open, which
// is appended to rather than replaced (a shell's `>> log` keeps its log).
func TestWriteAtomicOpenFile(t *testing.T) {
	if _, err := os.Stat("/dev/fd/0"); err != nil {
		t.Skip("no /dev/fd:", err)
	}
	r, w, err := os.Pipe()
	mustOK(t, err)
	defer r.Close()
	go func() {
		WriteFileAtomic(fmt.Sprintf("/dev/fd/%d", w.Fd()), []byte("piped"), 0o644)
		w.Close()
	}()
	if b, _ := io.ReadAll(r); string(b) != "piped" {
		t.Errorf("the pipe got %q", b)
	}

	// Standard input is never written, even when it is a file that could
	// be appended to.
	for _, name := range []string{"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"} {
		if err := WriteFileAtomic(name, []byte("x"), 0o644); !errors.Is(err, ErrOutputPath) {
			t.Errorf("%s: %v", name, err)
		}
	}

	log := filepath.Join(t.TempDir(), "log")
	os.WriteFile(log, []byte("kept\n"), 0o644)
	f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND, 0)
	mustOK(t, err)
	defer f.Close()
	before, _ := os.Stat(log)
	mustWrite(t, fmt.Sprintf("/dev/fd/%d", f.Fd()), "added\n")
	mustContent(t, log, "kept\nadded\n")
	if after, _ := os.Stat(log); !os.SameFile(before, after) {
		t.Errorf("the file was replaced, not written")
	}
}

// TestCheckOutputs checks that an output that is an input, by its own
// name, a symbolic link or a hard link, is refused, and that files that
// cannot clash are let through.
func TestCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.npz")
	os.WriteFile(data, []byte("data"), 0o644)
	os.Symlink("d.npz", filepath.Join(dir, "link.npz"))
	os.Link(data, filepath.Join(dir, "hard.npz"))
	os.WriteFile(filepath.Join(dir, "other.npz"), nil, 0o644)
	in := []NamedPath{{"--weights", ""}, {"--data", data}}
	for _, out := range []string{data, filepath.Join(dir, "link.npz"), filepath.Join(dir, "hard.npz")} {
		err := CheckOutputs(in, []NamedPath{{"--out", out}})
		wantError(t, err, out+": --out would overwrite --data "+data+" (the same file)")
		if !errors.Is(err, ErrOutputPath) {
			t.Errorf("%v does not wrap ErrOutputPath", err)
		}
	}
	err := CheckOutputs(in, []NamedPath{{"--out", filepath.Join(dir, "other.npz")}, {"--log", filepath.Join(dir, "other.npz")}})
	wantError(t, err, filepath.Join(dir, "other.npz")+": --log would overwrite --out "+filepath.Join(dir, "other.npz")+" (the same file)")
	new := filepath.Join(dir, "new.npz")
	err = CheckOutputs(in, []NamedPath{{"--out", new}, {"--plot", filepath.Join(dir, ".", "new.npz")}})
	wantError(t, err, new+": --plot would overwrite --out "+new+" (the same file)")
	for _, out := range []string{"", "-", filepath.Join(dir, "other.npz"), filepath.Join(dir, "new.npz"), "/dev/stdout"} {
		if err := CheckOutputs(append(in, NamedPath{"--input", "/dev/stdin"}), []NamedPath{{"--out", out}}); err != nil {
			t.Errorf("%q: %v", out, err)
		}
	}
	if b, _ := os.ReadFile(data); string(b) != "data" {
		t.Errorf("the input changed to %q", b)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, name, data string) {
	t.Helper()
	mustOK(t, WriteFileAtomic(name, []byte(data), 0o644))
}

func mustContent(t *testing.T, name, want string) {
	t.Helper()
	if b, err := os.ReadFile(name); err != nil || string(b) != want {
		t.Errorf("%s holds %q (%v), want %q", name, b, err, want)
	}
}

func mustMode(t *testing.T, name string, want os.FileMode) {
	t.Helper()
	if st, err := os.Stat(name); err != nil || st.Mode().Perm() != want {
		t.Errorf("%s: mode %v (%v), want %v", name, st.Mode().Perm(), err, want)
	}
}

func mustLink(t *testing.T, name string) {
	t.Helper()
	if st, err := os.Lstat(name); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("%s is no longer a symbolic link: %v", name, err)
	}
}

// TestWriteReadOnly checks that a read-only file is not replaced, although
// its directory would let the rename through. Root may write any file, so
// as root the test runs itself again as the user nobody (uid 65534).
func TestWriteReadOnly(t *testing.T) {
	if dir := os.Getenv("CNNC_TEST_READONLY_DIR"); dir != "" {
		readOnlyCase(t, dir)
		return
	}
	if os.Geteuid() != 0 {
		readOnlyCase(t, t.TempDir())
		return
	}
	// A directory nobody can reach, holding a copy of this test binary.
	top, err := os.MkdirTemp("", "cnnc-readonly-")
	mustOK(t, err)
	defer os.RemoveAll(top)
	mustOK(t, os.Chmod(top, 0o755))
	self, err := os.Executable()
	mustOK(t, err)
	bin, err := os.ReadFile(self)
	mustOK(t, err)
	mustOK(t, os.WriteFile(filepath.Join(top, "runtime.test"), bin, 0o755))
	work := filepath.Join(top, "work")
	mustOK(t, os.Mkdir(work, 0o755))
	mustOK(t, os.Chown(work, 65534, 65534))
	cmd := exec.Command(filepath.Join(top, "runtime.test"), "-test.run=^TestWriteReadOnly$", "-test.v")
	cmd.Env = append(os.Environ(), "CNNC_TEST_READONLY_DIR="+work)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if errors.Is(err, syscall.ENOEXEC) {
		// The test binary runs under an emulator (go test -exec qemu-...):
		// a copy of it cannot be started directly.
		t.Skipf("cannot start a copy of the test binary as nobody: %v", err)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: TestWriteReadOnly") {
		t.Errorf("as nobody: %v\n%s", err, out)
	}
}

func readOnlyCase(t *testing.T, dir string) {
	path := filepath.Join(dir, "ro.go")
	mustOK(t, os.WriteFile(path, []byte("old"), 0o444))
	want := path + ": cannot be written: permission denied (the file is read-only)"
	wantError(t, WriteFileAtomic(path, []byte("new"), 0o644), want)
	wantError(t, CheckOutput(path), want)
	mustContent(t, path, "old")
	if err := WriteFileAtomic(path, []byte("new"), 0o644); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("%v is not a permission error", err)
	}
}
