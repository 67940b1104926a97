package applets

import (
	"runtime"
	"slices"
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
	// ExecLimited execs path like Proc.Exec, with the limits set
	// immediately before the execve and taken back if it fails, so that no
	// Go code runs under limits the runtime cannot live with (chain.go).
	// A failure to set them is softlimit's fatal error, as an *ExitError.
	ExecLimited(limits []privdrop.Limit, path string, argv, env []string) error
	// ExecCheck returns the error an execve would fail with before it even
	// looks at the program: EAGAIN after a setuid that went over
	// RLIMIT_NPROC. A fused link calls it where the exec would have been.
	ExecCheck() error
	// DefaultSignals gives back the kernel's default action to the
	// asynchronous signals the Go runtime catches and then ignores or
	// turns into a stack dump, so that a program that waits (fghack,
	// tai64n, tai64nlocal, readproctitle) is killed by them as a C
	// program is. The signals in keep stay the runtime's: multilog catches
	// ALRM with os/signal, which cannot take a signal back from SIG_DFL.
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

// ExecLimited prepares everything the execve needs first, because between
// setting the limits and the execve nothing may allocate: a Go heap that
// needs more address space under a small RLIMIT_AS dies with "fatal error:
// runtime: cannot allocate memory".
func (realSystem) ExecLimited(limits []privdrop.Limit, path string, argv, env []string) error {
	pathp, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return err
	}
	envp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return err
	}
	saved := make([]syscall.Rlimit, len(limits))
	want := make([]syscall.Rlimit, len(limits))
	// The runtime raises its own RLIMIT_NOFILE at start-up and syscall.Exec
	// gives the program the original back. Exec'ing "" does just that and
	// then fails (ENOENT) before the kernel looks at anything else.
	syscall.Exec("", nil, nil)
	restore := func(n int) {
		for i := n - 1; i >= 0; i-- {
			syscall.Setrlimit(limits[i].Resource, &saved[i])
		}
	}
	for i, l := range limits {
		if err := syscall.Getrlimit(l.Resource, &saved[i]); err != nil {
			restore(i)
			return softlimitFailed("getrlimit failed", err)
		}
		want[i] = syscall.Rlimit{Cur: min(l.Soft, saved[i].Max), Max: saved[i].Max}
		if err := syscall.Setrlimit(l.Resource, &want[i]); err != nil {
			restore(i)
			return softlimitFailed("setrlimit failed", err)
		}
	}
	_, _, errno := syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(pathp)),
		uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])))
	restore(len(limits))
	return errno
}

// softlimitFailed is softlimit's fatal error for a limit set late.
func softlimitFailed(text string, err error) error {
	return &ExitError{ExitTemporary, "softlimit: fatal: " + text + ": " + Errstr(err) + "\n"}
}

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

// defaultSignals are the signals whose default action ends a C program but
// which a Go program without os/signal ignores (USR1, USR2, PIPE not on
// stdout or stderr, ALRM, XCPU, XFSZ, VTALRM, PROF, IO, PWR) or answers with
// a goroutine dump and exit 2 (QUIT, ABRT, STKFLT). HUP, INT and TERM
// already kill a Go program as they kill a C one; the synchronous signals
// (SEGV, BUS, FPE, ILL, TRAP, SYS) stay the runtime's. The real-time
// signals from firstFreeRealtime on are ignored too and are reset as well;
// 32 to 34 stay the runtime's (it runs a system call on every thread, as
// setuid needs, with 33), and a Go program dies of 32 and 34 anyway.
var defaultSignals = [...]syscall.Signal{
	syscall.SIGQUIT, syscall.SIGABRT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPIPE,
	syscall.SIGALRM, syscall.SIGSTKFLT, syscall.SIGXCPU, syscall.SIGXFSZ, syscall.SIGVTALRM,
	syscall.SIGPROF, syscall.SIGIO, syscall.SIGPWR,
}

// DefaultSignals sets SIG_DFL with rt_sigaction itself: os/signal can
// only hand a signal back to the runtime's handler. An all-zero struct
// sigaction is SIG_DFL with no flags and an empty mask on every
// architecture.
func (realSystem) DefaultSignals(keep ...syscall.Signal) {
	var dfl [4]uint64
	reset := func(sig syscall.Signal) {
		if !slices.Contains(keep, sig) {
			unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0)
		}
	}
	for _, sig := range defaultSignals {
		reset(sig)
	}
	for sig := firstFreeRealtime; sig <= lastRealtime; sig++ {
		reset(sig)
	}
}

// firstFreeRealtime and lastRealtime bound the real-time signals the Go
// runtime neither uses nor lets kill (SIGRTMIN+3 to SIGRTMAX on Linux).
const firstFreeRealtime, lastRealtime syscall.Signal = 35, 64
