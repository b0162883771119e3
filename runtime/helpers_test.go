package runtime

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"slices"
	"testing"
)

// npyFile builds a .npy file by hand: format version major.0, the header
// dict as given (padded to a multiple of 16 bytes, newline-terminated) and
// the data.
func npyFile(major byte, dict string, data []byte) []byte {
	prefix := 10
	if major > 1 {
		prefix = 12
	}
	for (prefix+len(dict)+1)%16 != 0 {
		dict += " "
	}
	dict += "\n"
	b := append([]byte(npyMagic), major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(dict)))
	}
	b = append(b, dict...)
	return append(b, data...)
}

// f32Bytes returns vals little-endian.
func f32Bytes(vals ...float32) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// noLen hides a reader's Len method, so that ReadNPY cannot know its size.
type noLen struct{ r io.Reader }

func (n noLen) Read(p []byte) (int, error) { return n.r.Read(p) }

// sameArray reports whether a and b hold the same name, shape, dtype and
// bits (so NaN equals NaN and -0 differs from 0).
func sameArray(a, b *Array) bool {
	if a.Name != b.Name || !slices.Equal(a.Shape, b.Shape) || a.DType() != b.DType() {
		return false
	}
	switch a.DType() {
	case "float32":
		return slices.EqualFunc(a.F32, b.F32, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
	case "float64":
		return slices.EqualFunc(a.F64, b.F64, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
	}
	return slices.Equal(a.I64, b.I64)
}

// mustSame fails t unless got and want hold the same arrays.
func mustSame(t *testing.T, got, want []*Array) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d arrays, want %d", len(got), len(want))
	}
	for i := range got {
		if !sameArray(got[i], want[i]) {
			t.Errorf("array %d: got %+v, want %+v", i, *got[i], *want[i])
		}
	}
}

// sampleArrays returns one array of every stored dtype, including a scalar
// and an empty one, with awkward values.
func sampleArrays() []*Array {
	return []*Array{
		NewArray32("conv1.weight", []int{2, 1, 2, 2}, []float32{0, -0, 1.5, float32(math.Inf(1)), float32(math.NaN()), math.SmallestNonzeroFloat32, math.MaxFloat32, -3}),
		NewArray64("bias", []int{3}, []float64{1.0 / 3, math.Inf(-1), math.SmallestNonzeroFloat64}),
		NewArrayInt64("labels", []int{2, 2}, []int64{math.MinInt64, -1, 0, math.MaxInt64}),
		NewArray32("scalar", nil, []float32{2.5}),
		NewArray64("empty", []int{0, 3}, nil),
	}
}

// roundTrip writes arrays with write and reads them back with read.
func roundTrip(t *testing.T, arrays []*Array, write func(io.Writer, []*Array) error, read func(io.ReaderAt, int64) ([]*Array, error)) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf, arrays); err != nil {
		t.Fatal(err)
	}
	got, err := read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	mustSame(t, got, arrays)
	return buf.Bytes()
}

// wantError fails t unless err's message is exactly want.
func wantError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || err.Error() != want {
		t.Errorf("got error\n%v\nwant\n%s", err, want)
	}
}

// readCase is a file a reader must reject with exactly the message want.
type readCase struct {
	name string
	file []byte
	want string
}

func testReadErrors(t *testing.T, cases []readCase, read func(io.ReaderAt, int64) ([]*Array, error)) {
	t.Helper()
	for _, c := range cases {
		_, err := read(bytes.NewReader(c.file), int64(len(c.file)))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got error\n%v\nwant\n%s", c.name, err, c.want)
		}
	}
}

// writeCase is arrays a writer must reject, before writing anything, with
// exactly the message want.
type writeCase struct {
	arrays []*Array
	want   string
}

func testWriteErrors(t *testing.T, cases []writeCase, write func(io.Writer, []*Array) error) {
	t.Helper()
	for _, c := range cases {
		var buf bytes.Buffer
		wantError(t, write(&buf, c.arrays), c.want)
		if buf.Len() != 0 {
			t.Errorf("wrote %d bytes before failing with %q", buf.Len(), c.want)
		}
	}
}
