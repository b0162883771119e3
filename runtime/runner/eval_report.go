package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// writeText prints the evaluation for a person:
//
//	t10k-images-idx3-ubyte.gz: 10000 samples, engine interp
//	accuracy 91.23% (9123 of 10000), loss 0.2519
//	top-5 accuracy 99.80% (9980 of 10000)
//
//	class          samples  correct  accuracy
//	0 T-shirt/top     1000      862    86.20%
//	...
//
//	confusion matrix (rows: true class, columns: predicted class)
//	                 0    1 ...
//	0 T-shirt/top  862    2
//	...
//
// The matrix is printed for up to maxTextClasses classes.
func (ev *Evaluation) writeText(w io.Writer) {
	fmt.Fprintf(w, "%s: %s, engine %s\n", ev.Source, plural(ev.Samples, "sample"), ev.Engine)
	fmt.Fprintf(w, "accuracy %s (%d of %d), loss %.4f\n", percent(ev.Accuracy()), ev.Correct, ev.Samples, ev.Loss())
	if ev.TopK > 0 {
		fmt.Fprintf(w, "top-%d accuracy %s (%d of %d)\n", ev.TopK, percent(ratio(ev.TopKCorrect, ev.Samples)), ev.TopKCorrect, ev.Samples)
	}
	classes := len(ev.Confusion)
	label := make([]string, classes)
	width := len("class")
	for k := range label {
		label[k] = strings.TrimSpace(fmt.Sprintf("%d %s", k, ev.Name(k)))
		width = max(width, len([]rune(label[k])))
	}
	fmt.Fprintf(w, "\n%s  samples  correct  accuracy\n", pad("class", width))
	for k := range classes {
		n, c := ev.ClassCounts(k)
		acc := "-"
		if n > 0 {
			acc = percent(ratio(c, n))
		}
		fmt.Fprintf(w, "%s  %7d  %7d  %8s\n", pad(label[k], width), n, c, acc)
	}
	if classes > maxTextClasses {
		fmt.Fprintf(w, "\n(the confusion matrix of %d classes is in --format json, or drawn by --confusion)\n", classes)
		return
	}
	cell := len(fmt.Sprint(classes - 1))
	for _, row := range ev.Confusion {
		for _, n := range row {
			cell = max(cell, len(fmt.Sprint(n)))
		}
	}
	fmt.Fprintf(w, "\nconfusion matrix (rows: true class, columns: predicted class)\n%s", pad("", width))
	for k := range classes {
		fmt.Fprintf(w, "  %*d", cell, k)
	}
	fmt.Fprintln(w)
	for k, row := range ev.Confusion {
		fmt.Fprint(w, pad(label[k], width))
		for _, n := range row {
			fmt.Fprintf(w, "  %*d", cell, n)
		}
		fmt.Fprintln(w)
	}
}

// pad pads s with spaces to width runes.
func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-len([]rune(s))))
}

func percent(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) }

// evalJSON is the evaluation as --format json prints it.
type evalJSON struct {
	Data         string      `json:"data"`
	Engine       string      `json:"engine"`
	Samples      int         `json:"samples"`
	Correct      int         `json:"correct"`
	Accuracy     float64     `json:"accuracy"`
	Loss         *float64    `json:"loss"`
	TopK         int         `json:"top_k,omitempty"`
	TopKCorrect  *int        `json:"top_k_correct,omitempty"`
	TopKAccuracy *float64    `json:"top_k_accuracy,omitempty"`
	Classes      []classJSON `json:"classes"`
	Confusion    [][]int     `json:"confusion"`
}

type classJSON struct {
	Class    int      `json:"class"`
	Name     string   `json:"name,omitempty"`
	Samples  int      `json:"samples"`
	Correct  int      `json:"correct"`
	Accuracy *float64 `json:"accuracy"`
}

// writeJSON prints the evaluation as one JSON object on a line: accuracy
// is a fraction from 0 to 1, loss the mean cross-entropy (null if it is
// not a finite number), a class without samples has a null accuracy, and
// confusion[t][p] counts the samples of class t classified as p.
func (ev *Evaluation) writeJSON(w io.Writer) error {
	j := evalJSON{Data: ev.Source, Engine: ev.Engine, Samples: ev.Samples, Correct: ev.Correct,
		Accuracy: ev.Accuracy(), Loss: finiteOrNil(ev.Loss()), Confusion: ev.Confusion}
	if ev.TopK > 0 {
		j.TopK, j.TopKCorrect, j.TopKAccuracy = ev.TopK, &ev.TopKCorrect, finiteOrNil(ratio(ev.TopKCorrect, ev.Samples))
	}
	for k := range ev.Confusion {
		n, c := ev.ClassCounts(k)
		j.Classes = append(j.Classes, classJSON{Class: k, Name: ev.Name(k), Samples: n, Correct: c, Accuracy: finiteOrNil(ratio(c, n))})
	}
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func finiteOrNil(v float64) *float64 {
	if !finite(v) {
		return nil
	}
	return &v
}
