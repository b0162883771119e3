package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/runner"
)

// TestCheckTrainBatch: a training-mode pass of one sample through a
// batchnorm on flat features (one value per channel) is refused before
// anything is built, as PyTorch and the interpreter refuse it; two
// samples, or a batchnorm on a map, pass.
func TestCheckTrainBatch(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		model   string
		samples int
		refused bool
	}{
		{"input 4x4x2\nconv 3x3x3\nfc 4\nbatchnorm\n", 1, true},
		{"input 4x4x2\nconv 3x3x3\nfc 4\nbatchnorm\n", 2, false},
		{"input 4x4x2\nconv 3x3x3\nbatchnorm\n", 1, false},
	} {
		r, ds := compiler.Compile("m.cnn", []byte(c.model))
		if ds.HasErrors() {
			t.Fatal(ds)
		}
		x := filepath.Join(dir, "x.npy")
		if err := runtime.WriteArrays(x, []*runtime.Array{runtime.NewArray32("x", []int{c.samples, 2, 4, 4}, make([]float32, c.samples*32))}); err != nil {
			t.Fatal(err)
		}
		err := genModelOf(r).checkTrainBatch(&runner.Options{Input: x})
		if (err != nil) != c.refused {
			t.Errorf("%q, %d samples: %v, want refused %v", c.model, c.samples, err, c.refused)
		}
		if err != nil && !strings.Contains(err.Error(), "batchnorm bn1 in training mode needs more than 1 value per channel") {
			t.Errorf("message %q", err)
		}
	}
}
