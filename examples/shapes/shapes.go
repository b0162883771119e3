package main

import (
	"math"
	"math/rand/v2"

	"github.com/cnnc/cnnc/examples/shapes/model"
)

// The kinds of shape, in the order of the network's classes.
var kinds = []string{"square", "circle", "triangle", "cross"}

// Side is the images' height and width, as in shapes.cnn.
const Side = model.InputH

// makeSet draws n images, each of a kind chosen at random, and returns
// them with their kinds as labels. The same generator state gives the same
// images.
func makeSet(r *rand.Rand, n int, noise float64) ([]model.Input, []int32) {
	x := make([]model.Input, n)
	labels := make([]int32, n)
	for i := range x {
		labels[i] = int32(r.IntN(len(kinds)))
		draw(&x[i], int(labels[i]), r, noise)
	}
	return x, labels
}

// draw paints one shape of the given kind into img: an outline about two
// pixels wide, of a random size (a half-width of 3 to 8 pixels) at a random
// place where it fits, with a random brightness, on a background of
// Gaussian noise of standard deviation noise.
func draw(img *model.Input, kind int, r *rand.Rand, noise float64) {
	half := 3 + 5*r.Float64()
	cx := half + 1 + r.Float64()*(Side-2*half-2)
	cy := half + 1 + r.Float64()*(Side-2*half-2)
	bright := 0.6 + 0.4*r.Float64()
	for y := range Side {
		for x := range Side {
			// The pixel's centre, relative to the shape's.
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			d := distance(kind, dx, dy, half)
			ink := bright * math.Max(0, 1-d/1.2)
			img[y*Side+x] = float32(ink + noise*r.NormFloat64())
		}
	}
}

// distance returns how far the point (dx, dy) is from the outline of a
// shape of half-width h centred at the origin.
func distance(kind int, dx, dy, h float64) float64 {
	switch kinds[kind] {
	case "square":
		return math.Abs(math.Max(math.Abs(dx), math.Abs(dy)) - h)
	case "circle":
		return math.Abs(math.Hypot(dx, dy) - h)
	case "triangle": // pointing up: apex (0, -h), base from (-h, h) to (h, h)
		return min(segment(dx, dy, 0, -h, -h, h), segment(dx, dy, 0, -h, h, h), segment(dx, dy, -h, h, h, h))
	default: // cross: a plus sign
		return min(segment(dx, dy, -h, 0, h, 0), segment(dx, dy, 0, -h, 0, h))
	}
}

// segment returns the distance from (px, py) to the segment from (ax, ay)
// to (bx, by).
func segment(px, py, ax, ay, bx, by float64) float64 {
	vx, vy := bx-ax, by-ay
	t := ((px-ax)*vx + (py-ay)*vy) / (vx*vx + vy*vy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(px-ax-t*vx, py-ay-t*vy)
}

// art draws an image as text, one character a pixel, darker values as
// lighter characters.
func art(img *model.Input) []string {
	const ramp = " .:-=+*#%@"
	var rows []string
	for y := range Side {
		row := make([]byte, Side)
		for x := range Side {
			v := math.Max(0, math.Min(0.999, float64(img[y*Side+x])))
			row[x] = ramp[int(v*float64(len(ramp)))]
		}
		rows = append(rows, string(row))
	}
	return rows
}
