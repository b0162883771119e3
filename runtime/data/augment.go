package data

import (
	"fmt"

	"github.com/cnnc/cnnc/runtime"
)

// Augment is the random augmentation of training samples that cnnc train's
// --crop-pad and --hflip ask for, drawn anew for every sample in every
// epoch. On images of C×H×W values it is torchvision's
//
//	transforms.RandomCrop((H, W), padding=Pad)  # fill=0, padding_mode="constant"
//	transforms.RandomHorizontalFlip()           # p=0.5, when Flip
//
// applied to the pixels in [0, 1] before transforms.Normalize: the padding
// is a black pixel, 0, which is (0 - mean) / std once normalised. As
// cnnc normalises a whole data set when it loads it, Apply crops samples
// already normalised and pads them with Fill, each channel's normalised 0;
// since Normalize acts on each value alone, the result is the same, bit
// for bit, as cropping first.
//
// The draws come from a counter-based generator (see Draw): they depend on
// the seed, the epoch and the sample's index only, not on the order in
// which samples are visited or the number of threads, and a resumed run
// needs no state to draw the rest.
type Augment struct {
	Pad  int  // zero padding on every side before a random crop of the image's size; 0 for none
	Flip bool // flip horizontally with probability 1/2

	C, H, W int       // the shape of a sample
	Fill    []float32 // the padding's value in each channel
	Seed    uint64
}

// NewAugment returns the augmentation of samples shaped input ([C H W])
// padded by pad and flipped when flip says, normalised by norm (nil for
// none), with draws from seed; nil when it does nothing (pad 0, no flip).
// The error, for a pad that is negative or not smaller than the image, or
// an input that is no image, names the flags.
func NewAugment(pad int, flip bool, input []int, norm *Norm, seed uint64) (*Augment, error) {
	if pad < 0 {
		return nil, fmt.Errorf("--crop-pad %d: want 0 (none) or more", pad)
	}
	if pad == 0 && !flip {
		return nil, nil
	}
	if len(input) != 3 {
		return nil, fmt.Errorf("--crop-pad and --hflip augment images: want a network whose input is [C H W], this one's is %v", input)
	}
	a := &Augment{Pad: pad, Flip: flip, C: input[0], H: input[1], W: input[2], Fill: make([]float32, input[0]), Seed: seed}
	if pad >= a.H || pad >= a.W {
		return nil, fmt.Errorf("--crop-pad %d: want less than the images' height and width (%dx%d), or a crop may hold no pixel of the image", pad, a.H, a.W)
	}
	if norm != nil {
		for c := range a.Fill {
			a.Fill[c] = (0 - norm.Mean[c]) / norm.Std[c]
		}
	}
	return a, nil
}

// String describes the augmentation as the flags that give it.
func (a *Augment) String() string {
	s := ""
	if a.Pad > 0 {
		s = fmt.Sprintf("--crop-pad %d", a.Pad)
	}
	if a.Flip {
		if s != "" {
			s += " "
		}
		s += "--hflip"
	}
	return s
}

// augmentKey separates the augmentation's generators from the others of a
// run seeded alike.
const augmentKey = 0x6175676d656e7421 // "augment!"

// mix is one step of SplitMix64 from state x: runtime.NewRand(x).Uint64().
func mix(x uint64) uint64 {
	r := runtime.NewRand(x)
	return r.Uint64()
}

// Draw returns the augmentation of sample (its index in the training set)
// in epoch (from 1): the crop's top-left corner dy, dx in the padded image,
// each in [0, 2·Pad], and whether to flip. They are three draws of a
// runtime.Rand seeded with
//
//	mix(mix(mix(Seed ^ 0x6175676d656e7421) ^ epoch) ^ sample)
//
// where mix(x) is runtime.NewRand(x).Uint64(): dy and dx are the first two
// modulo 2·Pad+1, flip is the third's top bit when Flip. They are drawn
// whatever the augmentation, so that turning one part on or off does not
// change the other's draws.
func (a *Augment) Draw(epoch, sample int) (dy, dx int, flip bool) {
	r := runtime.NewRand(mix(mix(mix(a.Seed^augmentKey)^uint64(epoch)) ^ uint64(sample)))
	n := uint64(2*a.Pad + 1)
	dy = int(r.Uint64() % n)
	dx = int(r.Uint64() % n)
	flip = r.Uint64()>>63 == 1 && a.Flip
	return dy, dx, flip
}

// Apply writes to dst the sample src (C·H·W values each) augmented as
// Draw(epoch, sample) says: value (c, y, x) of dst is value (c, y+dy-Pad,
// x'+dx-Pad) of src, where x' is W-1-x for a flip and x otherwise, or
// Fill[c] where that lies outside src. It allocates nothing.
func (a *Augment) Apply(dst, src []float32, epoch, sample int) {
	dy, dx, flip := a.Draw(epoch, sample)
	h, w := a.H, a.W
	dst, src = dst[:a.C*h*w], src[:a.C*h*w]
	oy, ox := dy-a.Pad, dx-a.Pad // dst (y, x) reads src (y+oy, x+ox) before the flip
	// The columns x of a row whose source x+ox lies in src: [lo, hi); a
	// flip puts them at [w-hi, w-lo).
	lo, hi := max(0, -ox), min(w, w-ox)
	at := lo
	if flip {
		at = w - hi
	}
	for c := range a.C {
		fill := a.Fill[c]
		for y := range h {
			row := dst[(c*h+y)*w : (c*h+y+1)*w]
			sy := y + oy
			if sy < 0 || sy >= h {
				fillRow(row, fill)
				continue
			}
			in := src[(c*h+sy)*w+lo+ox : (c*h+sy)*w+hi+ox]
			fillRow(row[:at], fill)
			out := row[at : at+len(in)]
			if flip {
				for i, v := range in {
					out[len(out)-1-i] = v
				}
			} else {
				copy(out, in)
			}
			fillRow(row[at+len(in):], fill)
		}
	}
}

func fillRow(row []float32, v float32) {
	for i := range row {
		row[i] = v
	}
}
