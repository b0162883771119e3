package runtime

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// addSeeds seeds f with the fixtures with extension ext and with
// sampleArrays written by write.
func addSeeds(f *testing.F, ext string, write func(io.Writer, []*Array) error) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"+ext))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var buf bytes.Buffer
	if err := write(&buf, sampleArrays()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
}

// checkRead checks what a reader returned: an error must be a *FileError;
// arrays must be consistent, and must survive writing and reading back.
func checkRead(t *testing.T, arrays []*Array, err error, write func(io.Writer, []*Array) error, read func(io.ReaderAt, int64) ([]*Array, error)) {
	if err != nil {
		if _, ok := err.(*FileError); !ok {
			t.Fatalf("error %v is a %T, want *FileError", err, err)
		}
		return
	}
	for _, a := range arrays {
		if err := a.check(); err != nil {
			t.Fatalf("read an inconsistent array: %v", err)
		}
	}
	var buf bytes.Buffer
	if err := write(&buf, arrays); err != nil {
		t.Fatalf("cannot write what was read: %v", err)
	}
	again, err := read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("cannot read what was written: %v", err)
	}
	mustSame(t, again, arrays)
}

func FuzzReadNPY(f *testing.F) {
	writeOne := func(w io.Writer, arrays []*Array) error { return WriteNPY(w, arrays[0]) }
	readOne := func(r io.ReaderAt, size int64) ([]*Array, error) {
		arrays, err := readNPYAt(r, size)
		if err == nil {
			arrays[0].Name = "x"
		}
		return arrays, err
	}
	addSeeds(f, ".npy", writeOne)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ReadNPY(bytes.NewReader(data))
		_, err2 := ReadNPY(noLen{bytes.NewReader(data)})
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("size known: %v; size unknown: %v", err, err2)
		}
		var arrays []*Array
		if err == nil {
			a.Name = "x"
			arrays = []*Array{a}
		}
		checkRead(t, arrays, err, writeOne, readOne)
	})
}

func FuzzReadNPZ(f *testing.F) {
	addSeeds(f, ".npz", WriteNPZ)
	f.Fuzz(func(t *testing.T, data []byte) {
		arrays, err := ReadNPZ(bytes.NewReader(data), int64(len(data)))
		checkRead(t, arrays, err, WriteNPZ, ReadNPZ)
	})
}

func FuzzReadSafetensors(f *testing.F) {
	addSeeds(f, ".safetensors", WriteSafetensors)
	f.Fuzz(func(t *testing.T, data []byte) {
		arrays, err := ReadSafetensors(bytes.NewReader(data), int64(len(data)))
		checkRead(t, arrays, err, WriteSafetensors, ReadSafetensors)
	})
}
