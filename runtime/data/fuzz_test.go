package data

import (
	"bytes"
	"testing"
)

// FuzzReadIDX feeds ReadIDX any bytes, plain and gzipped: it never panics,
// and what it accepts holds as many values as its dimensions say, no more
// than the bytes given can hold. The corpus is kept in
// testdata/fuzz/FuzzReadIDX.
func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes([]uint32{2, 1, 3}, []byte{1, 2, 3, 4, 5, 6}), false)
	f.Add(idxBytes([]uint32{3}, []byte{0, 1, 2}), true)
	f.Add(idxBytes([]uint32{1 << 10, 1 << 10, 1 << 10}, []byte{1}), true)
	f.Add([]byte{0, 0, 8, 3, 0, 0}, false)
	f.Add([]byte{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}, false)
	f.Fuzz(func(t *testing.T, b []byte, compress bool) {
		if compress {
			b = gzipBytes(t, b)
		}
		x, err := ReadIDX("f", bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if x != nil {
				t.Fatalf("an error and an array")
			}
			return
		}
		n := 1
		for _, d := range x.Dims {
			n *= d
		}
		if len(x.Data) != n {
			t.Fatalf("dims %v, %d values", x.Dims, len(x.Data))
		}
		if !compress && 4+4*len(x.Dims)+n != len(b) {
			t.Fatalf("dims %v from %d bytes", x.Dims, len(b))
		}
	})
}
