package runtime

import (
	"fmt"
	"math"
)

// ScheduleKind names a learning-rate schedule of torch.optim.lr_scheduler.
type ScheduleKind int

const (
	// Constant keeps the base rate (no scheduler).
	Constant ScheduleKind = iota
	// StepDecay is StepLR(step_size=Step, gamma=Gamma).
	StepDecay
	// Cosine is CosineAnnealingLR(T_max=TMax, eta_min=EtaMin).
	Cosine
)

var scheduleNames = []string{Constant: "constant", StepDecay: "step", Cosine: "cosine"}

func (k ScheduleKind) String() string { return enumName(scheduleNames, "ScheduleKind", int(k)) }

// ParseSchedule returns the kind named name: constant, step or cosine.
func ParseSchedule(name string) (ScheduleKind, error) {
	k, err := parseEnum(scheduleNames, "schedule", name)
	return ScheduleKind(k), err
}

// MarshalText and UnmarshalText write and read the kind by its name (in
// checkpoints).
func (k ScheduleKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

func (k *ScheduleKind) UnmarshalText(b []byte) (err error) {
	*k, err = ParseSchedule(string(b))
	return err
}

// Schedule is a learning-rate schedule of torch.optim.lr_scheduler, stepped
// once per epoch (scheduler.step() after each epoch, as PyTorch's
// documentation does): Kind after an optional linear warm-up of Warmup
// epochs, LinearLR(start_factor=WarmupFactor, total_iters=Warmup) chained
// before it as SequentialLR(schedulers=[warm-up, Kind],
// milestones=[Warmup]) chains them. The zero Schedule keeps the rate.
type Schedule struct {
	Kind ScheduleKind `json:"kind"`
	// Step and Gamma are StepLR's step_size and gamma: the rate is
	// multiplied by Gamma every Step epochs.
	Step  int     `json:"step_size"`
	Gamma float64 `json:"gamma"`
	// TMax and EtaMin are CosineAnnealingLR's T_max and eta_min.
	TMax   int     `json:"t_max"`
	EtaMin float64 `json:"eta_min"`
	// Warmup is the number of warm-up epochs (0: none), WarmupFactor the
	// fraction of the base rate the first one uses (LinearLR's
	// start_factor, whose default is 1/3).
	Warmup       int     `json:"warmup"`
	WarmupFactor float64 `json:"warmup_factor"`
}

// DefaultWarmupFactor is LinearLR's default start_factor.
const DefaultWarmupFactor = 1.0 / 3

// LR returns the learning rate of the epoch that follows e epochs (counted
// from 0: PyTorch's last_epoch, the position of the schedule) for the base
// rate base:
//
//	warm-up, e < Warmup:  base·(f + (1 − f)·e/Warmup)            f = WarmupFactor
//	then, k = e − Warmup:
//	constant  base
//	step      base·Gamma·Gamma···  (⌊k/Step⌋ factors, multiplied in turn)
//	cosine    EtaMin + (base − EtaMin)·(1 + cos(π·k/TMax))/2
//
// These are the closed forms of PyTorch's recursive get_lr, which
// computes each epoch's rate from the last one: the rates agree to a few
// units of float64's last place. StepLR's is its recursion itself (a
// power differs in the last bit); the cosine continues past TMax, back up,
// as PyTorch's does.
func (s *Schedule) LR(base float64, e int) float64 {
	if e < s.Warmup {
		f := s.WarmupFactor
		return base * (f + (1-f)*float64(e)/float64(s.Warmup))
	}
	k := e - s.Warmup
	switch s.Kind {
	case StepDecay:
		if s.Step > 0 {
			for range k / s.Step {
				base *= s.Gamma
			}
		}
	case Cosine:
		return s.EtaMin + (base-s.EtaMin)*(1+math.Cos(math.Pi*float64(k)/float64(s.TMax)))/2
	}
	return base
}

// Check returns an error unless the schedule is one PyTorch builds: a step
// of at least 1 and a positive finite gamma for step, a TMax of at least 1
// and a finite EtaMin of 0 or more for cosine, a warm-up factor in (0, 1]
// with a warm-up.
func (s *Schedule) Check() error {
	switch s.Kind {
	case Constant:
	case StepDecay:
		if s.Step < 1 {
			return fmt.Errorf("step schedule: step size %d: want at least 1", s.Step)
		}
		if !(s.Gamma > 0) || math.IsInf(s.Gamma, 0) {
			return fmt.Errorf("step schedule: gamma %v: want a finite number above 0", s.Gamma)
		}
	case Cosine:
		if s.TMax < 1 {
			return fmt.Errorf("cosine schedule: T_max %d: want at least 1", s.TMax)
		}
		if !(s.EtaMin >= 0) || math.IsInf(s.EtaMin, 0) {
			return fmt.Errorf("cosine schedule: eta_min %v: want a finite number of 0 or more", s.EtaMin)
		}
	default:
		return fmt.Errorf("unknown schedule %v", s.Kind)
	}
	if s.Warmup < 0 {
		return fmt.Errorf("warm-up of %d epochs: want 0 or more", s.Warmup)
	}
	if s.Warmup > 0 && !(s.WarmupFactor > 0 && s.WarmupFactor <= 1) {
		return fmt.Errorf("warm-up factor %v: want a number above 0 and at most 1", s.WarmupFactor)
	}
	return nil
}
