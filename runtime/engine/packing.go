package engine

import "github.com/cnnc/cnnc/runtime"

// ConvBlocks stores a conv weight [K, C, FH, FW] packed in blocks of KB
// output channels, [ceil(K/KB)][FH][FW][C][KB], the last block
// zero-padded: the layout the conv kernels read (see runtime.ConvGeom and
// runtime.PackConv).
type ConvBlocks struct{ KB int }

func (p ConvBlocks) Len(s []int) int { return (s[0] + p.KB - 1) / p.KB * p.KB * s[1] * s[2] * s[3] }

func (p ConvBlocks) Pack(dst, src []float32, s []int) {
	runtime.PackConv(dst, src, s[0], s[1], s[2], s[3], p.KB, false)
}

func (p ConvBlocks) Unpack(dst, src []float32, s []int) {
	runtime.PackConv(src, dst, s[0], s[1], s[2], s[3], p.KB, true)
}

// FCInput stores an fc weight [out, in] whose input is an H×W×C map with
// each row's inputs in H, W, C order, the order a buffer holds the map,
// rather than PyTorch's C, H, W.
type FCInput struct{ H, W, C int }

func (p FCInput) Len(s []int) int { return s[0] * s[1] }

func (p FCInput) Pack(dst, src []float32, s []int) { p.convert(dst, src, s, false) }

func (p FCInput) Unpack(dst, src []float32, s []int) { p.convert(src, dst, s, true) }

// convert copies PyTorch's torch into the stored packed, or back.
func (p FCInput) convert(packed, torch []float32, s []int, back bool) {
	n := s[1]
	for o := range s[0] {
		d, t := packed[o*n:][:n], torch[o*n:][:n]
		for c := range p.C {
			for y := range p.H {
				for x := range p.W {
					i, j := (y*p.W+x)*p.C+c, (c*p.H+y)*p.W+x
					if back {
						t[j] = d[i]
					} else {
						d[i] = t[j]
					}
				}
			}
		}
	}
}
