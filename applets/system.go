package applets

import (
	"errors"
	"runtime"
	"syscall"

	"gotools/applets/message"
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
	// ExecLimited execs path like Proc.Exec, with the limits set
	// immediately before the execve (privdrop.ExecLimited). A failure to
	// set them is softlimit's fatal error, as an *ExitError.
	ExecLimited(limits []privdrop.Limit, path string, argv, env []string) error
	// ExecCheck is privdrop.ExecCheck: a fused link calls it where the
	// exec would have been.
	ExecCheck() error
	// DefaultSignals is privdrop.DefaultSignals: a program that waits
	// (fghack, tai64n, tai64nlocal, readproctitle) is then killed by USR1,
	// ALRM, QUIT, ... as a C program is. The signals in keep stay the
	// runtime's (multilog catches ALRM).
	DefaultSignals(keep ...syscall.Signal)
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

// ExecLimited words a limit that could not be set as softlimit's fatal
// error.
func (realSystem) ExecLimited(limits []privdrop.Limit, path string, argv, env []string) error {
	err := privdrop.ExecLimited(limits, path, argv, env)
	var limit *privdrop.LimitError
	if errors.As(err, &limit) {
		return &ExitError{ExitTemporary, message.Lines("softlimit", message.Fatal, err)}
	}
	return err
}

func (realSystem) ExecCheck() error { return privdrop.ExecCheck() }

func (realSystem) DefaultSignals(keep ...syscall.Signal) { privdrop.DefaultSignals(keep...) }
