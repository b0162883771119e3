package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// The evaluation fixture: a network whose scores are its two inputs and a
// zero, s = (a, b, 0) (fc1.weight [[1 0] [0 1] [0 0]], no bias), on six
// samples chosen so that every count is known by hand:
//
//	sample  (a, b)    label  scores        top class  label's rank
//	0       ( 2,  0)  0      ( 2,  0, 0)   0          0
//	1       ( 0,  3)  1      ( 0,  3, 0)   1          0
//	2       ( 1,  2)  0      ( 1,  2, 0)   1          1
//	3       (-1, -2)  2      (-1, -2, 0)   2          0
//	4       ( 0,  0)  1      ( 0,  0, 0)   0 (a tie)  1 (class 0 ties before it)
//	5       (-1, -1)  0      (-1, -1, 0)   2          1
//
// accuracy 3/6, top-2 accuracy 6/6; by class 1 of 3, 1 of 2, 1 of 1; the
// confusion matrix (rows true) [[1 1 1] [1 1 0] [0 0 1]].
var (
	evalX      = []float32{2, 0, 0, 3, 1, 2, -1, -2, 0, 0, -1, -1}
	evalLabels = []int64{0, 1, 0, 2, 1, 0}
)

// evalLoss is the mean cross-entropy of the fixture, each sample's
// ln Σ exp(s) − s[label] written out.
func evalLoss() float64 {
	e := math.E
	losses := []float64{
		math.Log(e*e+2) - 2,
		math.Log(e*e*e+2) - 3,
		math.Log(e+e*e+1) - 1,
		math.Log(1/e + 1/(e*e) + 1),
		math.Log(3),
		math.Log(2/e+1) + 1,
	}
	sum := 0.0
	for _, l := range losses {
		sum += l
	}
	return sum / 6
}

func writeEvalFixtures(t *testing.T) {
	t.Helper()
	w := []*runtime.Array{
		runtime.NewArray32("fc1.weight", []int{3, 2}, []float32{1, 0, 0, 1, 0, 0}),
		runtime.NewArray32("fc1.bias", []int{3}, []float32{0, 0, 0}),
	}
	must(t, runtime.WriteArrays("w.npz", w))
	d := []*runtime.Array{runtime.NewArray32("x", []int{6, 2, 1, 1}, evalX), runtime.NewArrayInt64("y", []int{6}, evalLabels)}
	must(t, runtime.WriteArrays("d.npz", d))
	must(t, os.WriteFile("soft.cnn", []byte("input 1x1x2\nfc 3\nsoftmax\n"), 0o644))
	must(t, os.WriteFile("scores.cnn", []byte("input 1x1x2\nfc 3\n"), 0o644))
	must(t, os.WriteFile("names.txt", []byte("ant\nbee\ncat\n"), 0o644))
}

