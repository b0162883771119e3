package draw

import (
	"fmt"
	"math"
	"strings"

	"github.com/cnnc/cnnc/ir"
)

// The block diagram is drawn in cabinet-style oblique projection: a feature
// map of H×W×C is a box whose front face is C wide (the direction of flow,
// left to right) and H high, receding into the page by W at 45°. So that
// VGG's 224×224 maps and its 7×7 ones fit on one page, every length is
// logarithmic in the size it stands for.
const (
	margin   = 28.0
	minGap   = 26.0 // between two boxes: room for the projection lines
	colPad   = 14.0 // between two columns of captions
	titleY   = 36.0
	headerH  = 104.0
	badgeH   = 24.0 // the row above the boxes for "×N"
	fontSize = 12.0
	fontFace = `system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Helvetica, Arial, "DejaVu Sans", sans-serif`
)

// height is the drawn length of a map's side of n pixels (or a vector of n
// features): 14 for 1, 186 for 224.
func height(n int) float64 { return 14 + 22*math.Log2(float64(n)) }

// thickness is the drawn width of C channels: 4 for 1, 40 for 512.
func thickness(c int) float64 { return 4 + 4*math.Log2(float64(c)) }

// box is where a stage is drawn: the front face's top-left corner (x, y),
// its width t and height h, and the offset (d, -d) of the back face.
type box struct {
	x, y, t, h, d float64
}

// right is the x of the box's rightmost point.
func (b box) right() float64 { return b.x + b.t + b.d }

// pt is a point of the box: along its height from the top (a in [0, 1]),
// into its depth (c in [0, 1]), on the face at x offset dx from the front
// face's left edge.
func (b box) pt(dx, a, c float64) (float64, float64) {
	return b.x + dx + c*b.d, b.y + a*b.h - c*b.d
}

func pillWidth(s string) float64 { return textWidth(s, fontSize-1) + 14 }

// textWidth estimates the width of s in a sans-serif face at size px from
// DejaVu Sans's advance widths (the widest common fallback, and the face
// headless Chromium on Debian uses), so that captions never collide where
// a narrower face is used.
func textWidth(s string, size float64) float64 {
	var w float64
	for _, r := range s {
		switch {
		case r == ' ' || r == '.' || r == ',' || r == ':' || r == ';' || r == 'i' || r == 'l' || r == 'j':
			w += 0.32
		case r == 't' || r == 'f' || r == 'r':
			w += 0.42
		case r == 'm' || r == 'w':
			w += 0.98
		case r == '×' || r == '·':
			w += 0.84
		case r >= 'A' && r <= 'Z':
			w += 0.75
		default:
			w += 0.64
		}
	}
	return w * size
}

// boldWidth estimates the width of s in the semi-bold weight of captions.
func boldWidth(s string, size float64) float64 { return 1.1 * textWidth(s, size) }

