package runner

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cnnc/cnnc/runtime"
)

// WritePlot draws the curves of a training run (see Plot) into an SVG file
// at path, atomically.
func WritePlot(path string, history []Epoch, classifier bool) error {
	return runtime.WriteFileAtomic(path, Plot(history, classifier), 0o644)
}

// Plot returns an SVG picture of a training run: the training and (when
// measured) validation loss against the epoch and, for a classifier, a
// second panel with the accuracies in percent. Each panel has its axes,
// ticks, grid lines and a legend. A loss that spans more than a factor of
// ten is drawn on a logarithmic scale. Values that are not finite (a
// diverged loss) are left out, breaking the line.
func Plot(history []Epoch, classifier bool) []byte {
	train := func(e Epoch) Metrics { return e.Train }
	val := func(e Epoch) Metrics {
		if e.Val == nil {
			return Metrics{math.NaN(), math.NaN()}
		}
		return *e.Val
	}
	loss := func(m func(Epoch) Metrics) []float64 {
		return column(history, func(e Epoch) float64 { return m(e).Loss })
	}
	acc := func(m func(Epoch) Metrics) []float64 {
		return column(history, func(e Epoch) float64 { return 100 * m(e).Accuracy })
	}
	lossPanel := panel{title: "loss (mean squared error)", series: [2][]float64{loss(train), loss(val)}, log: true, format: "%.4g"}
	panels := []panel{lossPanel}
	if classifier {
		panels[0].title = "loss (cross-entropy)"
		panels = append(panels, panel{title: "accuracy (%)", series: [2][]float64{acc(train), acc(val)}, max: 100, format: "%.2f%%"})
	}
	const panelW, height = 480, 360
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		panelW*len(panels), height, panelW*len(panels), height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	for i, p := range panels {
		p.draw(&b, float64(i*panelW), panelW, height, len(history))
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

func column(history []Epoch, f func(Epoch) float64) []float64 {
	v := make([]float64, len(history))
	for i, e := range history {
		v[i] = f(e)
	}
	return v
}

// panel is one chart: a title, the training and validation series (one
// value an epoch, NaN where there is none), whether a wide range goes on a
// log scale, an upper bound for the axis (0 for none), and how the legend
// writes each series' last value.
type panel struct {
	title  string
	series [2][]float64
	log    bool
	max    float64
	format string
}

// Colours and names of the two series.
var seriesStyle = [2]struct{ name, colour string }{{"training", "#1f77b4"}, {"validation", "#e8710a"}}

// draw writes the panel into the box of width w and height h at x0.
func (p *panel) draw(b *strings.Builder, x0, w, h float64, epochs int) {
	left, right, top, bottom := x0+64, x0+w-20, 56.0, h-48
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range p.series {
		for _, v := range s {
			if finite(v) && (!p.log || v > 0) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	var ys axis
	switch {
	case lo > hi: // no values
		ys = linearAxis(0, 1, 0)
	case p.log && lo > 0 && hi/lo > 10:
		ys = logAxis(lo, hi)
	default:
		ys = linearAxis(lo, hi, p.max)
	}
	xs := epochAxis(epochs)
	px := func(epoch float64) float64 { return left + (right-left)*xs.pos(epoch) }
	py := func(v float64) float64 { return bottom - (bottom-top)*ys.pos(v) }

	fmt.Fprintf(b, `<g>`+"\n")
	fmt.Fprintf(b, `<text x="%.1f" y="20" font-size="15" font-weight="bold" fill="#222">%s</text>`+"\n", x0+12, p.title)
	// Legend, above the plot area at its right: each series with its
	// last value.
	type item struct{ colour, text string }
	var legend []item
	for i, st := range seriesStyle {
		if v, ok := lastFinite(p.series[i]); ok {
			legend = append(legend, item{st.colour, st.name + " " + fmt.Sprintf(p.format, v)})
		}
	}
	for i, it := range legend {
		x := right - float64(len(legend)-i)*150 + 10
		fmt.Fprintf(b, `<line x1="%.1f" y1="34" x2="%.1f" y2="34" stroke="%s" stroke-width="2.5"/>`, x, x+22, it.colour)
		fmt.Fprintf(b, `<text x="%.1f" y="38" fill="#333">%s</text>`+"\n", x+28, it.text)
	}
	// Grid, ticks and labels.
	for _, t := range ys.minor {
		y := py(t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#f3f3f3"/>`, left, y, right, y)
	}
	for _, t := range ys.ticks {
		y := py(t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e4e4e4"/>`, left, y, right, y)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444"/>`, left-5, y, left, y)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#333">%s</text>`+"\n", left-8, y+4, ys.label(t))
	}
	for _, t := range xs.ticks {
		x := px(t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#f0f0f0"/>`, x, top, x, bottom)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444"/>`, x, bottom, x, bottom+5)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#333">%s</text>`+"\n", x, bottom+18, xs.label(t))
	}
	fmt.Fprintf(b, `<path d="M%.1f %.1fV%.1fH%.1f" fill="none" stroke="#444"/>`+"\n", left, top, bottom, right)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#333">epoch</text>`+"\n", (left+right)/2, h-12)
	if ys.logScale {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end" font-size="10" fill="#777">log scale</text>`+"\n", right, h-12)
	}
	// The curves, with a dot at each epoch when there are few.
	for i := len(p.series) - 1; i >= 0; i-- {
		st := seriesStyle[i]
		var d strings.Builder
		pen := "M"
		for e, v := range p.series[i] {
			if !finite(v) || ys.logScale && v <= 0 {
				pen = "M"
				continue
			}
			fmt.Fprintf(&d, "%s%.1f %.1f", pen, px(float64(e+1)), py(v))
			pen = "L"
		}
		if d.Len() == 0 {
			continue
		}
		fmt.Fprintf(b, `<path d="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"/>`+"\n", d.String(), st.colour)
		if epochs <= 40 {
			for e, v := range p.series[i] {
				if finite(v) && (!ys.logScale || v > 0) {
					fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.8" fill="%s"/>`, px(float64(e+1)), py(v), st.colour)
				}
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("</g>\n")
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// lastFinite returns the last finite value of v.
func lastFinite(v []float64) (float64, bool) {
	for i := len(v) - 1; i >= 0; i-- {
		if finite(v[i]) {
			return v[i], true
		}
	}
	return 0, false
}

// axis maps values to [0, 1] and lists its ticks.
type axis struct {
	lo, hi   float64 // the range shown; for a log axis, their logarithms
	ticks    []float64
	minor    []float64 // unlabelled grid lines
	logScale bool
	step     float64 // the linear tick spacing, for labels
}

func (a axis) pos(v float64) float64 {
	if a.logScale {
		v = math.Log10(v)
	}
	return (v - a.lo) / (a.hi - a.lo)
}

func (a axis) label(v float64) string {
	if a.logScale || a.step == 0 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	decimals := max(0, -int(math.Floor(math.Log10(a.step)+1e-9)))
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// niceStep returns a step of 1, 2 or 5 times a power of ten that divides
// span into about n parts: for example 0.23 in 5 parts gives 0.05.
func niceStep(span float64, n int) float64 {
	raw := span / float64(n)
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5} {
		if m*pow >= raw {
			return m * pow
		}
	}
	return 10 * pow
}

// linearAxis covers [lo, hi] with about five ticks, widened to whole steps;
// a positive bound caps the top (100 for percentages).
func linearAxis(lo, hi, bound float64) axis {
	if hi-lo < 1e-12*max(1, math.Abs(hi)) { // one value: a range around it
		pad := max(math.Abs(hi)*0.1, 1e-3)
		lo, hi = lo-pad, hi+pad
		if bound > 0 {
			hi = min(hi, bound)
		}
	}
	step := niceStep(hi-lo, 5)
	a := axis{lo: math.Floor(lo/step+1e-9) * step, hi: math.Ceil(hi/step-1e-9) * step, step: step}
	if bound > 0 && a.hi > bound {
		a.hi = bound
	}
	for t := a.lo; t <= a.hi+step*1e-6; t += step {
		a.ticks = append(a.ticks, math.Round(t/step)*step)
	}
	return a
}

// logAxis covers [lo, hi] (both positive) and a twentieth of its span more
// at each end, with labelled ticks at 1, 2 and 5 times the powers of ten
// within it when it spans at most two decades, else at the powers alone,
// and minor ticks at the other multiples.
func logAxis(lo, hi float64) axis {
	l, h := math.Log10(lo), math.Log10(hi)
	pad := (h - l) / 20
	a := axis{lo: l - pad, hi: h + pad, logScale: true}
	labelled := []float64{1, 2, 5}
	if h-l > 2 {
		labelled = []float64{1}
	}
	for p := math.Floor(a.lo); p <= a.hi; p++ {
		for m := 1.0; m < 10; m++ {
			t := math.Log10(m) + p
			if t < a.lo || t > a.hi {
				continue
			}
			if slices.Contains(labelled, m) {
				a.ticks = append(a.ticks, m*math.Pow(10, p))
			} else {
				a.minor = append(a.minor, m*math.Pow(10, p))
			}
		}
	}
	return a
}

// epochAxis runs from epoch 1 to the last, with ticks at whole epochs; a
// single epoch sits in the middle.
func epochAxis(epochs int) axis {
	if epochs <= 1 {
		return axis{lo: 0, hi: 2, ticks: []float64{1}, step: 1}
	}
	step := max(1, niceStep(float64(epochs-1), 8))
	step = math.Round(step)
	a := axis{lo: 1, hi: float64(epochs), step: step}
	first := 1.0
	if step > 1 {
		first = step
		a.ticks = append(a.ticks, 1)
	}
	for t := first; t <= float64(epochs); t += step {
		a.ticks = append(a.ticks, t)
	}
	return a
}
