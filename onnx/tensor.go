package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// ONNX data types (TensorProto.DataType) the importer reads.
const (
	typeFloat    = 1
	typeUint8    = 2
	typeInt8     = 3
	typeUint16   = 4
	typeInt16    = 5
	typeInt32    = 6
	typeInt64    = 7
	typeBool     = 9
	typeFloat16  = 10
	typeDouble   = 11
	typeBfloat16 = 16
)

// typeNames names the data types for messages.
var typeNames = map[int32]string{
	0: "undefined", 1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
	8: "string", 9: "bool", 10: "float16", 11: "double", 12: "uint32", 13: "uint64", 14: "complex64",
	15: "complex128", 16: "bfloat16",
}

func typeName(t int32) string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("data type %d", t)
}

// elemSize is the bytes of one value of a data type in raw_data, 0 for a
// type the importer does not read.
func elemSize(t int32) int {
	switch t {
	case typeUint8, typeInt8, typeBool:
		return 1
	case typeUint16, typeInt16, typeFloat16, typeBfloat16:
		return 2
	case typeFloat, typeInt32:
		return 4
	case typeInt64, typeDouble:
		return 8
	}
	return 0
}

// maxElements bounds the values of one tensor, as cnnc's checker bounds a
// layer's tensors (2^31).
const maxElements = 1 << 31

// Tensor is a TensorProto as read: its values are decoded only when the
// importer needs them (Decode does not read external data).
type Tensor struct {
	Name     string
	Dims     []int64
	DataType int32
	At       int // where the TensorProto starts in the file

	raw                          []byte
	rawAt                        int
	hasRaw                       bool
	floatBits, doubleBits        []uint64
	int32s, int64s               []int64
	external                     [][2]string
	externalLocation, hasStrings bool
}

// decodeTensor reads a TensorProto that starts at file offset at.
func decodeTensor(m *msg, at int) (*Tensor, error) {
	t := &Tensor{At: at}
	const what = "TensorProto"
	return t, m.each(func(f field) (err error) {
		switch f.num {
		case 1:
			t.Dims, err = f.appendInt64s(what+".dims", t.Dims)
		case 2:
			t.DataType, err = f.int32(what + ".data_type")
		case 4:
			t.floatBits, err = f.appendFixed(what+".float_data", 4, t.floatBits)
		case 5:
			t.int32s, err = f.appendInt64s(what+".int32_data", t.int32s)
		case 6:
			t.hasStrings = true
		case 7:
			t.int64s, err = f.appendInt64s(what+".int64_data", t.int64s)
		case 8:
			t.Name, err = f.str(what + ".name")
		case 9:
			if err = f.want(what+".raw_data", protowire.BytesType); err == nil {
				t.raw, t.rawAt, t.hasRaw = f.b, f.bAt, true
			}
		case 10:
			t.doubleBits, err = f.appendFixed(what+".double_data", 8, t.doubleBits)
		case 13:
			var kv [2]string
			kv, err = sub(f, "StringStringEntryProto", decodeEntry)
			t.external = append(t.external, kv)
		case 14:
			var loc int32
			loc, err = f.int32(what + ".data_location")
			t.externalLocation = loc == 1
		}
		return err
	})
}

func decodeEntry(m *msg) (kv [2]string, err error) {
	err = m.each(func(f field) (err error) {
		if f.num == 1 || f.num == 2 {
			kv[f.num-1], err = f.str("StringStringEntryProto")
		}
		return err
	})
	return kv, err
}

// array is a tensor's values: floats as float32 (float, float16 and
// bfloat16 widened) or float64 (double), integers and booleans as int64.
type array struct {
	dims []int
	f32  []float32
	f64  []float64
	i64  []int64
}

func (a *array) size() int {
	switch {
	case a.f32 != nil:
		return len(a.f32)
	case a.f64 != nil:
		return len(a.f64)
	}
	return len(a.i64)
}

func (a *array) isFloat() bool { return a.f32 != nil || a.f64 != nil }

// at returns value i as a float64.
func (a *array) at(i int) float64 {
	switch {
	case a.f32 != nil:
		return float64(a.f32[i])
	case a.f64 != nil:
		return a.f64[i]
	}
	return float64(a.i64[i])
}

// dimsString writes dims as "[64 3 7 7]".
func dimsString(dims []int) string { return strings.ReplaceAll(fmt.Sprint(dims), " ", "×") }

