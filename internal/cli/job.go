package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// job runs the child processes of one cnnc command (the go command that
// builds a generated program, then the program) and owns Ctrl-C while it
// does: SIGINT and SIGTERM are caught from the start, passed on to the
// child of the moment, and cnnc waits for the child to end and cleans up
// before it exits, with 128 plus the signal's number (130, 143) unless the
// child chose its own status. A signal that arrives between children stops
// the job before the next one starts.
type job struct {
	sigs   chan os.Signal
	caught os.Signal // the first signal caught, nil if none
}

// errInterrupted is returned for a child not started because a signal came
// first.
var errInterrupted = errors.New("interrupted")

// startJob begins catching SIGINT and SIGTERM; stop ends it.
func startJob() *job {
	j := &job{sigs: make(chan os.Signal, 8)}
	signal.Notify(j.sigs, os.Interrupt, syscall.SIGTERM)
	return j
}

func (j *job) stop() { signal.Stop(j.sigs) }

// interrupted reports whether a signal has been caught, taking any that
// waits.
func (j *job) interrupted() bool {
	for {
		select {
		case sig := <-j.sigs:
			j.note(sig)
		default:
			return j.caught != nil
		}
	}
}

func (j *job) note(sig os.Signal) {
	if j.caught == nil {
		j.caught = sig
	}
}

// run starts cmd and waits for it, passing on every signal caught
// meanwhile: to cmd's whole process group when group is set (the go
// command, whose compilers must stop too, and which is in a group of its
// own so that only cnnc decides), else to cmd's process (a generated
// program shares cnnc's group and terminal, as it may read stdin). It
// returns cmd's error, or errInterrupted without starting cmd after a
// signal.
func (j *job) run(cmd *exec.Cmd, group bool) error {
	if j.interrupted() {
		return errInterrupted
	}
	if group {
		setGroup(cmd)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-j.sigs:
			j.note(sig)
			signalChild(cmd, sig, group)
		case err := <-done:
			return err
		}
	}
}

// signalStatus is the conventional exit status after sig: 128 plus its
// number, as shells report it (130 for SIGINT, 143 for SIGTERM).
func signalStatus(sig os.Signal) int {
	if n, ok := sig.(syscall.Signal); ok && n > 0 {
		return 128 + int(n)
	}
	return 130
}

// status is cnnc's exit status after a program ended with err (from run):
// the program's own status, or, for a program killed by a signal, 128 plus
// its number, with a message.
func (j *job) status(e *env, name string, err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		fmt.Fprintf(e.stderr, "cnnc %s: %v\n", name, err)
		return exitUsage
	}
	if code := ee.ExitCode(); code >= 0 {
		return code
	}
	var sig os.Signal = j.caught
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		sig = ws.Signal()
	}
	fmt.Fprintf(e.stderr, "cnnc %s: the program was stopped: %v\n", name, sig)
	return signalStatus(sig)
}
