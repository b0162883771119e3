//go:build unix

package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnnc/cnnc/runtime"
)

const tinyModel = "input 4x4x1\nconv 3x3x2 p1\nrelu\nfc 3\nsoftmax\n"

// outputDir makes a directory holding a model m.cnn, an input x.npy,
// weights w.npz, a dataset d.npz and a directory dir, and changes to it.
func outputDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("m.cnn", []byte(tinyModel), 0o644)
	os.Mkdir("dir", 0o755)
	x := make([]float32, 2*16)
	must(t, runtime.WriteArrays("x.npy", []*runtime.Array{runtime.NewArray32("x", []int{2, 1, 4, 4}, x)}))
	must(t, runtime.WriteArrays("d.npz", []*runtime.Array{
		runtime.NewArray32("x", []int{2, 1, 4, 4}, x), runtime.NewArrayInt64("y", []int{2}, []int64{0, 1})}))
	return dir
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestOutputIsInput checks that every command refuses an output that is
// one of its inputs, by name or through a link, with status 2, and leaves
// the input as it was.
func TestOutputIsInput(t *testing.T) {
	outputDir(t)
	os.Symlink("m.cnn", "link.cnn")
	os.Link("x.npy", "hard.npy")
	os.WriteFile("w.npz", []byte("weights"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"compile", "-o", "m.cnn", "m.cnn"}, "cnnc compile: m.cnn: -o would overwrite the model file m.cnn (the same file)"},
		{[]string{"compile", "-o", "link.cnn", "m.cnn"}, "cnnc compile: link.cnn: -o would overwrite the model file m.cnn (the same file)"},
		{[]string{"draw", "-o", "link.cnn", "m.cnn"}, "cnnc draw: link.cnn: -o would overwrite the model file m.cnn (the same file)"},
		{[]string{"run", "--input", "x.npy", "--out", "hard.npy", "m.cnn"}, "cnnc run: hard.npy: --out would overwrite --input x.npy (the same file)"},
		{[]string{"run", "--input", "x.npy", "--weights", "w.npz", "--out", "w.npz", "m.cnn"}, "cnnc run: w.npz: --out would overwrite --weights w.npz (the same file)"},
		{[]string{"run", "--input", "x.npy", "--out", "m.cnn", "m.cnn"}, "cnnc run: m.cnn: --out would overwrite the model file m.cnn (the same file)"},
		{[]string{"train", "--data", "d.npz", "--out", "d.npz", "m.cnn"}, "cnnc train: d.npz: --out would overwrite --data d.npz (the same file)"},
		{[]string{"train", "--data", "d.npz", "--out", "new.npz", "--log", "d.npz", "m.cnn"}, "cnnc train: d.npz: --log would overwrite --data d.npz (the same file)"},
		{[]string{"train", "--data", "d.npz", "--out", "new.npz", "--plot", "new.npz", "m.cnn"}, "cnnc train: new.npz: --plot would overwrite --out new.npz (the same file)"},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		status := Run(tt.args, nil, &stdout, &stderr)
		if status != 2 || strings.TrimSpace(stderr.String()) != tt.want {
			t.Errorf("cnnc %s: status %d, stderr\n%s\nwant status 2 and\n%s", strings.Join(tt.args, " "), status, stderr.String(), tt.want)
		}
	}
	if b, _ := os.ReadFile("m.cnn"); string(b) != tinyModel {
		t.Errorf("m.cnn was changed (%d bytes now)", len(b))
	}
	if st, err := os.Lstat("link.cnn"); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("link.cnn is no longer a link")
	}
	if b, _ := os.ReadFile("w.npz"); string(b) != "weights" {
		t.Errorf("w.npz was changed")
	}
	for _, name := range []string{"x.npy", "d.npz"} {
		if _, err := runtime.ReadArrays(name); err != nil {
			t.Errorf("%s was damaged: %v", name, err)
		}
	}
}

// TestOutputDirectory checks that an output that is a directory is refused
// with status 2 before any work is done, and the directory kept.
func TestOutputDirectory(t *testing.T) {
	outputDir(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"draw", "-o", "dir", "m.cnn"}, "cnnc draw: dir: is a directory"},
		{[]string{"run", "--input", "x.npy", "--out", "dir", "m.cnn"}, "cnnc run: dir: is a directory"},
		{[]string{"train", "--data", "d.npz", "--out", "dir.npz", "m.cnn"}, "cnnc train: dir.npz: is a directory"},
		{[]string{"train", "--data", "d.npz", "--out", "w.npz", "--log", "dir", "m.cnn"}, "cnnc train: dir: is a directory"},
	}
	os.Mkdir("dir.npz", 0o755)
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		status := Run(tt.args, nil, &stdout, &stderr)
		if status != 2 || strings.TrimSpace(stderr.String()) != tt.want {
			t.Errorf("cnnc %s: status %d, stderr\n%s\nwant status 2 and\n%s", strings.Join(tt.args, " "), status, stderr.String(), tt.want)
		}
	}
	for _, name := range []string{"dir", "dir.npz"} {
		if st, err := os.Stat(name); err != nil || !st.IsDir() {
			t.Errorf("%s is no longer a directory", name)
		}
	}
}

