package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSummaryFiguresProperty: for random networks, from tiny to ones near
// cnnc's limits, and random batch sizes up to 2^63-1, every figure cnnc
// summary prints equals the same figure computed independently with
// math/big from the layers' geometry, or the command refuses: with status
// 1 when the network passes 2^61 multiply-adds a sample, with status 2
// when the batch's memory passes 2^63-1 bytes (also for the layers before
// such an error). No figure is negative or
// wrapped.
func TestSummaryFiguresProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	iterations := 300
	if testing.Short() {
		iterations = 60
	}
	refused := map[int]int{}
	for i := range iterations {
		m := randomNet(rng, i%3 == 0)
		batch := randomBatch(rng)
		path := filepath.Join(dir, fmt.Sprintf("m%d.cnn", i))
		if err := os.WriteFile(path, []byte(m.src), 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errs bytes.Buffer
		status := Run([]string{"summary", "--format", "json", "--batch", fmt.Sprint(batch), path}, nil, &out, &errs)
		refused[status]++
		want := m.figures(batch)
		switch {
		case want.tooManyMACs:
			// The --batch check may refuse the figures of the layers before
			// the error, with status 2.
			if status == exitError == strings.Contains(errs.String(), "8 EiB") || !strings.Contains(errs.String(), "(2^61) cnnc counts") {
				t.Fatalf("%s\nMACs %v past 2^61: status %d, stderr %s", m.src, want.macs, status, errs.String())
			}
			continue
		case want.batchTooBig:
			if status != exitUsage || !strings.Contains(errs.String(), "more than the 8 EiB (2^63-1 bytes) cnnc counts") || out.Len() > 0 {
				t.Fatalf("%s\n--batch %d, training memory %v: status %d, stderr %s", m.src, batch, want.batchTrain, status, errs.String())
			}
			continue
		}
		if status != exitOK {
			t.Fatalf("%s\n--batch %d: status %d, stderr %s", m.src, batch, status, errs.String())
		}
		got := decodeSummary(t, out.Bytes())
		check := func(name string, want *big.Int) {
			t.Helper()
			if g, ok := got[name]; !ok || g.Cmp(want) != 0 {
				t.Errorf("%s\n--batch %d: %s = %v, want %v", m.src, batch, name, got[name], want)
			}
		}
		check("params", want.params)
		check("macs_forward", want.macs)
		check("macs_backward", new(big.Int).Lsh(want.macs, 1))
		check("bytes_per_image_inference", want.inferPer)
		check("bytes_per_image_training", want.trainPer)
		check("bytes_params_inference", want.paramBytes)
		check("bytes_params_training", new(big.Int).Lsh(want.paramBytes, 1))
		if batch > 1 {
			check("batch.bytes_inference", want.batchInfer)
			check("batch.bytes_training", want.batchTrain)
		}
	}
	t.Logf("statuses over %d runs: %v", iterations, refused)
}

// decodeSummary returns the totals (and batch figures, prefixed "batch.")
// of summary's JSON as exact integers.
func decodeSummary(t *testing.T, data []byte) map[string]*big.Int {
	t.Helper()
	var doc struct {
		Totals map[string]json.Number `json:"totals"`
		Batch  map[string]json.Number `json:"batch"`
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("summary JSON: %v\n%s", err, data)
	}
	out := map[string]*big.Int{}
	add := func(prefix string, m map[string]json.Number) {
		for k, v := range m {
			n, ok := new(big.Int).SetString(string(v), 10)
			if !ok {
				t.Fatalf("%s%s = %s is not an integer", prefix, k, v)
			}
			out[prefix+k] = n
		}
	}
	add("", doc.Totals)
	add("batch.", doc.Batch)
	return out
}

// randomBatch is a batch size from 1 to 2^63-1, spread over magnitudes.
func randomBatch(rng *rand.Rand) int64 {
	switch rng.IntN(4) {
	case 0:
		return 1 + rng.Int64N(64)
	case 1:
		return math.MaxInt64 - rng.Int64N(3)
	}
	return 1 + rng.Int64N(int64(1)<<rng.IntN(63))
}

// propNet is a random sequential network and what its figures should be,
// computed in math/big as the README's "How memory is counted" says.
type propNet struct {
	src                    string
	params, macs           *big.Int
	peak, kept, extra      *big.Int // values
	tooManyMACs            bool
	inferPer, trainPer     *big.Int
	paramBytes             *big.Int
	batchInfer, batchTrain *big.Int
	batchTooBig            bool
	h, w, c                int64 // the current shape
	flat                   bool
}

