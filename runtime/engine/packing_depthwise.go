package engine

import "github.com/cnnc/cnnc/runtime"

// Depthwise stores a depthwise conv's weight [C, 1, FH, FW] as [FH][FW][C],
// channels innermost: the layout runtime.DepthwiseForward reads (see
// runtime.PackDepthwise).
type Depthwise struct{}

func (Depthwise) Len(s []int) int { return s[0] * s[2] * s[3] }

func (Depthwise) Pack(dst, src []float32, s []int) {
	runtime.PackDepthwise(dst, src, s[0], s[2], s[3], false)
}

func (Depthwise) Unpack(dst, src []float32, s []int) {
	runtime.PackDepthwise(src, dst, s[0], s[2], s[3], true)
}
