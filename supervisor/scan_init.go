package supervisor

import (
	"syscall"
	"time"
)

// A PID 1 that exits takes every process of its PID namespace with it: the
// kernel kills them with SIGKILL. So when svscan is PID 1 (a container's
// init), once its services, loggers and foreground command are down it
// gives whatever else is still there (the daemons a service left behind
// in sessions of their own, a `docker exec` shell) TERM and CONT, and
// exits when they are gone or at the stop deadline, after SIGKILL, as an
// init does at shutdown.

// sweepPoll is how often svscan looks for stragglers after their TERM.
// Nothing tells PID 1 when the last process of the namespace is gone
// (orphans are reaped one by one, and some may not be our children yet).
const sweepPoll = 10 * time.Millisecond

// beginSweep sends TERM and CONT to every other process of the namespace
// and returns the poll ticks.
func beginSweep() <-chan time.Time {
	syscall.Kill(-1, syscall.SIGTERM) // from PID 1: everyone but itself; ESRCH: no one left
	syscall.Kill(-1, syscall.SIGCONT)
	return time.Tick(sweepPoll)
}

// stragglers reports whether any other process is left in the namespace,
// zombies included (the reaper is about to collect them).
func stragglers() bool { return syscall.Kill(-1, 0) != syscall.ESRCH }

func killStragglers() { syscall.Kill(-1, syscall.SIGKILL) }
