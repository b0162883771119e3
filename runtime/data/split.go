package data

import (
	"fmt"
	"math"
	"slices"

	"github.com/cnnc/cnnc/runtime"
)

// SplitSeed seeds the generator that chooses the samples HoldOut holds
// out: the same for every training seed, so that runs with different
// seeds are measured on the same samples.
const SplitSeed = 0

// HoldOut splits s into samples to train on and round(fraction·N) to hold
// out (at least one of each), chosen at random: the first of a
// Fisher–Yates shuffle of 0, 1, ..., N-1 drawn from runtime.NewRand(SplitSeed)
// (for i from N-1 down to 1, swap i with Uint64() mod (i+1)), as cnnc
// train shuffles. Both keep the samples' order in s. size is the number of
// values of a sample, outSize of a target.
func HoldOut(s *Set, fraction float64, size, outSize int) (train, val *Set, err error) {
	if !(fraction > 0 && fraction < 1) {
		return nil, nil, fmt.Errorf("--val %v: want a fraction between 0 and 1", fraction)
	}
	k := int(math.Round(fraction * float64(s.N)))
	if k < 1 || k >= s.N {
		return nil, nil, fmt.Errorf("--val %v: holds out %d of the %s of %s: want at least one sample to hold out and one to train on", fraction, k, plural(s.N, "sample"), s.Source)
	}
	perm := make([]int, s.N)
	for i := range perm {
		perm[i] = i
	}
	r := runtime.NewRand(SplitSeed)
	for i := s.N - 1; i > 0; i-- {
		j := int(r.Uint64() % uint64(i+1))
		perm[i], perm[j] = perm[j], perm[i]
	}
	held := perm[:k]
	slices.Sort(held)
	out := make([]bool, s.N)
	for _, i := range held {
		out[i] = true
	}
	var keep []int
	for i := range s.N {
		if !out[i] {
			keep = append(keep, i)
		}
	}
	val = s.subset(held, size, outSize)
	val.Source = fmt.Sprintf("%s held out of %s", plural(k, "sample"), s.Source)
	train = s.subset(keep, size, outSize)
	return train, val, nil
}

// subset returns the samples of s at the indices idx.
func (s *Set) subset(idx []int, size, outSize int) *Set {
	d := &Set{N: len(idx), Classes: s.Classes, Source: s.Source, X: make([]float32, 0, len(idx)*size)}
	for _, i := range idx {
		d.X = append(d.X, s.X[i*size:(i+1)*size]...)
		if s.Labels != nil {
			d.Labels = append(d.Labels, s.Labels[i])
		}
		if s.Targets != nil {
			d.Targets = append(d.Targets, s.Targets[i*outSize:(i+1)*outSize]...)
		}
	}
	return d
}
