package runner

import (
	"io"

	"github.com/cnnc/cnnc/runtime"
)

// TrainPass is Run in training mode (see Trainer) for a generated model:
// the model's SetTraining with seed (dropout's masks), the pass, and
// training mode off again. The buffers it returns are the model's tensors
// that are not parameters (running statistics, num_batches_tracked), as
// they are after the pass.
func (g *generated) TrainPass(x []float64, n int, dy []float64, seed uint64) (y, dx []float64, grads [][]float64, buffers []*runtime.Array, err error) {
	g.m.SetTraining(true, seed)
	y, dx, grads, err = g.Run(x, n, dy)
	g.m.SetTraining(false, 0)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	param := map[string]bool{}
	for _, s := range g.specs {
		param[s.Name] = true
	}
	for _, a := range g.m.Params() {
		if !param[a.Name] {
			buffers = append(buffers, a)
		}
	}
	return y, dx, grads, buffers, nil
}

// Samples returns the number of samples --input holds, for a network whose
// samples are shaped input; standard input is read from o.Stdin, from its
// start when it can seek (a copy), and 0 is returned for an input that
// cannot be read again (a FIFO, or standard input that cannot seek).
func (o *Options) Samples(input []int) (int, error) {
	if !rereadable(o.Input) {
		return 0, nil
	}
	if runtime.IsStdin(o.Input) {
		s, ok := o.Stdin.(io.Seeker)
		if !ok {
			return 0, nil
		}
		if _, err := s.Seek(0, io.SeekStart); err != nil {
			return 0, err
		}
		defer s.Seek(0, io.SeekStart)
	}
	_, n, _, err := readBatch(o.Input, "--input", input, o.Stdin)
	return n, err
}
