package runtime

import (
	"fmt"
	"math"
)

// The checks generated code runs at its API's boundary, on the caller's
// goroutine, before a batch reaches the workers: a bad label or a NaN
// target would otherwise panic inside a worker, which no caller can
// recover, or quietly turn every weight into NaN.

// CheckLabels returns an error naming the first label that is not a class
// of a network with classes outputs, [0, classes); fn names the method
// that was given them.
func CheckLabels(fn string, labels []int32, classes int) error {
	for i, l := range labels {
		if l < 0 || int(l) >= classes {
			return fmt.Errorf("%s: label %d of sample %d is not a class: want 0 to %d", fn, l, i, classes-1)
		}
	}
	return nil
}

// CheckFinite returns an error naming the first value of v, the given
// sample's what ("input", "target"), that is NaN or infinite.
func CheckFinite(fn, what string, sample int, v []float32) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("%s: %s value %d of sample %d is %v", fn, what, i, sample, x)
		}
	}
	return nil
}

// CheckSamples returns the number of samples of size values each that the
// flat slice v (named what) holds, or an error if its length is not a
// whole number of them.
func CheckSamples(fn, what string, v []float32, size int) (int, error) {
	if len(v)%size != 0 {
		return 0, fmt.Errorf("%s: %s has %d values, not a whole number of samples of %d", fn, what, len(v), size)
	}
	return len(v) / size, nil
}

// Check returns an error unless the learning rate, momentum and weight
// decay are finite and not negative, as torch.optim.SGD requires.
func (o SGD) Check() error {
	for _, p := range []struct {
		name string
		v    float32
	}{{"learning rate", o.LR}, {"momentum", o.Momentum}, {"weight decay", o.WeightDecay}} {
		if !(p.v >= 0) || math.IsInf(float64(p.v), 0) {
			return fmt.Errorf("SGD: %s %v is not a finite value of 0 or more", p.name, p.v)
		}
	}
	return nil
}
