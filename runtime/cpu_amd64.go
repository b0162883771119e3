package runtime

import "golang.org/x/sys/cpu"

// cpuFeatures reports the x86 features the kernel paths need, each true
// only when the operating system also saves the registers it uses.
func cpuFeatures() map[string]bool {
	x := cpu.X86
	return map[string]bool{
		"AVX2": x.HasAVX2, "FMA": x.HasFMA,
		"AVX512F": x.HasAVX512F, "AVX512CD": x.HasAVX512CD, "AVX512BW": x.HasAVX512BW,
		"AVX512DQ": x.HasAVX512DQ, "AVX512VL": x.HasAVX512VL,
	}
}
