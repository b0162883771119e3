package runtime

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
)

func TestReadWriteArrays(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"w.npz", "w.safetensors", "W.NPZ"} {
		path := filepath.Join(dir, name)
		if err := WriteArrays(path, sampleArrays()); err != nil {
			t.Fatal(err)
		}
		got, err := ReadArrays(path)
		if err != nil {
			t.Fatal(err)
		}
		mustSame(t, got, sampleArrays())
	}
	for _, a := range sampleArrays() {
		path := filepath.Join(dir, "x.y.npy")
		if err := WriteArrays(path, []*Array{a}); err != nil {
			t.Fatal(err)
		}
		got, err := ReadArrays(path)
		if err != nil {
			t.Fatal(err)
		}
		got[0].Name = a.Name
		mustSame(t, got, []*Array{a})
	}
	if got, _ := ReadArrays(filepath.Join(dir, "x.y.npy")); got[0].Name != "x.y" {
		t.Errorf(".npy array named %q, want %q", got[0].Name, "x.y")
	}
	if st, _ := os.Stat(filepath.Join(dir, "w.npz")); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 4 {
		t.Errorf("directory holds %d files, want 4 (temporary files left?)", len(entries))
	}
}

// TestReadArraysErrors checks that errors name the file, and the entry
// where there is one.
func TestReadArraysErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "short.safetensors"), []byte("\x05"), 0o644)
	os.Mkdir(filepath.Join(dir, "dir.npz"), 0o755)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(dir, "empty"), nil, 0o644)
	tests := []struct {
		path, want string
	}{
		{"testdata/bigendian.npy", `testdata/bigendian.npy: big-endian data (">f4") is not supported; save with little-endian float32 or float64`},
		{"testdata/fortran.npy", "testdata/fortran.npy: Fortran-order data is not supported; save a C-order array (numpy.ascontiguousarray)"},
		{"testdata/complex.npy", `testdata/complex.npy: unsupported dtype "<c8"; want float32 or float64 (or float16, or integers)`},
		{"testdata/f4.npz", "open testdata/f4.npz: no such file or directory"},
		{"testdata/f4.npy.bak", "open testdata/f4.npy.bak: no such file or directory"},
		{filepath.Join(dir, "notes.txt"), filepath.Join(dir, "notes.txt") + `: is not a .npy, .npz or .safetensors file: it starts with "hello", where .npy has the magic "\x93NUMPY", .npz (a zip archive) "PK", and .safetensors an 8-byte header length and '{'`},
		{filepath.Join(dir, "empty"), filepath.Join(dir, "empty") + ": is empty: want a .npy, .npz or .safetensors file"},
		{"testdata/model.npz.npy", "open testdata/model.npz.npy: no such file or directory"},
		{filepath.Join(dir, "short.safetensors"), filepath.Join(dir, "short.safetensors") + ": not a .safetensors file (shorter than 8 bytes)"},
		{filepath.Join(dir, "dir.npz"), filepath.Join(dir, "dir.npz") + ": is a directory, not a file of arrays (.npy, .npz or .safetensors)"},
	}
	for _, tt := range tests {
		_, err := ReadArrays(tt.path)
		wantError(t, err, tt.want)
	}
	// Which entry is bad is named too.
	var buf bytes.Buffer
	WriteNPZ(&buf, []*Array{NewArray32("ok", nil, []float32{1})})
	bad := bytes.Replace(buf.Bytes(), []byte("<f4"), []byte(">f4"), 1)
	os.WriteFile(filepath.Join(dir, "weights.npz"), bad, 0o644)
	_, err := ReadArrays(filepath.Join(dir, "weights.npz"))
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != filepath.Join(dir, "weights.npz") || fe.Entry != "ok.npy" || !strings.HasPrefix(fe.Msg, "big-endian") {
		t.Errorf("got %#v", err)
	}
}

func TestWriteArraysErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.npz")
	os.WriteFile(path, []byte("old"), 0o600)
	tests := []struct {
		path   string
		arrays []*Array
		want   string
	}{
		{path, []*Array{{Name: "x", Shape: []int{2}, F32: []float32{1}}}, path + ": x: 1 values for shape [2], want 2"},
		{filepath.Join(dir, "w.npy"), sampleArrays(), filepath.Join(dir, "w.npy") + ": a .npy file holds exactly one array, got 5"},
		{filepath.Join(dir, "w.pt"), nil, filepath.Join(dir, "w.pt") + `: unknown file extension ".pt"; want .npy, .npz or .safetensors`},
		{filepath.Join(dir, "no", "w.npz"), nil, filepath.Join(dir, "no", "w.npz") + ": create temporary file: no such file or directory"},
	}
	for _, tt := range tests {
		err := WriteArrays(tt.path, tt.arrays)
		wantError(t, err, tt.want)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("failed write changed the file to %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d files, want 1 (temporary files left?)", len(entries))
	}
	var pe *fs.PathError
	if err := WriteArrays(filepath.Join(dir, "no", "w.npz"), nil); !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %#v does not unwrap to the *fs.PathError", err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.txt")
	for _, data := range []string{"first", "second, longer"} {
		if err := WriteFileAtomic(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != data {
			t.Errorf("file holds %q, want %q", b, data)
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode())
	}
}

// TestHugeClaimsFailFast checks that small files claiming huge arrays fail
// without allocating anything like the claimed size, in every format.
func TestHugeClaimsFailFast(t *testing.T) {
	npy := npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 100), }", make([]byte, 64))
	npz := rawZip(t, "a.npy", npy, 8 /* deflate */, 1<<40, 0)
	st := stFile(`{"w":{"dtype":"F64","shape":[1000000000000],"data_offsets":[0,8000000000000]}}`, nil)
	readers := map[string]func() error{
		"npy":         func() error { _, err := ReadNPY(bytes.NewReader(npy)); return err },
		"npy stream":  func() error { _, err := ReadNPY(noLen{bytes.NewReader(npy)}); return err },
		"npz":         func() error { _, err := ReadNPZ(bytes.NewReader(npz), int64(len(npz))); return err },
		"safetensors": func() error { _, err := ReadSafetensors(bytes.NewReader(st), int64(len(st))); return err },
	}
	for name, read := range readers {
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		err := read()
		goruntime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: no error", name)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("%s: allocated %d bytes before failing with %v", name, n, err)
		}
	}
}

// TestWriteAtomicPanic checks that a panic in write leaves no temporary
// file behind.
func TestWriteAtomicPanic(t *testing.T) {
	dir := t.TempDir()
	func() {
		defer func() { recover() }()
		WriteAtomic(filepath.Join(dir, "f"), 0o644, func(w io.Writer) error { panic("boom") })
	}()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("directory holds %v after a panic", entries)
	}
}
