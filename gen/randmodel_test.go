package gen_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/compiler"
)

// A profile restricts the statements a random model may use, so that every
// batch of models holds the degenerate networks as well as general ones.
type profile int

const (
	anyLayers   profile = iota // every statement kind
	empty                      // the input alone
	noParams                   // activations, dropout, pools, softmax
	poolsOnly                  // max and mean pools
	flatOnly                   // fc layers (and activations) from the start
	softmaxOnly                // one softmax
	winograd                   // 3x3 stride-1 convs on 32 channels or more
)

var profileNames = [...]string{"any", "empty", "no-params", "pools-only", "flat-only", "softmax-only", "winograd"}

func (p profile) String() string { return profileNames[p] }

// shape is what the model generator tracks: one sample's H, W, C, and
// whether the network has gone flat (after fc or softmax).
type shape struct {
	h, w, c int
	flat    bool
}

// modelGen writes a random .cnn source valid by construction, or nearly:
// randomModel filters its output through the checker.
type modelGen struct {
	r     *rand.Rand
	prof  profile
	b     strings.Builder
	sh    shape
	depth int // repeat nesting
	n     int // statements written
}

// profiles is the round of profiles consecutive seeds go through: half the
// models are general, and any 12 consecutive seeds give every profile.
var profiles = [...]profile{anyLayers, empty, anyLayers, noParams, anyLayers, poolsOnly,
	anyLayers, flatOnly, anyLayers, softmaxOnly, anyLayers, winograd}

// randomModel returns the source of a model that cnnc check accepts, drawn
// from seed with the profile profiles[seed%len(profiles)]. It also returns
// the checked net and how many drafts the checker refused on the way.
func randomModel(seed uint64) (src string, net *compiler.Net, refused int) {
	prof := profiles[seed%uint64(len(profiles))]
	r := rand.New(rand.NewPCG(seed, 0x636e6e63))
	for {
		g := &modelGen{r: r, prof: prof}
		text := g.model(seed)
		net, ds := compiler.Source("rand.cnn", []byte(text))
		if net != nil && !ds.HasErrors() {
			return text, net, refused
		}
		refused++
		if refused > 1000 {
			panic(fmt.Sprintf("seed %d: the model generator makes no valid model: last draft\n%s\n%v", seed, text, ds))
		}
	}
}

func (g *modelGen) intn(n int) int         { return g.r.IntN(n) }
func (g *modelGen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }
func (g *modelGen) chance(p float64) bool  { return g.r.Float64() < p }

func (g *modelGen) line(format string, args ...any) {
	fmt.Fprintf(&g.b, "%s%s\n", strings.Repeat("  ", g.depth), fmt.Sprintf(format, args...))
	g.n++
}

func (g *modelGen) model(seed uint64) string {
	if g.chance(0.3) {
		g.line("model rand%d", seed)
	}
	g.b.WriteString("# a random model\n")
	switch g.prof {
	case winograd:
		g.sh = shape{h: 2 * g.between(1, 4), w: 2 * g.between(1, 4), c: []int{32, 33, 48}[g.intn(3)]}
	case flatOnly:
		g.sh = shape{h: 1, w: 1, c: g.between(1, 12)}
	default:
		g.sh = shape{h: g.between(1, 9), w: g.between(1, 9), c: g.between(1, 5)}
	}
	g.line("input %dx%dx%d", g.sh.h, g.sh.w, g.sh.c)
	switch g.prof {
	case empty:
		return g.b.String()
	case softmaxOnly:
		g.line("softmax")
		return g.b.String()
	case winograd:
		g.winoConv()
	}
	for range g.between(1, 8) {
		g.statement()
	}
	if g.prof == anyLayers && g.chance(0.4) {
		g.line("softmax")
	}
	return g.b.String()
}

// statement writes one statement the profile allows, or a repeat block.
func (g *modelGen) statement() {
	if g.depth < 2 && g.prof != softmaxOnly && g.chance(0.12) {
		g.repeat()
		return
	}
	var choices []func() bool
	switch g.prof {
	case anyLayers:
		choices = []func() bool{g.conv, g.conv, g.pool, g.fc, g.activation, g.activation, g.dropout, g.softmax}
	case noParams:
		choices = []func() bool{g.pool, g.activation, g.dropout, g.softmax}
	case poolsOnly:
		choices = []func() bool{g.pool}
	case flatOnly:
		choices = []func() bool{g.fc, g.fc, g.activation, g.dropout}
	case winograd:
		choices = []func() bool{g.winoConv, g.winoConv, g.activation, g.pool}
	}
	for range 10 {
		if choices[g.intn(len(choices))]() {
			return
		}
	}
}

// repeat writes a block of one to three statements repeated up to three
// times. Its copies after the first may not fit: the checker sorts that out.
func (g *modelGen) repeat() {
	n := g.between(1, 3)
	fmt.Fprintf(&g.b, "%srepeat %d {\n", strings.Repeat("  ", g.depth), n)
	g.depth++
	start := g.sh
	for range g.between(1, 3) {
		g.statement()
	}
	g.depth--
	fmt.Fprintf(&g.b, "%s}\n", strings.Repeat("  ", g.depth))
	if n > 1 && g.sh != start {
		// Later copies change the shape again; a wrong guess only costs
		// a draft.
		g.sh = shape{h: 0}
	}
}

// outSize returns (n - f + 2p)/s + 1, rounded down, and whether it is at
// least 1. The checker accepts a size rounded down when the rows or columns
// left unread are padding or fall in a stride's gap (PyTorch's floor);
// drafts that leave real ones unread are its to refuse.
func outSize(n, f, s, p int) (int, bool) {
	d := n - f + 2*p
	if d < 0 {
		return 0, false
	}
	return d/s + 1, true
}

