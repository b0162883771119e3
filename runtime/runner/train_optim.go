package runner

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/cnnc/cnnc/runtime"
	"github.com/cnnc/cnnc/runtime/data"
)

// OptimOptions are cnnc train's flags for the optimiser and the learning
// rate's schedule. Flags left out take PyTorch's defaults for the chosen
// optimiser (see Optimizer), except SGD's momentum, which is cnnc's 0.9.
type OptimOptions struct {
	Optim       string // sgd, adam or adamw
	LR          optFloat
	Momentum    optFloat
	Betas       data.Floats
	Eps         optFloat
	WeightDecay optFloat

	Schedule     string // constant, step or cosine; empty: step with --lr-step, else constant
	LRStep       int
	LRGamma      float64
	TMax         int // 0: the epochs after the warm-up
	EtaMin       float64
	Warmup       int
	WarmupFactor optFloat
}

// optFloat is a float flag that knows whether it was given; its String is
// empty until then, so that flag's usage shows no default.
type optFloat struct {
	v   float64
	set bool
}

func (f *optFloat) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.FormatFloat(f.v, 'g', -1, 64)
}

func (f *optFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", s)
	}
	f.v, f.set = v, true
	return nil
}

// or returns the flag's value, or def when it was not given.
func (f optFloat) or(def float64) float64 {
	if f.set {
		return f.v
	}
	return def
}

func (o *OptimOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.Optim, "optim", "sgd", "the `optimiser`: sgd, adam or adamw (torch.optim's SGD, Adam and AdamW)")
	fs.Var(&o.LR, "lr", "the learning `rate` (default 0.01 for sgd, 0.001 for adam and adamw)")
	fs.Var(&o.Momentum, "momentum", "sgd's `momentum` (default 0.9)")
	fs.Var(&o.Betas, "betas", "adam's and adamw's `b1,b2` (default 0.9,0.999)")
	fs.Var(&o.Eps, "eps", "adam's and adamw's `eps` (default 1e-8)")
	fs.Var(&o.WeightDecay, "weight-decay", "the weight `decay`: an L2 penalty for sgd and adam (default 0), decoupled for adamw (default 0.01)")
	fs.StringVar(&o.Schedule, "schedule", "", "the learning rate's `schedule`, stepped once an epoch: constant, step (--lr-step, --lr-gamma) or cosine (--t-max, --eta-min) (default step with --lr-step, else constant)")
	fs.IntVar(&o.LRStep, "lr-step", 0, "step schedule: multiply the learning rate by --lr-gamma every `N` epochs")
	fs.Float64Var(&o.LRGamma, "lr-gamma", 0.1, "step schedule: the `factor`")
	fs.IntVar(&o.TMax, "t-max", 0, "cosine schedule: the `epochs` of a half period (default the epochs after the warm-up)")
	fs.Float64Var(&o.EtaMin, "eta-min", 0, "cosine schedule: the lowest `rate`")
	fs.IntVar(&o.Warmup, "warmup", 0, "raise the learning rate linearly over the first `N` epochs, then follow the schedule")
	fs.Var(&o.WarmupFactor, "warmup-factor", "the `fraction` of the learning rate the warm-up starts at (default 1/3)")
}

// method returns the optimiser --optim names, or an error.
func (o *OptimOptions) method() (runtime.Method, error) {
	m, err := runtime.ParseMethod(o.Optim)
	if err != nil {
		return 0, fmt.Errorf("--optim: %v", err)
	}
	return m, nil
}

// check adds to bad what is wrong with the options for a run of epochs.
func (o *OptimOptions) check(epochs int, bad func(format string, args ...any)) {
	m, err := o.method()
	if err != nil {
		bad("%v", err)
		return
	}
	if m == runtime.SGDMethod {
		if o.Betas != nil {
			bad("--betas: only adam and adamw have betas (--optim sgd has --momentum)")
		}
		if o.Eps.set {
			bad("--eps: only adam and adamw have eps")
		}
	} else {
		if o.Momentum.set {
			bad("--momentum: only sgd has momentum (--optim %s has --betas)", m)
		}
		if o.Betas != nil && len(o.Betas) != 2 {
			bad("--betas %s: want two numbers, b1,b2", o.Betas.String())
		}
	}
	for _, f := range []struct {
		name string
		v    optFloat
	}{{"lr", o.LR}, {"momentum", o.Momentum}, {"eps", o.Eps}, {"weight-decay", o.WeightDecay}} {
		if f.v.set && (!(f.v.v >= 0) || f.v.v > 1e30) {
			bad("--%s %v: want a number of at least 0", f.name, f.v.v)
		}
	}
	if o.Betas != nil && len(o.Betas) == 2 {
		for _, b := range o.Betas {
			if !(b >= 0 && b < 1) {
				bad("--betas %s: want numbers from 0 up to 1, 1 excluded", o.Betas.String())
				break
			}
		}
	}
	kind, err := o.scheduleKind()
	if err != nil {
		bad("%v", err)
		return
	}
	if o.LRStep < 0 {
		bad("--lr-step %d: want at least 0", o.LRStep)
	} else if kind == runtime.StepDecay && o.LRStep == 0 {
		bad("--schedule step: want --lr-step N, the epochs between two changes of the rate")
	} else if kind != runtime.StepDecay && o.LRStep > 0 {
		bad("--lr-step: only --schedule step has steps")
	}
	if !(o.LRGamma > 0) || o.LRGamma > 1e30 {
		bad("--lr-gamma %v: want a number above 0", o.LRGamma)
	}
	if kind != runtime.Cosine && (o.TMax != 0 || o.EtaMin != 0) {
		bad("--t-max and --eta-min: only --schedule cosine has them")
	}
	if o.TMax < 0 {
		bad("--t-max %d: want at least 1", o.TMax)
	}
	if !(o.EtaMin >= 0) || o.EtaMin > 1e30 {
		bad("--eta-min %v: want a number of at least 0", o.EtaMin)
	}
	if o.Warmup < 0 {
		bad("--warmup %d: want at least 0", o.Warmup)
	}
	if o.WarmupFactor.set && o.Warmup == 0 {
		bad("--warmup-factor: want --warmup N too")
	} else if f := o.WarmupFactor.v; o.WarmupFactor.set && !(f > 0 && f <= 1) {
		bad("--warmup-factor %v: want a number above 0 and at most 1", f)
	}
	if kind == runtime.Cosine && o.TMax == 0 && o.Warmup >= epochs && epochs > 0 {
		bad("--warmup %d: the cosine schedule needs epochs after the warm-up (--epochs %d), or --t-max", o.Warmup, epochs)
	}
}

