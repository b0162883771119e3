package cli

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
)

// byteUnits are the units a memory size may have, in the order messages
// list them: decimal (powers of 1000), then binary (powers of 1024).
var byteUnits = []struct {
	name string
	base int64
	exp  int
}{
	{"B", 1, 0}, {"kB", 1000, 1}, {"MB", 1000, 2}, {"GB", 1000, 3}, {"TB", 1000, 4}, {"PB", 1000, 5}, {"EB", 1000, 6},
	{"KiB", 1024, 1}, {"MiB", 1024, 2}, {"GiB", 1024, 3}, {"TiB", 1024, 4}, {"PiB", 1024, 5}, {"EiB", 1024, 6},
}

// sizePattern splits a memory size into its number (optionally signed, a
// decimal with an optional exponent) and its unit.
var sizePattern = regexp.MustCompile(`^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?)\s*([A-Za-z]*)$`)

// parseBytes reads a memory size: a number such as 8, 1.5 or 2e9 and an
// optional unit, in any case, with or without a space between: B, kB, MB,
// GB, TB, PB and EB are powers of 1000, KiB to EiB powers of 1024. A bare
// K, M, G, T, P or E is refused as ambiguous. The size is rounded down to
// whole bytes and must be from 1 byte to 2^63-1 bytes (8 EiB).
func parseBytes(s string) (int64, error) {
	m := sizePattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a memory size such as 8GiB, 512MB or 2e9", s)
	}
	num, exp, unit := m[1], m[2], m[3]
	mult := big.NewInt(1)
	if unit != "" {
		u := -1
		for i, bu := range byteUnits {
			if strings.EqualFold(bu.name, unit) {
				u = i
			}
		}
		if u < 0 {
			return 0, fmt.Errorf("%q: unknown unit %q (want %s)%s", s, unit, unitNames(), ambiguousUnit(num, unit))
		}
		mult.Exp(big.NewInt(byteUnits[u].base), big.NewInt(int64(byteUnits[u].exp)), nil)
	}
	if len(num) > 100 || len(exp) > 4 {
		// A hundred digits or an exponent beyond ±999 can only be a mistake
		// (and 10^999999 would take long to compute).
		return 0, fmt.Errorf("%q is not a memory size such as 8GiB, 512MB or 2e9", s)
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, fmt.Errorf("%q is not a memory size such as 8GiB, 512MB or 2e9", s)
	}
	r.Mul(r, new(big.Rat).SetInt(mult))
	n := new(big.Int).Quo(r.Num(), r.Denom()) // rounds toward zero
	switch {
	case r.Sign() < 0:
		return 0, fmt.Errorf("%q is negative: want a budget of at least 1 byte", s)
	case n.Sign() == 0:
		return 0, fmt.Errorf("%q is less than 1 byte: want a budget of at least 1 byte", s)
	case !n.IsInt64():
		return 0, fmt.Errorf("%q is more than the 8 EiB (2^63-1 bytes) cnnc counts", s)
	}
	return n.Int64(), nil
}

// ambiguousUnit explains why a bare K, M, G, T, P or E is refused.
func ambiguousUnit(num, unit string) string {
	if len(unit) != 1 || !strings.ContainsAny(strings.ToUpper(unit), "KMGTPE") {
		return ""
	}
	u := strings.ToUpper(unit)
	dec := u + "B"
	if u == "K" {
		dec = "kB"
	}
	return fmt.Sprintf("; write %s%s for powers of 1000 or %s%siB for powers of 1024", num, dec, num, u)
}

func unitNames() string {
	var names []string
	for _, u := range byteUnits {
		names = append(names, u.name)
	}
	return strings.Join(names, ", ")
}

// formatBytes prints n bytes in binary units: "372 B", "98.0 MiB",
// "8.0 EiB".
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// formatG prints a count in billions: "15.47 G".
func formatG(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f G", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2f M", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.2f k", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
