//go:build purego || !amd64

package runtime

// Without the assembly, the kernel paths of Go's SIMD experiment run the
// depthwise convs' portable loops.
var dwTapsVec, dwGradVec = dwTapsPortable, dwGradPortable
