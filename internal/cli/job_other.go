//go:build !unix

package cli

import (
	"os"
	"os/exec"
)

// setGroup does nothing where there are no process groups.
func setGroup(cmd *exec.Cmd) {}

// signalChild stops cmd: the only signal other systems can send.
func signalChild(cmd *exec.Cmd, sig os.Signal, group bool) {
	cmd.Process.Kill()
}
