package runner

import (
	"fmt"
	"html"
	"path/filepath"
	"strings"
)

// ConfusionSVG draws the confusion matrix: a row per true class and a
// column per predicted class, each cell shaded by the share of its row
// (the true class's samples) it holds, from white (none) to dark blue
// (all), with its count; the diagonal (right) cells are outlined. The
// classes are labelled with their numbers and names, and a title gives
// the accuracy. The same evaluation gives the same bytes.
func (ev *Evaluation) ConfusionSVG() []byte {
	classes := len(ev.Confusion)
	cell := min(40.0, max(14.0, 560.0/float64(classes)))
	font := min(12.0, cell*0.38)
	labels := make([]string, classes)
	longest := 0
	for k := range labels {
		labels[k] = strings.TrimSpace(fmt.Sprintf("%d %s", k, ev.Name(k)))
		if r := []rune(labels[k]); len(r) > 24 {
			labels[k] = string(r[:23]) + "…"
		}
		longest = max(longest, len([]rune(labels[k])))
	}
	labelW := 7*float64(longest) + 12
	left := 30 + labelW     // the "true class" title, then the row labels
	top := 56 + 0.62*labelW // the title, the "predicted class" title, then the slanted column labels
	grid := cell * float64(classes)
	width := left + grid + 0.72*labelW + 10 // the last slanted column label
	height := top + grid + 56               // the colour scale below

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	title := fmt.Sprintf("accuracy %s on %s of %s", percent(ev.Accuracy()), plural(ev.Samples, "sample"), filepath.Base(ev.Source))
	fmt.Fprintf(&b, `<text x="%.1f" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", 10.0, html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="%.1f" y="40" text-anchor="middle">predicted class</text>`+"\n", left+grid/2)
	fmt.Fprintf(&b, `<text transform="translate(16 %.1f) rotate(-90)" text-anchor="middle">true class</text>`+"\n", top+grid/2)
	for k, l := range labels {
		x := left + cell*(float64(k)+0.5)
		fmt.Fprintf(&b, `<text transform="translate(%.1f %.1f) rotate(-45)" font-size="%.1f">%s</text>`+"\n", x+3, top-6, font, html.EscapeString(l))
		y := top + cell*(float64(k)+0.5) + font/3
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" font-size="%.1f">%s</text>`+"\n", left-6, y, font, html.EscapeString(l))
	}
	for t, row := range ev.Confusion {
		n, _ := ev.ClassCounts(t)
		for p, count := range row {
			share := 0.0
			if n > 0 {
				share = float64(count) / float64(n)
			}
			x, y := left+cell*float64(p), top+cell*float64(t)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="#d0d0d0" stroke-width="0.5"/>`+"\n", x, y, cell, cell, shade(share))
			if count > 0 {
				ink := "black"
				if share > 0.5 {
					ink = "white"
				}
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="%.1f" fill="%s">%d</text>`+"\n", x+cell/2, y+cell/2+font/3, font*0.9, ink, count)
			}
		}
		x, y := left+cell*float64(t), top+cell*float64(t)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#e6550d" stroke-width="1.5"/>`+"\n", x, y, cell, cell)
	}
	// The colour scale.
	scaleY := top + grid + 20
	const steps = 10
	stepW := min(grid, 300) / steps
	for i := range steps {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="10" fill="%s"/>`+"\n", left+stepW*float64(i), scaleY, stepW, shade((float64(i)+0.5)/steps))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11">0%%</text>`+"\n", left, scaleY+24)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="end">100%% of the true class</text>`+"\n", left+stepW*steps, scaleY+24)
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// shade is the colour of a share from 0 (white) to 1 (dark blue, #08306b).
func shade(share float64) string {
	share = min(max(share, 0), 1)
	c := func(to float64) int { return int(255 + (to-255)*share + 0.5) }
	return fmt.Sprintf("#%02x%02x%02x", c(0x08), c(0x30), c(0x6b))
}
