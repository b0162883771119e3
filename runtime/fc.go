package runtime

// FCForward computes outputs [o0, o1) of a fully connected layer with n
// inputs: out[o] = b[o] + Σ_i w[o·n+i]·in[i].
func FCForward(out, in, w, b []float32, n, o0, o1 int) {
	in = in[:n]
	for o := o0; o < o1; o++ {
		out[o] = b[o] + Dot(w[o*n:][:n], in)
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
// Σ_o w[o·n+i]·dout[o]. Workers given different inputs never write the same
// values.
func FCInputGrad(din, w, dout []float32, n, i0, i1 int) {
	d := din[:i1-i0]
	clear(d)
	for o, g := range dout {
		Axpy(g, w[o*n+i0:][:i1-i0], d)
	}
}
