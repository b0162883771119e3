package runner

import (
	"os"
	"os/signal"
	"syscall"
)

// beforeWrite, when a test sets it, is called as Run begins to write its
// output, with signals held.
var beforeWrite func()

// holdSignals catches SIGINT and SIGTERM until release, which returns the
// first one caught, or nil. Run holds them while it writes its output, so
// that Ctrl-C then ends a write whole rather than leaving its temporary
// file (as large as the output: 550 MB of gradients for VGG) beside it.
func holdSignals() (release func() os.Signal) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	return func() os.Signal {
		signal.Stop(sigs) // a signal being delivered has reached sigs by now
		select {
		case sig := <-sigs:
			return sig
		default:
			return nil
		}
	}
}
