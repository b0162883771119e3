package runner

import (
	"flag"

	"github.com/cnnc/cnnc/runtime/data"
)

// AugmentOptions are cnnc train's flags for augmenting the training
// samples (see data.Augment): torchvision's RandomCrop(size,
// padding=CropPad) and RandomHorizontalFlip().
type AugmentOptions struct {
	CropPad int  // zero padding on every side before a random crop; 0 for none
	HFlip   bool // flip horizontally, half the samples

	// augment is the augmentation Prepare made of them, nil for none.
	augment *data.Augment
}

func (o *AugmentOptions) flags(fs *flag.FlagSet) {
	fs.IntVar(&o.CropPad, "crop-pad", 0, "augment: pad every training image with `N` black pixels on each side and crop an image of its size at random (RandomCrop(size, padding=N))")
	fs.BoolVar(&o.HFlip, "hflip", false, "augment: flip every training image horizontally with probability 1/2 (RandomHorizontalFlip())")
}

// check adds to bad what is wrong with the flags alone.
func (o *AugmentOptions) check(bad func(format string, args ...any)) {
	if o.CropPad < 0 {
		bad("--crop-pad %d: want 0 (none) or more", o.CropPad)
	}
}

// prepare makes the augmentation of samples shaped input, normalised by
// norm (nil for none), for a network with outputs shaped output: a usage
// error for an image too small for the pad, an input that is no image, or
// targets that are images (which the crop would have to move too).
func (o *AugmentOptions) prepare(input, output []int, classifier bool, norm *data.Norm, seed uint64) error {
	if o.CropPad < 0 || (o.CropPad == 0 && !o.HFlip) {
		return nil
	}
	if !classifier && len(output) == 3 {
		return usagef("--crop-pad and --hflip augment the inputs only: want a network whose outputs are not images, this one's are %v", output)
	}
	a, err := data.NewAugment(o.CropPad, o.HFlip, input, norm, seed)
	if err != nil {
		return usagef("%v", err)
	}
	o.augment = a
	return nil
}
