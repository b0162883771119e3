//go:build !unix

package runner

import "time"

// cpuTime is 0: the process's CPU time is read on unix systems only.
func cpuTime() time.Duration { return 0 }
