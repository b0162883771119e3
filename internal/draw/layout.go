package draw

import (
	"math"
	"slices"

	"github.com/cnnc/cnnc/ir"
)

// Frames and branches. A block is drawn in a frame: its first branch that
// is not the identity on the row of the block, each other such branch on
// a row of its own below, the identity as a line over the top, all meeting
// at the join. Copies of a repeat drawn once get a dashed frame, or a
// count on the block or map that stands for them.
const (
	frameIn   = 20.0 // from a frame's left edge to its first column
	forkIn    = 9.0  // from a frame's left edge to where its branches fork
	framePad  = 10.0 // from a frame's last column to its right edge, and below
	frameStep = 22.0 // the band above a row for each level of frames: label and identity line
	rowGap    = 12.0 // between a row's captions and a branch row below it
	joinR     = 9.0  // the radius of a join's circle
)

// place is where the layout puts an item.
type place struct {
	row    *row
	box    box     // map: its box; join: its circle's bounds; notes: a point on the axis
	cap    caption // map, join, notes
	centre float64 // map, join, notes: the x of the column's middle

	// group, block: the frame, and 1 + the most frames nested in it on its row
	left, right, top, bottom float64
	level                    int
	// block: the lane drawn on the block's row (-1 when every branch is
	// the identity), and the rows of its other branches
	main int
	rows []*row
}

// row is a horizontal axis of boxes with their captions in a row below.
type row struct {
	cells   []*item // maps, joins and notes, left to right
	frames  []*item // groups and blocks whose first lane is on this row
	tallest float64 // the highest box, back face included
	notes   int     // the most notes under one caption
	levels  int     // the most frames nested on this row
	axis    float64
	capY    float64 // the baseline of the first caption line
	bottom  float64 // below the captions
}

// layout is where every part of a picture goes.
type layout struct {
	top    []*item
	cells  []*item // in drawing order
	frames []*item
	key    []style
	width  float64
	height float64
}

// lay lays out the picture of g: columns left to right, each as wide as its
// box or its caption, whichever is wider, with room between boxes for the
// projection lines; the boxes of a row centred on one horizontal axis, the
// captions in a row below the tallest.
func lay(g *ir.Graph) *layout {
	l := &layout{top: items(g, true)}
	r := &row{}
	x, _, _ := l.lane(l.top, r, margin-colPad, math.Inf(-1))
	bottom := l.vertical(r, headerH)
	l.key = legendKinds(l.cells)
	l.height = math.Ceil(bottom + margin - 4)
	l.width = math.Ceil(max(x+margin, 2*margin+boldWidth(g.Name, 20), 2*margin+textWidth(totals(g), 13), 2*margin+legendWidth(l.key)))
	return l
}

// lane places items on row r left to right after x, where the last box
// drawn before them ends at prev. It returns where the last column and
// the last box end, and the deepest frame it placed on r.
func (l *layout) lane(items []*item, r *row, x, prev float64) (float64, float64, int) {
	level := 0
	for _, it := range items {
		switch it.kind {
		case groupItem:
			it.left = max(x+colPad, prev+framePad)
			var inner int
			x, prev, inner = l.lane(it.body, r, it.left+frameIn-colPad, it.left)
			it.right, it.level = x+framePad, inner+1
			l.frame(it, r)
			x = it.right
		case blockItem:
			x, prev = l.block(it, r, x, prev)
		default:
			x, prev = l.cell(it, r, x, prev)
		}
		level = max(level, it.level)
	}
	return x, prev, level
}

// cell places a map, join or notes in the next column of row r.
func (l *layout) cell(it *item, r *row, x, prev float64) (float64, float64) {
	b, c := geometry(it), captionOf(it)
	w := max(b.t+b.d, c.width())
	x = max(x+colPad, prev+minGap-(w-b.t-b.d)/2)
	b.x = x + (w-b.t-b.d)/2
	it.box, it.cap, it.centre, it.row = b, c, x+w/2, r
	r.cells = append(r.cells, it)
	r.tallest = max(r.tallest, b.h+b.d)
	r.notes = max(r.notes, len(it.notes))
	l.cells = append(l.cells, it)
	return x + w, b.right()
}

