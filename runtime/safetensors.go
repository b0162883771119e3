package runtime

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
)

// maxSafetensorsHeader bounds the JSON header, as the reference
// implementation does.
const maxSafetensorsHeader = 100_000_000

// stEntry is one tensor's entry in a safetensors header.
type stEntry struct {
	name    string
	DType   string  `json:"dtype"`
	Shape   []int   `json:"shape"`
	Offsets []int64 `json:"data_offsets"`
	dtype   *dtype
	size    int
}

// ReadSafetensors reads the tensors of a .safetensors file of size bytes,
// in the order of their data in the file. It accepts the dtypes F32, F64,
// F16 and BF16 (both widened exactly to float32) and integers I8 to I64 and
// U8 to U32 (read into I64), and ignores "__metadata__" (which must map
// strings to strings). A header longer than the file, invalid JSON, an
// unknown dtype, offsets out of range, overlapping, leaving gaps or not
// matching dtype×shape are errors, as *FileError, found before any tensor
// is allocated.
func ReadSafetensors(r io.ReaderAt, size int64) ([]*Array, error) {
	entries, start, err := readSTHeader(r, size)
	if err != nil {
		return nil, err
	}
	arrays := make([]*Array, len(entries))
	for i, e := range entries {
		sr := io.NewSectionReader(r, start+e.Offsets[0], e.Offsets[1]-e.Offsets[0])
		a, _, err := readValues(sr, e.dtype, e.size, true)
		if err != nil {
			return nil, &FileError{Entry: e.name, Msg: "reading data: " + err.Error(), Err: err}
		}
		a.Name, a.Shape = e.name, e.Shape
		arrays[i] = a
	}
	return arrays, nil
}

// readSTHeader reads and checks the header, returning the entries sorted by
// offset and where the byte buffer starts.
func readSTHeader(r io.ReaderAt, size int64) ([]*stEntry, int64, error) {
	var pre [8]byte
	if m, _ := r.ReadAt(pre[:], 0); size < 8 || m < 8 {
		return nil, 0, fail("not a .safetensors file (shorter than 8 bytes)")
	}
	n := binary.LittleEndian.Uint64(pre[:])
	switch {
	case n > uint64(size-8):
		return nil, 0, fail("header length %d is more than the %d bytes that follow", n, size-8)
	case n > maxSafetensorsHeader:
		return nil, 0, fail("header length %d is more than %d bytes", n, maxSafetensorsHeader)
	}
	hdr := make([]byte, n)
	if m, err := r.ReadAt(hdr, 8); m < len(hdr) {
		return nil, 0, &FileError{Msg: "reading header: " + err.Error(), Err: err}
	}
	entries, err := parseSTHeader(hdr)
	if err != nil {
		return nil, 0, err
	}
	start := 8 + int64(n)
	return entries, start, checkOffsets(entries, size-start)
}

