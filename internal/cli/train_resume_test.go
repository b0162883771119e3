package cli

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"
)

// TestTrainResume interrupts cnnc train (AdamW, a cosine schedule after a
// warm-up, dropout-free digits model) with SIGINT once its first epoch is
// done, resumes it from its checkpoint, and requires the weights the
// resumed run ends with to be the very bytes of an uninterrupted run's, as
// are its checkpoint's weights and optimiser state.
func TestTrainResume(t *testing.T) {
	cnnc := cnncToInterrupt(t)
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	args := func(ck, out string, more ...string) []string {
		return append([]string{"train", "--data", "../../data/digits.npz", "--epochs", "4", "--batch", "2", "--threads", "2",
			"--optim", "adamw", "--schedule", "cosine", "--warmup", "1", "--checkpoint", at(ck), "--out", at(out)},
			append(more, "../../models/digits.cnn")...)
	}
	var stderr strings.Builder
	full := exec.Command(cnnc, args("full", "full.npz")...)
	full.Stderr = &stderr
	if out, err := full.Output(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s%s", err, out, stderr.String())
	}

	cmd := exec.Command(cnnc, args("part", "part.npz")...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Signal(os.Interrupt)
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "epoch 1/4") {
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
	}
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatal("cnnc train did not stop within a minute of SIGINT")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("interrupted run: %v, want status 130 (it ends in 4 epochs; the signal came too late?)\n%s", err, stderr.String())
	}
	t.Logf("interrupted: %s", strings.TrimSpace(stderr.String()))

	out, err := exec.Command(cnnc, args("part", "resumed.npz", "--resume")...).CombinedOutput()
	if err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "resuming from "+at("part/checkpoint.json")+" after ") {
		t.Errorf("the resumed run does not say where it resumes from:\n%s", out)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(at(name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, pair := range [][2]string{{"full.npz", "resumed.npz"}, {"full/weights-4.npz", "part/weights-4.npz"}, {"full/optimizer-4.npz", "part/optimizer-4.npz"}} {
		if !bytes.Equal(read(pair[0]), read(pair[1])) {
			t.Errorf("%s and %s differ", pair[0], pair[1])
		}
	}
}

// cnncToInterrupt returns the cnnc binary to run and send SIGINT to, or
// skips the test where there is none.
func cnncToInterrupt(t *testing.T) string {
	t.Helper()
	if goruntime.GOOS == "windows" {
		t.Skip("no SIGINT to send on Windows")
	}
	cnnc, err := exec.LookPath("cnnc") // the test binary, installed by testscript.Main
	if err != nil {
		t.Skip("cnnc is not on PATH:", err)
	}
	return cnnc
}
