package engine

import "github.com/cnnc/cnnc/runtime"

// The packings of the conv kinds gen.GraphFile emits beside round 1's ConvBlocks.

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

// Grouped stores a grouped conv's weight [K, C/Groups, FH, FW] as Groups
// dense packs in blocks of KB output channels, one a group: the layout
// runtime.ConvForwardGrouped reads (see runtime.PackGrouped).
type Grouped struct{ Groups, KB int }

// geom is the geometry PackGrouped reads for shape s.
func (p Grouped) geom(s []int) *runtime.ConvGeom {
	return &runtime.ConvGeom{C: s[1] * p.Groups, K: s[0], FH: s[2], FW: s[3], Groups: p.Groups, KB: p.KB}
}

func (p Grouped) Len(s []int) int { return runtime.GroupedWeightLen(p.geom(s)) }

func (p Grouped) Pack(dst, src []float32, s []int) { runtime.PackGrouped(p.geom(s), dst, src, false) }

func (p Grouped) Unpack(dst, src []float32, s []int) { runtime.PackGrouped(p.geom(s), src, dst, true) }
