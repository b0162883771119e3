package cli

import (
	"math"
	"strings"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"1", 1}, {"8GiB", 8 << 30}, {"8gib", 8 << 30}, {"8 GiB", 8 << 30}, {"512MB", 512e6}, {"512 mb", 512e6},
		{"1.5GB", 1.5e9}, {"2e9", 2e9}, {"2E9B", 2e9}, {"1kB", 1000}, {"1KB", 1000}, {"1KiB", 1024},
		{"1PiB", 1 << 50}, {"1PB", 1e15}, {"7EiB", 7 << 60}, {"1.5B", 1}, {".5KiB", 512}, {"+3", 3},
		{"9223372036854775807", math.MaxInt64}, {"9223372036854775807B", math.MaxInt64},
		{"0.000000001GB", 1}, {"1e-3kB", 1},
	} {
		got, err := parseBytes(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"0", `"0" is less than 1 byte: want a budget of at least 1 byte`},
		{"0.5", `"0.5" is less than 1 byte`},
		{"-5", `"-5" is negative: want a budget of at least 1 byte`},
		{"-0.5GB", `"-0.5GB" is negative`},
		{"8G", `"8G": unknown unit "G" (want B, kB, MB, GB, TB, PB, EB, KiB, MiB, GiB, TiB, PiB, EiB); write 8GB for powers of 1000 or 8GiB for powers of 1024`},
		{"1k", `write 1kB for powers of 1000 or 1KiB for powers of 1024`},
		{"3Gi", `"3Gi": unknown unit "Gi" (want B,`},
		{"4 bytes", `unknown unit "bytes"`},
		{"8EiB", `"8EiB" is more than the 8 EiB (2^63-1 bytes) cnnc counts`},
		{"9223372036854775808", `is more than the 8 EiB`},
		{"1e30", `"1e30" is more than the 8 EiB`},
		{"1e99999", `"1e99999" is not a memory size such as 8GiB, 512MB or 2e9`},
		{"lots", `"lots" is not a memory size`},
		{"", `"" is not a memory size`},
		{"8 8GB", `is not a memory size`},
		{"NaN", `"NaN" is not a memory size`},
		{"Inf", `"Inf" is not a memory size`},
		{"0x10", `"0x10" is not a memory size`},
	} {
		_, err := parseBytes(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseBytes(%q) = %v, want an error with %q", c.in, err, c.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 24 << 20: "24.0 MiB", 1 << 50: "1.0 PiB",
		1 << 60: "1.0 EiB", math.MaxInt64: "8.0 EiB",
	} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
