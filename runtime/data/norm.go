package data

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Floats is a flag holding numbers separated by commas: a mean or standard
// deviation per channel (--mean 0.485,0.456,0.406), or one for every
// channel.
type Floats []float64

func (f *Floats) String() string {
	if f == nil {
		return ""
	}
	s := make([]string, len(*f))
	for i, v := range *f {
		s[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

// Set parses a list of finite numbers.
func (f *Floats) Set(s string) error {
	var v []float64
	for part := range strings.SplitSeq(s, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%q is not a number", strings.TrimSpace(part))
		}
		v = append(v, x)
	}
	*f = v
	return nil
}

// Norm is a normalisation, as torchvision's transforms.Normalize(mean,
// std): value v of channel c becomes (v - Mean[c]) / Std[c], computed in
// float32.
type Norm struct {
	Mean, Std []float32
}

// NewNorm makes the normalisation of c channels from flag values: one
// number for every channel, or one each.
func NewNorm(mean, std Floats, c int) (*Norm, error) {
	n := &Norm{}
	var err error
	if n.Mean, err = perChannel("--mean", mean, c); err != nil {
		return nil, err
	}
	if n.Std, err = perChannel("--std", std, c); err != nil {
		return nil, err
	}
	for i, s := range n.Std {
		if !(s > 0) {
			return nil, fmt.Errorf("--std %v: the standard deviation of channel %d is %v: want numbers above 0", std.String(), i, s)
		}
	}
	return n, nil
}

func perChannel(flag string, v Floats, c int) ([]float32, error) {
	out := make([]float32, c)
	switch len(v) {
	case 1:
		for i := range out {
			out[i] = float32(v[0])
		}
	case c:
		for i, x := range v {
			out[i] = float32(x)
		}
	default:
		return nil, fmt.Errorf("%s %s: want one number, or one for each of the network's %s", flag, v.String(), plural(c, "input channel"))
	}
	return out, nil
}

// Apply normalises x, samples of len(Mean) channels of size values each
// in C×H×W order.
func (n *Norm) Apply(x []float32, size int) {
	c := len(n.Mean)
	if c == 0 || size == 0 {
		return
	}
	plane := size / c
	for i := range x {
		ch := (i % size) / plane
		x[i] = (x[i] - n.Mean[ch]) / n.Std[ch]
	}
}

// String writes the normalisation as the flags that give it, each number
// the shortest that reads back as the same float32:
// --mean 0.28604063 --std 0.35302424.
func (n *Norm) String() string {
	return "--mean " + float32s(n.Mean) + " --std " + float32s(n.Std)
}

func float32s(v []float32) string {
	s := make([]string, len(v))
	same := true
	for i, x := range v {
		s[i] = strconv.FormatFloat(float64(x), 'g', -1, 32)
		same = same && s[i] == s[0]
	}
	if same && len(s) > 0 {
		return s[0]
	}
	return strings.Join(s, ",")
}

// Stats computes the mean and the standard deviation of each of c channels
// over every value of the samples of x, size values each in C×H×W order
// (numpy's x.mean() and x.std(): the population's deviation), in float64,
// rounded to float32. A channel whose deviation is 0 gets 1, so that it is
// only centred.
func Stats(x []float32, c, size int) *Norm {
	n := &Norm{Mean: make([]float32, c), Std: make([]float32, c)}
	if c == 0 || size == 0 || len(x) == 0 {
		return n
	}
	plane := size / c
	count := float64(len(x) / c)
	sum := make([]float64, c)
	for i, v := range x {
		sum[(i%size)/plane] += float64(v)
	}
	m := make([]float64, c)
	for i := range m {
		m[i] = sum[i] / count
		sum[i] = 0
	}
	for i, v := range x {
		ch := (i % size) / plane
		d := float64(v) - m[ch]
		sum[ch] += d * d
	}
	for i := range c {
		n.Mean[i] = float32(m[i])
		n.Std[i] = float32(math.Sqrt(sum[i] / count))
		if n.Std[i] == 0 {
			n.Std[i] = 1
		}
	}
	return n
}
