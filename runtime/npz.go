package runtime

import (
	"archive/zip"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// ReadNPZ reads the arrays of a .npz archive of size bytes, as written by
// numpy.savez (stored entries) or numpy.savez_compressed (deflated), in
// archive order, each named after its entry without the ".npy" suffix. Each
// entry is read as by ReadNPY. An archive that is not a zip, an entry that
// is not NAME.npy, duplicate names and any bad entry are errors, as
// *FileError naming the entry. Sizes are checked against the archive before
// anything is allocated.
func ReadNPZ(r io.ReaderAt, size int64) ([]*Array, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// Names such as "../x.npy" are harmless here: they name arrays,
		// not files to create.
		return nil, &FileError{Msg: "not a .npz file (" + err.Error() + ")", Err: err}
	}
	arrays := make([]*Array, 0, len(zr.File))
	seen := map[string]bool{}
	for _, f := range zr.File {
		a, err := readNPZEntry(f, size)
		if err != nil {
			return nil, inFile(err, "", strings.ToValidUTF8(f.Name, "\uFFFD"))
		}
		if seen[a.Name] {
			return nil, &FileError{Entry: f.Name, Msg: "duplicate array name"}
		}
		seen[a.Name] = true
		arrays = append(arrays, a)
	}
	return arrays, nil
}

// maxDeflateRatio is the most a deflate stream can expand: a 258-byte match
// costs at least 2 bits. An entry claiming more than this times the archive
// size is corrupt.
const maxDeflateRatio = 1032

func readNPZEntry(f *zip.File, size int64) (*Array, error) {
	name, ok := strings.CutSuffix(f.Name, ".npy")
	if !ok || strings.HasSuffix(f.Name, "/") {
		return nil, fail("not a .npy entry; a .npz archive holds only NAME.npy entries")
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	bound := uint64(size)
	if f.Method == zip.Deflate {
		bound *= maxDeflateRatio
	}
	if f.UncompressedSize64 > bound {
		return nil, fail("entry claims %d bytes, more than the archive can hold", f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &FileError{Msg: err.Error(), Err: err}
	}
	defer rc.Close()
	a, err := readNPY(rc, int64(f.UncompressedSize64))
	if err != nil {
		return nil, err
	}
	a.Name = name
	return a, nil
}

// zipEpoch is the modification time WriteNPZ gives every entry, so that the
// same arrays always give the same bytes.
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteNPZ writes arrays to w as an uncompressed .npz archive, like
// numpy.savez: one NAME.npy entry per array, in order. It returns an error,
// before writing anything, if a name is empty or repeated or an array is
// inconsistent (see Array).
func WriteNPZ(w io.Writer, arrays []*Array) error {
	if err := checkArrays(arrays); err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, a := range arrays {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: zip.Store, Modified: zipEpoch})
		if err != nil {
			return err
		}
		if err := WriteNPY(fw, a); err != nil {
			return err
		}
	}
	return zw.Close()
}

// checkArrays validates arrays for a multi-array file: each consistent,
// named, and named once.
func checkArrays(arrays []*Array) error {
	seen := map[string]bool{}
	for i, a := range arrays {
		if a.Name == "" {
			return fail("array %d (shape %v) has no name", i, a.Shape)
		}
		if seen[a.Name] {
			return &FileError{Entry: a.Name, Msg: "duplicate array name"}
		}
		if err := checkName(a.Name); err != nil {
			return err
		}
		seen[a.Name] = true
		if err := a.check(); err != nil {
			return err
		}
	}
	return nil
}

// checkName rejects names that would not survive a round trip through
// every format: empty ones, and ones that are not UTF-8 (safetensors keys
// are JSON strings; zip readers other than Go's may decode names as CP437).
func checkName(name string) error {
	switch {
	case name == "":
		return fail("empty array name")
	case !utf8.ValidString(name):
		return fail("array name %q is not valid UTF-8", name)
	}
	return nil
}
