package runtime

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	b := roundTrip(t, sampleArrays(), WriteSafetensors, ReadSafetensors)
	n := binary.LittleEndian.Uint64(b)
	if n%8 != 0 || !bytes.HasPrefix(b[8:], []byte(`{"__metadata__":{"format":"pt"},"conv1.weight":{"dtype":"F32","shape":[2,1,2,2],"data_offsets":[0,32]}`)) {
		t.Errorf("header %q", b[8:8+n])
	}
	roundTrip(t, nil, WriteSafetensors, ReadSafetensors)
	roundTrip(t, []*Array{NewArray32(`"quoted" <name>`, nil, []float32{1})}, WriteSafetensors, ReadSafetensors)
}

// stFile builds a safetensors file from its JSON header and byte buffer.
func stFile(header string, buf []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), buf...)
}

func TestSafetensorsErrors(t *testing.T) {
	entry := func(rest string) string { return `{"w":{"dtype":"F32",` + rest + `}}` }
	eight := make([]byte, 8)
	testReadErrors(t, []readCase{
		{"empty", nil, "not a .safetensors file (shorter than 8 bytes)"},
		{"short header", stFile("{}", nil)[:9], "header length 2 is more than the 1 bytes that follow"},
		{"huge header", binary.LittleEndian.AppendUint64(nil, 1<<62), "header length 4611686018427387904 is more than the 0 bytes that follow"},
		{"no header", stFile("", nil), "header is not a JSON object"},
		{"list", stFile("[]", nil), "header is not a JSON object"},
		{"bad json", stFile(`{"w":}`, nil), "invalid JSON header: invalid character '}' looking for beginning of value"},
		{"unclosed", stFile(`{"w":{}`, nil), "invalid JSON header: EOF"},
		{"after object", stFile(`{} {}`, nil), "invalid JSON header: data after the top-level object"},
		{"duplicate", stFile(`{"w":{},"w":{}}`, nil), "w: duplicate key in header"},
		{"metadata", stFile(`{"__metadata__":{"format":1}}`, nil), `"__metadata__" must map strings to strings`},
		{"empty name", stFile(`{"":{}}`, nil), "empty array name"},
		{"no dtype", stFile(`{"w":{"shape":[],"data_offsets":[0,4]}}`, nil), `w: missing "dtype"`},
		{"no shape", stFile(entry(`"data_offsets":[0,4]`), nil), `w: missing "shape"`},
		{"no offsets", stFile(entry(`"shape":[]`), nil), `w: "data_offsets" must be [begin, end]`},
		{"three offsets", stFile(entry(`"shape":[],"data_offsets":[0,4,8]`), nil), `w: "data_offsets" must be [begin, end]`},
		{"shape type", stFile(entry(`"shape":"2x2","data_offsets":[0,4]`), nil), `w: want {"dtype": string, "shape": [int, ...], "data_offsets": [begin, end]}; "shape" has JSON type string`},
		{"float dim", stFile(entry(`"shape":[1.5],"data_offsets":[0,4]`), nil), `w: want {"dtype": string, "shape": [int, ...], "data_offsets": [begin, end]}; "shape" has JSON type number 1.5`},
		{"not object", stFile(`{"w":[1]}`, nil), `w: want {"dtype": string, "shape": [int, ...], "data_offsets": [begin, end]}; "" has JSON type array`},
		{"dtype", stFile(`{"w":{"dtype":"F8_E4M3","shape":[],"data_offsets":[0,1]}}`, eight[:1]), `w: unsupported dtype "F8_E4M3"; want F32 or F64 (or F16, BF16, I8-I64, U8-U32)`},
		{"negative dim", stFile(entry(`"shape":[-1],"data_offsets":[0,4]`), nil), "w: shape [-1] has a negative dimension"},
		{"overflow", stFile(entry(`"shape":[4611686018427387904,4],"data_offsets":[0,4]`), nil), "w: shape [4611686018427387904 4] is too large"},
		{"reversed", stFile(entry(`"shape":[],"data_offsets":[4,0]`), nil), "w: data_offsets [4 0] are not 0 <= begin <= end"},
		{"negative offset", stFile(entry(`"shape":[],"data_offsets":[-4,0]`), nil), "w: data_offsets [-4 0] are not 0 <= begin <= end"},
		{"size", stFile(entry(`"shape":[2],"data_offsets":[0,4]`), eight), "w: data_offsets [0 4] hold 4 bytes, but F32 [2] needs 8"},
		{"huge claim", stFile(entry(`"shape":[1000000000000],"data_offsets":[0,4000000000000]`), eight), "w: data_offsets [0 4000000000000] are beyond the 8-byte buffer"},
		{"beyond", stFile(entry(`"shape":[2],"data_offsets":[4,12]`), eight), "w: data_offsets [4 12] are beyond the 8-byte buffer"},
		{"gap", stFile(entry(`"shape":[],"data_offsets":[4,8]`), eight), "w: data_offsets [4 8] leave a gap of 4 bytes after offset 0"},
		{"overlap", stFile(`{"a":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}`, eight), "b: data_offsets [4 8] overlap the previous tensor, which ends at 8"},
		{"trailing", stFile(entry(`"shape":[],"data_offsets":[0,4]`), eight), "4 bytes of trailing data after the last tensor"},
	}, ReadSafetensors)
}

// TestSafetensorsEmptyTensors checks that empty tensors may share an
// offset with others, in any header order.
func TestSafetensorsEmptyTensors(t *testing.T) {
	file := stFile(`{"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F64","shape":[0],"data_offsets":[0,0]},"c":{"dtype":"I64","shape":[3,0],"data_offsets":[4,4]}}`, f32Bytes(1))
	got, err := ReadSafetensors(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	mustSame(t, got, []*Array{NewArray64("a", []int{0}, nil), NewArray32("b", []int{1}, []float32{1}), NewArrayInt64("c", []int{3, 0}, nil)})
}

func TestWriteSafetensorsErrors(t *testing.T) {
	testWriteErrors(t, []writeCase{
		{[]*Array{NewArray32("__metadata__", nil, []float32{1})}, "__metadata__: the name is reserved for metadata"},
		{[]*Array{NewArray32("a", nil, []float32{1}), NewArray32("a", nil, []float32{1})}, "a: duplicate array name"},
	}, WriteSafetensors)
}
