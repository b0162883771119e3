package runner

import (
	"math"
)

// Evaluation is what cnnc eval measures of a classifier on a data set.
type Evaluation struct {
	Source  string // the data set, as data.Set names it
	Engine  string
	Samples int
	Correct int // samples whose top class is their label
	// LossSum is the sum of the samples' cross-entropy losses.
	LossSum float64
	// TopK, when above 1 and below the number of classes, is the k of
	// TopKCorrect: samples whose label is among their k top classes.
	TopK, TopKCorrect int
	// Names names the classes ("" for one without a name).
	Names []string
	// Confusion[t][p] counts the samples of class t whose top class is p.
	Confusion [][]int
	// NonFinite counts the samples whose output held NaN or an infinity.
	NonFinite int
}

// newEvaluation starts an evaluation of a network of classes outputs,
// counting top-k hits for k = topK when 1 < topK < classes.
func newEvaluation(classes, topK int, names []string) *Evaluation {
	ev := &Evaluation{Names: names, Confusion: make([][]int, classes)}
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, classes)
	}
	if topK > 1 && topK < classes {
		ev.TopK = topK
	}
	return ev
}

// add counts the outputs y of len(labels) samples. softmax says that y
// are the probabilities of a network ending in softmax, whose loss is
// -ln y[label] (a probability of 0, which float32 or float64 made of a
// tiny one, counts as tiny, the smallest positive number of the engine's
// precision); otherwise y are scores, whose loss is that of their
// softmax, log-sum-exp(y) - y[label], as nn.CrossEntropyLoss takes it.
// The top class is the first of the highest outputs; NaN ranks lowest.
func (ev *Evaluation) add(y []float64, labels []int32, softmax bool, tiny float64) {
	classes := len(ev.Confusion)
	for s, label := range labels {
		row := y[s*classes : (s+1)*classes]
		ev.Samples++
		best := 0
		finiteRow := true
		for i, v := range row {
			if !finite(v) {
				finiteRow = false
			}
			if above(v, row[best]) {
				best = i
			}
		}
		if !finiteRow {
			ev.NonFinite++
		}
		ev.Confusion[label][best]++
		if best == int(label) {
			ev.Correct++
		}
		if ev.TopK > 0 {
			// The label's rank: outputs above it, and equal ones before it.
			rank := 0
			for i, v := range row {
				if above(v, row[label]) || v == row[label] && i < int(label) {
					rank++
				}
			}
			if rank < ev.TopK {
				ev.TopKCorrect++
			}
		}
		if softmax {
			ev.LossSum -= math.Log(max(row[label], tiny))
			continue
		}
		ev.LossSum += logSumExp(row) - row[label]
	}
}

// above reports whether a ranks above b: greater, NaN ranking lowest.
func above(a, b float64) bool {
	return a > b || math.IsNaN(b) && !math.IsNaN(a)
}

// logSumExp is ln Σ exp(v), computed from the largest value.
func logSumExp(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	if math.IsInf(m, 0) {
		return m
	}
	sum := 0.0
	for _, x := range v {
		sum += math.Exp(x - m)
	}
	return m + math.Log(sum)
}

// Accuracy is the fraction of samples classified right.
func (ev *Evaluation) Accuracy() float64 { return ratio(ev.Correct, ev.Samples) }

// Loss is the mean cross-entropy loss.
func (ev *Evaluation) Loss() float64 { return ev.LossSum / float64(ev.Samples) }

// ClassCounts returns how many samples class k has, and how many of them
// are classified right.
func (ev *Evaluation) ClassCounts(k int) (samples, correct int) {
	for _, n := range ev.Confusion[k] {
		samples += n
	}
	return samples, ev.Confusion[k][k]
}

// Name is class k's name, or "".
func (ev *Evaluation) Name(k int) string {
	if k < len(ev.Names) {
		return ev.Names[k]
	}
	return ""
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}
