package runtime

import "unsafe"

// The depthwise convs' loops in Go, for the portable path and for the
// channels past the last multiple of 16 on the others.

// floatsAt is the n values at p.
func floatsAt(p unsafe.Pointer, n int) []float32 { return unsafe.Slice((*float32)(p), n) }

// dwTapsPortable is dwTaps in Go, eight channels at a time.
func dwTapsPortable(a *dwArgs, n, c int) {
	for p := range n {
		out := unsafe.Add(a.out, p*a.outPx)
		in := unsafe.Add(a.in, p*a.inPx)
		for ch := 0; ch < c; ch += 8 {
			lanes := min(8, c-ch)
			var acc [8]float32
			o := floatsAt(unsafe.Add(out, ch*4), lanes)
			switch {
			case a.mode&dwInitOut != 0:
				copy(acc[:], o)
			case a.mode&dwInitBias != 0:
				copy(acc[:], floatsAt(unsafe.Add(a.bias, ch*4), lanes))
			}
			for i := range a.na {
				pi := unsafe.Add(in, i*a.inRow+ch*4)
				pw := unsafe.Add(a.w, i*a.wRow+ch*4)
				for j := range a.nb {
					x := floatsAt(unsafe.Add(pi, j*a.inCol), lanes)
					w := floatsAt(unsafe.Add(pw, j*a.wCol), lanes)
					if lanes == 8 {
						acc[0] += x[0] * w[0]
						acc[1] += x[1] * w[1]
						acc[2] += x[2] * w[2]
						acc[3] += x[3] * w[3]
						acc[4] += x[4] * w[4]
						acc[5] += x[5] * w[5]
						acc[6] += x[6] * w[6]
						acc[7] += x[7] * w[7]
						continue
					}
					for k := range x {
						acc[k] += x[k] * w[k]
					}
				}
			}
			for k := range o {
				v := acc[k]
				if a.mode&dwMax != 0 {
					v = max(v, a.lo)
				}
				if a.mode&dwMin != 0 {
					v = min(v, a.hi)
				}
				o[k] = v
			}
		}
	}
}

// dwGradPortable is dwGrad in Go, eight channels at a time.
func dwGradPortable(a *dwGradArgs, taps, c int) {
	for ch := 0; ch < c; ch += 8 {
		lanes := min(8, c-ch)
		for t := range taps {
			dw := floatsAt(unsafe.Add(a.dw, t*a.dwCol+ch*4), lanes)
			var acc [8]float32
			for r := range a.rows {
				in := unsafe.Add(a.in, r*a.inRow+t*a.inCol+ch*4)
				d := unsafe.Add(a.dout, r*a.doutRow+ch*4)
				for p := range a.n {
					x := floatsAt(unsafe.Add(in, p*a.inPx), lanes)
					y := floatsAt(unsafe.Add(d, p*a.doutPx), lanes)
					for k := range x {
						acc[k] += x[k] * y[k]
					}
				}
			}
			for k := range dw {
				dw[k] += acc[k]
			}
		}
		if a.db == nil {
			continue
		}
		var acc [8]float32
		for r := range a.rows {
			d := unsafe.Add(a.dout, r*a.doutRow+ch*4)
			for p := range a.n {
				for k, v := range floatsAt(unsafe.Add(d, p*a.doutPx), lanes) {
					acc[k] += v
				}
			}
		}
		for k, v := range acc[:lanes] {
			floatsAt(unsafe.Add(a.db, ch*4), lanes)[k] += v
		}
	}
}
