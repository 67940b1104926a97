package supervisor

import "syscall"

// The sweep of a PID 1 at the end of a shutdown (tree.settle says when):
// from PID 1, kill(-1, ...) reaches every process of the namespace but
// itself; ESRCH means no one is left.

func (o *osTree) sweep() {
	if o.keeper != nil {
		o.keeper.close() // the holder ignores TERM: it is told to go
	}
	syscall.Kill(-1, syscall.SIGTERM)
	syscall.Kill(-1, syscall.SIGCONT)
}

// stragglers reports whether any other process is left in the namespace,
// zombies included (the reaper is about to collect them).
func (o *osTree) stragglers() bool { return syscall.Kill(-1, 0) != syscall.ESRCH }

func (o *osTree) killAll() { syscall.Kill(-1, syscall.SIGKILL) }
