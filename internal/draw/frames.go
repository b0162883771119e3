package draw

import (
	"fmt"
	"slices"
	"strings"
)

// lane draws the lines along a lane: from the item before it (from, nil
// when the caller has drawn the way in) into each item, and inside groups
// and blocks.
func (p *svg) lane(items []*item, from *item) {
	for _, it := range items {
		switch it.kind {
		case groupItem:
			p.lane(it.body, from)
		case blockItem:
			p.block(it, from)
		default:
			if from != nil {
				p.link(from, it)
			}
		}
		from = it.exit()
	}
}

// block draws a block's lines: into its main lane as into any lane, to
// where its branches fork and from there to each other branch, below, and
// over the top for the identity; from the end of each branch into the
// join.
func (p *svg) block(b *item, from *item) {
	j := b.join
	fx, fy := b.left+forkIn, j.row.axis
	jx, jy := j.box.x+joinR, j.box.y+joinR
	if from != nil && (len(b.lanes) > 1 || b.main < 0) {
		x, y := from.rightAt()
		p.wire(x, y, fx, fy)
		if len(b.lanes) > 1 {
			fmt.Fprintf(&p.wires, `<circle cx="%s" cy="%s" r="2.5" fill="#8c8c8c"/>`+"\n", num(fx), num(fy))
		}
	}
	if b.main < 0 {
		p.wire(fx, fy, jx-joinR, jy)
	} else {
		lane := b.lanes[b.main]
		if from == nil || from.kind != mapItem || len(b.lanes) > 1 && lane[0].kind != mapItem {
			// A conv or pool after a map shows its window on it; else
			// the lane starts at the fork.
			x, y := lane[0].entry()
			p.wire(fx, fy, x, y)
			from = nil
		}
		p.lane(lane, from)
		p.link(lane[len(lane)-1].exit(), j)
	}
	// A line over the top for each identity branch but the one drawn
	// straight (when every branch is the identity), one below for each
	// other branch, rising into the join in the gap before its column.
	arcs := 0
	for i, lane := range b.lanes {
		if len(lane) > 0 || b.main < 0 && i == 0 {
			continue
		}
		y := b.top + frameStep - 3 - 5*float64(arcs)
		arcs++
		p.wire(fx, fy, fx, y, jx, y, jx, jy-joinR)
	}
	gap := min(j.centre-j.cap.width()/2-colPad/2, jx-joinR-4)
	for i, lane := range b.lanes {
		if i == b.main || len(lane) == 0 {
			continue
		}
		x, y := lane[0].entry()
		p.wire(fx, fy, fx, y, x, y)
		p.lane(lane, nil)
		ex, ey := lane[len(lane)-1].exit().rightAt()
		p.wire(ex, ey, gap, ey, gap, jy+joinR+8, jx, jy+joinR+8, jx, jy+joinR)
	}
}

// join draws a merge: a circle with + for an add, ‖ for a concat.
func (p *svg) join(it *item) {
	p.glyph(it.box.x+joinR, it.box.y+joinR, joinR, it.style())
}

func (p *svg) glyph(x, y, r float64, k style) {
	p.f(`<circle cx="%s" cy="%s" r="%s" fill="%s" stroke="%s" stroke-width="1.2"/>`, num(x), num(y), num(r), k.fill, k.stroke)
	a := r * 0.55
	if k.glyph == '+' {
		p.f(`<path d="M%s %sH%sM%s %sV%s" stroke="%s" stroke-width="1.4"/>`+"\n", num(x-a), num(y), num(x+a), num(x), num(y-a), num(y+a), k.stroke)
		return
	}
	p.f(`<path d="M%s %sV%sM%s %sV%s" stroke="%s" stroke-width="1.4"/>`+"\n", num(x-a/2), num(y-a), num(y+a), num(x+a/2), num(y-a), num(y+a), k.stroke)
}

// frames draws the frames, each before the frames inside it: solid and
// shaded for a block, dashed for the copies of a repeat. The layout lists
// them inner first.
func (p *svg) frames(fs []*item) {
	for _, f := range slices.Backward(fs) {
		class := "fr"
		if f.kind == groupItem {
			class = "g"
		}
		p.f(`<rect class="%s" x="%s" y="%s" width="%s" height="%s" rx="8"/>`+"\n",
			class, num(f.left), num(f.top), num(f.right-f.left), num(f.bottom-f.top))
	}
}

// frameLabels writes each frame's label at its top left, shortened to the
// last parts of its path that fit, and its count at its top right.
func (p *svg) frameLabels(fs []*item) {
	for _, f := range fs {
		room := f.right - f.left - 16
		if f.count > 1 {
			c := fmt.Sprintf("×%d", f.count)
			p.f(`<text x="%s" y="%s" text-anchor="end" class="o" fill="#555555">%s</text>`+"\n", num(f.right-8), num(f.top+14), c)
			room -= textWidth(c, fontSize) + 8
		}
		if label := fit(f.label, room); label != "" {
			p.f(`<text x="%s" y="%s" class="fl">%s</text>`+"\n", num(f.left+8), num(f.top+14), esc(label))
		}
	}
}

// fit shortens a module path to its last parts until it is no wider than
// w: "features.denseblock1.denselayer2" may become "denselayer2"; "" when
// not even the last part fits.
func fit(label string, w float64) string {
	for label != "" && textWidth(label, 11) > w {
		i := strings.IndexByte(label, '.')
		if i < 0 {
			return ""
		}
		label = label[i+1:]
	}
	return label
}
