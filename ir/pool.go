package ir

import "fmt"

// PoolMode is the reduction of a pool: the maximum or the mean.
type PoolMode int

// The pool modes.
const (
	Max PoolMode = iota
	Mean
)

// Pool is nn.MaxPool2d or nn.AvgPool2d: a window of FH×FW with stride
// SH×SW and padding PH×PW (at most half the window, as PyTorch requires;
// the mean divides by FH·FW, padding included: count_include_pad).
type Pool struct {
	noTensors
	Mode           PoolMode
	FH, FW         int
	SH, SW, PH, PW int
}

// NewPool returns an FH×FW pool whose stride is its window, unpadded: the
// defaults of `pool max FhxFw`.
func NewPool(mode PoolMode, fh, fw int) *Pool {
	return &Pool{Mode: mode, FH: fh, FW: fw, SH: fh, SW: fw}
}

// Kind is "maxpool" or "meanpool".
func (p *Pool) Kind() string {
	if p.Mode == Max {
		return "maxpool"
	}
	return "meanpool"
}

func (p *Pool) geometry(in Shape) geometry {
	return geometry{{W: in.H, F: p.FH, S: p.SH, P: p.PH, D: 1}, {W: in.W, F: p.FW, S: p.SW, P: p.PW, D: 1}}
}

// Infer checks the attributes, that the input is a map, and the output rule;
// the channels are kept.
func (p *Pool) Infer(in []Shape) (Shape, error) {
	x, err := one(p.Kind(), in)
	if err != nil {
		return Shape{}, err
	}
	if err := positive(in, 1, "the window height", p.FH, "the window width", p.FW, "the stride", p.SH, "the stride", p.SW); err != nil {
		return Shape{}, err
	}
	if err := positive(in, 0, "the padding", p.PH, "the padding", p.PW); err != nil {
		return Shape{}, err
	}
	if 2*p.PH > p.FH || 2*p.PW > p.FW {
		return Shape{}, &ShapeError{Kind: Attribute, In: in,
			Detail: fmt.Sprintf("padding %s is larger than half the window %dx%d (at most %s)", pairOption("p", p.PH, p.PW), p.FH, p.FW, pairOption("p", p.FH/2, p.FW/2))}
	}
	if err := needMap(x, in); err != nil {
		return Shape{}, err
	}
	h, w, err := p.geometry(x).check(in, [2]int{p.FH / 2, p.FW / 2}, x.C)
	if err != nil {
		return Shape{}, err
	}
	return Map(h, w, x.C), nil
}
