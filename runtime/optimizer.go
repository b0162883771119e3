package runtime

import (
	"fmt"
	"math"
	"strings"
)

// Method names one of torch.optim's update rules.
type Method int

const (
	SGDMethod   Method = iota // torch.optim.SGD (see SGDStep)
	AdamMethod                // torch.optim.Adam (see AdamStep)
	AdamWMethod               // torch.optim.AdamW (see AdamStep)
)

var (
	methodFlags   = []string{SGDMethod: "sgd", AdamMethod: "adam", AdamWMethod: "adamw"}
	methodClasses = []string{SGDMethod: "SGD", AdamMethod: "Adam", AdamWMethod: "AdamW"}
)

// String returns the method's name on the command line: sgd, adam or adamw.
func (m Method) String() string { return enumName(methodFlags, "Method", int(m)) }

// ParseMethod returns the method named name: sgd, adam or adamw.
func ParseMethod(name string) (Method, error) {
	m, err := parseEnum(methodFlags, "optimiser", name)
	return Method(m), err
}

// MarshalText and UnmarshalText write and read the method by its name
// (in checkpoints).
func (m Method) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

func (m *Method) UnmarshalText(b []byte) (err error) {
	*m, err = ParseMethod(string(b))
	return err
}

// enumName returns names[v], or type(v) when v is out of range.
func enumName(names []string, typ string, v int) string {
	if v < 0 || v >= len(names) {
		return fmt.Sprintf("%s(%d)", typ, v)
	}
	return names[v]
}

// parseEnum returns the index of name in names, or an error naming what
// it is and the names wanted.
func parseEnum(names []string, what, name string) (int, error) {
	for i, n := range names {
		if n == name {
			return i, nil
		}
	}
	want := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	return 0, fmt.Errorf("unknown %s %q (want %s)", what, name, want)
}

// Optimizer is one of torch.optim's update rules with its hyperparameters,
// float64 as PyTorch keeps them (Python floats). SGD reads LR, Momentum and
// WeightDecay (without dampening or Nesterov momentum); Adam and AdamW read
// LR, Beta1, Beta2, Eps and WeightDecay (without amsgrad). Use NewSGD,
// NewAdam and NewAdamW for PyTorch's defaults.
type Optimizer struct {
	Method      Method  `json:"method"`
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	Beta1       float64 `json:"beta1"`
	Beta2       float64 `json:"beta2"`
	Eps         float64 `json:"eps"`
	WeightDecay float64 `json:"weight_decay"`
}

// NewSGD returns torch.optim.SGD(lr, momentum, weight_decay).
func NewSGD(lr, momentum, weightDecay float64) Optimizer {
	return Optimizer{Method: SGDMethod, LR: lr, Momentum: momentum, WeightDecay: weightDecay}
}

// NewAdam returns torch.optim.Adam(lr) with PyTorch's defaults: betas
// (0.9, 0.999), eps 1e-8, no weight decay.
func NewAdam(lr float64) Optimizer {
	return Optimizer{Method: AdamMethod, LR: lr, Beta1: AdamBeta1, Beta2: AdamBeta2, Eps: AdamEps}
}

// NewAdamW returns torch.optim.AdamW(lr) with PyTorch's defaults: betas
// (0.9, 0.999), eps 1e-8, weight decay 1e-2.
func NewAdamW(lr float64) Optimizer {
	o := NewAdam(lr)
	o.Method, o.WeightDecay = AdamWMethod, AdamWDecay
	return o
}

// Optimizer returns the SGD rule o describes.
func (o SGD) Optimizer() Optimizer {
	return NewSGD(float64(o.LR), float64(o.Momentum), float64(o.WeightDecay))
}

// Name is PyTorch's class name of the rule: SGD, Adam or AdamW.
func (o Optimizer) Name() string {
	return enumName(methodClasses, "Method", int(o.Method))
}

