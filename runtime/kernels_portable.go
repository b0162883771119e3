package runtime

import "gonum.org/v1/gonum/blas/blas32"

var portableKernels = kernelSet{
	name:           "portable",
	convForward:    convForwardPortable,
	convWeightGrad: convWeightGradPortable,
	dot:            dotPortable,
	axpy: func(alpha float32, x, y []float32) {
		blas32.Axpy(alpha, blas32.Vector{N: len(x), Inc: 1, Data: x}, blas32.Vector{N: len(x), Inc: 1, Data: y})
	},
	maxPoolForward: maxPoolForwardPortable,
	maxPool:        maxPoolPortable,
	math:           portableMath,
	reluGrad: func(d, y []float32) {
		for i, v := range y {
			if v <= 0 {
				d[i] = 0
			}
		}
	},
	addRows: func(acc, x []float32, stride, count int) {
		for p := range count {
			for i, v := range x[p*stride:][:len(acc)] {
				acc[i] += v
			}
		}
	},
	winoIn:      winoInPortable,
	winoOut:     winoOutPortable,
	winoGradOut: winoGradOutPortable,
	winoGradW:   winoGradWPortable,
	wino4:       true,
	dwTaps:      dwTapsPortable,
	dwGrad:      dwGradPortable,
}

// Panel sizes for portableGemm: gonum's Sgemm multiplies in parallel
// (starting its own goroutines and allocating) once a product has 4 blocks
// of 64×64 or more, so every call here stays below.
const (
	panelRows = 64
	panelCols = 64

	reduceChunk = 256
)

// convForwardPortable computes a conv as matrix products: for each run of
// up to 64 output pixels of a row, the input windows are copied into the
// rows of a panel (im2col) and multiplied by each weight block.
func convForwardPortable(g *ConvGeom, s *Scratch, out, in, w, bias []float32, y0, y1 int) {
	T := g.T()
	ffc := g.FH * T
	buf := s.get(panelRows*ffc + ffc*g.Blocks()*g.KB)
	panel := buf[:panelRows*ffc]
	// The products are faster wider than one weight block: lay the blocks
	// side by side, [FH·T][K], once per call.
	kp := g.Blocks() * g.KB
	wide := buf[panelRows*ffc:]
	for b := range g.Blocks() {
		for r := range ffc {
			copy(wide[r*kp+b*g.KB:][:g.KB], w[(b*ffc+r)*g.KB:][:g.KB])
		}
	}
	for y := y0; y < y1; y++ {
		for x0 := 0; x0 < g.OW; x0 += panelRows {
			np := min(panelRows, g.OW-x0)
			for p := range np {
				for i := range g.FH {
					copy(panel[p*ffc+i*T:][:T], in[(y*g.SH+i)*g.InRow+(x0+p)*g.SW*g.inPix():][:T])
				}
			}
			op := g.outPix()
			o := out[g.OutOff+y*g.OutRow+x0*op:]
			for p := range np {
				px := o[p*op:][:g.K]
				if bias != nil {
					copy(px, bias[:g.K])
				} else {
					clear(px)
				}
			}
			// Chunks of the reduction keep a chunk of weights in L2
			// while every pixel of the panel uses it.
			for k0 := 0; k0 < g.K; k0 += panelCols {
				n := min(panelCols, g.K-k0)
				for r0 := 0; r0 < ffc; r0 += reduceChunk {
					r := min(reduceChunk, ffc-r0)
					portableGemm(false, np, n, r, panel[r0:], ffc, wide[r0*kp+k0:], kp, o[k0:], op, true)
				}
			}
			if g.ReLU || g.ReLU6 {
				act := ActReLU
				if g.ReLU6 {
					act = ActReLU6
				}
				lo, hi, _ := act.clamp()
				for p := range np {
					clampRun(o[p*op:][:g.K], lo, hi)
				}
			}
		}
	}
}

// convWeightGradPortable computes each unit's weight gradient, a T×KB
// block, as Σ panelᵀ·dout over runs of up to 64 output pixels, the panel
// holding the pixels' windows for the unit's filter row.
func convWeightGradPortable(g *ConvGeom, s *Scratch, dw, db, in, dout []float32, u0, u1 int) {
	T := g.T()
	panel := s.get(panelRows * T)
	for u := u0; u < u1; u++ {
		b, i := u/g.FH, u%g.FH
		n := min(g.KB, g.K-b*g.KB)
		dwi := g.unitGrad(dw, b, i)
		for y := range g.OH {
			for x0 := 0; x0 < g.OW; x0 += panelRows {
				np := min(panelRows, g.OW-x0)
				for p := range np {
					copy(panel[p*T:][:T], in[(y*g.SH+i)*g.InRow+(x0+p)*g.SW*g.inPix():][:T])
				}
				d := dout[g.DOutOff+y*g.DOutRow+x0*g.dOutPix()+b*g.KB:]
				for t0 := 0; t0 < T; t0 += panelCols {
					m := min(panelCols, T-t0)
					portableGemm(true, m, n, np, panel[t0:], T, d, g.dOutPix(), dwi[t0*g.KB:], g.KB, true)
				}
				if i == 0 && db != nil {
					g.addBiasGrad(db, dout, b*g.KB, n, y, y+1, x0, x0+np)
				}
			}
		}
	}
}

// dotPortable is Σ x[i]·y[i] in eight running sums. Unlike gonum's Dot,
// which first steps to an aligned address, its sums do not depend on where
// x and y lie, so that a sample's fc outputs are the same bits whichever
// buffer holds its input.
func dotPortable(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(x); i += 8 {
		a, b := (*[8]float32)(x[i:]), (*[8]float32)(y[i:])
		s0 += a[0] * b[0]
		s1 += a[1] * b[1]
		s2 += a[2] * b[2]
		s3 += a[3] * b[3]
		s4 += a[4] * b[4]
		s5 += a[5] * b[5]
		s6 += a[6] * b[6]
		s7 += a[7] * b[7]
	}
	sum := (s0 + s1) + (s2 + s3) + ((s4 + s5) + (s6 + s7))
	for ; i < len(x); i++ {
		sum += x[i] * y[i]
	}
	return sum
}
