package data

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// naiveAugment is the definition Apply must meet, written as torchvision
// does it: pad the image with fill on every side, crop an H×W window at
// (dy, dx), reverse every row for a flip.
func naiveAugment(src []float32, c, h, w, pad int, fill []float32, dy, dx int, flip bool) []float32 {
	ph, pw := h+2*pad, w+2*pad
	padded := make([]float32, c*ph*pw)
	for ch := range c {
		for y := range ph {
			for x := range pw {
				v := fill[ch]
				if sy, sx := y-pad, x-pad; sy >= 0 && sy < h && sx >= 0 && sx < w {
					v = src[(ch*h+sy)*w+sx]
				}
				padded[(ch*ph+y)*pw+x] = v
			}
		}
	}
	out := make([]float32, c*h*w)
	for ch := range c {
		for y := range h {
			for x := range w {
				sx := x
				if flip {
					sx = w - 1 - x
				}
				out[(ch*h+y)*w+x] = padded[(ch*ph+y+dy)*pw+sx+dx]
			}
		}
	}
	return out
}

// ramp returns n distinct values, so that a misplaced one shows.
func ramp(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i + 1)
	}
	return x
}

// TestAugmentNaive compares Apply with naiveAugment over shapes, pads,
// flips, samples and epochs, and checks that the crop offsets lie in
// [0, 2·pad].
func TestAugmentNaive(t *testing.T) {
	for _, shape := range [][3]int{{1, 4, 4}, {2, 5, 7}, {3, 6, 3}} {
		c, h, w := shape[0], shape[1], shape[2]
		src := ramp(c * h * w)
		dst := make([]float32, len(src))
		for pad := range min(h, w) {
			for _, flip := range []bool{false, true} {
				a, err := NewAugment(pad, flip, []int{c, h, w}, &Norm{Mean: slices.Repeat([]float32{0.5}, c), Std: slices.Repeat([]float32{0.25}, c)}, 7)
				if err != nil || (a == nil) != (pad == 0 && !flip) {
					t.Fatalf("NewAugment(%d, %v): %v, %v", pad, flip, a, err)
				}
				if a == nil {
					continue
				}
				flips := 0
				for epoch := 1; epoch <= 3; epoch++ {
					for sample := range 20 {
						dy, dx, f := a.Draw(epoch, sample)
						if dy < 0 || dy > 2*pad || dx < 0 || dx > 2*pad || (f && !flip) {
							t.Fatalf("pad %d flip %v: draw %d %d %v", pad, flip, dy, dx, f)
						}
						if f {
							flips++
						}
						a.Apply(dst, src, epoch, sample)
						want := naiveAugment(src, c, h, w, pad, a.Fill, dy, dx, f)
						if !slices.Equal(dst, want) {
							t.Fatalf("%v pad %d flip %v epoch %d sample %d (draw %d %d %v):\ngot  %v\nwant %v", shape, pad, flip, epoch, sample, dy, dx, f, dst, want)
						}
					}
				}
				if flip && (flips == 0 || flips == 60) {
					t.Errorf("%v pad %d: %d flips of 60", shape, pad, flips)
				}
			}
		}
	}
}

