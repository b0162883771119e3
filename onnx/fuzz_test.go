package onnx

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzImport reads and imports arbitrary bytes: every input is a model or
// an error, never a panic, a hang or an allocation larger than the input
// warrants (each size a file declares is checked against the bytes it
// holds). The seeds are the fixtures and hand-made models; the corpus
// under testdata/fuzz keeps inputs that found bugs.
func FuzzImport(f *testing.F) {
	for _, name := range fixtures {
		data, err := os.ReadFile(filepath.Join("testdata", name+".onnx"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(relu())
	f.Add(relu(0, 2, 0, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode("fuzz.onnx", data, "")
		if err != nil {
			return
		}
		r, err := Import(m, Options{})
		if err == nil && (len(r.Text) == 0 || r.Graph == nil) {
			t.Fatal("an import without error gave no file")
		}
	})
}