// window draws a filter or window, stride and padding that fit the current
// shape, and writes them after head.
func (g *modelGen) window(head string, maxPad func(f int) int, same bool) (oh, ow int, ok bool) {
	if g.sh.flat || g.sh.h == 0 {
		return 0, 0, false
	}
	fh, fw := g.between(1, min(3, g.sh.h+1)), g.between(1, min(3, g.sh.w+1))
	if g.chance(0.5) {
		fw = fh
	}
	sh, sw := 1, 1
	if g.chance(0.4) {
		sh = g.between(1, 3)
		sw = sh
		if g.chance(0.3) {
			sw = g.between(1, 3)
		}
	}
	ph, pw := g.between(0, maxPad(fh)), g.between(0, maxPad(fw))
	if g.chance(0.5) {
		pw = ph
	}
	text := head
	if same && fh == fw && fh%2 == 1 && g.chance(0.3) {
		ph, pw = (fh-1)/2, (fh-1)/2
		text += fmt.Sprintf(" s%s p same", pair(sh, sw))
	} else {
		text += fmt.Sprintf(" s%s p%s", pair(sh, sw), pair(ph, pw))
	}
	oh, okh := outSize(g.sh.h, fh, sh, ph)
	ow, okw := outSize(g.sh.w, fw, sw, pw)
	exact := (g.sh.h-fh+2*ph)%sh == 0 && (g.sh.w-fw+2*pw)%sw == 0
	if !okh || !okw || !exact && g.chance(0.6) {
		return 0, 0, false
	}
	g.line(text, fh, fw)
	return oh, ow, true
}

func pair(a, b int) string {
	if a == b {
		return fmt.Sprint(a)
	}
	return fmt.Sprintf("%dx%d", a, b)
}

func (g *modelGen) conv() bool {
	k := g.between(1, 6)
	if g.chance(0.1) {
		k = []int{16, 32, 33}[g.intn(3)]
	}
	oh, ow, ok := g.window(fmt.Sprintf("conv %%dx%%dx%d", k), func(f int) int { return f - 1 }, true)
	if ok {
		g.sh = shape{h: oh, w: ow, c: k}
	}
	return ok
}

// winoConv writes a conv that runs as Winograd's minimal filtering when its
// output is even, and a plain one otherwise.
func (g *modelGen) winoConv() bool {
	if g.sh.flat || g.sh.h == 0 {
		return false
	}
	k := []int{32, 33, 48, 8}[g.intn(4)]
	g.line("conv 3x3x%d s1 p1", k)
	g.sh.c = k
	return true
}

func (g *modelGen) pool() bool {
	kind := []string{"max", "mean", "avg"}[g.intn(3)]
	oh, ow, ok := g.window("pool "+kind+" %dx%d", func(f int) int { return f / 2 }, false)
	if ok {
		g.sh.h, g.sh.w = oh, ow
	}
	return ok
}

func (g *modelGen) fc() bool {
	n := g.between(1, 10)
	g.line("fc %d", n)
	g.sh = shape{h: 1, w: 1, c: n, flat: true}
	return true
}

func (g *modelGen) activation() bool {
	switch g.intn(5) {
	case 0:
		g.line("relu")
	case 1:
		g.line("sigmoid")
	case 2:
		g.line("tanh")
	case 3:
		g.line("leaky")
	default:
		g.line("leaky %s", []string{"0.2", "0", "-0.5", "1.5", "1e-3"}[g.intn(5)])
	}
	return true
}

func (g *modelGen) dropout() bool {
	g.line("dropout %s", []string{"0", "0.25", "0.5", "0.9"}[g.intn(4)])
	return true
}

func (g *modelGen) softmax() bool {
	g.line("softmax")
	if g.sh.h != 0 {
		g.sh = shape{h: 1, w: 1, c: g.sh.h * g.sh.w * g.sh.c, flat: true}
	}
	return true
}

// TestRandomModelsCoverEveryKind keeps the property test honest: the 20
// models of a -short run hold every layer kind, a repeat block, a leaky
// slope that is not positive and a conv that runs as Winograd's minimal
// filtering (3x3, stride 1, at least 32 input channels), and the model
// generator rarely needs the checker to refuse a draft.
func TestRandomModelsCoverEveryKind(t *testing.T) {
	kinds := map[compiler.Kind]int{}
	repeats, nonPositiveLeaky, wino, refusals := 0, 0, 0, 0
	for seed := uint64(1); seed <= 20; seed++ {
		src, net, refused := randomModel(seed)
		refusals += refused
		if strings.Contains(src, "repeat") {
			repeats++
		}
		for _, l := range net.Layers {
			kinds[l.Kind]++
			if l.Kind == compiler.Leaky && l.Alpha <= 0 {
				nonPositiveLeaky++
			}
			if l.Kind == compiler.Conv && l.FH == 3 && l.FW == 3 && l.SH == 1 && l.SW == 1 && l.In.C >= 32 {
				wino++
			}
		}
	}
	for k := compiler.Conv; k <= compiler.Softmax; k++ {
		if kinds[k] == 0 {
			t.Errorf("no %s layer in the first 20 random models", k)
		}
	}
	if repeats == 0 || nonPositiveLeaky == 0 || wino == 0 {
		t.Errorf("%d repeat blocks, %d leaky layers with a slope <= 0, %d Winograd convs: want some of each", repeats, nonPositiveLeaky, wino)
	}
	if refusals > 40 {
		t.Errorf("the checker refused %d drafts for 20 models", refusals)
	}
	t.Logf("layers by kind %v, %d repeats, %d drafts refused", kinds, repeats, refusals)
}
