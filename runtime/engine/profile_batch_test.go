package engine

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestProfileForward: ProfileForward reports each step's forward time over
// the whole batch, counting the group run of a grouped fc step (here made
// to sleep 2 ms a call: 6 samples in groups of 3 make at least 4 ms), and
// leaves the engine as it found it: ForwardN gives the same outputs after.
func TestProfileForward(t *testing.T) {
	for _, c := range []struct {
		p       *Program
		threads int
		want    string
	}{
		{chainProgram(true), 1, "affine fc softmax"},
		{chainProgram(true), 2, "affine fc softmax"},
		{centerProgram(), 2, "scale center"},
	} {
		const n = 6
		p := c.p
		group := p.Group
		if group != nil {
			run := group.Run
			group.Run = func(c *Ctx, in, out []float32, n int) {
				time.Sleep(2 * time.Millisecond)
				run(c, in, out, n)
			}
		}
		e := New(p, 1)
		e.SetThreads(c.threads)
		in, out := e.Sizes()
		x := randoms(3, n*in)
		before := make([]float32, n*out)
		e.ForwardN(x, before)
		var names []string
		spent := map[string]time.Duration{}
		e.ProfileForward(x, func(step string, d time.Duration) {
			names = append(names, step)
			spent[step] = d
		})
		if got := strings.Join(names, " "); got != c.want {
			t.Errorf("%d threads: profile %q, want %q", c.threads, got, c.want)
		}
		if group != nil && c.threads == 1 && spent["fc"] < 4*time.Millisecond {
			t.Errorf("fc took %v over the batch, want at least the 4ms of its two group runs", spent["fc"])
		}
		if e.prog != p || group != nil && e.prog.Group != group {
			t.Errorf("the engine's program was not put back")
		}
		after := make([]float32, n*out)
		e.ForwardN(x, after)
		if !slices.Equal(before, after) {
			t.Errorf("%d threads: ForwardN after ProfileForward gave other outputs", c.threads)
		}
	}
}