// TestAugmentFlip: with no padding, a flipped sample's rows are its rows
// reversed, and an unflipped one is the sample.
func TestAugmentFlip(t *testing.T) {
	a, err := NewAugment(0, true, []int{2, 3, 4}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	src := ramp(24)
	dst := make([]float32, 24)
	seen := map[bool]bool{}
	for sample := range 10 {
		_, _, flip := a.Draw(1, sample)
		seen[flip] = true
		a.Apply(dst, src, 1, sample)
		for r := range 6 {
			want := slices.Clone(src[r*4 : r*4+4])
			if flip {
				slices.Reverse(want)
			}
			if !slices.Equal(dst[r*4:r*4+4], want) {
				t.Fatalf("sample %d (flip %v) row %d: %v, want %v", sample, flip, r, dst[r*4:r*4+4], want)
			}
		}
	}
	if !seen[true] || !seen[false] {
		t.Errorf("10 samples drew flips %v", seen)
	}
}

// TestAugmentPadValue: torchvision pads the image in [0, 1] with 0 and
// normalises afterwards; Apply on the normalised image, padding with
// NewAugment's Fill, gives the same values bit for bit.
func TestAugmentPadValue(t *testing.T) {
	norm := &Norm{Mean: []float32{0.2860, 0.5, 0.1}, Std: []float32{0.3530, 0.25, 3}}
	c, h, w, pad := 3, 5, 6, 3
	raw := make([]float32, c*h*w)
	for i := range raw {
		raw[i] = float32(i%256) / 255
	}
	normalised := slices.Clone(raw)
	norm.Apply(normalised, len(raw))
	a, err := NewAugment(pad, true, []int{c, h, w}, norm, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range a.Fill {
		if want := -norm.Mean[i] / norm.Std[i]; f != want {
			t.Errorf("fill of channel %d %v, want %v", i, f, want)
		}
	}
	got := make([]float32, len(raw))
	padded := 0
	for sample := range 40 {
		dy, dx, flip := a.Draw(2, sample)
		want := naiveAugment(raw, c, h, w, pad, []float32{0, 0, 0}, dy, dx, flip) // torchvision's order
		norm.Apply(want, len(want))
		a.Apply(got, normalised, 2, sample)
		if !slices.Equal(got, want) {
			t.Fatalf("sample %d: %v, want %v", sample, got, want)
		}
		if dy != pad || dx != pad {
			padded++
		}
	}
	if padded == 0 {
		t.Error("no draw padded")
	}
	// Without a normalisation the padding is 0.
	a, _ = NewAugment(1, false, []int{3, 4, 4}, nil, 3)
	if !slices.Equal(a.Fill, []float32{0, 0, 0}) {
		t.Errorf("fill %v", a.Fill)
	}
}

// splitmix is SplitMix64's output from state x, written out here as
// runtime.Rand documents it.
func splitmix(x uint64) (out, state uint64) {
	state = x + 0x9E3779B97F4A7C15
	z := state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31), state
}

// TestAugmentDraws pins the draws to the formula Draw documents, and
// checks that the same seed, epoch and sample give the same draws and that
// another seed or epoch gives others.
func TestAugmentDraws(t *testing.T) {
	a := &Augment{Pad: 4, Flip: true, C: 1, H: 28, W: 28, Fill: []float32{0}, Seed: 42}
	for epoch := 1; epoch <= 3; epoch++ {
		for sample := range 50 {
			h, _ := splitmix(42 ^ 0x6175676d656e7421)
			h, _ = splitmix(h ^ uint64(epoch))
			state, _ := splitmix(h ^ uint64(sample))
			u1, state := splitmix(state)
			u2, state := splitmix(state)
			u3, _ := splitmix(state)
			dy, dx, flip := a.Draw(epoch, sample)
			if dy != int(u1%9) || dx != int(u2%9) || flip != (u3>>63 == 1) {
				t.Fatalf("epoch %d sample %d: %d %d %v, want %d %d %v", epoch, sample, dy, dx, flip, u1%9, u2%9, u3>>63 == 1)
			}
		}
	}
	same := *a
	other := *a
	other.Seed = 43
	differ := func(b *Augment, epoch int) int {
		n := 0
		for sample := range 100 {
			y1, x1, f1 := a.Draw(1, sample)
			y2, x2, f2 := b.Draw(epoch, sample)
			if y1 != y2 || x1 != x2 || f1 != f2 {
				n++
			}
		}
		return n
	}
	if n := differ(&same, 1); n != 0 {
		t.Errorf("the same seed gives %d other draws of 100", n)
	}
	// Two independent draws agree with probability 1/162.
	if n := differ(&other, 1); n < 90 {
		t.Errorf("another seed gives %d other draws of 100", n)
	}
	if n := differ(a, 2); n < 90 {
		t.Errorf("another epoch gives %d other draws of 100", n)
	}
}

// TestAugmentUniform: over 60,000 samples (Fashion-MNIST's) the 9×9 crop
// offsets of --crop-pad 4 are uniform (a chi-square test at 80 degrees of
// freedom, under its 0.1% critical value 124.8) and half the samples flip
// (within 4.5 standard deviations).
func TestAugmentUniform(t *testing.T) {
	a := &Augment{Pad: 4, Flip: true, C: 1, H: 28, W: 28, Fill: []float32{0}, Seed: 1}
	const n = 60000
	var cells [81]int
	flips := 0
	for sample := range n {
		dy, dx, flip := a.Draw(1, sample)
		cells[dy*9+dx]++
		if flip {
			flips++
		}
	}
	chi2 := 0.0
	for _, k := range cells {
		e := float64(n) / 81
		chi2 += (float64(k) - e) * (float64(k) - e) / e
	}
	if chi2 > 124.8 {
		t.Errorf("chi-square %.1f over the crop offsets %v", chi2, cells)
	}
	if f := float64(flips) / n; math.Abs(f-0.5) > 4.5*math.Sqrt(0.25/n) {
		t.Errorf("%d flips of %d", flips, n)
	}
}

// TestAugmentAllocs: Apply allocates nothing.
func TestAugmentAllocs(t *testing.T) {
	a, err := NewAugment(2, true, []int{3, 8, 8}, &Norm{Mean: []float32{0.1, 0.2, 0.3}, Std: []float32{1, 2, 3}}, 5)
	if err != nil {
		t.Fatal(err)
	}
	src, dst := ramp(3*64), make([]float32, 3*64)
	sample := 0
	if n := testing.AllocsPerRun(100, func() {
		a.Apply(dst, src, 1, sample)
		sample++
	}); n != 0 {
		t.Errorf("Apply allocates %v times", n)
	}
}

// TestNewAugmentErrors: the flags' values that cannot work.
func TestNewAugmentErrors(t *testing.T) {
	for _, c := range []struct {
		pad   int
		flip  bool
		input []int
		want  string
	}{
		{-1, false, []int{1, 4, 4}, "--crop-pad -1: want 0 (none) or more"},
		{4, false, []int{1, 4, 4}, "--crop-pad 4: want less than the images' height and width (4x4), or a crop may hold no pixel of the image"},
		{3, true, []int{1, 8, 3}, "--crop-pad 3: want less than the images' height and width (8x3)"},
		{1, false, []int{16}, "--crop-pad and --hflip augment images: want a network whose input is [C H W], this one's is [16]"},
		{0, true, []int{16}, "this one's is [16]"},
	} {
		a, err := NewAugment(c.pad, c.flip, c.input, nil, 1)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) && !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("NewAugment(%d, %v, %v): %v, %v; want %q", c.pad, c.flip, c.input, a, err, c.want)
		}
	}
	if a, err := NewAugment(0, false, []int{16}, nil, 1); a != nil || err != nil {
		t.Errorf("no augmentation: %v, %v", a, err)
	}
	a, _ := NewAugment(2, true, []int{1, 4, 4}, nil, 1)
	if got := a.String(); got != "--crop-pad 2 --hflip" {
		t.Errorf("String %q", got)
	}
}

// BenchmarkAugment: one Fashion-MNIST image (1×28×28) through --crop-pad 2
// --hflip, against copying it as an unaugmented batch does.
func BenchmarkAugment(b *testing.B) {
	a, err := NewAugment(2, true, []int{1, 28, 28}, &Norm{Mean: []float32{0.286}, Std: []float32{0.353}}, 1)
	if err != nil {
		b.Fatal(err)
	}
	src, dst := ramp(28*28), make([]float32, 28*28)
	b.Run("augment", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			a.Apply(dst, src, 1, i)
		}
	})
	b.Run("copy", func(b *testing.B) {
		for b.Loop() {
			copy(dst, src)
		}
	})
}