// TestEvalNumbers evaluates the fixture with both engines, on a network
// that ends in softmax (its loss taken from the probabilities) and on one
// that gives the scores (the loss of their softmax): the counts exactly,
// the loss within 1e-12 of the hand-written sums (1e-6 for the float32
// engine).
func TestEvalNumbers(t *testing.T) {
	t.Chdir(t.TempDir())
	writeEvalFixtures(t)
	t.Setenv("CNNC_CACHE", programCacheDir(t))
	engines := []string{"interp", "gen"}
	if testing.Short() {
		engines = engines[:1]
	}
	for _, engine := range engines {
		for _, model := range []string{"soft.cnn", "scores.cnn"} {
			var out, errs bytes.Buffer
			status := Run([]string{"eval", "--engine", engine, "--weights", "w.npz", "--data", "d.npz", "--top", "2", "--format", "json", model}, nil, &out, &errs)
			if status != 0 {
				t.Fatalf("%s %s: status %d: %s", engine, model, status, errs.String())
			}
			var got struct {
				Samples      int     `json:"samples"`
				Correct      int     `json:"correct"`
				Accuracy     float64 `json:"accuracy"`
				Loss         float64 `json:"loss"`
				TopK         int     `json:"top_k"`
				TopKCorrect  int     `json:"top_k_correct"`
				TopKAccuracy float64 `json:"top_k_accuracy"`
				Classes      []struct {
					Class    int     `json:"class"`
					Samples  int     `json:"samples"`
					Correct  int     `json:"correct"`
					Accuracy float64 `json:"accuracy"`
				} `json:"classes"`
				Confusion [][]int `json:"confusion"`
			}
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("%s %s: %v\n%s", engine, model, err, out.String())
			}
			tol := 1e-12
			if engine == "gen" {
				tol = 1e-6
			}
			if got.Samples != 6 || got.Correct != 3 || got.Accuracy != 0.5 || got.TopK != 2 || got.TopKCorrect != 6 || got.TopKAccuracy != 1 {
				t.Errorf("%s %s: %s", engine, model, out.String())
			}
			if math.Abs(got.Loss-evalLoss()) > tol {
				t.Errorf("%s %s: loss %v, want %v", engine, model, got.Loss, evalLoss())
			}
			wantAcc := []float64{1.0 / 3, 0.5, 1}
			for k, c := range got.Classes {
				if c.Class != k || c.Correct != 1 || c.Samples != []int{3, 2, 1}[k] || c.Accuracy != wantAcc[k] {
					t.Errorf("%s %s: class %d: %+v", engine, model, k, c)
				}
			}
			if !slices.EqualFunc(got.Confusion, [][]int{{1, 1, 1}, {1, 1, 0}, {0, 0, 1}}, slices.Equal) {
				t.Errorf("%s %s: confusion %v", engine, model, got.Confusion)
			}
		}
	}
}

// TestEvalText: the report a person reads, with the classes' names, and
// the SVG picture of the matrix.
func TestEvalText(t *testing.T) {
	t.Chdir(t.TempDir())
	writeEvalFixtures(t)
	var out, errs bytes.Buffer
	status := Run([]string{"eval", "--weights", "w.npz", "--data", "d.npz", "--top", "2", "--labels", "names.txt", "--confusion", "c.svg", "soft.cnn"}, nil, &out, &errs)
	if status != 0 {
		t.Fatalf("status %d: %s", status, errs.String())
	}
	want := `d.npz: 6 samples, engine interp
accuracy 50.00% (3 of 6), loss ` + fmt.Sprintf("%.4f", evalLoss()) + `
top-2 accuracy 100.00% (6 of 6)

class  samples  correct  accuracy
0 ant        3        1    33.33%
1 bee        2        1    50.00%
2 cat        1        1   100.00%

confusion matrix (rows: true class, columns: predicted class)
       0  1  2
0 ant  1  1  1
1 bee  1  1  0
2 cat  0  0  1
`
	if out.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), want)
	}
	svg, err := os.ReadFile("c.svg")
	must(t, err)
	for _, s := range []string{`<svg xmlns="http://www.w3.org/2000/svg"`, `>accuracy 50.00% on 6 samples of d.npz</text>`, `>2 cat</text>`, `fill="#08306b"`} {
		if !bytes.Contains(svg, []byte(s)) {
			t.Errorf("c.svg lacks %q", s)
		}
	}
}