// SVG draws g as a block diagram: each feature map a box labelled with
// its shape and the layer that made it, the conv filters and pooling
// windows where they act, fc layers as bars, activations and batchnorm as
// small labels; branches side by side in a frame, joined where they merge;
// copies of a repeat drawn once with their count; and a legend with the
// totals.
func SVG(g *ir.Graph) []byte {
	l := lay(g)
	p := &svg{}
	p.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family='%s' font-size="%s" role="img">`+"\n",
		num(l.width), num(l.height), num(l.width), num(l.height), fontFace, num(fontSize))
	p.f("<title>%s: %s</title>\n", esc(g.Name), esc(totals(g)))
	p.f(`<style>
.f{stroke-width:1;stroke-linejoin:round}
.s{font-weight:600;fill:#262626}
.o{font-weight:500}
.n{font-size:11px}
.p{fill:none;stroke-width:.8;stroke-opacity:.75}
.fan{fill:none;stroke:#9b9b9b;stroke-width:.8;stroke-dasharray:3 3}
`)
	if len(l.frames) > 0 {
		p.f(`.w{fill:none;stroke:#8c8c8c;stroke-width:1.2;stroke-linejoin:round}
.fr{fill:#f7f7f7;stroke:#cfcfcf}
.g{fill:none;stroke:#a8a8a8;stroke-dasharray:4 3}
.fl{font-size:11px;fill:#6b6b6b}
`)
	}
	p.f("</style>\n")
	p.f(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p.header(g, l.key)
	p.frames(l.frames)
	links := &svg{}
	links.lane(l.top, nil)
	p.WriteString(links.wires.String())
	for _, it := range l.cells {
		switch it.kind {
		case mapItem:
			p.box(it)
		case joinItem:
			p.join(it)
		}
	}
	p.WriteString(links.String())
	for _, it := range l.cells {
		p.caption(it)
		if b := it.box; it.kind == mapItem && it.count > 1 {
			p.f(`<text x="%s" y="%s" text-anchor="middle" class="o" fill="%s" font-size="13">×%d</text>`+"\n",
				num(b.x+(b.t+b.d)/2), num(b.y-b.d-8), it.style().stroke, it.count)
		}
	}
	p.frameLabels(l.frames)
	p.f("</svg>\n")
	return []byte(p.String())
}

// svg is a picture being written; wires are the lines between boxes,
// which go under them.
type svg struct {
	strings.Builder
	wires strings.Builder
}

func (p *svg) f(format string, args ...any) { fmt.Fprintf(p, format, args...) }

// wire writes a line under the boxes along the points xy.
func (p *svg) wire(xy ...float64) {
	fmt.Fprintf(&p.wires, `<path class="w" d="M%s %s`, num(xy[0]), num(xy[1]))
	for i := 2; i < len(xy); i += 2 {
		fmt.Fprintf(&p.wires, `L%s %s`, num(xy[i]), num(xy[i+1]))
	}
	p.wires.WriteString(`"/>` + "\n")
}

// header writes the title, the totals and the colour key.
func (p *svg) header(g *ir.Graph, key []style) {
	p.f(`<text x="%s" y="%s" font-size="20" class="s">%s</text>`+"\n", num(margin), num(titleY), esc(g.Name))
	p.f(`<text x="%s" y="%s" font-size="13" fill="#555555">%s</text>`+"\n", num(margin), num(titleY+22), esc(totals(g)))
	x, y := margin, titleY+48.0
	for _, k := range key {
		switch {
		case k.pill:
			w := pillWidth(k.name)
			p.pill(x+w/2, y-12, k.name, k)
			x += w + 16
			continue
		case k.glyph != 0:
			p.glyph(x+6, y-5, 6, k)
		default:
			p.f(`<rect x="%s" y="%s" width="12" height="12" rx="2" fill="%s" stroke="%s"/>`, num(x), num(y-11), k.fill, k.stroke)
		}
		p.f(`<text x="%s" y="%s" fill="#444444">%s</text>`+"\n", num(x+17), num(y), k.name)
		x += 17 + textWidth(k.name, fontSize) + 16
	}
}

// legendKinds returns the styles the picture uses, in a fixed order.
func legendKinds(cells []*item) []style {
	used := map[style]bool{inputStyle: true}
	for _, it := range cells {
		if it.kind != notesItem {
			used[it.style()] = true
		}
		for _, n := range it.notes {
			used[kindStyle(n)] = true
		}
	}
	var out []style
	for _, k := range allStyles {
		if used[k] {
			out = append(out, k)
		}
	}
	return out
}

func legendWidth(key []style) float64 {
	var w float64
	for _, k := range key {
		if k.pill {
			w += pillWidth(k.name) + 16
		} else {
			w += 17 + textWidth(k.name, fontSize) + 16
		}
	}
	return w
}

// box draws a map's box: front, top and right faces, shaded as if lit
// from the upper left; a map that stands for copies is divided into them.
func (p *svg) box(it *item) {
	b, k := it.box, it.style()
	front, top, side := k.fill, mix(k.fill, "#ffffff", 0.55), mix(k.fill, k.stroke, 0.22)
	p.poly(front, k.stroke, b.x, b.y, b.x+b.t, b.y, b.x+b.t, b.y+b.h, b.x, b.y+b.h)
	p.poly(top, k.stroke, b.x, b.y, b.x+b.d, b.y-b.d, b.x+b.t+b.d, b.y-b.d, b.x+b.t, b.y)
	p.poly(side, k.stroke, b.x+b.t, b.y, b.x+b.t+b.d, b.y-b.d, b.x+b.t+b.d, b.y+b.h-b.d, b.x+b.t, b.y+b.h)
	for i := 1; i < it.count; i++ {
		x := b.x + b.t*float64(i)/float64(it.count)
		p.f(`<path d="M%s %sV%sM%s %sL%s %s" fill="none" stroke="%s" stroke-width=".7" stroke-opacity=".6"/>`+"\n",
			num(x), num(b.y+b.h), num(b.y), num(x), num(b.y), num(x+b.d), num(b.y-b.d), k.stroke)
	}
}

func (p *svg) poly(fill, stroke string, xy ...float64) {
	p.f(`<path class="f" d="M%s %s`, num(xy[0]), num(xy[1]))
	for i := 2; i < len(xy); i += 2 {
		p.f(`L%s %s`, num(xy[i]), num(xy[i+1]))
	}
	p.f(`Z" fill="%s" stroke="%s"/>`+"\n", fill, stroke)
}

// link draws how the map, join or notes to is made from the one before
// it: for a conv or pool between two maps, the window on from's right face
// with lines from its corners to the point of to that it computes; for fc
// (or anything else reading a whole map), a dashed fan from the whole of
// from to the bar; otherwise a line.
func (p *svg) link(from, to *item) {
	if from.kind != mapItem || to.kind != mapItem || to.node == nil {
		x0, y0 := from.rightAt()
		x1, y1 := to.leftAt()
		p.wire(x0, y0, x1, y1)
		return
	}
	fb, tb := from.box, to.box
	var fh, fw int
	switch op := to.node.Op.(type) {
	case *ir.Conv:
		fh, fw = op.DH*(op.FH-1)+1, op.DW*(op.FW-1)+1
	case *ir.Pool:
		fh, fw = op.FH, op.FW
	default:
		p.f(`<path class="fan" d="M%s %sL%s %sM%s %sL%s %s"/>`+"\n",
			num(fb.x+fb.t), num(fb.y), num(tb.x), num(tb.y),
			num(fb.x+fb.t), num(fb.y+fb.h), num(tb.x), num(tb.y+tb.h))
		return
	}
	k := to.style()
	fa, fc := window(fh, from.shape.H), window(fw, from.shape.W)
	a, c := (1-fa)*0.3, (1-fc)*0.55 // where the window sits on the face
	var corners [4][2]float64
	for i, q := range [4][2]float64{{a, c}, {a + fa, c}, {a + fa, c + fc}, {a, c + fc}} {
		corners[i][0], corners[i][1] = fb.pt(fb.t, q[0], q[1])
	}
	tx, ty := tb.pt(0, a+fa/2, c+fc/2)
	p.f(`<path d="M%s %sL%s %sL%s %sL%s %sZ" fill="%s" fill-opacity=".55" stroke="%s" stroke-width="1"/>`+"\n",
		num(corners[0][0]), num(corners[0][1]), num(corners[1][0]), num(corners[1][1]),
		num(corners[2][0]), num(corners[2][1]), num(corners[3][0]), num(corners[3][1]), k.stroke, k.stroke)
	p.f(`<path class="p" stroke="%s" d="`, k.stroke)
	for _, q := range corners {
		p.f(`M%s %sL%s %s`, num(q[0]), num(q[1]), num(tx), num(ty))
	}
	p.f(`"/>` + "\n")
	p.f(`<circle cx="%s" cy="%s" r="2" fill="%s"/>`+"\n", num(tx), num(ty), k.stroke)
}

// window returns the fraction of a face of n pixels that a window of f
// pixels covers in the drawing. The faces are drawn on a log scale, so the
// window is too, made smaller by a power so that a 3×3 filter on a 224×224
// map looks small: 1 when f = n, 0.13 for 3 of 224, 0.31 for 11 of 227.
func window(f, n int) float64 {
	if f >= n {
		return 1
	}
	r := math.Log2(1+float64(f)) / math.Log2(1+float64(n))
	return max(math.Pow(r, 1.5), 0.06)
}

// caption writes the shape of a map, join or notes, the layer that made
// it, and its notes as pills, centred under its column.
func (p *svg) caption(it *item) {
	x, y, c := it.centre, it.row.capY, it.cap
	p.f(`<text x="%s" y="%s" text-anchor="middle" class="s" font-size="%s">%s</text>`+"\n", num(x), num(y), num(fontSize+0.5), esc(c.shape))
	if c.op != "" {
		p.f(`<text x="%s" y="%s" text-anchor="middle" class="o" fill="%s">%s</text>`+"\n", num(x), num(y+17), it.style().stroke, esc(c.op))
	}
	for i, n := range c.notes {
		p.pill(x, y+28+float64(i)*22, n.Text, kindStyle(n))
	}
}

// pill draws a small rounded label centred at x with its top at y.
func (p *svg) pill(x, y float64, text string, k style) {
	w := pillWidth(text)
	p.f(`<rect x="%s" y="%s" width="%s" height="17" rx="8.5" fill="%s" stroke="%s" stroke-width=".8"/>`,
		num(x-w/2), num(y), num(w), k.fill, k.stroke)
	p.f(`<text x="%s" y="%s" text-anchor="middle" class="n" fill="%s">%s</text>`+"\n", num(x), num(y+12.5), mix(k.stroke, "#000000", 0.25), esc(text))
}

// num formats a coordinate with one decimal, without a trailing ".0".
func num(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		return "0"
	}
	return s
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func esc(s string) string { return xmlEscaper.Replace(s) }

// mix returns the colour a fraction t of the way from colour a to b, both
// written #rrggbb.
func mix(a, b string, t float64) string {
	var ca, cb [3]int
	fmt.Sscanf(a, "#%02x%02x%02x", &ca[0], &ca[1], &ca[2])
	fmt.Sscanf(b, "#%02x%02x%02x", &cb[0], &cb[1], &cb[2])
	var out [3]int
	for i := range out {
		out[i] = int(math.Round(float64(ca[i]) + t*float64(cb[i]-ca[i])))
	}
	return fmt.Sprintf("#%02x%02x%02x", out[0], out[1], out[2])
}
