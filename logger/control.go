package logger

import (
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// control is how other goroutines steer a Logger's Run, as signals steer
// a multilog process: requests are flags, and an eventfd (wake), readable
// while a request has not been looked at, ends Run's wait for input.
type control struct {
	terminate, rotate atomic.Bool
	// stopped is non-nil from Stop to Continue, which closes it.
	stopped atomic.Pointer[chan struct{}]
	abort   chan struct{} // closed by Abort
	aborts  sync.Once
	// finishing is the epoll file of a teeInput waiting for the end of
	// the last line, whose set no longer watches wake: Stop and Abort end
	// that wait through its read deadline.
	finishing atomic.Pointer[os.File]

	// mu guards wake against Close: a request made while the logger
	// closes must not write to a descriptor number another file reuses.
	mu   sync.RWMutex
	wake int
}

func newControl() (*control, error) {
	c := &control{abort: make(chan struct{}), wake: -1}
	var err error
	if c.wake, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		return nil, err
	}
	return c, nil
}

// wakeUp makes wake readable.
func (c *control) wakeUp() {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.wake >= 0 {
		one := [8]byte{1}
		unix.Write(c.wake, one[:])
	}
}

// reset makes wake unreadable again; the requests stay in their flags.
func (c *control) reset() {
	var b [8]byte
	unix.Read(c.wake, b[:])
}

func (c *control) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wake >= 0 {
		unix.Close(c.wake)
		c.wake = -1
	}
}

func (c *control) stop() {
	ch := make(chan struct{})
	if c.stopped.CompareAndSwap(nil, &ch) {
		c.halt()
	}
}

func (c *control) resume() {
	if ch := c.stopped.Swap(nil); ch != nil {
		close(*ch)
	}
}

func (c *control) abortRun() {
	c.aborts.Do(func() { close(c.abort) })
	c.halt()
}

// halt ends Run's wait for input for Stop or Abort: through wake, or
// through the read deadline of a teeInput finishing the last line.
func (c *control) halt() {
	c.wakeUp()
	if f := c.finishing.Load(); f != nil {
		f.SetReadDeadline(time.Unix(1, 0)) // long past: the wait ends now
	}
}

func (c *control) aborted() bool {
	select {
	case <-c.abort:
		return true
	default:
		return false
	}
}

// halted reports whether Run must stop reading now: it is aborted or
// stopped.
func (c *control) halted() bool {
	return c.aborted() || c.stopped.Load() != nil
}

// interrupts reports whether wake, having fired, ends readInput's wait.
// While the last line is finished after Terminate only Stop and Abort do:
// nothing else but input ends that wait, and a Rotate waits for the line's
// end (a teeInput takes wake out of its set instead).
func (c *control) interrupts(finishing bool) bool {
	return !finishing || c.halted()
}

// aborting is the panic value that unwinds Run from wherever Abort finds
// it (a wait for input, a pause between retries, a processor's run) back
// to Run, which recovers it: like a SIGKILL, Abort leaves nothing to do
// on the way out, and no code between the two needs a second exit path.
type aborting struct{}

// checkpoint is where an aborted Run ends and a stopped one waits for
// Continue (or Abort).
func (c *control) checkpoint() {
	for {
		ch := c.stopped.Load()
		if ch == nil {
			break
		}
		select {
		case <-*ch:
		case <-c.abort:
		}
		if c.aborted() {
			break
		}
	}
	if c.aborted() {
		panic(aborting{})
	}
}

// recoverAbort, deferred, ends the unwinding that Abort started.
func recoverAbort() {
	if r := recover(); r != nil {
		if _, ok := r.(aborting); !ok {
			panic(r)
		}
	}
}
