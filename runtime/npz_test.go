package runtime

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"testing"
)

func TestNPZRoundTrip(t *testing.T) {
	b := roundTrip(t, sampleArrays(), WriteNPZ, ReadNPZ)
	var again bytes.Buffer
	if err := WriteNPZ(&again, sampleArrays()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, again.Bytes()) {
		t.Error("writing the same arrays twice gave different bytes")
	}
	roundTrip(t, nil, WriteNPZ, ReadNPZ)
}

// zipEntry is one member of an archive built by zipOf.
type zipEntry struct {
	name   string
	data   []byte
	method uint16
}

// zipOf builds a zip archive of entries, as written.
func zipOf(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawZip builds an archive with one entry, compressed by method, whose
// header claims size and crc, whatever data holds.
func rawZip(t *testing.T, name string, data []byte, method uint16, size uint64, crc uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: method, CRC32: crc, CompressedSize64: uint64(len(data)), UncompressedSize64: size})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	zw.Close()
	return buf.Bytes()
}

func TestNPZDeflated(t *testing.T) {
	a := NewArray32("w", []int{1000}, make([]float32, 1000))
	var npy bytes.Buffer
	WriteNPY(&npy, a)
	file := zipOf(t, zipEntry{"w.npy", npy.Bytes(), zip.Deflate})
	got, err := ReadNPZ(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	mustSame(t, got, []*Array{a})
}

func TestNPZErrors(t *testing.T) {
	one := func() []byte {
		var b bytes.Buffer
		WriteNPY(&b, NewArray32("", []int{2}, []float32{1, 2}))
		return b.Bytes()
	}()
	bigEndian := npyFile(1, "{'descr': '>f8', 'fortran_order': False, 'shape': ()}", make([]byte, 8))
	testReadErrors(t, []readCase{
		{"not zip", []byte("\x93NUMPY\x01\x00"), "not a .npz file (zip: not a valid zip file)"},
		{"not npy entry", zipOf(t, zipEntry{"a.npy", one, zip.Store}, zipEntry{"readme.txt", nil, zip.Store}), "readme.txt: not a .npy entry; a .npz archive holds only NAME.npy entries"},
		{"empty name", zipOf(t, zipEntry{".npy", one, zip.Store}), ".npy: empty array name"},
		{"not utf-8", zipOf(t, zipEntry{"\xff.npy", one, zip.Store}), "\uFFFD.npy: array name \"\\xff\" is not valid UTF-8"},
		{"directory", zipOf(t, zipEntry{"dir.npy/", nil, zip.Store}), "dir.npy/: not a .npy entry; a .npz archive holds only NAME.npy entries"},
		{"duplicate", zipOf(t, zipEntry{"a.npy", one, zip.Store}, zipEntry{"a.npy", one, zip.Deflate}), "a.npy: duplicate array name"},
		{"bad entry", zipOf(t, zipEntry{"conv1.weight.npy", bigEndian, zip.Deflate}), `conv1.weight.npy: big-endian data (">f8") is not supported; save with little-endian float32 or float64`},
		{"truncated entry", zipOf(t, zipEntry{"a.npy", one[:len(one)-1], zip.Store}), `a.npy: truncated data: shape [2] of "<f4" needs 8 bytes, only 7 present`},
		{"trailing", zipOf(t, zipEntry{"a.npy", append(one, 0), zip.Store}), `a.npy: 1 byte of trailing data after the array`},
		{"huge claim", rawZip(t, "a.npy", one, zip.Store, 1<<40, crc32.ChecksumIEEE(one)), "a.npy: entry claims 1099511627776 bytes, more than the archive can hold"},
		{"short claim", rawZip(t, "a.npy", one, zip.Store, uint64(len(one)-4), crc32.ChecksumIEEE(one)), `a.npy: truncated data: shape [2] of "<f4" needs 8 bytes, only 4 present`},
		{"checksum", rawZip(t, "a.npy", one, zip.Store, uint64(len(one)), 1), "a.npy: reading data: zip: checksum error"},
		{"method", rawZip(t, "a.npy", one, 99, uint64(len(one)), 0), "a.npy: zip: unsupported compression algorithm"},
	}, ReadNPZ)
}

func TestWriteNPZErrors(t *testing.T) {
	ok := NewArray32("a", []int{1}, []float32{1})
	testWriteErrors(t, []writeCase{
		{[]*Array{ok, NewArray32("", nil, []float32{1})}, "array 1 (shape []) has no name"},
		{[]*Array{ok, ok}, "a: duplicate array name"},
		{[]*Array{ok, {Name: "b", Shape: []int{2}, F64: []float64{1}}}, "b: 1 values for shape [2], want 2"},
		{[]*Array{NewArray32("\xff", nil, []float32{1})}, `array name "\xff" is not valid UTF-8`},
	}, WriteNPZ)
}
