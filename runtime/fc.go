package runtime

// FCForward computes outputs [o0, o1) of a fully connected layer with n
// inputs: out[o] = b[o] + Σ_i w[o·n+i]·in[i].
func FCForward(out, in, w, b []float32, n, o0, o1 int) {
	in = in[:n]
	if f := kernels.fc; f != nil {
		f(out, in, w, b, n, 0, 1, o0, o1)
		return
	}
	for o := o0; o < o1; o++ {
		out[o] = b[o] + Dot(w[o*n:][:n], in)
	}
}

// FCForwardBatch is FCForward, all outputs, for m samples at once: in holds
// their inputs n values apart, out their outputs k values apart. Each
// weight row is read once for all of them (from memory: VGG's fc1 has
// 411 MB), and the samples' inputs come from cache; each output is the same
// sum, in the same order, as FCForward's.
func FCForwardBatch(out, in, w, b []float32, n, k, m int) {
	in, out = in[:m*n], out[:m*k]
	if f := kernels.fc; f != nil {
		f(out, in, w, b, n, k, m, 0, k)
		return
	}
	for o := range k {
		row := w[o*n:][:n]
		for j := range m {
			out[j*k+o] = b[o] + Dot(row, in[j*n:][:n])
		}
	}
}

// FCWeightGrad adds the gradients of outputs [o0, o1) to the weight and
// bias gradients: dw[o·n+i] += dout[o]·in[i], db[o] += dout[o]. Workers given
// different outputs never write the same values.
func FCWeightGrad(dw, db, in, dout []float32, n, o0, o1 int) {
	in = in[:n]
	for o := o0; o < o1; o++ {
		db[o] += dout[o]
		Axpy(dout[o], in, dw[o*n:][:n])
	}
}

// FCInputGrad sets din[0:i1-i0] to the gradient of inputs [i0, i1):
// Σ_o w[o·n+i]·dout[o], added in the order of o, one fused multiply-add
// each (8 rows of weights at a time, axpyRows8). Workers given different inputs
// never write the same values.
func FCInputGrad(din, w, dout []float32, n, i0, i1 int) {
	d := din[:i1-i0]
	clear(d)
	k := len(dout)
	o := 0
	var rows [8][]float32
	var g [8]float32
	for ; o+8 <= k; o += 8 {
		for r := range 8 {
			rows[r], g[r] = w[(o+r)*n+i0:][:i1-i0], dout[o+r]
		}
		axpyRows8(d, &rows, &g)
	}
	for ; o < k; o++ {
		Axpy(dout[o], w[o*n+i0:][:i1-i0], d)
	}
}

// FCStash keeps the inputs and output gradients of the samples a worker
// runs in a batch, so that an fc layer's weight gradient is added once per
// batch (each row of the gradient read and written once) rather than once
// per sample: at batch 8 that spares VGG's fc1 seven passes over 411 MB.
// It grows on first use and is then reused.
type FCStash struct {
	ins, douts [][]float32
	n          int
}

// Add copies one sample's input and output gradient.
func (s *FCStash) Add(in, dout []float32) {
	if s.n == len(s.ins) {
		s.ins = append(s.ins, make([]float32, len(in)))
		s.douts = append(s.douts, make([]float32, len(dout)))
	}
	copy(s.ins[s.n], in)
	copy(s.douts[s.n], dout)
	s.n++
}

// Flush adds the kept samples' gradients to dw and db, exactly as
// FCWeightGrad would have one sample after the other (the same sums in the
// same order: 8 samples at a time through axpyRows8, which loads and stores a
// row of dw once for them), and empties the stash.
func (s *FCStash) Flush(dw, db []float32, n int) {
	if s.n == 0 {
		return
	}
	k := len(s.douts[0])
	var ins [8][]float32
	var d [8]float32
	for o := range k {
		row := dw[o*n:][:n]
		i := 0
		for ; i+8 <= s.n; i += 8 {
			for j := range 8 {
				ins[j], d[j] = s.ins[i+j][:n], s.douts[i+j][o]
				db[o] += d[j]
			}
			axpyRows8(row, &ins, &d)
		}
		for ; i < s.n; i++ {
			d := s.douts[i][o]
			db[o] += d
			Axpy(d, s.ins[i][:n], row)
		}
	}
	s.n = 0
}
