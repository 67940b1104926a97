package logger

import (
	"errors"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// QuietPipe writes to a file with SIGPIPE blocked on the writing thread,
// so that a write to a pipe nobody reads any more fails with EPIPE instead
// of killing the program. multilog needs it for action 1 because SIGPIPE is
// at its default action there (the applet resets it with
// privdrop.DefaultSignals), so that a SIGPIPE sent with kill still kills
// multilog as it kills 0.76's: that signal is
// sent to the process, and the kernel hands it to a thread that does not
// block it, while the SIGPIPE of a failed write is the writing thread's
// own (docs/multilog.md).
type QuietPipe struct{ File *os.File }

// kernelSigsetSize is the size of the kernel's sigset_t, 64 signals.
const kernelSigsetSize = 8

// Write blocks SIGPIPE on its thread for the write, takes back the SIGPIPE
// that a write failing with EPIPE left pending there (unblocked, it would
// kill), and restores the thread's mask. The goroutine stays on the thread
// meanwhile, also while it waits for a non-blocking pipe to take more.
func (q QuietPipe) Write(b []byte) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var pipe, old unix.Sigset_t
	pipe.Val[0] = 1 << (syscall.SIGPIPE - 1)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &pipe, &old); err != nil {
		return 0, err
	}
	n, err := q.File.Write(b)
	if errors.Is(err, syscall.EPIPE) {
		var now unix.Timespec
		unix.RawSyscall6(unix.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(&pipe)), 0,
			uintptr(unsafe.Pointer(&now)), kernelSigsetSize, 0, 0)
	}
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	return n, err
}