// TestOutputSymlink checks that compile, draw, fmt -w and run write the
// target of a symbolic link, keeping its mode, and keep the link.
func TestOutputSymlink(t *testing.T) {
	outputDir(t)
	os.WriteFile("messy.cnn", []byte("input 4x4x1\n  relu\n"), 0o600)
	os.Chmod("messy.cnn", 0o600)
	for _, name := range []string{"real.go", "real.svg", "real.npz"} {
		os.WriteFile(name, []byte("old"), 0o640)
		os.Chmod(name, 0o640)
		os.Symlink(name, "link"+filepath.Ext(name))
	}
	os.Symlink("messy.cnn", "link.cnn")
	for _, args := range [][]string{
		{"compile", "-o", "link.go", "m.cnn"},
		{"draw", "-o", "link.svg", "m.cnn"},
		{"fmt", "-w", "link.cnn"},
		{"run", "--input", "x.npy", "--out", "link.npz", "m.cnn"},
	} {
		var out strings.Builder
		if status := Run(args, nil, &out, &out); status != 0 {
			t.Errorf("cnnc %s: status %d\n%s", strings.Join(args, " "), status, out.String())
		}
	}
	for link, target := range map[string]string{"link.go": "real.go", "link.svg": "real.svg", "link.npz": "real.npz", "link.cnn": "messy.cnn"} {
		if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s is no longer a link", link)
		}
		st, err := os.Stat(target)
		if err != nil || st.Size() <= 3 && target != "messy.cnn" {
			t.Errorf("%s was not written: %v", target, err)
			continue
		}
		want := os.FileMode(0o640)
		if target == "messy.cnn" {
			want = 0o600
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", target, st.Mode().Perm(), want)
		}
	}
	if b, _ := os.ReadFile("messy.cnn"); string(b) != "input 4x4x1\nrelu\n" {
		t.Errorf("fmt -w through a link left %q", b)
	}
	if _, err := runtime.ReadArrays("real.npz"); err != nil {
		t.Errorf("run --out through a link: %v", err)
	}
}

// TestOutputFIFO checks that compile, draw and run write into a FIFO
// rather than replace it.
func TestOutputFIFO(t *testing.T) {
	outputDir(t)
	for _, args := range [][]string{
		{"compile", "-o", "fifo.npz", "m.cnn"},
		{"draw", "-o", "fifo.npz", "m.cnn"},
		{"run", "--input", "x.npy", "--out", "fifo.npz", "m.cnn"},
	} {
		if err := syscall.Mkfifo("fifo.npz", 0o600); err != nil {
			t.Skip("mkfifo:", err)
		}
		got := make(chan []byte)
		go func() {
			b, _ := os.ReadFile("fifo.npz")
			got <- b
		}()
		var out strings.Builder
		if status := Run(args, nil, &out, &out); status != 0 {
			t.Errorf("cnnc %s: status %d\n%s", strings.Join(args, " "), status, out.String())
		}
		if st, err := os.Lstat("fifo.npz"); err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
			t.Fatalf("cnnc %s replaced the FIFO", strings.Join(args, " "))
		}
		select {
		case b := <-got:
			if len(b) == 0 {
				t.Errorf("cnnc %s: the reader got nothing", strings.Join(args, " "))
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("cnnc %s: the reader got nothing in 10s", strings.Join(args, " "))
		}
		os.Remove("fifo.npz")
	}
}

// TestOutputDevice writes to a device node made like /dev/full (not the
// real one, which a regression would replace): the device stays, the
// error is reported with status 2. Making the node needs root
// (CAP_MKNOD); the test is skipped without.
func TestOutputDevice(t *testing.T) {
	outputDir(t)
	if err := syscall.Mknod("full.npz", syscall.S_IFCHR|0o666, 1<<8|7); err != nil {
		t.Skip("mknod needs root:", err)
	}
	for _, args := range [][]string{
		{"compile", "-o", "full.npz", "m.cnn"},
		{"draw", "-o", "full.npz", "m.cnn"},
		{"run", "--input", "x.npy", "--out", "full.npz", "m.cnn"},
	} {
		var stdout, stderr strings.Builder
		status := Run(args, nil, &stdout, &stderr)
		if want := "full.npz: write: no space left on device"; status != 2 || !strings.Contains(stderr.String(), want) {
			t.Errorf("cnnc %s: status %d, stderr %q; want 2 and %q", strings.Join(args, " "), status, stderr.String(), want)
		}
		if st, err := os.Lstat("full.npz"); err != nil || st.Mode()&fs.ModeCharDevice == 0 {
			t.Fatalf("cnnc %s replaced the device", strings.Join(args, " "))
		}
	}
}