// parseSTHeader decodes the JSON header object and then validates each
// entry on its own. It walks the object's keys itself, so that it sees
// duplicates (which encoding/json would silently drop).
func parseSTHeader(hdr []byte) ([]*stEntry, error) {
	keys, raws, err := jsonObject(hdr)
	if err != nil {
		return nil, err
	}
	var entries []*stEntry
	for i, key := range keys {
		if key == "__metadata__" {
			var meta map[string]string
			if err := json.Unmarshal(raws[i], &meta); err != nil {
				return nil, fail("\"__metadata__\" must map strings to strings")
			}
			continue
		}
		if err := checkName(key); err != nil {
			return nil, err
		}
		e, err := parseSTEntry(key, raws[i])
		if err != nil {
			return nil, &FileError{Entry: key, Msg: err.Error()}
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// jsonObject splits a JSON object into its keys and raw values, in order,
// failing on a duplicate key or anything after the object.
func jsonObject(b []byte) ([]string, []json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, fail("header is not a JSON object")
	}
	var keys []string
	var raws []json.RawMessage
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, jsonFail(err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, nil, fail("invalid JSON header: key %v is not a string", tok)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, jsonFail(err)
		}
		if seen[key] {
			return nil, nil, &FileError{Entry: key, Msg: "duplicate key in header"}
		}
		seen[key] = true
		keys, raws = append(keys, key), append(raws, raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, jsonFail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fail("invalid JSON header: data after the top-level object")
	}
	return keys, raws, nil
}

func jsonFail(err error) error {
	return &FileError{Msg: "invalid JSON header: " + err.Error(), Err: err}
}

// parseSTEntry decodes and checks one tensor entry on its own.
func parseSTEntry(name string, raw json.RawMessage) (*stEntry, error) {
	e := &stEntry{name: name}
	if err := json.Unmarshal(raw, e); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("want {\"dtype\": string, \"shape\": [int, ...], \"data_offsets\": [begin, end]}; %q has JSON type %s", te.Field, te.Value)
		}
		return nil, fmt.Errorf("want {\"dtype\": string, \"shape\": [int, ...], \"data_offsets\": [begin, end]}; %v", err)
	}
	switch {
	case e.DType == "":
		return nil, errors.New("missing \"dtype\"")
	case e.Shape == nil:
		return nil, errors.New("missing \"shape\"")
	case len(e.Offsets) != 2:
		return nil, errors.New("\"data_offsets\" must be [begin, end]")
	}
	if e.dtype = stDtype(e.DType); e.dtype == nil {
		return nil, fmt.Errorf("unsupported dtype %q; want F32 or F64 (or F16, BF16, I8-I64, U8-U32)", e.DType)
	}
	n, err := shapeSize(e.Shape)
	if err != nil {
		return nil, err
	}
	e.size = n
	b, end := e.Offsets[0], e.Offsets[1]
	if b < 0 || end < b {
		return nil, fmt.Errorf("data_offsets %v are not 0 <= begin <= end", e.Offsets)
	}
	if want := int64(n) * int64(e.dtype.size); end-b != want {
		return nil, fmt.Errorf("data_offsets %v hold %d bytes, but %s %v needs %d", e.Offsets, end-b, e.DType, e.Shape, want)
	}
	return e, nil
}

// checkOffsets sorts entries by offset and checks that they tile the byte
// buffer of size bytes exactly: no overlap, no gap, nothing out of range.
func checkOffsets(entries []*stEntry, size int64) error {
	// Sorting by end too puts an empty tensor before one starting at the
	// same offset.
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i].Offsets, entries[j].Offsets
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
	var pos int64
	for _, e := range entries {
		b, end := e.Offsets[0], e.Offsets[1]
		switch {
		case end > size:
			return &FileError{Entry: e.name, Msg: fmt.Sprintf("data_offsets %v are beyond the %d-byte buffer", e.Offsets, size)}
		case b < pos:
			return &FileError{Entry: e.name, Msg: fmt.Sprintf("data_offsets %v overlap the previous tensor, which ends at %d", e.Offsets, pos)}
		case b > pos:
			return &FileError{Entry: e.name, Msg: fmt.Sprintf("data_offsets %v leave a gap of %s after offset %d", e.Offsets, byteCount(b-pos), pos)}
		}
		pos = end
	}
	if pos != size {
		return fail("%s of trailing data after the last tensor", byteCount(size-pos))
	}
	return nil
}

// WriteSafetensors writes arrays to w in safetensors format, in order, with
// "__metadata__": {"format": "pt"} and the header padded with spaces to a
// multiple of 8 bytes, as the reference implementation does. float32 is
// stored as F32, float64 as F64, integers as I64. It returns an error,
// before writing anything, if a name is empty, repeated or "__metadata__",
// or an array is inconsistent (see Array).
func WriteSafetensors(w io.Writer, arrays []*Array) error {
	if err := checkArrays(arrays); err != nil {
		return err
	}
	hdr := []byte(`{"__metadata__":{"format":"pt"}`)
	var off int64
	for _, a := range arrays {
		if a.Name == "__metadata__" {
			return &FileError{Entry: a.Name, Msg: "the name is reserved for metadata"}
		}
		_, st, size := storedDtype(a)
		name, _ := json.Marshal(a.Name)
		end := off + int64(a.Size()*size)
		hdr = fmt.Appendf(hdr, `,%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, name, st, jsonInts(a.Shape), off, end)
		off = end
	}
	hdr = append(hdr, '}')
	for len(hdr)%8 != 0 {
		hdr = append(hdr, ' ')
	}
	if _, err := w.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))); err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	for _, a := range arrays {
		if err := writeValues(w, a); err != nil {
			return err
		}
	}
	return nil
}

func jsonInts(shape []int) []byte {
	b := []byte{'['}
	for i, d := range shape {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	return append(b, ']')
}
