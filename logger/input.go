package logger

import (
	"bytes"
	"io"
	"math"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// input is where a Logger's bytes come from. Run asks it for bytes, and
// after writing them out tells it how many of the last ones are still not
// in every output; an input that can keep bytes until then (a pipe) drops
// only the others, so that a multilog killed at any instant leaves every
// byte it has not written in the pipe for the next one.
type input interface {
	// wait blocks until read may have new bytes and returns true, or
	// returns false when a request ends it: between lines any request
	// (the Logger's wake eventfd fires, and is reset here); while the last
	// line is finished after Terminate (finishing), only Stop or Abort.
	wait(finishing bool) bool
	// read returns the next bytes, never the same twice; with line set, no
	// more than up to the first newline. Nothing and no error: wait again.
	// io.EOF (or another error, taken as the end): end of input.
	read(line bool) ([]byte, error)
	// consume drops all bytes read so far but the last held ones.
	consume(held int)
	// holdLimit bounds the held bytes of consume: holding more could stop
	// the input from ever bringing new ones (a full pipe).
	holdLimit() int
	close()
}

// How soon a wait looks at a pipe again while bytes are kept in it (see
// teeInput).
const (
	minRecheck = 200 * time.Microsecond
	maxRecheck = time.Second
)

// minTeePipe is the smallest pipe teeInput works with: four buffers (a user
// over its pipe quota gets pipes of two); a smaller one is read.
const minTeePipe = 16 << 10

// newInput reads fd by peeking into it with tee(2) if it is a pipe (and
// the kernel can), by read(2) otherwise; c's wake ends its waits.
func newInput(fd int, c *control) input {
	if t := newTeeInput(fd, c); t != nil {
		return t
	}
	return &readInput{fd: fd, c: c}
}

// readInput is any input that is not teed (a file, a terminal, a socket, a
// small pipe): what is read is gone from it, as in 0.76. Its wait blocks
// its thread in ppoll(2), unlike teeInput's: a logger under svscan always
// reads a pipe, so only a multilog process of its own reads this way.
type readInput struct {
	fd  int
	c   *control
	buf []byte // from inBufs, between a read and the next wait
}

func (r *readInput) wait(finishing bool) bool {
	putInBuf(&r.buf)
	fds := [2]unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN}, {Fd: int32(r.c.wake), Events: unix.POLLIN}}
	for {
		if _, err := unix.Ppoll(fds[:], nil, nil); err != nil {
			return false // a signal: look at the requests again
		}
		if fds[1].Revents == 0 {
			return true
		}
		r.c.reset()
		if r.c.interrupts(finishing) {
			return false
		}
		if fds[0].Revents != 0 {
			return true
		}
	}
}

func (r *readInput) read(line bool) ([]byte, error) {
	if r.buf == nil {
		r.buf = getInBuf(readSize)
	}
	n := len(r.buf)
	if line {
		n = 1 // 0.76 finishes a line one byte at a time
	}
	n, err := unix.Read(r.fd, r.buf[:n])
	switch {
	case err == unix.EAGAIN, err == unix.EINTR:
		// A non-blocking input (inherited so): the next wait waits for it.
		return nil, nil
	case err != nil:
		return nil, err
	case n == 0:
		return nil, io.EOF
	}
	return r.buf[:n], nil
}

func (r *readInput) consume(int)    {}
func (r *readInput) holdLimit() int { return math.MaxInt }
func (r *readInput) close()         { putInBuf(&r.buf) }