// count checks the tensor's dimensions and returns how many values they
// hold: every dimension at least 0 and the product at most maxElements.
func (t *Tensor) count() ([]int, int, error) {
	dims := make([]int, len(t.Dims))
	n := 1
	for i, d := range t.Dims {
		if d < 0 {
			return nil, 0, errorf(t.At, "tensor %q: dimension %d is %d", t.Name, i, d)
		}
		if d > 0 && int64(n) > maxElements/d {
			return nil, 0, errorf(t.At, "tensor %q: dimensions %v hold more than 2^31 values", t.Name, t.Dims)
		}
		dims[i] = int(d)
		n *= int(d)
	}
	return dims, n, nil
}

// values decodes the tensor's values, reading external data with ext
// (nil when there is none to read). The values present must be exactly as
// many as the dimensions say.
func (t *Tensor) values(ext func(*Tensor, int) ([]byte, error)) (*array, error) {
	dims, n, err := t.count()
	if err != nil {
		return nil, err
	}
	size := elemSize(t.DataType)
	if size == 0 || t.hasStrings {
		return nil, errorf(t.At, "tensor %q holds %s values, which cnnc does not read", t.Name, typeName(t.DataType))
	}
	a := &array{dims: dims}
	raw, at := t.raw, t.rawAt
	if t.externalLocation || len(t.external) > 0 {
		if ext == nil {
			return nil, errorf(t.At, "tensor %q: its data is in an external file, which cannot be read here", t.Name)
		}
		if raw, err = ext(t, n*size); err != nil {
			return nil, err
		}
		at = t.At
	}
	if t.hasRaw || raw != nil {
		if len(raw) != n*size {
			return nil, errorf(at, "tensor %q: %s of data for %s %v values (%s)", t.Name, plural(len(raw), "byte"), typeName(t.DataType), t.Dims, plural(n*size, "byte"))
		}
		decodeRaw(a, t.DataType, raw, n)
		return a, nil
	}
	got := 0
	switch t.DataType {
	case typeFloat:
		got = len(t.floatBits)
		if got == n {
			a.f32 = make([]float32, n)
			for i, b := range t.floatBits {
				a.f32[i] = math.Float32frombits(uint32(b))
			}
		}
	case typeDouble:
		got = len(t.doubleBits)
		if got == n {
			a.f64 = make([]float64, n)
			for i, b := range t.doubleBits {
				a.f64[i] = math.Float64frombits(b)
			}
		}
	case typeInt64:
		got = len(t.int64s)
		if got == n {
			a.i64 = append([]int64{}, t.int64s...)
		}
	case typeFloat16, typeBfloat16:
		got = len(t.int32s)
		if got == n {
			a.f32 = make([]float32, n)
			for i, v := range t.int32s {
				a.f32[i] = halfToFloat(t.DataType, uint16(v))
			}
		}
	default: // the other integer types and bool live in int32_data
		got = len(t.int32s)
		if got == n {
			a.i64 = append([]int64{}, t.int32s...)
		}
	}
	if got != n {
		return nil, errorf(t.At, "tensor %q: %s for dimensions %v (%d)", t.Name, plural(got, "value"), t.Dims, n)
	}
	return a, nil
}

// decodeRaw decodes n little-endian values of data type typ from raw into a.
func decodeRaw(a *array, typ int32, raw []byte, n int) {
	le := binary.LittleEndian
	switch typ {
	case typeFloat:
		a.f32 = make([]float32, n)
		for i := range a.f32 {
			a.f32[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
	case typeDouble:
		a.f64 = make([]float64, n)
		for i := range a.f64 {
			a.f64[i] = math.Float64frombits(le.Uint64(raw[8*i:]))
		}
	case typeFloat16, typeBfloat16:
		a.f32 = make([]float32, n)
		for i := range a.f32 {
			a.f32[i] = halfToFloat(typ, le.Uint16(raw[2*i:]))
		}
	default:
		a.i64 = make([]int64, n)
		for i := range a.i64 {
			switch typ {
			case typeInt64:
				a.i64[i] = int64(le.Uint64(raw[8*i:]))
			case typeInt32:
				a.i64[i] = int64(int32(le.Uint32(raw[4*i:])))
			case typeInt16:
				a.i64[i] = int64(int16(le.Uint16(raw[2*i:])))
			case typeUint16:
				a.i64[i] = int64(le.Uint16(raw[2*i:]))
			case typeInt8:
				a.i64[i] = int64(int8(raw[i]))
			default: // uint8, bool
				a.i64[i] = int64(raw[i])
			}
		}
	}
}

// halfToFloat widens a float16 or bfloat16 value.
func halfToFloat(typ int32, h uint16) float32 {
	if typ == typeBfloat16 {
		return math.Float32frombits(uint32(h) << 16)
	}
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac·2^-24
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

func float32frombits(b uint64) float32 { return math.Float32frombits(uint32(b)) }
