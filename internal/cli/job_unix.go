//go:build unix

package cli

import (
	"os"
	"os/exec"
	"syscall"
)

// setGroup makes cmd the leader of a process group of its own.
func setGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// signalChild sends sig to cmd's process, or to its process group.
func signalChild(cmd *exec.Cmd, sig os.Signal, group bool) {
	n, ok := sig.(syscall.Signal)
	if !group || !ok {
		cmd.Process.Signal(sig)
		return
	}
	syscall.Kill(-cmd.Process.Pid, n)
}
