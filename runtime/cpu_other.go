//go:build !amd64

package runtime

// cpuFeatures reports none: the vector kernel paths are for amd64.
func cpuFeatures() map[string]bool { return map[string]bool{} }
