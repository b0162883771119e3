package plan

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cnnc/cnnc/ir"
)

// randomGraph builds a graph of convs, batchnorms, activations, dropouts,
// adds and concats over maps of one size, where any node may read any
// earlier value of a fitting shape (so values have several readers, concats
// take identities and other concats, adds take skips of any age), with an
// occasional max pool that halves the map (once every value so far is
// read), residual blocks of a conv (and batchnorm) added to its input, and a
// head of global pool, fc and sometimes softmax.
func randomGraph(t *testing.T, seed uint64) *ir.Graph {
	r := rand.New(rand.NewPCG(seed, 1))
	b := ir.NewBuilder(fmt.Sprint("random", seed), "random.cnn", ir.Map(8, 8, 1+r.IntN(8)), ir.Pos{})
	vals := []*ir.Value{b.Input()}
	count := 0
	add := func(op ir.Op, in ...*ir.Value) {
		count++
		n, err := b.Add(op, ir.Meta{Name: fmt.Sprintf("%s%d", op.Kind(), count), Text: op.Kind()}, in...)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		vals = append(vals, n.Output)
	}
	pick := func() *ir.Value {
		// Mostly recent values, sometimes old ones.
		if r.IntN(4) == 0 {
			return vals[r.IntN(len(vals))]
		}
		return vals[max(0, len(vals)-1-r.IntN(3))]
	}
	// joinUnread makes every value read: the unread ones and the last are
	// joined by a concat.
	joinUnread := func() {
		last := vals[len(vals)-1]
		var unread []*ir.Value
		for _, v := range vals {
			if len(v.Readers) == 0 && v != last {
				unread = append(unread, v)
			}
		}
		if len(unread) > 0 {
			add(&ir.Concat{}, append([]*ir.Value{last}, unread...)...)
		}
	}
	funcs := []ir.Func{ir.ReLU, ir.ReLU6, ir.Sigmoid, ir.Tanh, ir.Leaky, ir.Hardswish, ir.SiLU, ir.GELU}
	for range 4 + r.IntN(14) {
		x := pick()
		switch k := r.IntN(10); {
		case k < 3:
			c := ir.NewConv(1, 1, 1+r.IntN(12))
			if r.IntN(2) == 0 {
				c.FH, c.FW, c.PH, c.PW = 3, 3, 1, 1
			}
			if r.IntN(3) == 0 {
				c.NoBias = true
			}
			add(c, x)
		case k == 3:
			add(ir.NewBatchNorm(), x)
		case k == 4:
			f := funcs[r.IntN(len(funcs))]
			add(&ir.Activation{Func: f, Alpha: []float64{0.1, 0, -0.2}[r.IntN(3)]}, x)
		case k == 5:
			add(&ir.Dropout{P: 0.3}, x)
		case k == 6:
			var same []*ir.Value
			for _, v := range vals {
				if v.Shape == x.Shape {
					same = append(same, v)
				}
			}
			add(&ir.Add{}, x, same[r.IntN(len(same))])
		case k < 9:
			in := []*ir.Value{x}
			for range r.IntN(3) {
				for _, v := range vals {
					if v.Shape.H == x.Shape.H && r.IntN(3) == 0 {
						in = append(in, v)
						break
					}
				}
			}
			add(&ir.Concat{}, in...)
		case k == 9 && x.Shape.H >= 4 && r.IntN(2) == 0:
			// Later nodes read the smaller map only.
			joinUnread()
			add(ir.NewPool(ir.Max, 2, 2), vals[len(vals)-1])
			vals = vals[len(vals)-1:]
		default:
			// A residual block: a conv (and batchnorm) of x added to x.
			c := ir.NewConv(3, 3, x.Shape.C)
			c.PH, c.PW = 1, 1
			add(c, x)
			if r.IntN(2) == 0 {
				add(ir.NewBatchNorm(), vals[len(vals)-1])
			}
			body := vals[len(vals)-1]
			if r.IntN(2) == 0 {
				add(&ir.Add{}, body, x)
			} else {
				add(&ir.Add{}, x, body)
			}
			if r.IntN(2) == 0 {
				add(&ir.Activation{Func: ir.ReLU}, vals[len(vals)-1])
			}
		}
	}
	joinUnread()
	add(&ir.GlobalPool{Mode: ir.PoolMode(r.IntN(2))}, vals[len(vals)-1])
	add(&ir.FC{K: 5}, vals[len(vals)-1])
	if r.IntN(2) == 0 {
		add(&ir.Softmax{}, vals[len(vals)-1])
	}
	return b.Graph(nil)
}

// TestRandomGraphs plans random graphs in every mode and checks each plan.
func TestRandomGraphs(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 60
	}
	for seed := range uint64(n) {
		g := randomGraph(t, seed)
		if g.Verify() != nil {
			t.Fatalf("seed %d: %v", seed, g.Verify())
		}
		noConv := func(s *Step) bool { return s.Kind == Copy || s.Node.Op.Kind() != "conv" }
		for _, opt := range []Options{{Mode: Inference}, {Mode: Inference, FuseGlobalPool: true}, {Mode: Training}, {Mode: Training, SliceOut: noConv}} {
			p, err := Build(g, opt)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			checkPlan(t, g.Name, p)
			checkCover(t, g.Name, p)
			if t.Failed() {
				t.Fatalf("seed %d:\n%s", seed, p)
			}
		}
	}
}
