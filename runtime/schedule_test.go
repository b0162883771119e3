package runtime

import (
	"math"
	"testing"
)

// scheduleTol is the tolerance of Schedule.LR against PyTorch's rates,
// relative to the base rate: PyTorch computes each epoch's rate from the
// last one's (the recursion), LR in closed form; they part in float64's
// last few places.
const scheduleTol = 1e-14

// TestScheduleFixtures compares LR, epoch by epoch, with the rates
// torch.optim.lr_scheduler gave for the same schedules, stepped once an
// epoch (make_optim_fixtures.py).
func TestScheduleFixtures(t *testing.T) {
	fx := optimFixtures(t)
	cases := []struct {
		name string
		base float64
		s    Schedule
	}{
		{"step", 0.1, Schedule{Kind: StepDecay, Step: 3, Gamma: 0.5}},
		{"cosine", 0.1, Schedule{Kind: Cosine, TMax: 10}},
		{"cosine2", 0.05, Schedule{Kind: Cosine, TMax: 7, EtaMin: 1e-4}},
		{"warmup", 0.1, Schedule{Warmup: 4, WarmupFactor: DefaultWarmupFactor}},
		{"warmup_cosine", 0.1, Schedule{Kind: Cosine, TMax: 10, Warmup: 3, WarmupFactor: DefaultWarmupFactor}},
		{"warmup_step", 0.1, Schedule{Kind: StepDecay, Step: 2, Gamma: 0.1, Warmup: 2, WarmupFactor: 0.01}},
		{"warmup_cosine_min", 0.1, Schedule{Kind: Cosine, TMax: 3, EtaMin: 0.001, Warmup: 1, WarmupFactor: 0.25}},
	}
	for _, c := range cases {
		if err := c.s.Check(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := fx["sched."+c.name].F64
		for e, w := range want {
			if got := c.s.LR(c.base, e); math.Abs(got-w) > scheduleTol*c.base {
				t.Errorf("%s: epoch %d (position %d): lr %v, PyTorch %v", c.name, e+1, e, got, w)
			}
		}
	}
}

// TestCosineRecursion steps PyTorch's recursive CosineAnnealingLR.get_lr
// (torch/optim/lr_scheduler.py, 1.13) epoch by epoch, three periods long,
// and checks that LR's closed form gives the same rates.
func TestCosineRecursion(t *testing.T) {
	for _, c := range []struct {
		tmax         int
		base, etaMin float64
		warmup       int
		warmupFactor float64
	}{{10, 0.1, 0, 0, 0}, {7, 0.05, 1e-4, 0, 0}, {1, 1, 0, 0, 0}, {50, 3e-4, 1e-6, 5, 0.1}} {
		s := Schedule{Kind: Cosine, TMax: c.tmax, EtaMin: c.etaMin, Warmup: c.warmup, WarmupFactor: c.warmupFactor}
		// The warm-up hands over to the cosine at its milestone with
		// step(0): the closed form at 0, the base rate; the recursion
		// follows.
		lr := c.base
		for k := 0; k <= 3*c.tmax; k++ {
			switch {
			case k == 0:
			case (k-1-c.tmax)%(2*c.tmax) == 0:
				lr += (c.base - c.etaMin) * (1 - math.Cos(math.Pi/float64(c.tmax))) / 2
			default:
				lr = (1+math.Cos(math.Pi*float64(k)/float64(c.tmax)))/
					(1+math.Cos(math.Pi*float64(k-1)/float64(c.tmax)))*(lr-c.etaMin) + c.etaMin
			}
			if got := s.LR(c.base, c.warmup+k); math.Abs(got-lr) > scheduleTol*c.base {
				t.Errorf("T_max %d, step %d: closed form %v, recursion %v", c.tmax, k, got, lr)
			}
		}
	}
}

func TestScheduleCheck(t *testing.T) {
	for _, s := range []Schedule{
		{Kind: StepDecay, Step: 0, Gamma: 0.1},
		{Kind: StepDecay, Step: 1, Gamma: 0},
		{Kind: Cosine, TMax: 0},
		{Kind: Cosine, TMax: 1, EtaMin: -1},
		{Warmup: -1},
		{Warmup: 2, WarmupFactor: 0},
		{Warmup: 2, WarmupFactor: 1.5},
		{Kind: 7},
	} {
		if s.Check() == nil {
			t.Errorf("%+v: no error", s)
		}
	}
	if k, err := ParseSchedule("cosine"); k != Cosine || err != nil {
		t.Errorf("ParseSchedule(cosine) = %v, %v", k, err)
	}
	if _, err := ParseSchedule("linear"); err == nil || err.Error() != `unknown schedule "linear" (want constant, step or cosine)` {
		t.Errorf("ParseSchedule(linear): %v", err)
	}
	// The zero Schedule keeps the rate.
	var s Schedule
	if s.LR(0.5, 9) != 0.5 {
		t.Error("the zero Schedule changes the rate")
	}
}

// TestStepDecay: StepLR multiplies the rate in turn, in float64, as
// PyTorch's recursion does (a power would differ in the last bit).
func TestStepDecay(t *testing.T) {
	for _, c := range []struct {
		lr, gamma   float64
		step, epoch int
		want        float64
	}{
		{0.1, 0.5, 2, 1, 0.1},
		{0.1, 0.5, 2, 2, 0.1},
		{0.1, 0.5, 2, 3, 0.05},
		{0.1, 0.5, 2, 5, 0.025},
		{1, 0.1, 1, 4, 0.0010000000000000002}, // 1·0.1·0.1·0.1 in float64, as Python computes it
	} {
		s := Schedule{Kind: StepDecay, Step: c.step, Gamma: c.gamma}
		if got := s.LR(c.lr, c.epoch-1); got != c.want {
			t.Errorf("StepLR(%g, %g, %d) at epoch %d = %g, want %g", c.lr, c.gamma, c.step, c.epoch, got, c.want)
		}
	}
}
