package runner

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cnnc/cnnc/runtime"
)

// Layer describes one node of a benchmarked model to the per-layer
// profile.
type Layer struct {
	// Kind is "conv3x3", "conv1x1", "depthwise" or "conv" (any other conv)
	// for a conv, else the node's operation ("fc", "maxpool", "relu" ...).
	Kind string
	// Winograd says the conv's forward runs as Winograd's minimal
	// filtering: its GFLOP/s count the direct convolution's multiply-adds,
	// and can pass the machine's peak.
	Winograd bool
	// MACs is the multiply-adds of one sample's forward pass.
	MACs int64
	// InBytes and OutBytes are the bytes of one sample's input (all the
	// node's inputs) and output, ParamBytes those of its parameters.
	InBytes, OutBytes, ParamBytes int64
}

// batchProfiler is what generated models offer benchmarks for a whole
// batch: its forward pass as ForwardN runs it, each step's time summed.
type batchProfiler interface {
	ProfileForward(x []float32, report func(step string, d time.Duration))
}

// stepLayer describes a step named "conv1+bn1+relu1" (the graph
// generator adds its mode: "conv1+bn1+relu1 (inference)") by its nodes: their
// multiply-adds summed, the kind of those that have any (joined by "+"
// when several do; else the first node's), the first node's input bytes,
// the last one's output bytes and the parameters of those with
// multiply-adds (batchnorm is folded into them for inference).
func stepLayer(m Model, step string) LayerTiming {
	nodes, _, _ := strings.Cut(step, " (")
	names := strings.Split(nodes, "+")
	l := LayerTiming{Name: step}
	var kinds []string
	var params int64
	for _, n := range names {
		info := m.Layers[n]
		params += info.ParamBytes
		if info.MACs == 0 {
			continue
		}
		l.MACs += info.MACs
		l.ParamBytes += info.ParamBytes
		l.Winograd = l.Winograd || info.Winograd
		kinds = append(kinds, info.Kind)
	}
	l.Kind = strings.Join(kinds, "+")
	if len(kinds) == 0 {
		l.Kind, l.ParamBytes = m.Layers[names[0]].Kind, params
	}
	l.InBytes, l.OutBytes = m.Layers[names[0]].InBytes, m.Layers[names[len(names)-1]].OutBytes
	return l
}

// profile times one sample layer by layer, o.Runs times, and keeps each
// layer's median; at batches above one, the whole batch's forward pass
// too (see batchProfiler).
func profile(m Model, net runtime.Network, x, dy []float32, o BenchOptions) []LayerTiming {
	p, ok := net.(profiler)
	if !ok {
		return nil
	}
	var layers []LayerTiming
	index := map[string]int{}
	add := func(step string) int {
		i, ok := index[step]
		if !ok {
			i = len(layers)
			index[step] = i
			layers = append(layers, stepLayer(m, step))
		}
		return i
	}
	in, out := net.Sizes()
	var d []float32
	if o.Backward {
		d = dy[:out]
	}
	for run := 0; run <= o.Runs; run++ {
		seen := map[string]time.Duration{}
		seenBack := map[string]time.Duration{}
		p.ProfileN(x[:in], d, func(layer string, backward bool, t time.Duration) {
			add(layer)
			if backward {
				seenBack[layer] += t
			} else {
				seen[layer] += t
			}
		})
		if run == 0 {
			continue // warm-up
		}
		for name, i := range index {
			layers[i].forward = append(layers[i].forward, seen[name])
			layers[i].backward = append(layers[i].backward, seenBack[name])
		}
	}
	for i := range layers {
		l := &layers[i]
		f, b := timing(l.forward).Median, timing(l.backward).Median
		l.ForwardMS, l.BackwardMS = ms(f), ms(b)
		l.ForwardGFLOPS = gflops(float64(l.MACs), f)
		if o.Backward {
			// Backward computes the weight and the input gradient, each
			// the forward's work, except for the first layer, whose input
			// gradient nobody needs.
			work := 2 * l.MACs
			if i == 0 {
				work = l.MACs
			}
			l.BackwardGFLOPS = gflops(float64(work), b)
		}
	}
	if bp, ok := net.(batchProfiler); ok && o.Batch > 1 {
		batch := map[string][]time.Duration{}
		for run := 0; run <= o.Runs; run++ {
			bp.ProfileForward(x, func(step string, t time.Duration) {
				add(step)
				if run > 0 { // the first run warms up
					batch[step] = append(batch[step], t)
				}
			})
		}
		for name, ts := range batch {
			l := &layers[index[name]]
			med := timing(ts).Median
			l.BatchForwardMS, l.BatchForwardGFLOPS = ms(med), gflops(float64(l.MACs)*float64(o.Batch), med)
		}
	}
	return layers
}

// writeLayers writes the per-layer table of cnnc bench's text output.
func writeLayers(w io.Writer, r BenchResult, backward bool) {
	if len(r.Layers) == 0 {
		return
	}
	batch := false
	for _, l := range r.Layers {
		batch = batch || l.BatchForwardMS > 0
	}
	fmt.Fprintf(w, "\none sample, layer by layer (medians")
	if batch {
		fmt.Fprintf(w, "; then the batch of %d's forward pass, summed over the threads", r.Batch)
	}
	fmt.Fprintf(w, "):\n%-20s %12s %9s", "layer", "forward ms", "GFLOP/s")
	if backward {
		fmt.Fprintf(w, " %12s %9s", "backward ms", "GFLOP/s")
	}
	if batch {
		fmt.Fprintf(w, " %12s %9s", "batch fwd ms", "GFLOP/s")
	}
	fmt.Fprintln(w)
	for _, l := range r.Layers {
		fmt.Fprintf(w, "%-20s %12.3f %9s", l.Name, l.ForwardMS, gf(l.ForwardGFLOPS))
		if backward {
			fmt.Fprintf(w, " %12.3f %9s", l.BackwardMS, gf(l.BackwardGFLOPS))
		}
		if batch {
			fmt.Fprintf(w, " %12.3f %9s", l.BatchForwardMS, gf(l.BatchForwardGFLOPS))
		}
		fmt.Fprintln(w)
	}
}
