package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cnnc/cnnc/runtime"
)

// IDX is an array read from an IDX file, the format of MNIST and
// Fashion-MNIST (yann.lecun.com/exdb/mnist): its dimensions, and its values
// as unsigned bytes in row-major order.
type IDX struct {
	Dims []int
	Data []byte
}

// maxIDXValues bounds the values an IDX file may declare, as cnnc bounds a
// tensor.
const maxIDXValues = 1 << 31

// maxDeflateRatio bounds how many bytes a byte of deflate data expands to
// (258 bytes from 2 bits, rounded up): it bounds what a compressed file can
// hold.
const maxDeflateRatio = 1032

// idxTypes names the value types of the IDX format.
var idxTypes = map[byte]string{0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "short", 0x0C: "int", 0x0D: "float", 0x0E: "double"}

// ReadIDX reads an IDX file of unsigned bytes (type 0x08) from r, which
// holds size bytes (-1 if unknown); a gzip-compressed file is recognised
// by its first bytes and decompressed. name names the file in errors,
// which are *runtime.FileError: a magic number that is not an IDX one, a
// type other than unsigned bytes, a header or data cut short, bytes after
// the data, corrupt compressed data. The header's sizes are checked against
// the bytes the file can hold before anything is allocated for them.
func ReadIDX(name string, r io.Reader, size int64) (*IDX, error) {
	fail := func(format string, args ...any) error {
		return &runtime.FileError{File: name, Msg: fmt.Sprintf(format, args...)}
	}
	br := bufio.NewReader(r)
	var src io.Reader = br
	bound := size // the most bytes of values the file can hold
	compressed := false
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fail("not a valid gzip file: %v", err)
		}
		zr.Multistream(false)
		src, compressed = zr, true
		if size >= 0 {
			bound = min(size, maxIDXValues) * maxDeflateRatio
		}
	}
	if bound < 0 {
		bound = maxIDXValues
	}
	readErr := func(err error, what string) error {
		if err != nil && compressed && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return fail("corrupt gzip data in the %s: %v", what, err)
		}
		return nil
	}

	var magic [4]byte
	n, err := io.ReadFull(src, magic[:])
	if err != nil {
		if e := readErr(err, "header"); e != nil {
			return nil, e
		}
		if n == 0 {
			return nil, fail("is empty: an IDX file starts with a 4-byte magic number")
		}
		return nil, fail("truncated: %s, but an IDX file starts with a 4-byte magic number", byteCount(int64(n)))
	}
	m := binary.BigEndian.Uint32(magic[:])
	if magic[0] != 0 || magic[1] != 0 || idxTypes[magic[2]] == "" || magic[3] == 0 {
		return nil, fail("bad magic number 0x%08x: not an IDX file (its magic number is two zero bytes, a type and the number of dimensions: 0x00000803 for images, 0x00000801 for labels)", m)
	}
	if magic[2] != 0x08 {
		return nil, fail("holds %s values (magic number 0x%08x): cnnc reads IDX files of unsigned bytes (0x%08x)", idxTypes[magic[2]], m, 0x0800|uint32(magic[3]))
	}
	nd := int(magic[3])
	head := make([]byte, 4*nd)
	if n, err := io.ReadFull(src, head); err != nil {
		if e := readErr(err, "header"); e != nil {
			return nil, e
		}
		return nil, fail("truncated header: %s of the %s that give its %d dimensions", byteCount(int64(n)), byteCount(int64(len(head))), nd)
	}
	x := &IDX{Dims: make([]int, nd)}
	total := int64(1)
	for i := range nd {
		d := int64(binary.BigEndian.Uint32(head[4*i:]))
		x.Dims[i] = int(d)
		if total *= d; total > maxIDXValues {
			// Keep multiplying only to name the size.
			total = maxIDXValues + 1
		}
	}
	shape := dimsX(x.Dims)
	if total > maxIDXValues {
		return nil, fail("declares an array of %s values, more than cnnc reads (2^31)", shape)
	}
	if total > bound {
		got, err := io.Copy(io.Discard, src)
		if e := readErr(err, "values"); e != nil {
			return nil, e
		}
		return nil, fail("truncated: its header declares %s values (%s), the file holds %s of them", shape, byteCount(total), byteCount(got))
	}
	x.Data = make([]byte, total)
	if n, err := io.ReadFull(src, x.Data); err != nil {
		if e := readErr(err, "values"); e != nil {
			return nil, e
		}
		return nil, fail("truncated: its header declares %s values (%s), the file holds %s of them", shape, byteCount(total), byteCount(int64(n)))
	}
	extra, err := io.Copy(io.Discard, src)
	if e := readErr(err, "values"); e != nil {
		return nil, e
	}
	if err != nil {
		return nil, fail("truncated: its gzip data ends before their end mark and checksum")
	}
	if extra > 0 {
		return nil, fail("%s after the %s values its header declares (%s)", byteCount(extra), shape, byteCount(total))
	}
	if compressed {
		// Data after the gzip member is not part of it.
		if n, _ := io.Copy(io.Discard, br); n > 0 {
			return nil, fail("%s after the end of its gzip data", byteCount(n))
		}
	}
	return x, nil
}

// dimsX writes dimensions as 10000x28x28.
func dimsX(d []int) string {
	s := make([]string, len(d))
	for i, v := range d {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, "x")
}

// byteCount writes n bytes as "1 byte" or "12 bytes".
func byteCount(n int64) string { return plural(int(n), "byte") }
