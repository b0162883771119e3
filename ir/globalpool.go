package ir

// GlobalPool is nn.AdaptiveAvgPool2d(1) or nn.AdaptiveMaxPool2d(1): the mean
// or maximum of each channel over the whole map, giving 1x1xC (a map, which
// fc flattens as torch.flatten does).
type GlobalPool struct {
	noTensors
	Mode PoolMode
}

// Kind is "globalmaxpool" or "globalavgpool".
func (p *GlobalPool) Kind() string {
	if p.Mode == Max {
		return "globalmaxpool"
	}
	return "globalavgpool"
}

// Infer checks that the input is a map and gives 1x1xC.
func (p *GlobalPool) Infer(in []Shape) (Shape, error) {
	x, err := one(p.Kind(), in)
	if err != nil {
		return Shape{}, err
	}
	if err := needMap(x, in); err != nil {
		return Shape{}, err
	}
	return Map(1, 1, x.C), nil
}
