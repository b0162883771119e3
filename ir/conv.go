package ir

import "fmt"

// Conv is nn.Conv2d: K filters of FH×FW over C/Groups input channels each,
// with stride SH×SW, zero padding PH×PW on each side and dilation DH×DW,
// and a bias per filter unless NoBias (`nobias`, bias=False).
//
// Its output is H' = ⌊(H + 2PH − DH·(FH−1) − 1)/SH⌋ + 1 (W' alike) by K,
// where a fraction is accepted only when flooring it loses no real pixels
// (see the README's output-size rule).
type Conv struct {
	FH, FW, K      int
	SH, SW, PH, PW int
	DH, DW         int
	Groups         int
	NoBias         bool
}

// NewConv returns an FH×FW×K conv with stride 1, no padding, no dilation,
// one group and a bias: the defaults of `conv FhxFwxK`.
func NewConv(fh, fw, k int) *Conv {
	return &Conv{FH: fh, FW: fw, K: k, SH: 1, SW: 1, DH: 1, DW: 1, Groups: 1}
}

func (c *Conv) Kind() string { return "conv" }

func (c *Conv) geometry(in Shape) geometry {
	return geometry{
		{W: in.H, F: c.FH, S: c.SH, P: c.PH, D: c.DH},
		{W: in.W, F: c.FW, S: c.SW, P: c.PW, D: c.DW},
	}
}

// Infer checks the attributes, that the input is a map whose channels the
// groups divide, and the output rule.
func (c *Conv) Infer(in []Shape) (Shape, error) {
	x, err := one("conv", in)
	if err != nil {
		return Shape{}, err
	}
	if err := positive(in, 1, "the filter height", c.FH, "the filter width", c.FW, "the number of filters", c.K,
		"the stride", c.SH, "the stride", c.SW, "the dilation", c.DH, "the dilation", c.DW, "the number of groups", c.Groups); err != nil {
		return Shape{}, err
	}
	if err := positive(in, 0, "the padding", c.PH, "the padding", c.PW); err != nil {
		return Shape{}, err
	}
	if err := needMap(x, in); err != nil {
		return Shape{}, err
	}
	if x.C%c.Groups != 0 || c.K%c.Groups != 0 {
		return Shape{}, &ShapeError{Kind: Groups, In: in,
			Detail: fmt.Sprintf("%d groups must divide both the %d input channels and the %d filters", c.Groups, x.C, c.K)}
	}
	g := c.geometry(x)
	h, w, err := g.check(in, [2]int{g[0].span() - 1, g[1].span() - 1}, c.K)
	if err != nil {
		return Shape{}, err
	}
	return Map(h, w, c.K), nil
}

// Tensors are the weight [K, C/G, FH, FW], He-initialised for a fan-in of
// C/G·FH·FW, and the bias [K], zero.
func (c *Conv) Tensors(in []Shape) []Tensor {
	cg := in[0].C / c.Groups
	ts := []Tensor{{Name: "weight", Shape: []int{c.K, cg, c.FH, c.FW}, Role: Weight, Init: Init{Kind: HeNormal, FanIn: cg * c.FH * c.FW}}}
	if !c.NoBias {
		ts = append(ts, Tensor{Name: "bias", Shape: []int{c.K}, Role: Bias})
	}
	return ts
}

// MACs: every output value sums FH·FW·C/G products.
func (c *Conv) MACs(in []Shape, out Shape) int64 {
	return out.Size64() * int64(c.FH*c.FW) * int64(in[0].C/c.Groups)
}
