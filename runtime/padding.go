package runtime

import "fmt"

// Padding is the zero border a buffer keeps around an H×W map of pixels of
// C values, rows of (W + 2·PW)·C values, the map's pixel (0, 0) at row PH,
// column PW: the layout of a padded value buffer (see ConvGeom). A buffer
// whose memory other values share between passes gets its border dirtied;
// the step that writes it clears the border first.
type Padding struct{ H, W, C, PH, PW int }

// ClearPadding zeroes the border of rows [y0, y1) of the map in buf: the PW
// pixels on either side of each row and, when y0 is 0, the PH rows above
// the map, when y1 is H, the PH rows below. Workers given different rows
// never write the same values, and none of the map's. It panics with
// ErrShape if buf is too short or the range is not within [0, H].
func ClearPadding(p *Padding, buf []float32, y0, y1 int) {
	const fn = "ClearPadding"
	checkRange(fn, y0, y1, p.H)
	row := (p.W + 2*p.PW) * p.C
	if n := (p.H + 2*p.PH) * row; len(buf) < n {
		panic(fmt.Errorf("%w: %s: a buffer of %d values for a padded map of %d (%+v)", ErrShape, fn, len(buf), n, *p))
	}
	if y0 == 0 {
		clear(buf[:p.PH*row])
	}
	if y1 == p.H {
		clear(buf[(p.PH+p.H)*row : (2*p.PH+p.H)*row])
	}
	if p.PW == 0 {
		return
	}
	side := p.PW * p.C
	for y := y0; y < y1; y++ {
		r := buf[(p.PH+y)*row:][:row]
		clear(r[:side])
		clear(r[row-side:])
	}
}
