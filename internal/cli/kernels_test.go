package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKernelNames: the commands that build a program refuse, with status
// 2 and before building, a kernel path that is unknown (listing the valid
// names), whether it comes from bench --kernels or CNNC_KERNELS.
func TestKernelNames(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.cnn")
	if err := os.WriteFile(model, []byte("input 4x4x1\nfc 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const valid = "(want avx512, asm-avx2, avx2 or portable)"
	for _, c := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"bench", "--kernels", "bogus", model}, `cnnc bench: --kernels: unknown kernels "bogus" ` + valid},
		{"bogus", []string{"bench", model}, `cnnc bench: CNNC_KERNELS: unknown kernels "bogus" ` + valid},
		{"AVX2", []string{"run", "--engine", "gen", "--input", "x.npy", model}, `cnnc run: CNNC_KERNELS: unknown kernels "AVX2" ` + valid},
		{"tpu", []string{"train", "--data", "d.npz", "--out", "w.npz", model}, `cnnc train: CNNC_KERNELS: unknown kernels "tpu" ` + valid},
	} {
		t.Setenv("CNNC_KERNELS", c.env)
		var out, errs bytes.Buffer
		status := Run(c.args, strings.NewReader(""), &out, &errs)
		if status != exitUsage || errs.String() != c.want+"\n" {
			t.Errorf("CNNC_KERNELS=%s cnnc %s: status %d, stderr %q; want %d, %q", c.env, strings.Join(c.args, " "), status, errs.String(), exitUsage, c.want)
		}
	}
}
