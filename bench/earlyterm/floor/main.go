// Command floor is the reference for bench/earlyterm: a Go program that
// asks for TERM with signal.Notify as the first statement of main, then
// exits 0 after 50 ms (at once on TERM). What TERM still kills of it is the
// Go runtime's own start-up.
package main

import (
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	select {
	case <-c:
	case <-time.After(50 * time.Millisecond):
	}
}