// teeInput reads a pipe without consuming it: tee(2) copies the pipe's
// contents into a private pipe, which is read; the same number of bytes is
// dropped from the input pipe only once they are written. They are spliced
// to /dev/null: as cheap as reading them into a buffer (measured, see
// BENCHMARKS.md), and, unlike a read of a blocking pipe, it never waits.
//
// tee always copies from the start of the pipe, so bytes read but kept (the
// start of an unfinished line) are copied again on the next read and
// skipped. While such bytes are in the pipe it is always readable, so
// waiting for new ones cannot poll the pipe: an edge-triggered epoll on it
// is ready once a write to it has ended (or its last writer has left)
// after the last look (Linux has woken such waiters at the end of every
// write again since 5.14), and that epoll descriptor is what wait polls.
// But a writer that finds the pipe full sleeps in the middle of its write
// and wakes no reader, unless the pipe was empty when it started: with
// bytes kept, a write larger than the room left (cat, a full stdio buffer)
// would then wait for the logger and the logger for the write. So unless
// the last look found the pipe empty, wait also looks again after recheck,
// which doubles from minRecheck to maxRecheck as long as nothing new comes:
// a full pipe costs a fraction of a millisecond, a line's start sitting in
// an idle pipe a wake-up a second, and once the wait has reached
// maxRecheck the kept bytes are consumed, so that no writer can be stuck.
//
// The wait blocks no thread, only Run's goroutine, so that a process can
// host many idle loggers: the wake eventfd is in the epoll set too (level-
// triggered; taken out while the last line is finished), and the epoll
// descriptor, non-blocking, waits in Go's netpoller, which is told when
// the set has something ready; the recheck is a read deadline.
type teeInput struct {
	fd         int
	c          *control
	copy       [2]int   // the private pipe: read end, write end
	ep         *os.File // epoll on fd (edge-triggered) and c.wake
	epConn     syscall.RawConn
	null       int    // /dev/null, where consumed bytes go
	buf        []byte // from inBufs, between a read and the next wait
	bufSize    int
	unread     int           // bytes read and not yet consumed: the pipe's first bytes
	more       bool          // the last tee found new bytes: more may be there
	empty      bool          // the last tee found the pipe empty
	recheck    time.Duration // how long a wait lasts while bytes are kept
	limitBytes int           // see holdLimit
	finishing  bool          // finishing the last line: wake is out of the set

	events       [2]unix.EpollEvent
	ready, woken bool               // what the last look at the set found
	look         func(uintptr) bool // t.lookAtSet, made once: no allocation per wait
}

// newTeeInput returns nil when fd is not a pipe or cannot be teed.
func newTeeInput(fd int, c *control) *teeInput {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return nil
	}
	t := &teeInput{fd: fd, c: c, copy: [2]int{-1, -1}, null: -1, more: true, recheck: minRecheck}
	t.look = t.lookAtSet
	if t.open() != nil {
		t.close()
		return nil
	}
	return t
}

func (t *teeInput) open() error {
	if err := unix.Pipe2(t.copy[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return err
	}
	// One byte tells whether tee works on this pipe (EINVAL if not).
	n, err := unix.Tee(t.fd, t.copy[1], 1, unix.SPLICE_F_NONBLOCK)
	if err != nil && err != unix.EAGAIN {
		return err
	}
	if n > 0 {
		var b [1]byte
		unix.Read(t.copy[0], b[:])
	}
	inCap, err := unix.FcntlInt(uintptr(t.fd), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		return err
	}
	// A tee never copies more than the private pipe holds. It gets the
	// default size even where the user has used up its pipe quota, if
	// allowed.
	unix.FcntlInt(uintptr(t.copy[1]), unix.F_SETPIPE_SZ, 64<<10)
	copyCap, err := unix.FcntlInt(uintptr(t.copy[1]), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		return err
	}
	// Held bytes must leave room in both pipes for new ones. A pipe is
	// full when all its buffers (one per 4 KiB page) are in use, however
	// few bytes each holds: bytes kept, at most half of a pipe, may use
	// one buffer more than half of them. With fewer than four, a line's
	// start could fill the input pipe and stop its writer for good.
	if inCap < minTeePipe || copyCap < minTeePipe {
		return unix.ENOBUFS
	}
	t.limitBytes = min(readSize, inCap/2, copyCap/2)
	t.bufSize = min(t.limitBytes+readSize, copyCap)
	if t.null, err = unix.Open("/dev/null", unix.O_WRONLY|unix.O_CLOEXEC, 0); err != nil {
		return err
	}
	return t.openSet()
}

// openSet makes the epoll set and hands it to the netpoller.
func (t *teeInput) openSet() error {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	if err := unix.SetNonblock(ep, true); err != nil {
		unix.Close(ep)
		return err
	}
	t.ep = os.NewFile(uintptr(ep), "epoll")
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, t.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(t.fd)}); err != nil {
		return err
	}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, t.c.wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(t.c.wake)}); err != nil {
		return err
	}
	if t.epConn, err = t.ep.SyscallConn(); err != nil {
		return err
	}
	// Fails unless the netpoller took the descriptor: its waits would not
	// block.
	return t.ep.SetReadDeadline(time.Time{})
}

