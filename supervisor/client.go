package supervisor

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"

	"gotools/logger/tai64"
)

// The client side of the supervise/ protocol, used by svc, svok and svstat
// (docs/service-directory.md, docs/svc.md, docs/svok.md, docs/svstat.md).
// Every function takes the service directory and opens paths below it
// exactly as 0.76 does (the applets pass "." after chdir'ing into the
// directory, which is what decides 0.76's error texts).
// Errors are bare errnos, or the sentinels and types below, because each
// program words the same failure differently.

// ErrNotRunning is an open of supervise/control or supervise/ok that failed
// with ENXIO: the FIFO exists but no supervise holds its read end.
var ErrNotRunning = errors.New("supervise not running")

// WriteError is a failure to write commands into a control FIFO that was
// opened (svc: "error writing commands to DIR").
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// ReadError is a failure to read a status file that was opened.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// Control writes cmds, in one write, to dir/supervise/control. The FIFO is
// opened non-blocking, so a missing reader is ErrNotRunning rather than a
// hang, then switched to blocking: a wedged supervise with a full FIFO makes
// Control wait, as 0.76's svc does. No cmds still opens the FIFO.
func Control(dir string, cmds []byte) error {
	fd, err := openWrite(dir + "/supervise/control")
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	unix.SetNonblock(fd, false) // unchecked, like 0.76's ndelay_off
	for len(cmds) > 0 {
		n, err := unix.Write(fd, cmds)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &WriteError{err}
		}
		cmds = cmds[n:]
	}
	return nil
}

// Running reports whether a supervise is running for dir: nil if
// dir/supervise/ok has a reader, ErrNotRunning if it has none, and the errno
// otherwise (ENOENT: no supervise was ever started there).
func Running(dir string) error {
	fd, err := openWrite(dir + "/supervise/ok")
	if err != nil {
		return err
	}
	unix.Close(fd)
	return nil
}

// NormallyUp reports whether dir has no down file (stat, so any file type
// counts, and a dangling symlink counts as absent as in 0.76).
func NormallyUp(dir string) (bool, error) {
	var st unix.Stat_t
	err := unix.Stat(dir+"/down", &st)
	if err == unix.ENOENT {
		return true, nil
	}
	return false, err
}

// ReadStatus reads dir/supervise/status into b with a single read, as
// svstat does, and returns the count (fewer than 18 bytes is ErrBadFormat
// to [Status.UnmarshalBinary]). A failed open is the bare errno; a failed
// read is a *ReadError. Callers pass the buffer because 0.76's svstat keeps
// one for all directories and shows its old bytes when a read fails.
func ReadStatus(dir string, b []byte) (int, error) {
	fd, err := retryEINTR(func() (int, error) {
		return unix.Open(dir+"/supervise/status", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	n, err := retryEINTR(func() (int, error) { return unix.Read(fd, b) })
	if err != nil {
		return 0, &ReadError{err}
	}
	return n, nil
}

// Seconds is svstat's age of the last pid change at now, in whole seconds:
// 0 for a stamp in the future, and computed on TAI64 labels through a
// float64 as 0.76 does (tai_approx), so an all-zero status is about 2^62.
func (s Status) Seconds(now time.Time) uint64 {
	n := uint64(tai64.Base + now.Unix())
	if n < s.Stamp.Sec {
		return 0
	}
	return uint64(float64(n - s.Stamp.Sec))
}

// openWrite is djb's open_write: O_WRONLY|O_NONBLOCK, with ENXIO (a FIFO
// without a reader) turned into ErrNotRunning.
func openWrite(path string) (int, error) {
	fd, err := retryEINTR(func() (int, error) {
		return unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	})
	if err == unix.ENXIO {
		return -1, ErrNotRunning
	}
	return fd, err
}

// retryEINTR repeats a system call interrupted by a signal (the Go runtime
// sends itself signals; 0.76 has no handlers, so it never sees EINTR).
func retryEINTR(call func() (int, error)) (int, error) {
	for {
		n, err := call()
		if err != unix.EINTR {
			return n, err
		}
	}
}
