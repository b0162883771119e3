package cli

import (
	"bytes"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// FuzzArgs runs cnnc on arbitrary arguments, in an empty directory with an
// empty standard input (so no model can be read and nothing is built): no
// panic, and the status is 0, 1 or 2.
func FuzzArgs(f *testing.F) {
	for _, s := range []string{
		"help help", "chek", "run --input - -", "summary --mem 8G -", "summary --batch 9223372036854775807 -",
		"bench --kernels avx3 -", "train --data - --weights - --out w.npz -", "fmt -w -", "check - /dev/stdin",
		"run --wieghts x -", "compile -o - -", "draw --format svg -o - -", "version", "help run", "lsp --stdio",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, line string) {
		t.Chdir(dir)
		args := strings.Fields(line)
		var out, errs bytes.Buffer
		status := Run(args, strings.NewReader(""), &out, &errs)
		if status < 0 || status > exitUsage {
			t.Fatalf("cnnc %q: status %d\n%s", args, status, errs.String())
		}
		if status != exitOK && errs.Len() == 0 {
			t.Fatalf("cnnc %q: status %d and no message", args, status)
		}
	})
}

// FuzzTensorInput gives arbitrary bytes to cnnc run as --input and as
// --weights on standard input: no panic, and status 0 or 1 (the bytes are
// a file's contents, never a path problem), with a message naming
// <stdin> when the status is 1.
func FuzzTensorInput(f *testing.F) {
	x := runtime.NewArray32("x", []int{1, 2, 2}, []float32{1, 2, 3, 4})
	for _, path := range []string{"x.npy", "x.npz", "x.safetensors"} {
		p := f.TempDir() + "/" + path
		if err := runtime.WriteArrays(p, []*runtime.Array{x}); err == nil {
			data, _ := os.ReadFile(p)
			f.Add(data)
		}
	}
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{}"))
	dir := f.TempDir()
	must(f, os.WriteFile(dir+"/m.cnn", []byte("input 2x2x1\nfc 2\n"), 0o644))
	must(f, runtime.WriteArrays(dir+"/x.npy", []*runtime.Array{x}))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, args := range [][]string{
			{"run", "--input", "-", dir + "/m.cnn"},
			{"run", "--weights", "/dev/stdin", "--input", dir + "/x.npy", dir + "/m.cnn"},
		} {
			var out, errs bytes.Buffer
			status := Run(args, bytes.NewReader(data), &out, &errs)
			if status != exitOK && (status != exitError || !strings.Contains(errs.String(), "stdin")) {
				t.Fatalf("cnnc %s: status %d\n%s", strings.Join(args, " "), status, errs.String())
			}
		}
	})
}

// FuzzMemSize: any --mem value parses to a whole number of bytes from 1 to
// 2^63-1 that math/big agrees with, or is refused with a message quoting it.
func FuzzMemSize(f *testing.F) {
	for _, s := range []string{"8GiB", "1.5GB", "2e9", "0", "-5", "1PiB", "8EiB", "1e-3kB", "9223372036854775807", ".5 kib"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseBytes(s)
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("parseBytes(%q): error %q does not quote the value", s, err)
			}
			return
		}
		if n < 1 {
			t.Fatalf("parseBytes(%q) = %d", s, n)
		}
		// Without its unit, a plain integer must read back exactly.
		if v, ok := new(big.Int).SetString(strings.TrimSpace(s), 10); ok && v.Cmp(big.NewInt(n)) != 0 {
			t.Fatalf("parseBytes(%q) = %d, want %v", s, n, v)
		}
	})
}
