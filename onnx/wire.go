package onnx

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// FormatError is a file that is not a well-formed ONNX model: a
// truncated or corrupt protobuf, a size that the bytes present cannot
// hold, a value the schema does not allow. Offset is the byte of the file
// where the trouble is (-1 when it concerns the file as a whole).
type FormatError struct {
	File   string
	Offset int
	Msg    string
}

func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: byte %d: %s", e.File, e.Offset, e.Msg)
}

// msg is one protobuf message being read: its bytes, where they start in
// the file, and what message it is (for errors).
type msg struct {
	b    []byte
	base int
	what string
}

// field is one field of a message: its number and wire type, where its
// tag starts in the file, and its value: v for a varint or a fixed-size
// number, b (starting at file offset bAt) for a length-delimited one.
type field struct {
	num protowire.Number
	typ protowire.Type
	at  int
	v   uint64
	b   []byte
	bAt int
}

// errorf returns a *FormatError at file offset at (the file name is filled
// in by Decode).
func errorf(at int, format string, args ...any) error {
	return &FormatError{Offset: at, Msg: fmt.Sprintf(format, args...)}
}

// next returns the message's next field, ok false at its end. Every
// length a field declares is checked against the bytes left in the
// message before it is used, so a huge declared size is an error, never
// an allocation. Groups, which ONNX does not use, are refused.
func (m *msg) next() (f field, ok bool, err error) {
	if len(m.b) == 0 {
		return field{}, false, nil
	}
	f.at = m.base
	num, typ, n := protowire.ConsumeTag(m.b)
	if n < 0 {
		return f, false, errorf(f.at, "%s: corrupt field tag (%v)", m.what, protowire.ParseError(n))
	}
	f.num, f.typ = num, typ
	m.advance(n)
	switch typ {
	case protowire.VarintType:
		f.v, n = protowire.ConsumeVarint(m.b)
	case protowire.Fixed32Type:
		var v uint32
		v, n = protowire.ConsumeFixed32(m.b)
		f.v = uint64(v)
	case protowire.Fixed64Type:
		f.v, n = protowire.ConsumeFixed64(m.b)
	case protowire.BytesType:
		declared, k := protowire.ConsumeVarint(m.b)
		if k < 0 {
			return f, false, errorf(m.base, "%s: field %d: corrupt length (%v)", m.what, num, protowire.ParseError(k))
		}
		if declared > uint64(len(m.b)-k) {
			return f, false, errorf(m.base, "%s: field %d declares %d bytes but %s remain", m.what, num, declared, plural(len(m.b)-k, "byte"))
		}
		f.b, f.bAt, n = m.b[k:k+int(declared)], m.base+k, k+int(declared)
	default:
		return f, false, errorf(f.at, "%s: field %d has wire type %d, which ONNX does not use", m.what, num, typ)
	}
	if n < 0 {
		return f, false, errorf(m.base, "%s: field %d: %v", m.what, num, protowire.ParseError(n))
	}
	m.advance(n)
	return f, true, nil
}

// each calls fn with each field of the message in turn, stopping at the
// first error.
func (m *msg) each(fn func(f field) error) error {
	for {
		f, ok, err := m.next()
		if err != nil || !ok {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
}

func (m *msg) advance(n int) {
	m.b = m.b[n:]
	m.base += n
}

// want checks that a field has the wire type its schema gives it.
func (f field) want(what string, typ protowire.Type) error {
	if f.typ != typ {
		return errorf(f.at, "%s: field %d has wire type %d, want %d", what, f.num, f.typ, typ)
	}
	return nil
}

// str returns a string field.
func (f field) str(what string) (string, error) {
	if err := f.want(what, protowire.BytesType); err != nil {
		return "", err
	}
	return string(f.b), nil
}

// int64 returns a varint field as an int64 (protobuf's int64 and int32,
// negative numbers taking ten bytes).
func (f field) int64(what string) (int64, error) {
	if err := f.want(what, protowire.VarintType); err != nil {
		return 0, err
	}
	return int64(f.v), nil
}

// int32 returns an int32 field, refusing a value out of its range.
func (f field) int32(what string) (int32, error) {
	v, err := f.int64(what)
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, errorf(f.at, "%s: field %d: %d is out of int32 range", what, f.num, v)
	}
	return int32(v), nil
}

// float32 returns a float field (fixed32).
func (f field) float32(what string) (float32, error) {
	if err := f.want(what, protowire.Fixed32Type); err != nil {
		return 0, err
	}
	return math.Float32frombits(uint32(f.v)), nil
}

// appendInt64s appends a repeated int64 or int32 field, packed (one
// length-delimited run of varints) or not (one varint).
func (f field) appendInt64s(what string, dst []int64) ([]int64, error) {
	if f.typ == protowire.VarintType {
		return append(dst, int64(f.v)), nil
	}
	if err := f.want(what, protowire.BytesType); err != nil {
		return nil, err
	}
	for b, at := f.b, f.bAt; len(b) > 0; {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, errorf(at, "%s: field %d: corrupt packed varint (%v)", what, f.num, protowire.ParseError(n))
		}
		dst = append(dst, int64(v))
		b, at = b[n:], at+n
	}
	return dst, nil
}

// appendFixed appends a repeated fixed-size field of size bytes (4 for
// float, 8 for double), packed or not, as raw bits.
func (f field) appendFixed(what string, size int, dst []uint64) ([]uint64, error) {
	typ := protowire.Fixed32Type
	if size == 8 {
		typ = protowire.Fixed64Type
	}
	if f.typ == typ {
		return append(dst, f.v), nil
	}
	if err := f.want(what, protowire.BytesType); err != nil {
		return nil, err
	}
	if len(f.b)%size != 0 {
		return nil, errorf(f.bAt, "%s: field %d: %s of packed %d-byte values", what, f.num, plural(len(f.b), "byte"), size)
	}
	for i := 0; i < len(f.b); i += size {
		if size == 8 {
			v, _ := protowire.ConsumeFixed64(f.b[i:])
			dst = append(dst, v)
		} else {
			v, _ := protowire.ConsumeFixed32(f.b[i:])
			dst = append(dst, uint64(v))
		}
	}
	return dst, nil
}

// plural writes n and a noun: "1 byte", "3 bytes".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
