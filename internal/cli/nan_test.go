package cli

import (
	"math"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// TestRunNaNWeights checks that cnnc run warns, naming the tensor, about
// weights that hold NaN or an infinity, and about outputs that do, on
// both engines; the status stays 0.
func TestRunNaNWeights(t *testing.T) {
	outputDir(t)
	nan, inf := float32(math.NaN()), float32(math.Inf(-1))
	w := make([]float32, 18)
	w[4], w[9] = nan, nan
	fc := make([]float32, 96)
	fc[95] = inf
	must(t, runtime.WriteArrays("w.npz", []*runtime.Array{
		runtime.NewArray32("conv1.weight", []int{2, 1, 3, 3}, w),
		runtime.NewArray32("conv1.bias", []int{2}, make([]float32, 2)),
		runtime.NewArray32("fc1.weight", []int{3, 32}, fc),
		runtime.NewArray32("fc1.bias", []int{3}, make([]float32, 3)),
	}))
	engines := []string{"interp", "gen"}
	if testing.Short() {
		engines = engines[:1] // gen builds a program
	}
	for _, engine := range engines {
		var stdout, stderr strings.Builder
		status := Run([]string{"run", "--engine", engine, "--weights", "w.npz", "--input", "x.npy", "m.cnn"}, nil, &stdout, &stderr)
		want := "cnnc run: warning: w.npz: conv1.weight holds NaN (value 4, and 1 more of 18)\n" +
			"cnnc run: warning: w.npz: fc1.weight holds -Inf (value 95)\n" +
			"cnnc run: warning: the output y holds NaN (value 0, and 5 more of 6)\n"
		if status != 0 || stderr.String() != want {
			t.Errorf("%s: status %d, stderr\n%s\nwant 0 and\n%s", engine, status, stderr.String(), want)
		}
	}
}
