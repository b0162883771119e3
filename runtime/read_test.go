package runtime

import (
	"bytes"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestReadArraysSniff: content chooses the format when nothing else can —
// standard input, a pipe, a file without a known extension — and the
// arrays read are those of the file read by its extension.
func TestReadArraysSniff(t *testing.T) {
	dir := t.TempDir()
	want := sampleArrays()
	for _, ext := range []string{".npz", ".safetensors", ".npy"} {
		arrays := want
		if ext == ".npy" {
			arrays = want[:1]
		}
		path := filepath.Join(dir, "w"+ext)
		if err := WriteArrays(path, arrays); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		check := func(how string, got []*Array, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s %s: %v", ext, how, err)
			}
			if len(got) != len(arrays) || !slices.Equal(got[0].Shape, arrays[0].Shape) || !sameBits(got[0].Float64s(), arrays[0].Float64s()) {
				t.Errorf("%s %s: got %d arrays, first %v", ext, how, len(got), got[0].Shape)
			}
		}
		got, err := ReadArraysFrom("-", bytes.NewReader(data))
		check("from a reader", got, err)
		if ext == ".npy" && got[0].Name != "stdin" {
			t.Errorf(".npy from standard input named %q, want stdin", got[0].Name)
		}
		renamed := filepath.Join(dir, "w"+ext+".bin")
		os.WriteFile(renamed, data, 0o644)
		got, err = ReadArrays(renamed)
		check("renamed .bin", got, err)

		fifo := filepath.Join(dir, "fifo"+ext)
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("no FIFOs here: %v", err)
		}
		go func() {
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err == nil {
				w.Write(data)
				w.Close()
			}
		}()
		got, err = ReadArrays(fifo)
		check("through a FIFO", got, err)
	}
}

// TestReadArraysPathErrors: errors about the path wrap an *fs.PathError
// (cnnc's exit status 2); errors about the contents do not (status 1).
func TestReadArraysPathErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "text.npz"), []byte("not a zip"), 0o644)
	var pe *fs.PathError
	for _, c := range []struct {
		path  string
		path2 bool
	}{
		{filepath.Join(dir, "missing.npz"), true},
		{dir, true},
		{filepath.Join(dir, "text.npz", "x.npy"), true},
		{filepath.Join(dir, "text.npz"), false},
	} {
		_, err := ReadArrays(c.path)
		if err == nil || errors.As(err, &pe) != c.path2 {
			t.Errorf("ReadArrays(%s) = %v: path error %v, want %v", c.path, err, errors.As(err, &pe), c.path2)
		}
		if err != nil && !strings.Contains(err.Error(), c.path) {
			t.Errorf("ReadArrays(%s) = %v: the path is not named", c.path, err)
		}
	}
	if _, err := ReadArraysFrom("-", iotestErr{}); !errors.As(err, &pe) {
		t.Errorf("a failing reader: %v, want a path error", err)
	}
	if err := CheckArraysPath("out.txt"); !errors.Is(err, ErrOutputPath) || !strings.Contains(err.Error(), `out.txt: unknown file extension ".txt"`) {
		t.Errorf("CheckArraysPath(out.txt) = %v", err)
	}
	if err := CheckArraysPath("out.NPZ"); err != nil {
		t.Errorf("CheckArraysPath(out.NPZ) = %v", err)
	}
}

func sameBits(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, syscall.EIO }

func TestIsStdin(t *testing.T) {
	for _, p := range []string{"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"} {
		if !IsStdin(p) {
			t.Errorf("IsStdin(%q) = false", p)
		}
	}
	for _, p := range []string{"", "--", "stdin", "./-", "/dev/fd/1", "/dev/stdout"} {
		if IsStdin(p) {
			t.Errorf("IsStdin(%q) = true", p)
		}
	}
}