// TestEvalErrors: exit statuses and messages of cnnc eval.
func TestEvalErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	writeEvalFixtures(t)
	must(t, runtime.WriteArrays("x.npz", []*runtime.Array{runtime.NewArray32("x", []int{6, 3, 1, 1}, make([]float32, 18)), runtime.NewArrayInt64("y", []int{6}, evalLabels)}))
	must(t, os.WriteFile("map.cnn", []byte("input 2x2x2\nconv 1x1x3\n"), 0o644))
	must(t, os.WriteFile("big.cnn", []byte("input 1x1x2\nfc 101\nsoftmax\n"), 0o644))
	for _, c := range []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"--data", "d.npz", "soft.cnn"}, 2, "cnnc eval: --weights is required"},
		{[]string{"--weights", "w.npz", "--data", "d.npz", "--format", "xml", "--top", "0", "--mean", "1", "soft.cnn"}, 2, "--format \"xml\": want text or json\n--top 0: want at least 1\n--mean and --std come together"},
		{[]string{"--weights", "missing.npz", "--data", "d.npz", "soft.cnn"}, 2, "open missing.npz: no such file or directory"},
		{[]string{"--weights", "w.npz", "--data", "missing", "soft.cnn"}, 2, "missing"},
		{[]string{"--weights", "w.npz", "--data", "x.npz", "soft.cnn"}, 1, "x.npz: x: shape [6 3 1 1] does not fit the network"},
		{[]string{"--weights", "d.npz", "--data", "d.npz", "soft.cnn"}, 1, "d.npz: fc1.weight: missing"},
		{[]string{"--weights", "w.npz", "--data", "d.npz", "--labels", "names.txt", "big.cnn"}, 1, "fc1.weight"},
		{[]string{"--weights", "w.npz", "--data", "d.npz", "--confusion", "nodir/c.svg", "soft.cnn"}, 2, "nodir/c.svg: cannot be written"},
		{[]string{"--weights", "w.npz", "--data", "d.npz", "--confusion", "d.npz", "soft.cnn"}, 2, "--confusion would overwrite --data"},
		{[]string{"--weights", "w.npz", "--data", "d.npz", "--mean", "0", "--std", "0", "soft.cnn"}, 2, "--std 0: the standard deviation of channel 0 is 0"},
		{[]string{"--weights", "w.npz", "--data", "d.npz", "--engine", "tpu", "soft.cnn"}, 2, `unknown engine "tpu"`},
	} {
		var out, errs bytes.Buffer
		status := Run(append([]string{"eval"}, c.args...), nil, &out, &errs)
		if status != c.status || !strings.Contains(errs.String(), c.want) {
			t.Errorf("cnnc eval %s: status %d, want %d; stderr %q, want it to hold %q", strings.Join(c.args, " "), status, c.status, errs.String(), c.want)
		}
	}
	// A network whose output is a map, and one of 101 classes drawn: the
	// weights fit, the command does not.
	must(t, runtime.WriteArrays("wm.npz", []*runtime.Array{runtime.NewArray32("conv1.weight", []int{3, 2, 1, 1}, make([]float32, 6)), runtime.NewArray32("conv1.bias", []int{3}, make([]float32, 3))}))
	must(t, runtime.WriteArrays("wb.npz", []*runtime.Array{runtime.NewArray32("fc1.weight", []int{101, 2}, make([]float32, 202)), runtime.NewArray32("fc1.bias", []int{101}, make([]float32, 101))}))
	must(t, os.WriteFile("names2.txt", []byte("a\nb\n"), 0o644))
	for _, c := range []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"--weights", "wm.npz", "--data", "d.npz", "map.cnn"}, 1, "cnnc eval: the network's output is 3x2x2, not one score per class: cnnc eval measures classifiers"},
		{[]string{"--weights", "wb.npz", "--data", "d.npz", "--confusion", "c.svg", "big.cnn"}, 2, "--confusion c.svg: cnnc draws confusion matrices of up to 100 classes; the network has 101"},
		{[]string{"--weights", "w.npz", "--data", "d.npz", "--labels", "names2.txt", "soft.cnn"}, 1, "names2.txt: names 2 classes, but the network has 3 classes"},
	} {
		var out, errs bytes.Buffer
		status := Run(append([]string{"eval"}, c.args...), nil, &out, &errs)
		if status != c.status || !strings.Contains(errs.String(), c.want) {
			t.Errorf("cnnc eval %s: status %d, want %d; stderr %q, want it to hold %q", strings.Join(c.args, " "), status, c.status, errs.String(), c.want)
		}
	}
	if _, err := os.Stat("c.svg"); err == nil {
		t.Errorf("c.svg written by a failed eval")
	}
}
