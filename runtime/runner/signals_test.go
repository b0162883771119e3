//go:build unix

package runner

import (
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cnnc/cnnc/runtime"
)

// TestRunSignalDuringWrite sends SIGINT to the process as Run begins to
// write its output: the write ends whole, with no temporary file left, and
// Run returns 130.
func TestRunSignalDuringWrite(t *testing.T) {
	dir := t.TempDir()
	x := filepath.Join(dir, "x.npy")
	if err := runtime.WriteArrays(x, []*runtime.Array{runtime.NewArray32("x", []int{3, 1}, []float32{1, 2, 3})}); err != nil {
		t.Fatal(err)
	}
	// Registered for the whole test, so that SIGINT never kills the test
	// binary; once it is received here, it has been delivered to Run too
	// (signal delivery reaches every channel before signal.Stop returns).
	seen := make(chan os.Signal, 1)
	signal.Notify(seen, os.Interrupt)
	defer signal.Stop(seen)
	beforeWrite = func() {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-seen
	}
	defer func() { beforeWrite = nil }()
	out := filepath.Join(dir, "y.npz")
	var stdout, stderr strings.Builder
	status := Run(fakeEngine{}, Options{Input: x, Out: out}, &stdout, &stderr)
	if want := "cnnc run: interrupt: stopped after writing " + out + "\n"; status != 130 || stderr.String() != want {
		t.Errorf("status %d, stderr %q; want 130 and %q", status, stderr.String(), want)
	}
	if arrays, err := runtime.ReadArrays(out); err != nil || len(arrays) != 1 {
		t.Errorf("the output: %v %v", arrays, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the directory holds %v, want x.npy and y.npz", entries)
	}
}
