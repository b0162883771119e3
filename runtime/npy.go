package runtime

import (
	"encoding/binary"
	"errors"
	"io"
	"strings"
)

const npyMagic = "\x93NUMPY"

// maxHeaderLen bounds a .npy header. NumPy itself refuses headers over
// 10000 bytes by default; real ones are about 128.
const maxHeaderLen = 1 << 20

// ReadNPY reads one array in NumPy's .npy format (versions 1.0, 2.0 and
// 3.0) from r, reading to EOF. The array has no Name. It accepts the
// little-endian dtypes float16 (widened exactly to float32), float32,
// float64 and integers of up to 64 bits (uint up to 32, read into I64).
// Big-endian or Fortran-order data, other dtypes, a malformed header,
// truncated data and trailing bytes are errors, as *FileError. When r has
// a Len method (bytes.Reader, strings.Reader), ReadNPY checks the shape
// against it before allocating; otherwise memory grows as data arrives, so
// a header claiming a huge shape fails fast either way.
func ReadNPY(r io.Reader) (*Array, error) {
	limit := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok {
		limit = int64(l.Len())
	}
	return readNPY(r, limit)
}

// readNPY is ReadNPY given the exact number of bytes r holds, or -1.
func readNPY(r io.Reader, limit int64) (*Array, error) {
	h, used, err := readNPYHeader(r, limit)
	if err != nil {
		return nil, err
	}
	d, n, err := h.resolve()
	if err != nil {
		return nil, err
	}
	need := int64(n) * int64(d.size)
	switch {
	case limit >= 0 && limit-used < need:
		return nil, truncated(h, need, limit-used)
	case limit >= 0 && limit-used > need:
		return nil, trailing(limit - used - need)
	}
	a, got, err := readValues(r, d, n, limit >= 0)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, truncated(h, need, got)
	case err != nil:
		return nil, &FileError{Msg: "reading data: " + err.Error(), Err: err}
	}
	if err := expectEOF(r); err != nil {
		return nil, err
	}
	a.Shape = h.shape
	return a, nil
}

func truncated(h npyHeader, need, have int64) error {
	return fail("truncated data: shape %v of %q needs %d bytes, only %d present", h.shape, h.descr, need, have)
}

// expectEOF reads r to its end, failing if anything is left. Reading on to
// EOF also makes an archive entry's reader verify its checksum.
func expectEOF(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	switch {
	case err != nil:
		return &FileError{Msg: "reading data: " + err.Error(), Err: err}
	case n > 0:
		return trailing(n)
	}
	return nil
}

func trailing(n int64) error {
	return fail("%s of trailing data after the array", byteCount(n))
}

// readNPYHeader reads the magic, version and header, and returns the header
// with the number of bytes it took.
func readNPYHeader(r io.Reader, limit int64) (npyHeader, int64, error) {
	var pre [12]byte
	m, err := io.ReadFull(r, pre[:10])
	if m < len(npyMagic) || string(pre[:len(npyMagic)]) != npyMagic {
		return npyHeader{}, 0, fail("not a .npy file (no \\x93NUMPY magic)")
	}
	if err != nil {
		return npyHeader{}, 0, fail("truncated header")
	}
	major, minor := pre[6], pre[7]
	used := int64(10)
	var hlen int64
	switch {
	case minor != 0 || major < 1 || major > 3:
		return npyHeader{}, 0, fail("unsupported .npy format version %d.%d; want 1.0, 2.0 or 3.0", major, minor)
	case major == 1:
		hlen = int64(binary.LittleEndian.Uint16(pre[8:]))
	default:
		if _, err := io.ReadFull(r, pre[10:12]); err != nil {
			return npyHeader{}, 0, fail("truncated header")
		}
		hlen = int64(binary.LittleEndian.Uint32(pre[8:]))
		used = 12
	}
	if hlen > maxHeaderLen {
		return npyHeader{}, 0, fail("header length %d is more than %d bytes", hlen, maxHeaderLen)
	}
	if limit >= 0 && limit-used < hlen {
		return npyHeader{}, 0, fail("truncated header: %d bytes long, only %d present", hlen, limit-used)
	}
	buf := make([]byte, hlen)
	if m, err := io.ReadFull(r, buf); err != nil {
		return npyHeader{}, 0, fail("truncated header: %d bytes long, only %d present", hlen, m)
	}
	h, err := parseNPYHeader(string(buf))
	return h, used + hlen, err
}

// resolve returns the header's dtype and number of elements, or an error
// saying why the data cannot be read.
func (h npyHeader) resolve() (*dtype, int, error) {
	d, err := npyDescr(h.descr)
	if err != nil {
		return nil, 0, err
	}
	n, err := shapeSize(h.shape)
	if err != nil {
		return nil, 0, fail("%v", err)
	}
	if h.fortran && !trivialOrder(h.shape) {
		return nil, 0, fail("Fortran-order data is not supported; save a C-order array (numpy.ascontiguousarray)")
	}
	return d, n, nil
}

// trivialOrder reports whether C and Fortran order lay shape out alike,
// which they do when at most one dimension exceeds 1.
func trivialOrder(shape []int) bool {
	big := 0
	for _, d := range shape {
		if d > 1 {
			big++
		}
	}
	return big <= 1
}

// npyDescr returns the dtype a NumPy type string such as "<f4" names. The
// byte order must be little-endian ('<'), native ('=', taken as
// little-endian) or not applicable ('|'); for one-byte types any order goes.
func npyDescr(descr string) (*dtype, error) {
	var d *dtype
	if len(descr) == 3 && strings.IndexByte("<>|=!", descr[0]) >= 0 && '1' <= descr[2] && descr[2] <= '8' {
		d = npyDtype(descr[1], int(descr[2]-'0'))
	}
	switch {
	case d == nil:
		return nil, fail("unsupported dtype %q; want float32 or float64 (or float16, or integers)", descr)
	case (descr[0] == '>' || descr[0] == '!') && d.size > 1:
		return nil, fail("big-endian data (%q) is not supported; save with little-endian float32 or float64", descr)
	}
	return d, nil
}

// WriteNPY writes a to w in .npy format 1.0 (2.0 if the header needs it),
// byte for byte as numpy.save writes it: float32 as "<f4", float64 as
// "<f8", integers as "<i8". It returns an error, writing nothing, if a is
// inconsistent (see Array).
func WriteNPY(w io.Writer, a *Array) error {
	if err := a.check(); err != nil {
		return err
	}
	descr, _, _ := storedDtype(a)
	if _, err := w.Write(npyPreamble(descr, a.Shape)); err != nil {
		return err
	}
	return writeValues(w, a)
}
