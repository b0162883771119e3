package runtime

import (
	"encoding/binary"
	"io"
	"math"
	"slices"
)

// dtype describes how one stored element type decodes into an Array. Exactly
// one of f32, f64 and i64 is set: the Array field the values go to.
type dtype struct {
	kind byte   // NumPy's kind character ('f', 'i', 'u'); 0 if NumPy has none
	st   string // the safetensors name: "F16"
	size int    // bytes per element
	f32  func(dst []float32, src []byte)
	f64  func(dst []float64, src []byte)
	i64  func(dst []int64, src []byte)
}

// dtypes lists every element type the readers accept: float16, bfloat16,
// float32, float64, int8 to int64, uint8 to uint32. Half-precision types
// widen exactly to float32; integers of every width widen to int64 (uint64
// is missing because it does not fit).
var dtypes = []*dtype{
	{kind: 'f', st: "F16", size: 2, f32: decodeF16},
	{st: "BF16", size: 2, f32: decodeBF16},
	{kind: 'f', st: "F32", size: 4, f32: decodeF32},
	{kind: 'f', st: "F64", size: 8, f64: decodeF64},
	{kind: 'i', st: "I8", size: 1, i64: intDecoder(1, true)},
	{kind: 'i', st: "I16", size: 2, i64: intDecoder(2, true)},
	{kind: 'i', st: "I32", size: 4, i64: intDecoder(4, true)},
	{kind: 'i', st: "I64", size: 8, i64: intDecoder(8, true)},
	{kind: 'u', st: "U8", size: 1, i64: intDecoder(1, false)},
	{kind: 'u', st: "U16", size: 2, i64: intDecoder(2, false)},
	{kind: 'u', st: "U32", size: 4, i64: intDecoder(4, false)},
}

// npyDtype returns the dtype of NumPy kind and size, or nil.
func npyDtype(kind byte, size int) *dtype {
	for _, d := range dtypes {
		if d.kind == kind && d.size == size && kind != 0 {
			return d
		}
	}
	return nil
}

// stDtype returns the dtype with safetensors name st, or nil.
func stDtype(st string) *dtype {
	for _, d := range dtypes {
		if d.st == st {
			return d
		}
	}
	return nil
}

// storedDtype returns the NumPy descr and safetensors name the writers use
// for a's values, which a.check has validated.
func storedDtype(a *Array) (descr, st string, size int) {
	switch {
	case a.F32 != nil:
		return "<f4", "F32", 4
	case a.F64 != nil:
		return "<f8", "F64", 8
	}
	return "<i8", "I64", 8
}

func decodeF32(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

func decodeF64(dst []float64, src []byte) {
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
	}
}

func decodeF16(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = f16to32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

// decodeBF16 widens bfloat16, which is the top half of a float32.
func decodeBF16(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
	}
}

// f16to32 converts IEEE 754 binary16 to float32 exactly, keeping the sign
// of zero, infinities and NaN payloads. For example 0x3c00 is 1, 0x0001 is
// 2^-24 (the smallest subnormal) and 0x7bff is 65504.
func f16to32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
	// Zero or subnormal: mant × 2^-24, a normal float32 (or zero).
	f := float32(mant) * (1.0 / (1 << 24))
	if sign != 0 {
		f = -f
	}
	return f
}

// intDecoder returns a decoder of little-endian integers of size bytes,
// sign-extended when signed.
func intDecoder(size int, signed bool) func(dst []int64, src []byte) {
	shift := 64 - 8*size
	return func(dst []int64, src []byte) {
		for i := range dst {
			var v uint64
			for j := size - 1; j >= 0; j-- {
				v = v<<8 | uint64(src[i*size+j])
			}
			if signed {
				dst[i] = int64(v<<shift) >> shift
			} else {
				dst[i] = int64(v)
			}
		}
	}
}

// chunkBytes is how much the readers and writers move at a time: enough to
// amortise calls, small enough never to matter next to the arrays.
const chunkBytes = 1 << 16

// readValues reads n elements of type d from r into a new Array. With exact
// it trusts that r holds them (the caller has checked its size) and
// allocates all at once; otherwise memory grows only as data arrives, so a
// header that lies about the shape cannot make it allocate much. It returns
// the bytes it read, which is short of n*d.size only on error.
func readValues(r io.Reader, d *dtype, n int, exact bool) (*Array, int64, error) {
	var a Array
	var got int64
	var err error
	switch {
	case d.f32 != nil:
		a.F32, got, err = readChunks(r, n, d.size, exact, d.f32)
	case d.f64 != nil:
		a.F64, got, err = readChunks(r, n, d.size, exact, d.f64)
	default:
		a.I64, got, err = readChunks(r, n, d.size, exact, d.i64)
	}
	return &a, got, err
}

func readChunks[T any](r io.Reader, n, size int, exact bool, dec func([]T, []byte)) ([]T, int64, error) {
	c := n
	if !exact {
		c = min(n, chunkBytes/size)
	}
	out := make([]T, 0, c)
	buf := make([]byte, min(n*size, chunkBytes))
	for len(out) < n {
		k := min(n-len(out), len(buf)/size)
		m, err := io.ReadFull(r, buf[:k*size])
		if err != nil {
			return nil, int64(len(out)*size + m), err
		}
		out = slices.Grow(out, k)
		out = out[:len(out)+k]
		dec(out[len(out)-k:], buf[:k*size])
	}
	return out, int64(n * size), nil
}

// writeValues writes a's values little-endian, a chunk at a time, so that
// writing a large array needs no second copy of it.
func writeValues(w io.Writer, a *Array) error {
	switch {
	case a.F32 != nil:
		return writeChunks(w, a.F32, 4, func(b []byte, v float32) { binary.LittleEndian.PutUint32(b, math.Float32bits(v)) })
	case a.F64 != nil:
		return writeChunks(w, a.F64, 8, func(b []byte, v float64) { binary.LittleEndian.PutUint64(b, math.Float64bits(v)) })
	}
	return writeChunks(w, a.I64, 8, func(b []byte, v int64) { binary.LittleEndian.PutUint64(b, uint64(v)) })
}

func writeChunks[T any](w io.Writer, vals []T, size int, put func([]byte, T)) error {
	buf := make([]byte, min(len(vals)*size, chunkBytes))
	for len(vals) > 0 {
		k := min(len(vals), len(buf)/size)
		for i, v := range vals[:k] {
			put(buf[i*size:], v)
		}
		if _, err := w.Write(buf[:k*size]); err != nil {
			return err
		}
		vals = vals[k:]
	}
	return nil
}