// block places a block: its main lane on row r, its other branches on rows
// of their own from the same column, its join after the longest.
func (l *layout) block(b *item, r *row, x, prev float64) (float64, float64) {
	b.left = max(x+colPad, prev+framePad)
	b.main = slices.IndexFunc(b.lanes, func(l []*item) bool { return len(l) > 0 })
	start := b.left + frameIn - colPad
	end, last, inner := start, b.left, 0
	if b.main >= 0 {
		end, last, inner = l.lane(b.lanes[b.main], r, start, b.left)
	}
	for i, lane := range b.lanes {
		if i == b.main || len(lane) == 0 {
			continue
		}
		s := &row{}
		b.rows = append(b.rows, s)
		e, p, _ := l.lane(lane, s, start, b.left)
		end, last = max(end, e), max(last, p)
	}
	x, prev = l.cell(b.join, r, end, last)
	b.right, b.level = x+framePad, inner+1
	l.frame(b, r)
	return b.right, prev
}

func (l *layout) frame(it *item, r *row) {
	r.frames = append(r.frames, it)
	r.levels = max(r.levels, it.level)
	l.frames = append(l.frames, it)
}

// vertical places row r with its top at top, and the rows of branches
// below it; it returns the bottom of all of it. A row's frames are listed
// inner first, those inside a frame just before it, so each frame goes
// below the frames inside it and their branches.
func (l *layout) vertical(r *row, top float64) float64 {
	r.axis = top + float64(r.levels)*frameStep + badgeH + r.tallest/2
	for _, it := range r.cells {
		it.box.y = r.axis - (it.box.h-it.box.d)/2
	}
	r.capY = r.axis + r.tallest/2 + 24
	r.bottom = r.capY + 18 + float64(r.notes)*22
	bottom := r.bottom
	for i, f := range r.frames {
		y := r.bottom
		for k := i - 1; k >= 0 && r.frames[k].left >= f.left; k-- {
			y = max(y, r.frames[k].bottom)
		}
		for _, s := range f.rows {
			y = l.vertical(s, y+rowGap)
		}
		f.top = r.axis - r.tallest/2 - badgeH - float64(f.level)*frameStep
		f.bottom = y + framePad
		bottom = max(bottom, f.bottom)
	}
	return bottom
}

// geometry returns the box of a map, join or notes, placed at the origin.
func geometry(it *item) box {
	switch {
	case it.kind == joinItem:
		return box{t: 2 * joinR, h: 2 * joinR}
	case it.kind == notesItem:
		return box{}
	case it.shape.Flat:
		return box{t: 10, h: 20 + 14*math.Log2(float64(max(it.shape.C, 1))), d: 7}
	}
	t := thickness(it.shape.C)
	if it.count > 1 {
		t *= 1 + 0.25*float64(it.count-1)
	}
	return box{t: t, h: height(it.shape.H), d: height(it.shape.W) / 4}
}

// caption is the text under a map, join or notes: its shape, the layer
// that made it and its notes.
type caption struct {
	shape, op string
	notes     []*ir.Node
}

func captionOf(it *item) caption {
	c := caption{shape: shapeLabel(it.shape), notes: it.notes}
	switch {
	case it.kind == notesItem:
	case it.node == nil:
		c.op = "input"
	default:
		c.op = opLabel(it.node)
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

// left and right are where lines meet a map, join or notes: the middle of
// a box's front face on the left and of its side face on the right, a
// join's circle, a notes' point.
func (it *item) leftAt() (float64, float64) { return it.box.x, it.box.y + it.box.h/2 }

func (it *item) rightAt() (float64, float64) {
	b := it.box
	return b.x + b.t + b.d/2, b.y + b.h/2 - b.d/2
}

// entry returns where a line into the item ends; exit the map, join or
// notes that a line out of it starts at.
func (it *item) entry() (float64, float64) {
	switch it.kind {
	case groupItem:
		return it.body[0].entry()
	case blockItem:
		return it.left + forkIn, it.join.row.axis
	}
	return it.leftAt()
}

func (it *item) exit() *item {
	switch it.kind {
	case groupItem:
		return it.body[len(it.body)-1].exit()
	case blockItem:
		return it.join
	}
	return it
}