// Check returns an error unless PyTorch accepts the hyperparameters: a
// learning rate, weight decay, momentum (SGD) and eps (Adam) that are
// finite and not negative, and betas in [0, 1).
func (o Optimizer) Check() error {
	type param struct {
		name string
		v    float64
	}
	var ps []param
	switch o.Method {
	case SGDMethod:
		ps = []param{{"learning rate", o.LR}, {"momentum", o.Momentum}, {"weight decay", o.WeightDecay}}
	case AdamMethod, AdamWMethod:
		ps = []param{{"learning rate", o.LR}, {"eps", o.Eps}, {"weight decay", o.WeightDecay}}
		for i, b := range []float64{o.Beta1, o.Beta2} {
			if !(b >= 0 && b < 1) {
				return fmt.Errorf("%s: beta%d %v is not in [0, 1)", o.Name(), i+1, b)
			}
		}
	default:
		return fmt.Errorf("unknown optimiser %v", o.Method)
	}
	for _, p := range ps {
		if !(p.v >= 0) || math.IsInf(p.v, 0) {
			return fmt.Errorf("%s: %s %v is not a finite value of 0 or more", o.Name(), p.name, p.v)
		}
	}
	return nil
}

var (
	sgdSlots  = []string{"momentum_buffer"}
	adamSlots = []string{"exp_avg", "exp_avg_sq"}
)

// Slots names the state the rule keeps for every parameter value, as
// torch.optim's state_dict names it: SGD's momentum_buffer (none without
// momentum), Adam's and AdamW's exp_avg and exp_avg_sq. The caller must
// not change the slice.
func (o Optimizer) Slots() []string {
	switch {
	case o.Method != SGDMethod:
		return adamSlots
	case o.Momentum != 0:
		return sgdSlots
	}
	return nil
}

// StateSpecs returns the names and shapes of the state arrays the rule
// keeps for params after steps steps (none before the first): for each
// parameter in order, one a slot in Slots' order, named NAME.SLOT
// (conv1.weight.exp_avg), shaped as the parameter.
func (o Optimizer) StateSpecs(params []ParamSpec, steps int64) []ParamSpec {
	if steps == 0 {
		return nil
	}
	var specs []ParamSpec
	for _, p := range params {
		for _, s := range o.Slots() {
			specs = append(specs, ParamSpec{Name: p.Name + "." + s, Shape: p.Shape})
		}
	}
	return specs
}

// SameState reports whether o and p keep the same state: the same method
// and slots. An optimiser's state carries over from steps of o to steps
// of p only then (a learning rate or betas may change between steps).
func (o Optimizer) SameState(p Optimizer) bool {
	return o.Method == p.Method && len(o.Slots()) == len(p.Slots())
}

// OptimStep is one step of an Optimizer, prepared once and then run on
// every part of the parameters (see Optimizer.Step).
type OptimStep struct {
	method Method
	sgd    SGD
	first  bool
	adam   AdamCoeffs
}

// Step prepares step t of the rule, t counting the steps from 1 since its
// state was zero (PyTorch's state["step"] for Adam; SGD's first step sets
// its momentum buffer to the gradient). It panics if t < 1.
func (o Optimizer) Step(t int64) OptimStep {
	if t < 1 {
		panic("runtime: Optimizer.Step: the step count starts at 1")
	}
	s := OptimStep{method: o.Method}
	if o.Method == SGDMethod {
		s.sgd = SGD{LR: float32(o.LR), Momentum: float32(o.Momentum), WeightDecay: float32(o.WeightDecay)}
		s.first = t == 1
	} else {
		s.adam = o.AdamCoeffs(t)
	}
	return s
}

// Run updates the parameters w from their gradient g and the rule's state
// for them, one slice per slot (see Slots), as SGDStep or AdamStep. It
// panics if the lengths differ or a slot is missing.
func (s *OptimStep) Run(w, g []float32, state [][]float32) {
	if s.method == SGDMethod {
		var v []float32
		if s.sgd.Momentum != 0 {
			v = state[0]
		}
		SGDStep(w, g, v, s.sgd.LR, s.sgd.Momentum, s.sgd.WeightDecay, s.first)
		return
	}
	AdamStep(w, g, state[0], state[1], &s.adam)
}
