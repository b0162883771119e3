//go:build linux

package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cnnc/cnnc/runtime"
)

// jobDir makes a directory for a command run as a user would: the model
// m.cnn, an input x.npy, a dataset d.npz, a temporary directory tmp/ that
// cnnc gets as TMPDIR, and a bin/ directory for a fake go command. It
// returns the directory and the environment.
func jobDir(t *testing.T) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"tmp", "bin"} {
		must(t, os.Mkdir(filepath.Join(dir, sub), 0o755))
	}
	must(t, os.WriteFile(filepath.Join(dir, "m.cnn"), []byte(tinyModel), 0o644))
	x := make([]float32, 2*16)
	must(t, runtime.WriteArrays(filepath.Join(dir, "x.npy"), []*runtime.Array{runtime.NewArray32("x", []int{2, 1, 4, 4}, x)}))
	must(t, runtime.WriteArrays(filepath.Join(dir, "d.npz"), []*runtime.Array{
		runtime.NewArray32("x", []int{2, 1, 4, 4}, x), runtime.NewArrayInt64("y", []int{2}, []int64{0, 1})}))
	env := append(os.Environ(), "TMPDIR="+filepath.Join(dir, "tmp"), "CNNC_CACHE=off")
	return dir, env
}

// fakeGo puts a go command on PATH that records its pid in dir/go.pid and
// then sleeps (as a long build would), or, with fail set, records it and
// fails.
func fakeGo(t *testing.T, dir string, env []string, fail bool) []string {
	t.Helper()
	script := "#!/bin/sh\necho $$ > " + filepath.Join(dir, "go.pid") + "\nexec sleep 600\n"
	if fail {
		script = "#!/bin/sh\necho $$ > " + filepath.Join(dir, "go.pid") + "\nexit 3\n"
	}
	must(t, os.WriteFile(filepath.Join(dir, "bin", "go"), []byte(script), 0o755))
	return append(env, "PATH="+filepath.Join(dir, "bin")+":"+os.Getenv("PATH"))
}

func cnncCommand(t *testing.T) string {
	t.Helper()
	cnnc, err := exec.LookPath("cnnc") // the test binary, installed by testscript.Main
	if err != nil {
		t.Skip("cnnc is not on PATH:", err)
	}
	return cnnc
}

// waitFor polls cond every 10 ms for up to two minutes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// gone reports whether no process has pid (a reaped child is gone).
func gone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// waitExit waits for cmd, signalled, to exit; after a minute it kills it
// and fails.
func waitExit(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Errorf("cnnc %s did not exit within a minute of the signal", cmd.Args[1])
		return <-done
	}
}

// exitStatus returns the exit status of a finished command.
func exitStatus(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func mustEmpty(t *testing.T, dir string) {
	t.Helper()
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("%s holds %v after the command", dir, entries)
	}
}

// TestInterruptBuild sends SIGTERM (and SIGINT) to cnnc while the go
// command builds the generated program (a fake one that sleeps): cnnc
// stops it, removes its build directory and exits 143 (130), for each
// command that builds.
func TestInterruptBuild(t *testing.T) {
	cnnc := cnncCommand(t)
	for _, tt := range []struct {
		args []string
		sig  syscall.Signal
	}{
		{[]string{"run", "--engine", "gen", "--input", "x.npy", "m.cnn"}, syscall.SIGTERM},
		{[]string{"bench", "m.cnn"}, syscall.SIGINT},
		{[]string{"train", "--data", "d.npz", "--out", "w.npz", "m.cnn"}, syscall.SIGTERM},
	} {
		dir, env := jobDir(t)
		cmd := exec.Command(cnnc, tt.args...)
		cmd.Dir, cmd.Env = dir, fakeGo(t, dir, env, false)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		cmd.WaitDelay = 10 * time.Second // a go command left running holds stderr
		must(t, cmd.Start())
		var pid int
		waitFor(t, "the go command", func() bool {
			b, err := os.ReadFile(filepath.Join(dir, "go.pid"))
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			return err == nil && pid > 0
		})
		t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
		must(t, cmd.Process.Signal(tt.sig))
		err := waitExit(t, cmd)
		if got := exitStatus(err); got != 128+int(tt.sig) {
			t.Errorf("cnnc %s: status %d, want %d\n%s", tt.args[0], got, 128+int(tt.sig), stderr.String())
		}
		if want := "while building the program: stopped"; !strings.Contains(stderr.String(), want) {
			t.Errorf("cnnc %s: stderr does not say %q:\n%s", tt.args[0], want, stderr.String())
		}
		if !gone(pid) {
			t.Errorf("cnnc %s: the go command (pid %d) is still running", tt.args[0], pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
		mustEmpty(t, filepath.Join(dir, "tmp"))
	}
}

// TestInterruptProgram sends SIGINT to cnnc run --engine gen while the
// generated program runs (held waiting for its input, a FIFO no one
// writes): cnnc passes the signal on, waits for the program, removes the
// directory it was built in and exits 130.
func TestInterruptProgram(t *testing.T) {
	cnnc := cnncCommand(t)
	if testing.Short() {
		t.Skip("builds a program")
	}
	dir, env := jobDir(t)
	fifo := filepath.Join(dir, "in.npy")
	must(t, syscall.Mkfifo(fifo, 0o600))
	cmd := exec.Command(cnnc, "run", "--engine", "gen", "--input", "in.npy", "m.cnn")
	cmd.Dir, cmd.Env = dir, env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.WaitDelay = 10 * time.Second // a program left running holds stderr
	must(t, cmd.Start())
	defer cmd.Process.Kill()
	var child int
	waitFor(t, "the generated program", func() bool {
		child = childRunning(cmd.Process.Pid, filepath.Join(dir, "tmp"))
		return child > 0
	})
	t.Cleanup(func() { syscall.Kill(child, syscall.SIGKILL) })
	must(t, cmd.Process.Signal(os.Interrupt))
	err := waitExit(t, cmd)
	if got := exitStatus(err); got != 130 {
		t.Errorf("status %d, want 130\n%s", got, stderr.String())
	}
	if want := "cnnc run: the program was stopped: interrupt"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
	}
	if !gone(child) {
		t.Errorf("the program (pid %d) is still running", child)
		syscall.Kill(child, syscall.SIGKILL)
	}
	mustEmpty(t, filepath.Join(dir, "tmp"))
}

// childRunning returns the pid of a child of parent running a program
// from under dir, or 0.
func childRunning(parent int, dir string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after
		// its closing parenthesis.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(parent) {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && strings.HasPrefix(exe, dir+"/") {
			return pid
		}
	}
	return 0
}