func bigOf(vs ...int64) *big.Int {
	p := big.NewInt(1)
	for _, v := range vs {
		p.Mul(p, big.NewInt(v))
	}
	return p
}

// randomNet writes a random network that the checker accepts apart from
// the multiply-add limit: huge ones start from a map of up to 2^31 values
// and use filters as large as the weight limit allows.
func randomNet(rng *rand.Rand, huge bool) *propNet {
	m := &propNet{params: new(big.Int), macs: new(big.Int), extra: new(big.Int)}
	if huge {
		m.h, m.w = int64(1)<<(13+rng.IntN(4)), int64(1)<<(13+rng.IntN(3))
	} else {
		m.h, m.w = int64(1)<<rng.IntN(6), int64(1)<<rng.IntN(6)
	}
	m.c = max(1, min(1+rng.Int64N(8), (1<<31)/(m.h*m.w)))
	size := func() int64 { return m.h * m.w * m.c }
	m.peak, m.kept = big.NewInt(size()), big.NewInt(size())
	var b strings.Builder
	fmt.Fprintf(&b, "input %dx%dx%d\n", m.h, m.w, m.c)
	limit := new(big.Int).Lsh(big.NewInt(1), 61)
	for range 1 + rng.IntN(6) {
		in := size()
		kind := rng.IntN(6)
		if huge && rng.IntN(2) == 0 {
			kind = 0
		}
		if m.flat && kind < 2 {
			kind = 2
		}
		switch kind {
		case 0: // conv, stride 1, p same: the output keeps H and W
			k := max(1, min(1+rng.Int64N(16), (1<<31)/(m.h*m.w)))
			f := int64(1 + 2*rng.IntN(3))
			if huge {
				// The largest odd filter whose weight fits 2^31 values.
				f = int64(math.Sqrt(float64((1<<31)/(k*m.c)))) | 1
				for k*m.c*f*f > 1<<31 {
					f -= 2
				}
			}
			fmt.Fprintf(&b, "conv %dx%dx%d p same\n", f, f, k)
			m.params.Add(m.params, bigOf(k, m.c, f, f))
			m.params.Add(m.params, big.NewInt(k))
			m.macs.Add(m.macs, bigOf(m.h, m.w, k, f, f, m.c))
			m.c = k
		case 1: // max pool 2x2 where it divides, else 1x1
			f := int64(2)
			if m.h%2 != 0 || m.w%2 != 0 {
				f = 1
			}
			fmt.Fprintf(&b, "pool max %dx%d\n", f, f)
			m.h, m.w = m.h/f, m.w/f
			m.extra.Add(m.extra, big.NewInt(size()))
		case 2: // fc
			k := max(1, min(1+rng.Int64N(1<<uint(rng.IntN(21))), (1<<31)/in))
			fmt.Fprintf(&b, "fc %d\n", k)
			m.params.Add(m.params, bigOf(k, in))
			m.params.Add(m.params, big.NewInt(k))
			m.macs.Add(m.macs, bigOf(in, k))
			m.h, m.w, m.c, m.flat = 1, 1, k, true
		case 3:
			b.WriteString("softmax\n")
			m.h, m.w, m.c, m.flat = 1, 1, in, true
		case 4:
			b.WriteString("relu\n")
			continue // element-wise, in place
		case 5:
			b.WriteString("dropout 0.5\n")
			m.extra.Add(m.extra, big.NewInt(in))
			continue
		}
		if m.macs.Cmp(limit) > 0 {
			m.tooManyMACs = true
			break
		}
		m.peak = bigMax(m.peak, big.NewInt(in+size()))
		m.kept.Add(m.kept, big.NewInt(size()))
	}
	m.src = b.String()
	return m
}

func bigMax(a, b *big.Int) *big.Int {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

// figures completes m's expected figures for a batch of n.
func (m *propNet) figures(n int64) *propNet {
	four := big.NewInt(4)
	m.inferPer = new(big.Int).Mul(m.peak, four)
	m.trainPer = new(big.Int).Add(new(big.Int).Lsh(m.kept, 1), m.extra)
	m.trainPer.Mul(m.trainPer, four)
	m.paramBytes = new(big.Int).Mul(m.params, four)
	m.batchInfer = new(big.Int).Add(new(big.Int).Mul(m.inferPer, big.NewInt(n)), m.paramBytes)
	m.batchTrain = new(big.Int).Add(new(big.Int).Mul(m.trainPer, big.NewInt(n)), new(big.Int).Lsh(m.paramBytes, 1))
	m.batchTooBig = !m.batchTrain.IsInt64()
	return m
}