func (t *teeInput) wait(finishing bool) bool {
	if t.more {
		return true
	}
	if t.unread > 0 && t.recheck == maxRecheck {
		// The kept bytes have waited about 1.6 s (minRecheck doubled up to
		// maxRecheck) for anything new: the writer may be idle in the
		// middle of a line, or stuck on a pipe whose buffers they fill (a
		// pipe in packet mode takes one per write). Take them out of the
		// pipe, as 0.76 would have read them; a kill now loses them.
		t.consume(0)
	}
	if finishing && !t.finishing {
		t.finish()
	}
	putInBuf(&t.buf) // the next read tees the kept bytes again
	var deadline time.Time
	if !t.empty {
		deadline = time.Now().Add(t.recheck)
		t.recheck = min(2*t.recheck, maxRecheck)
	}
	t.ep.SetReadDeadline(deadline)
	if finishing && t.c.halted() {
		return false // Stop or Abort came before the deadline was set
	}
	t.ready, t.woken = false, false
	// An error is the deadline: time to look again, or Stop or Abort.
	t.epConn.Read(t.look)
	// Taking the set's events took the pipe's edge, so that the next wait
	// sleeps until the next write: the next read must look.
	t.more = t.ready
	if finishing {
		return !t.c.halted()
	}
	if t.woken {
		t.c.reset()
		return false
	}
	return true
}

// finish takes wake out of the set for good: while the last line is
// finished after Terminate, nothing but input (or Stop or Abort, which
// end the wait through its deadline) ends the wait, and a Rotate waits
// for the line's end.
func (t *teeInput) finish() {
	t.finishing = true
	t.epConn.Control(func(ep uintptr) { unix.EpollCtl(int(ep), unix.EPOLL_CTL_DEL, t.c.wake, nil) })
	t.c.finishing.Store(t.ep)
}

// lookAtSet is what the netpoller runs, with the epoll descriptor, before
// it waits and each time the descriptor has been readable: it takes what
// the set has ready, if anything, and reports whether the wait is over.
func (t *teeInput) lookAtSet(ep uintptr) bool {
	n, _ := unix.EpollWait(int(ep), t.events[:], 0)
	for _, ev := range t.events[:max(n, 0)] {
		if int(ev.Fd) == t.fd {
			t.ready = true
		} else {
			t.woken = true
		}
	}
	return n > 0
}

func (t *teeInput) read(line bool) ([]byte, error) {
	p, err := t.peek()
	if err == nil && len(p) == 0 && t.hungUp() {
		// No writer is left, so one more look sees all there will be.
		if p, err = t.peek(); err == nil && len(p) == 0 {
			err = io.EOF
		}
	}
	if err != nil {
		return nil, err
	}
	if i := bytes.IndexByte(p, '\n'); line && i >= 0 {
		p = p[:i+1] // the rest stays in the pipe
	}
	t.unread += len(p)
	return p, nil
}

// peek copies what the pipe holds into buf and returns the bytes after
// those already read.
func (t *teeInput) peek() ([]byte, error) {
	if t.buf == nil {
		t.buf = getInBuf(t.bufSize)
	}
	want := min(t.unread+readSize, len(t.buf))
	n64, err := unix.Tee(t.fd, t.copy[1], want, unix.SPLICE_F_NONBLOCK)
	n := int(n64)
	switch {
	case err == unix.EINTR:
		return nil, nil
	case err == unix.EAGAIN: // nothing in the pipe, and a writer is there
		n = 0
	case err != nil:
		return nil, err
	}
	// Only EAGAIN says the pipe is empty while a writer is there, so
	// that its next write wakes the wait.
	t.empty = err == unix.EAGAIN
	for got := 0; got < n; {
		m, err := unix.Read(t.copy[0], t.buf[got:n])
		if err != nil && err != unix.EINTR {
			return nil, err
		}
		got += max(m, 0)
	}
	// Only a look that finds nothing new may be followed by a wait: the
	// edge of a write or of the last writer leaving that came before it
	// may have been taken already.
	t.more = n > t.unread
	if !t.more {
		return nil, nil
	}
	t.recheck = minRecheck
	return t.buf[t.unread:n], nil
}

// hungUp reports whether the pipe has no writer left.
func (t *teeInput) hungUp() bool {
	fds := []unix.PollFd{{Fd: int32(t.fd), Events: unix.POLLIN}}
	unix.Poll(fds, 0)
	return fds[0].Revents&unix.POLLHUP != 0
}

func (t *teeInput) consume(held int) {
	for t.unread > held {
		n, err := unix.Splice(t.fd, nil, t.null, nil, t.unread-held, unix.SPLICE_F_NONBLOCK)
		if n > 0 {
			t.unread -= int(n)
		} else if err != unix.EINTR {
			return // the bytes are not there: another reader took them
		}
	}
}

func (t *teeInput) holdLimit() int { return t.limitBytes }

func (t *teeInput) close() {
	putInBuf(&t.buf)
	if t.ep != nil {
		t.c.finishing.CompareAndSwap(t.ep, nil)
		t.ep.Close()
	}
	for _, fd := range []int{t.copy[0], t.copy[1], t.null} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}