// TestGenChecksBeforeBuild checks that cnnc run --engine gen finds a bad
// input, weight file or output before it builds anything: the go command
// (a fake one here) is never started.
func TestGenChecksBeforeBuild(t *testing.T) {
	dir, env := jobDir(t)
	env = fakeGo(t, dir, env, true)
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && (k == "PATH" || k == "TMPDIR" || k == "CNNC_CACHE") {
			t.Setenv(k, v)
		}
	}
	t.Chdir(dir)
	must(t, runtime.WriteArrays("w.npz", []*runtime.Array{runtime.NewArray32("conv1.weight", []int{1}, []float32{1})}))
	tests := []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"--input", "d.npz"}, 1, "cnnc run: d.npz: --input wants one array, the file has 2"},
		{[]string{"--input", "missing.npy"}, 2, "cnnc run: open missing.npy: no such file or directory"},
		{[]string{"--input", "x.npy", "--weights", "w.npz"}, 1, "cnnc run: w.npz: conv1.weight: shape [2 1 3 3] expected, file has [1]"},
		{[]string{"--input", "x.npy", "--dy", "x.npy"}, 1, "cnnc run: x.npy: shape [2 1 4 4] does not fit the network: --dy wants [N 3] or [3]"},
		{[]string{"--input", "x.npy", "--out", "tmp"}, 2, "cnnc run: tmp: is a directory"},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		status := Run(append(append([]string{"run", "--engine", "gen"}, tt.args...), "m.cnn"), nil, &stdout, &stderr)
		if status != tt.status || !strings.HasPrefix(stderr.String(), tt.want) {
			t.Errorf("%v: status %d, stderr\n%s\nwant %d and\n%s", tt.args, status, stderr.String(), tt.status, tt.want)
		}
	}
	if _, err := os.Stat("go.pid"); err == nil {
		t.Errorf("the go command was started")
	}
}

// TestProgramCache checks that a program built once is not built again:
// the second run finds it in the cache, even with no directory to build in.
func TestProgramCache(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	dir, _ := jobDir(t)
	cache := filepath.Join(dir, "cache")
	t.Setenv("CNNC_CACHE", cache)
	t.Setenv("TMPDIR", filepath.Join(dir, "tmp"))
	t.Chdir(dir)
	args := []string{"run", "--engine", "gen", "--input", "x.npy", "m.cnn"}
	var first, second, stderr strings.Builder
	if status := Run(args, nil, &first, &stderr); status != 0 {
		t.Fatalf("first run: status %d\n%s", status, stderr.String())
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 1 {
		t.Fatalf("the cache holds %v, want one program", entries)
	}
	mustEmpty(t, filepath.Join(dir, "tmp"))
	t.Setenv("TMPDIR", filepath.Join(dir, "missing")) // a build would fail
	if status := Run(args, nil, &second, &stderr); status != 0 {
		t.Fatalf("second run: status %d\n%s", status, stderr.String())
	}
	if first.String() != second.String() {
		t.Errorf("the runs differ:\n%s\n%s", first.String(), second.String())
	}
}
