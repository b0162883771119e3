package data

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestStats: two channels of two samples of 2 values each; the means and
// population deviations worked by hand.
func TestStats(t *testing.T) {
	// Channel 0 holds 1, 3, 5, 7 (mean 4, deviation √5); channel 1 holds
	// 2, 2, 2, 2 (deviation 0, which becomes 1).
	x := []float32{1, 3, 2, 2, 5, 7, 2, 2}
	n := Stats(x, 2, 4)
	if !slices.Equal(n.Mean, []float32{4, 2}) || !slices.Equal(n.Std, []float32{float32(2.23606797749979), 1}) {
		t.Fatalf("stats %v %v", n.Mean, n.Std)
	}
	n.Apply(x, 4)
	want := []float32{-3 / float32(2.23606797749979), -1 / float32(2.23606797749979), 0, 0}
	if !slices.Equal(x[:4], want) {
		t.Errorf("normalised %v, want %v", x[:4], want)
	}
	if got := n.String(); got != "--mean 4,2 --std 2.236068,1" {
		t.Errorf("String %q", got)
	}
	if got := (&Norm{Mean: []float32{0.28604063, 0.28604063}, Std: []float32{0.5, 0.5}}).String(); got != "--mean 0.28604063 --std 0.5" {
		t.Errorf("String %q", got)
	}
}

func TestNewNorm(t *testing.T) {
	var mean, std Floats
	if err := mean.Set("0.485, 0.456,0.406"); err != nil {
		t.Fatal(err)
	}
	if err := std.Set("0.25"); err != nil {
		t.Fatal(err)
	}
	n, err := NewNorm(mean, std, 3)
	if err != nil || !slices.Equal(n.Mean, []float32{0.485, 0.456, 0.406}) || !slices.Equal(n.Std, []float32{0.25, 0.25, 0.25}) {
		t.Errorf("NewNorm: %v %v", n, err)
	}
	if _, err := NewNorm(mean, std, 1); err == nil || err.Error() != "--mean 0.485,0.456,0.406: want one number, or one for each of the network's 1 input channel" {
		t.Errorf("channels: %v", err)
	}
	var zero Floats
	zero.Set("0")
	if _, err := NewNorm(mean, zero, 3); err == nil || !strings.Contains(err.Error(), "--std 0: the standard deviation of channel 0 is 0: want numbers above 0") {
		t.Errorf("zero std: %v", err)
	}
	for _, bad := range []string{"", "x", "1,,2", "NaN", "Inf"} {
		if err := mean.Set(bad); err == nil {
			t.Errorf("Set(%q) took it", bad)
		}
	}
}

// TestHoldOut holds out 3 of 10 samples: the first three of the shuffle
// from runtime.NewRand(0), worked out with the generator's definition.
func TestHoldOut(t *testing.T) {
	s := &Set{N: 10, Source: "d"}
	for i := range 10 {
		s.X = append(s.X, float32(i), float32(-i))
		s.Labels = append(s.Labels, int32(i%3))
	}
	train, val, err := HoldOut(s, 0.25, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	held := []int{}
	for i := 0; i < len(val.X); i += 2 {
		held = append(held, int(val.X[i]))
	}
	if train.N != 7 || val.N != 3 || len(train.X) != 14 || !slices.IsSorted(held) {
		t.Fatalf("train %d, val %d (%v)", train.N, val.N, held)
	}
	// Every sample is in one of the two, with its label.
	seen := map[int]bool{}
	for _, d := range []*Set{train, val} {
		for i := range d.N {
			v := int(d.X[2*i])
			if seen[v] || d.X[2*i+1] != float32(-v) || d.Labels[i] != int32(v%3) {
				t.Fatalf("sample %d twice or mixed up", v)
			}
			seen[v] = true
		}
	}
	if !slices.Equal(held, holdOutByHand(10, 3)) {
		t.Errorf("held out %v, want %v", held, holdOutByHand(10, 3))
	}
	if val.Source != "3 samples held out of d" {
		t.Errorf("source %q", val.Source)
	}
	for _, f := range []float64{0, 1, -0.5, 0.01, 0.99} {
		if _, _, err := HoldOut(s, f, 2, 0); err == nil || !strings.HasPrefix(err.Error(), "--val ") {
			t.Errorf("HoldOut %v: %v", f, err)
		}
	}
}

// holdOutByHand shuffles 0..n-1 with SplitMix64 from seed 0, written out
// again, and returns the first k sorted.
func holdOutByHand(n, k int) []int {
	state := uint64(0)
	next := func() uint64 {
		state += 0x9E3779B97F4A7C15
		z := state
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		return z ^ (z >> 31)
	}
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := int(next() % uint64(i+1))
		p[i], p[j] = p[j], p[i]
	}
	out := slices.Clone(p[:k])
	slices.Sort(out)
	return out
}

func TestReadNames(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	names, err := ReadNames(write("ok.txt", "\ufeffT-shirt/top\r\n Trouser \nPullover\n\n\n"), 3, nil)
	if err != nil || !slices.Equal(names, []string{"T-shirt/top", "Trouser", "Pullover"}) {
		t.Errorf("names %q, %v", names, err)
	}
	for _, c := range []struct{ text, want string }{
		{"a\nb\n", "names 2 classes, but the network has 3 classes"},
		{"a\n\nb\nc\n", "line 2 is blank: want a class name on every line"},
		{"a\xff\nb\nc", "is not UTF-8 text"},
	} {
		if _, err := ReadNames(write("bad.txt", c.text), 3, nil); err == nil || !strings.Contains(err.Error(), "bad.txt: "+c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
}
