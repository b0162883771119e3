package draw

import (
	"fmt"
	"math"
	"strings"

	"github.com/cnnc/cnnc/compiler"
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

// geometry returns the box of a stage, placed at the origin.
func geometry(s *stage) box {
	if s.shape.Flat {
		return box{t: 10, h: 20 + 14*math.Log2(float64(max(s.shape.C, 1))), d: 7}
	}
	t := thickness(s.shape.C)
	if s.count > 1 {
		t *= 1 + 0.25*float64(s.count-1)
	}
	return box{t: t, h: height(s.shape.H), d: height(s.shape.W) / 4}
}

// caption is the text under a stage: its shape, the layer that made it and
// its notes.
type caption struct {
	shape, op string
	notes     []*compiler.Layer
}

func captionOf(s *stage) caption {
	c := caption{shape: shapeLabel(s.shape), op: "input", notes: s.notes}
	if s.op != nil {
		c.op = opLabel(s.op)
	}
	return c
}

func (c caption) width() float64 {
	w := max(boldWidth(c.shape, fontSize+0.5), textWidth(c.op, fontSize))
	for _, n := range c.notes {
		w = max(w, pillWidth(n.Text))
	}
	return w
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

// layout is where every part of a picture goes.
type layout struct {
	stages   []*stage
	boxes    []box
	captions []caption
	centres  []float64 // the x of each column's middle
	captionY float64   // the baseline of the first caption line
	key      []style
	width    float64
	height   float64
}

// place lays out the picture of net: columns left to right, each as wide
// as its box or its caption, whichever is wider, with room between boxes
// for the projection lines; the boxes centred on one horizontal axis, the
// captions in rows below the tallest.
func place(net *compiler.Net) *layout {
	ss := stages(net)
	l := &layout{stages: ss, boxes: make([]box, len(ss)), captions: make([]caption, len(ss)), centres: make([]float64, len(ss))}
	tallest, notes := 0.0, 0
	x := margin
	for i, s := range ss {
		b, c := geometry(s), captionOf(s)
		w := max(b.t+b.d, c.width())
		if i > 0 {
			x = max(x+colPad, l.boxes[i-1].right()+minGap-(w-b.t-b.d)/2)
		}
		b.x = x + (w-b.t-b.d)/2
		l.boxes[i], l.captions[i], l.centres[i] = b, c, x+w/2
		tallest = max(tallest, b.h+b.d)
		notes = max(notes, len(s.notes))
		x += w
	}
	axis := headerH + badgeH + tallest/2
	for i := range l.boxes {
		l.boxes[i].y = axis - (l.boxes[i].h-l.boxes[i].d)/2
	}
	l.captionY = axis + tallest/2 + 24
	l.key = legendKinds(ss)
	l.height = math.Ceil(l.captionY + 18 + float64(notes)*22 + margin - 4)
	l.width = math.Ceil(max(x+margin, 2*margin+boldWidth(net.Name, 20), 2*margin+textWidth(totals(net), 13), 2*margin+legendWidth(l.key)))
	return l
}

// SVG draws net as a block diagram: each feature map a box labelled with
// its shape and the layer that made it, the conv filters and pooling
// windows where they act, consecutive copies of a repeat drawn once with
// their count, fc layers as bars, activations as small labels, and a legend
// with the totals.
func SVG(net *compiler.Net) []byte {
	l := place(net)
	p := &svg{}
	p.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family='%s' font-size="%s" role="img">`+"\n",
		num(l.width), num(l.height), num(l.width), num(l.height), fontFace, num(fontSize))
	p.f("<title>%s: %s</title>\n", esc(net.Name), esc(totals(net)))
	p.f(`<style>
.f{stroke-width:1;stroke-linejoin:round}
.s{font-weight:600;fill:#262626}
.o{font-weight:500}
.n{font-size:11px}
.p{fill:none;stroke-width:.8;stroke-opacity:.75}
.fan{fill:none;stroke:#9b9b9b;stroke-width:.8;stroke-dasharray:3 3}
</style>` + "\n")
	p.f(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p.header(net, l.key)
	for i, s := range l.stages {
		p.box(l.boxes[i], s)
	}
	for i := 1; i < len(l.stages); i++ {
		p.link(l.stages[i-1], l.stages[i], l.boxes[i-1], l.boxes[i])
	}
	for i, s := range l.stages {
		p.caption(l.centres[i], l.captionY, l.captions[i], s.style())
		if b := l.boxes[i]; s.count > 1 {
			p.f(`<text x="%s" y="%s" text-anchor="middle" class="o" fill="%s" font-size="13">×%d</text>`+"\n",
				num(b.x+(b.t+b.d)/2), num(b.y-b.d-8), s.style().stroke, s.count)
		}
	}
	p.f("</svg>\n")
	return []byte(p.String())
}

type svg struct{ strings.Builder }

func (p *svg) f(format string, args ...any) { fmt.Fprintf(p, format, args...) }

// header writes the title, the totals and the colour key.
func (p *svg) header(net *compiler.Net, key []style) {
	p.f(`<text x="%s" y="%s" font-size="20" class="s">%s</text>`+"\n", num(margin), num(titleY), esc(net.Name))
	p.f(`<text x="%s" y="%s" font-size="13" fill="#555555">%s</text>`+"\n", num(margin), num(titleY+22), esc(totals(net)))
	x, y := margin, titleY+48.0
	for _, k := range key {
		if k == actStyle || k == dropoutStyle {
			w := pillWidth(k.name)
			p.pill(x+w/2, y-12, k.name, k)
			x += w + 16
			continue
		}
		p.f(`<rect x="%s" y="%s" width="12" height="12" rx="2" fill="%s" stroke="%s"/>`, num(x), num(y-11), k.fill, k.stroke)
		p.f(`<text x="%s" y="%s" fill="#444444">%s</text>`+"\n", num(x+17), num(y), k.name)
		x += 17 + textWidth(k.name, fontSize) + 16
	}
}

// legendKinds returns the styles the picture uses, in a fixed order.
func legendKinds(ss []*stage) []style {
	used := map[style]bool{inputStyle: true}
	for _, s := range ss {
		used[s.style()] = true
		for _, n := range s.notes {
			used[kindStyle(n.Kind)] = true
		}
	}
	var out []style
	for _, k := range []style{inputStyle, convStyle, maxPoolStyle, meanPoolStyle, fcStyle, softmaxStyle, actStyle, dropoutStyle} {
		if used[k] {
			out = append(out, k)
		}
	}
	return out
}

func legendWidth(key []style) float64 {
	var w float64
	for _, k := range key {
		if k == actStyle || k == dropoutStyle {
			w += pillWidth(k.name) + 16
		} else {
			w += 17 + textWidth(k.name, fontSize) + 16
		}
	}
	return w
}

// box draws a stage's box: front, top and right faces, shaded as if lit
// from the upper left; a merged stage is divided into its copies.
func (p *svg) box(b box, s *stage) {
	k := s.style()
	front, top, side := k.fill, mix(k.fill, "#ffffff", 0.55), mix(k.fill, k.stroke, 0.22)
	p.poly(front, k.stroke, b.x, b.y, b.x+b.t, b.y, b.x+b.t, b.y+b.h, b.x, b.y+b.h)
	p.poly(top, k.stroke, b.x, b.y, b.x+b.d, b.y-b.d, b.x+b.t+b.d, b.y-b.d, b.x+b.t, b.y)
	p.poly(side, k.stroke, b.x+b.t, b.y, b.x+b.t+b.d, b.y-b.d, b.x+b.t+b.d, b.y+b.h-b.d, b.x+b.t, b.y+b.h)
	for i := 1; i < s.count; i++ {
		x := b.x + b.t*float64(i)/float64(s.count)
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

// link draws how stage to is made from stage from: for a conv or pool, the
// window on from's right face with lines from its corners to the point of
// to that it computes; for fc (or softmax over a map), a dashed fan from
// the whole of from to the bar.
func (p *svg) link(from, to *stage, fb, tb box) {
	l := to.op
	if l.Kind != compiler.Conv && l.Kind != compiler.MaxPool && l.Kind != compiler.MeanPool {
		p.f(`<path class="fan" d="M%s %sL%s %sM%s %sL%s %s"/>`+"\n",
			num(fb.x+fb.t), num(fb.y), num(tb.x), num(tb.y),
			num(fb.x+fb.t), num(fb.y+fb.h), num(tb.x), num(tb.y+tb.h))
		return
	}
	k := kindStyle(l.Kind)
	fa, fc := window(l.FH, from.shape.H), window(l.FW, from.shape.W)
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

// caption writes a stage's shape, the layer that made it, and its notes as
// pills, centred at x from y down.
func (p *svg) caption(x, y float64, c caption, k style) {
	p.f(`<text x="%s" y="%s" text-anchor="middle" class="s" font-size="%s">%s</text>`+"\n", num(x), num(y), num(fontSize+0.5), esc(c.shape))
	p.f(`<text x="%s" y="%s" text-anchor="middle" class="o" fill="%s">%s</text>`+"\n", num(x), num(y+17), k.stroke, esc(c.op))
	for i, n := range c.notes {
		p.pill(x, y+28+float64(i)*22, n.Text, kindStyle(n.Kind))
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
