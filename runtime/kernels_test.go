package runtime

import "testing"

// TestKernelChoice: the best supported set is the default; CNNC_KERNELS
// (through choose) can ask for a lesser one, and an unknown or unsupported
// name falls back to the best.
func TestKernelChoice(t *testing.T) {
	saved := kernels
	defer func() { kernels = saved }()
	best, rank := "portable", -1
	for _, k := range simdKernels {
		if k.supported && k.rank > rank {
			best, rank = k.set.name, k.rank
		}
	}
	choose("")
	if Kernels() != best {
		t.Errorf("default kernels %q, want %q", Kernels(), best)
	}
	choose("portable")
	if Kernels() != "portable" {
		t.Errorf("CNNC_KERNELS=portable gave %q", Kernels())
	}
	for _, k := range simdKernels {
		if k.supported {
			choose(k.set.name)
			if Kernels() != k.set.name {
				t.Errorf("CNNC_KERNELS=%s gave %q", k.set.name, Kernels())
			}
		}
	}
	choose("tpu")
	if Kernels() != best {
		t.Errorf("unknown name gave %q, want %q", Kernels(), best)
	}
}
