package supervisor

import (
	"os"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Exit is one reaped child.
type Exit struct {
	Pid    int
	Status syscall.WaitStatus
}

// Reaper is the one thing in a process that waits for children. Create one
// per process, before the first child is started, and start every child
// through it: a second reaper (or any Process.Wait / exec.Cmd.Wait) would
// steal exit statuses from it.
//
// On SIGCHLD it calls wait4(-1, WNOHANG) until nothing is left (signals
// coalesce) and sends each exit to the channel its pid was registered with;
// unknown pids (orphans reparented to a PID 1 or subreaper) are just reaped.
// A child that exits before Start has registered it cannot be lost: Start
// holds the lock the reaper needs for wait4 from fork to registration.
type Reaper struct {
	mu     sync.Mutex
	owners map[int]chan<- Exit
	sigs   chan os.Signal
	done   chan struct{}
	// held has a token for each child waiting at its start barrier
	// (barrier.go): each holds two descriptors here until it has exec'd,
	// and thousands of services starting at once must not run the
	// process out of descriptors.
	held chan struct{}
}

// maxHeld bounds the children waiting at their start barrier at once.
// Forks are one at a time anyway (Start holds mu).
const maxHeld = 16

// NewReaper installs the SIGCHLD handler and starts reaping.
func NewReaper() *Reaper {
	r := &Reaper{
		owners: make(map[int]chan<- Exit),
		sigs:   make(chan os.Signal, 1),
		done:   make(chan struct{}),
		held:   make(chan struct{}, maxHeld),
	}
	signal.Notify(r.sigs, syscall.SIGCHLD)
	go r.loop()
	return r
}

// Close stops reaping (for tests; a supervising process keeps its reaper).
func (r *Reaper) Close() {
	signal.Stop(r.sigs)
	close(r.done)
}

func (r *Reaper) loop() {
	r.reap() // children that exited before the handler was installed
	for {
		select {
		case <-r.sigs:
			r.reap()
		case <-r.done:
			return
		}
	}
}

// reap collects every exited child. Sends never block: each owner's
// channel has room for every child it can have at once (see Start).
func (r *Reaper) reap() {
	for {
		var ws unix.WaitStatus
		r.mu.Lock()
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		owner := r.owners[pid]
		delete(r.owners, pid)
		r.mu.Unlock()
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		if owner != nil {
			select {
			case owner <- Exit{pid, syscall.WaitStatus(ws)}:
			default: // the owner has stopped listening: nothing to tell
			}
		}
	}
}

// Start forks and execs argv0 and registers the child so that its exit is
// sent on exits, which must be buffered with room for every child of its
// owner that can be alive at once. The error is an exec failure reported by
// the child (syscall.ForkExec reaps that child itself).
func (r *Reaper) Start(argv0 string, argv []string, attr *syscall.ProcAttr, exits chan<- Exit) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pid, err := syscall.ForkExec(argv0, argv, attr)
	if err != nil {
		return 0, err
	}
	r.owners[pid] = exits
	return pid, nil
}
