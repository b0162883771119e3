package runtime

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// expectedArray is what make_testdata.py recorded about one array.
type expectedArray struct {
	Name   string
	Shape  []int
	DType  string
	Values []string // Python reprs: "0.5", "nan", "-inf", "42"
}

// TestReadFixtures reads every valid fixture NumPy and PyTorch made and
// compares it with what make_testdata.py recorded.
func TestReadFixtures(t *testing.T) {
	raw, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var expected map[string][]expectedArray
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatal(err)
	}
	for file, want := range expected {
		t.Run(file, func(t *testing.T) {
			got, err := ReadArrays(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d arrays, want %d", len(got), len(want))
			}
			for i, w := range want {
				checkExpected(t, got[i], w)
			}
		})
	}
}

func checkExpected(t *testing.T, a *Array, w expectedArray) {
	t.Helper()
	if a.Name != w.Name || !slices.Equal(a.Shape, w.Shape) {
		t.Errorf("got %q %v, want %q %v", a.Name, a.Shape, w.Name, w.Shape)
	}
	stored := map[string]string{"float16": "float32", "float32": "float32", "float64": "float64"}[w.DType]
	if stored == "" {
		stored = "int64"
	}
	if a.DType() != stored {
		t.Errorf("%s: dtype %s, want %s (file has %s)", a.Name, a.DType(), stored, w.DType)
	}
	if stored == "int64" {
		for i, s := range w.Values {
			if v, _ := strconv.ParseInt(s, 10, 64); a.I64[i] != v {
				t.Errorf("%s[%d] = %d, want %s", a.Name, i, a.I64[i], s)
			}
		}
		return
	}
	got := a.Float64s()
	for i, s := range w.Values {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		if math.Float64bits(got[i]) != math.Float64bits(v) && !(math.IsNaN(v) && math.IsNaN(got[i])) {
			t.Errorf("%s[%d] = %v, want %s", a.Name, i, got[i], s)
		}
	}
}

// TestWriteNPYLikeNumPy checks that WriteNPY writes what numpy.save writes,
// byte for byte, for every dtype it stores.
func TestWriteNPYLikeNumPy(t *testing.T) {
	for _, file := range []string{"f4.npy", "f8.npy", "scalar.npy", "empty.npy", "labels.npy"} {
		want, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		a, err := ReadNPY(bytes.NewReader(want))
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := WriteNPY(&got, a); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s: wrote\n%q\nwant\n%q", file, got.Bytes(), want)
		}
	}
}

// TestF16 checks the half-precision conversion on the values NumPy wrote,
// bit for bit, including signed zero, subnormals, infinities and NaN.
func TestF16(t *testing.T) {
	a, err := ReadArrays("testdata/f2.npy")
	if err != nil {
		t.Fatal(err)
	}
	want := []uint32{0, 0x80000000, 0x3f800000, 0x477fe000, 0x33800000, 0x38800000, 0xc0200000, 0x7f800000, 0xff800000, 0x7fc00000, 0x3dcccccd &^ 0x1fff}
	for i, w := range want {
		if got := math.Float32bits(a[0].F32[i]); got != w {
			t.Errorf("value %d: bits %#x, want %#x", i, got, w)
		}
	}
}

// TestF16All checks every half-precision value against widening through
// float64 arithmetic: sign × mantissa × 2^exponent.
func TestF16All(t *testing.T) {
	for h := range 1 << 16 {
		got := f16to32(uint16(h))
		exp, mant := h>>10&0x1f, float64(h&0x3ff)
		var want float64
		switch exp {
		case 0:
			want = math.Ldexp(mant, -24)
		case 0x1f:
			want = math.Inf(1)
			if mant != 0 {
				want = math.NaN()
			}
		default:
			want = math.Ldexp(1024+mant, exp-25)
		}
		if h>>15 != 0 {
			want = -want
		}
		if float64(got) != want && !(math.IsNaN(want) && math.IsNaN(float64(got))) || math.Signbit(float64(got)) != (h>>15 != 0) {
			t.Fatalf("f16to32(%#04x) = %v, want %v", h, got, want)
		}
	}
}
