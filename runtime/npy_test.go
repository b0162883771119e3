package runtime

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
)

func TestNPYRoundTrip(t *testing.T) {
	for _, a := range sampleArrays() {
		var buf bytes.Buffer
		if err := WriteNPY(&buf, a); err != nil {
			t.Fatal(err)
		}
		for _, r := range []io.Reader{bytes.NewReader(buf.Bytes()), noLen{bytes.NewReader(buf.Bytes())}} {
			got, err := ReadNPY(r)
			if err != nil {
				t.Fatal(err)
			}
			got.Name = a.Name
			mustSame(t, []*Array{got}, []*Array{a})
		}
	}
}

// TestNPYVersion2 checks that a header too long for format 1.0 is written
// as 2.0 and reads back.
func TestNPYVersion2(t *testing.T) {
	shape := make([]int, 30000)
	for i := range shape {
		shape[i] = 1
	}
	a := NewArray32("x", shape, []float32{7})
	var buf bytes.Buffer
	if err := WriteNPY(&buf, a); err != nil {
		t.Fatal(err)
	}
	if v := buf.Bytes()[6]; v != 2 {
		t.Fatalf("format version %d, want 2", v)
	}
	if hlen := binary.LittleEndian.Uint32(buf.Bytes()[8:]); (12+hlen)%64 != 0 {
		t.Errorf("data starts at %d, not a multiple of 64", 12+hlen)
	}
	got, err := ReadNPY(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got.Name = "x"
	mustSame(t, []*Array{got}, []*Array{a})
}

// TestNPYHeaders checks headers NumPy does not write but a strict reader of
// its dict literal must accept.
func TestNPYHeaders(t *testing.T) {
	data := f32Bytes(1, 2)
	for _, dict := range []string{
		`{"shape": (2,), "fortran_order": False, "descr": "<f4"}`,
		`{ 'descr' : '=f4' , 'fortran_order' : False , 'shape' : ( 2 , ) , }`,
		"{'descr':'|f4','fortran_order':False,'shape':(2,)}\r\n\t ",
		`{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2, 1)}`,
		`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1,)}`,
	} {
		a, err := ReadNPY(bytes.NewReader(npyFile(1, dict, data)))
		if err != nil {
			t.Errorf("%s: %v", dict, err)
			continue
		}
		if got := a.Float32s(); len(got) != 2 || got[0] != 1 || got[1] != 2 {
			t.Errorf("%s: values %v", dict, got)
		}
	}
	a, err := ReadNPY(bytes.NewReader(npyFile(1, `{'descr': '>u1', 'fortran_order': False, 'shape': (2,)}`, []byte{3, 250})))
	if err != nil || a.I64[0] != 3 || a.I64[1] != 250 {
		t.Errorf("'>u1': %v, %v", a, err)
	}
}

// TestNPYErrors checks every error ReadNPY reports, reading both from a
// reader whose size it knows and from one whose size it does not.
func TestNPYErrors(t *testing.T) {
	const f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }"
	dict := func(shape string) string { return strings.Replace(f4, "%s", shape, 1) }
	v1 := func(d string, data []byte) []byte { return npyFile(1, d, data) }
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, `not a .npy file (no \x93NUMPY magic)`},
		{"not npy", []byte("PK\x03\x04 a zip file"), `not a .npy file (no \x93NUMPY magic)`},
		{"short prefix", []byte("\x93NUMPY\x01"), "truncated header"},
		{"short v2 prefix", []byte("\x93NUMPY\x02\x00\x10\x00"), "truncated header"},
		{"version 4", []byte("\x93NUMPY\x04\x00\x10\x00"), "unsupported .npy format version 4.0; want 1.0, 2.0 or 3.0"},
		{"version 1.1", []byte("\x93NUMPY\x01\x01\x10\x00"), "unsupported .npy format version 1.1; want 1.0, 2.0 or 3.0"},
		{"short header", []byte("\x93NUMPY\x01\x00\x50\x00{'descr'"), "truncated header: 80 bytes long, only 8 present"},
		{"huge header", []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f{"), "header length 2147483647 is more than 1048576 bytes"},
		{"no brace", v1("'descr': '<f4'", nil), `invalid header: at offset 0: expected '{', found "'descr': '<f"`},
		{"missing comma", v1("{'descr': '<f4' 'shape': (2,)}", nil), `invalid header: at offset 16: expected ',', found "'shape': (2,"`},
		{"missing colon", v1("{'descr' '<f4'}", nil), `invalid header: at offset 9: expected ':', found "'<f4'}      "`},
		{"unquoted key", v1("{descr: '<f4'}", nil), `invalid header: at offset 1: expected a quoted string, found "descr: '<f4'"`},
		{"unterminated", v1("{'descr", nil), "invalid header: at offset 1: unterminated string"},
		{"escape", v1(`{'descr': '<f\4'}`, nil), "invalid header: at offset 10: escapes and newlines in strings are not supported"},
		{"unclosed", v1("{'descr': '<f4',", nil), `invalid header: at offset 22: expected a quoted string, found end of header`},
		{"after dict", v1(dict("(2,)")+" x", f32Bytes(1, 2)), `invalid header: at offset 58: expected end of header, found "x          \n"`},
		{"missing key", v1("{'descr': '<f4', 'fortran_order': False}", nil), "invalid header: missing key 'shape'"},
		{"unknown key", v1("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}", nil), "invalid header: unexpected key 'x'"},
		{"duplicate key", v1("{'descr': '<f4', 'descr': '<f4'}", nil), "invalid header: duplicate key 'descr'"},
		{"bool", v1("{'fortran_order': 0}", nil), `invalid header: at offset 18: expected True or False, found "0} \n"`},
		{"list shape", v1(dict("[2]"), nil), `invalid header: at offset 50: expected '(', found "[2], }      "`},
		{"int shape", v1(dict("(2)"), nil), "invalid header: at offset 52: shape (2) is not a tuple; write (2,)"},
		{"float dim", v1(dict("(2.0,)"), nil), `invalid header: at offset 52: expected ',', found ".0,), }     "`},
		{"minus", v1(dict("(-,)"), nil), `invalid header: at offset 51: expected an integer, found "-,), }      "`},
		{"huge dim", v1(dict("(99999999999999999999,)"), nil), "invalid header: at offset 51: dimension 99999999999999999999 is out of range"},
		{"structured", v1("{'descr': [('a', '<f4')]}", nil), "invalid header: 'descr' is a list: structured dtypes are not supported"},
		{"negative dim", v1(dict("(2, -3)"), nil), "shape [2 -3] has a negative dimension"},
		{"overflow", v1(dict("(4611686018427387904, 4)"), nil), "shape [4611686018427387904 4] is too large"},
		{"big-endian", v1("{'descr': '>f4', 'fortran_order': False, 'shape': ()}", nil), `big-endian data (">f4") is not supported; save with little-endian float32 or float64`},
		{"network order", v1("{'descr': '!i8', 'fortran_order': False, 'shape': ()}", nil), `big-endian data ("!i8") is not supported; save with little-endian float32 or float64`},
		{"fortran", v1("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3)}", nil), "Fortran-order data is not supported; save a C-order array (numpy.ascontiguousarray)"},
		{"complex", v1("{'descr': '<c8', 'fortran_order': False, 'shape': ()}", nil), `unsupported dtype "<c8"; want float32 or float64 (or float16, or integers)`},
		{"uint64", v1("{'descr': '<u8', 'fortran_order': False, 'shape': ()}", nil), `unsupported dtype "<u8"; want float32 or float64 (or float16, or integers)`},
		{"bool dtype", v1("{'descr': '|b1', 'fortran_order': False, 'shape': ()}", nil), `unsupported dtype "|b1"; want float32 or float64 (or float16, or integers)`},
		{"no byte order", v1("{'descr': 'f4', 'fortran_order': False, 'shape': ()}", nil), `unsupported dtype "f4"; want float32 or float64 (or float16, or integers)`},
		{"truncated", v1(dict("(2, 3)"), f32Bytes(1, 2, 3, 4, 5)), `truncated data: shape [2 3] of "<f4" needs 24 bytes, only 20 present`},
		{"huge claim", v1(dict("(1000000000000,)"), f32Bytes(1)), `truncated data: shape [1000000000000] of "<f4" needs 4000000000000 bytes, only 4 present`},
		{"trailing", v1(dict("(1,)"), f32Bytes(1, 2)), "4 bytes of trailing data after the array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, known := range []bool{true, false} {
				var err error
				if known {
					_, err = ReadNPY(bytes.NewReader(tt.file))
				} else {
					_, err = ReadNPY(noLen{bytes.NewReader(tt.file)})
				}
				wantError(t, err, tt.want)
				if _, ok := err.(*FileError); !ok {
					t.Errorf("error is %T, want *FileError", err)
				}
			}
		})
	}
}

func TestWriteNPYErrors(t *testing.T) {
	testWriteErrors(t, []writeCase{
		{[]*Array{{Name: "x", Shape: []int{2}, F32: []float32{1}}}, "x: 1 values for shape [2], want 2"},
		{[]*Array{{Name: "x", Shape: []int{1}}}, "x: exactly one of F32, F64 and I64 must be set"},
		{[]*Array{{Name: "x", Shape: []int{1}, F32: []float32{1}, F64: []float64{1}}}, "x: exactly one of F32, F64 and I64 must be set"},
		{[]*Array{{Name: "x", Shape: []int{-1}, F32: []float32{}}}, "x: shape [-1] has a negative dimension"},
	}, func(w io.Writer, arrays []*Array) error { return WriteNPY(w, arrays[0]) })
}