// scheduleKind returns the schedule --schedule names, or step with
// --lr-step and constant without when it is not given.
func (o *OptimOptions) scheduleKind() (runtime.ScheduleKind, error) {
	if o.Schedule == "" {
		if o.LRStep > 0 {
			return runtime.StepDecay, nil
		}
		return runtime.Constant, nil
	}
	k, err := runtime.ParseSchedule(o.Schedule)
	if err != nil {
		return 0, fmt.Errorf("--schedule: %v", err)
	}
	return k, nil
}

// optimizer returns the optimiser the options describe, with PyTorch's
// defaults for what they leave out. The options must be valid (check).
func (o *OptimOptions) optimizer() runtime.Optimizer {
	m, _ := o.method()
	var opt runtime.Optimizer
	switch m {
	case runtime.SGDMethod:
		opt = runtime.NewSGD(o.LR.or(0.01), o.Momentum.or(0.9), o.WeightDecay.or(0))
	case runtime.AdamMethod:
		opt = runtime.NewAdam(o.LR.or(1e-3))
	default:
		opt = runtime.NewAdamW(o.LR.or(1e-3))
	}
	if m != runtime.SGDMethod {
		if o.Betas != nil {
			opt.Beta1, opt.Beta2 = o.Betas[0], o.Betas[1]
		}
		opt.Eps = o.Eps.or(opt.Eps)
		opt.WeightDecay = o.WeightDecay.or(opt.WeightDecay)
	}
	return opt
}

// schedule returns the schedule the options describe for a run of
// epochs. The options must be valid (check).
func (o *OptimOptions) schedule(epochs int) runtime.Schedule {
	kind, _ := o.scheduleKind()
	s := runtime.Schedule{Kind: kind, Warmup: o.Warmup, WarmupFactor: o.WarmupFactor.or(runtime.DefaultWarmupFactor)}
	switch kind {
	case runtime.StepDecay:
		s.Step, s.Gamma = o.LRStep, o.LRGamma
	case runtime.Cosine:
		s.TMax, s.EtaMin = o.TMax, o.EtaMin
		if s.TMax == 0 {
			s.TMax = max(epochs-o.Warmup, 1)
		}
	}
	if s.Warmup == 0 {
		s.WarmupFactor = 0
	}
	return s
}

// describe returns the optimiser and schedule in a few words, for the
// first line of a run: "sgd lr 0.1 momentum 0.9", "adamw lr 0.001,
// cosine over 10 epochs after 2 of warm-up".
func describe(opt runtime.Optimizer, s runtime.Schedule) string {
	text := fmt.Sprintf("%s lr %g", opt.Method, opt.LR)
	switch opt.Method {
	case runtime.SGDMethod:
		if opt.Momentum != 0 {
			text += fmt.Sprintf(" momentum %g", opt.Momentum)
		}
	default:
		if opt.Beta1 != runtime.AdamBeta1 || opt.Beta2 != runtime.AdamBeta2 {
			text += fmt.Sprintf(" betas %g,%g", opt.Beta1, opt.Beta2)
		}
		if opt.Eps != runtime.AdamEps {
			text += fmt.Sprintf(" eps %g", opt.Eps)
		}
	}
	if opt.WeightDecay != 0 {
		text += fmt.Sprintf(" weight decay %g", opt.WeightDecay)
	}
	switch s.Kind {
	case runtime.StepDecay:
		text += fmt.Sprintf(", ×%g every %s", s.Gamma, plural(s.Step, "epoch"))
	case runtime.Cosine:
		text += fmt.Sprintf(", cosine to %g over %s", s.EtaMin, plural(s.TMax, "epoch"))
	}
	if s.Warmup > 0 {
		text += fmt.Sprintf(", after %s of warm-up from ×%.4g", plural(s.Warmup, "epoch"), s.WarmupFactor)
	}
	return text
}
