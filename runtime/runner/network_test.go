package runner

import (
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// TestGeneratedDrawsOnce checks that the generated engine draws its
// weights once, from the seed asked for: VGG-16's take seconds and 550 MB.
func TestGeneratedDrawsOnce(t *testing.T) {
	var seeds []uint64
	e := Generated(func(seed uint64) runtime.Network {
		seeds = append(seeds, seed)
		return nil
	}, []int{1}, []int{2}, nil)
	e.Init(7)
	if len(seeds) != 1 || seeds[0] != 7 {
		t.Errorf("models made with seeds %v, want [7]", seeds)
	}
}
