package runtime

import (
	goruntime "runtime"
	"strings"
	"testing"
)

// TestKernelChoice: the best available path is the default; SetKernels (as
// CNNC_KERNELS) chooses any other this build and CPU have, and refuses an
// unknown name (listing the valid ones), a path the CPU cannot run (naming
// the missing features) and one the build lacks, changing nothing.
func TestKernelChoice(t *testing.T) {
	saved, savedCPU := kernels, cpuHas
	defer func() { kernels, cpuHas = saved, savedCPU }()
	avail := availableKernels()
	if avail[len(avail)-1] != &portableKernels {
		t.Fatalf("the portable kernels are not always available")
	}
	if err := SetKernels(""); err != nil || Kernels() != avail[0].name {
		t.Errorf("default kernels %q (%v), want %q", Kernels(), err, avail[0].name)
	}
	for _, set := range avail {
		if err := SetKernels(set.name); err != nil || Kernels() != set.name {
			t.Errorf("SetKernels(%q): %v, kernels %q", set.name, err, Kernels())
		}
	}
	before := Kernels()
	for _, c := range []struct{ name, want string }{
		{"tpu", `unknown kernels "tpu" (want avx512, asm-avx2, avx2 or portable)`},
		{"AVX2", `unknown kernels "AVX2"`},
		{"avx-512", `unknown kernels "avx-512"`},
	} {
		if err := SetKernels(c.name); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SetKernels(%q) = %v, want %s", c.name, err, c.want)
		}
	}
	for _, p := range kernelPaths {
		if p.set == nil {
			err := SetKernels(p.name)
			if err == nil || !strings.Contains(err.Error(), "not in this program") && !strings.Contains(err.Error(), "lacks") && !strings.Contains(err.Error(), "this is "+goruntime.GOARCH) {
				t.Errorf("SetKernels(%q) without the set in the build: %v", p.name, err)
			}
		}
	}
	if goruntime.GOARCH != "amd64" {
		// Off amd64 every vector path is refused for the architecture,
		// checked above; the CPU features below do not apply.
		return
	}
	// A CPU with AVX2 but without FMA or AVX-512's BW and DQ.
	cpuHas = map[string]bool{"AVX2": true, "AVX512F": true, "AVX512CD": true, "AVX512VL": true}
	for _, c := range []struct{ name, want string }{
		{"avx512", `kernels "avx512" need a CPU with AVX512F, AVX512CD, AVX512BW, AVX512DQ and AVX512VL; this one lacks AVX512BW and AVX512DQ`},
		{"avx2", `kernels "avx2" need a CPU with AVX2 and FMA; this one lacks FMA`},
		{"asm-avx2", `kernels "asm-avx2" need a CPU with AVX2 and FMA; this one lacks FMA`},
	} {
		if err := CheckKernels(c.name); err == nil || err.Error() != c.want {
			t.Errorf("CheckKernels(%q) = %v, want %s", c.name, err, c.want)
		}
		if err := SetKernels(c.name); err == nil {
			t.Errorf("SetKernels(%q) accepted a path the CPU lacks", c.name)
		}
	}
	if Kernels() != before {
		t.Errorf("failed SetKernels calls changed the kernels from %q to %q", before, Kernels())
	}
	if err := CheckKernels("portable"); err != nil {
		t.Errorf("CheckKernels(portable): %v", err)
	}
}

// TestKernelsFromEnv: CNNC_KERNELS chooses the path at start-up; a name the
// program cannot run leaves the best path and an error that names the
// variable.
func TestKernelsFromEnv(t *testing.T) {
	saved := kernels
	defer func() { kernels, kernelsErr = saved, nil }()
	t.Setenv("CNNC_KERNELS", "portable")
	chooseFromEnv()
	if Kernels() != "portable" || KernelsError() != nil {
		t.Errorf("CNNC_KERNELS=portable: kernels %q, error %v", Kernels(), KernelsError())
	}
	t.Setenv("CNNC_KERNELS", "bogus")
	chooseFromEnv()
	want := `CNNC_KERNELS: unknown kernels "bogus" (want avx512, asm-avx2, avx2 or portable)`
	if err := KernelsError(); err == nil || err.Error() != want {
		t.Errorf("CNNC_KERNELS=bogus: error %v, want %s", err, want)
	}
	if Kernels() != availableKernels()[0].name {
		t.Errorf("CNNC_KERNELS=bogus: kernels %q, want the best, %q", Kernels(), availableKernels()[0].name)
	}
}
