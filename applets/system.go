package applets

import (
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"gotools/privdrop"
)

// System makes the process-wide changes chain-loaders make before they exec.
// Production uses RealSystem; unit tests record instead, so they never change
// the test process's limits, credentials or session.
type System interface {
	// SetLimit sets a soft resource limit (softlimit).
	SetLimit(privdrop.Limit) error
	// Drop becomes the account: groups, gid, uid (setuidgid).
	Drop(privdrop.Account) error
	// Setsid starts a new session; failure is ignored as in 0.76 (pgrphack).
	Setsid()
	// ExecCheck returns the error an execve would fail with before it even
	// looks at the program: EAGAIN after a setuid that went over
	// RLIMIT_NPROC. A fused link calls it where the exec would have been.
	ExecCheck() error
}

// RealSystem is the System of a real process.
var RealSystem System = realSystem{}

type realSystem struct{}

func (realSystem) SetLimit(l privdrop.Limit) error { return l.Apply() }

// Drop locks the goroutine to its thread for good before dropping, so the
// exec that follows runs on a thread that certainly went through setgroups,
// setgid and setuid (privdrop uses the all-threads calls as well).
func (realSystem) Drop(a privdrop.Account) error {
	runtime.LockOSThread()
	return privdrop.Drop(a)
}

func (realSystem) Setsid() { syscall.Setsid() }

// ExecCheck asks the kernel itself: execveat with an invalid directory
// descriptor passes execve's RLIMIT_NPROC check (the flag a setuid sets when
// the new user has too many processes) and then fails with EBADF without
// touching any file. Like a real exec, passing the check clears the flag.
func (realSystem) ExecCheck() error {
	name := []byte("gotools-exec-check\x00")
	nilv := []*byte{nil}
	_, _, errno := unix.Syscall6(unix.SYS_EXECVEAT, ^uintptr(0),
		uintptr(unsafe.Pointer(&name[0])), uintptr(unsafe.Pointer(&nilv[0])),
		uintptr(unsafe.Pointer(&nilv[0])), 0, 0)
	if errno == unix.EAGAIN {
		return errno
	}
	return nil
}
