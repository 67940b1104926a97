package privdrop

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// defaultSignals are the signals whose default action ends a C program but
// which a Go program without os/signal ignores (USR1, USR2, PIPE not on
// stdout or stderr, ALRM, XCPU, XFSZ, VTALRM, PROF, IO, PWR) or answers with
// a goroutine dump and exit 2 (QUIT, ABRT, STKFLT). HUP, INT and TERM
// already kill a Go program as they kill a C one; the synchronous signals
// (SEGV, BUS, FPE, ILL, TRAP, SYS) stay the runtime's.
var defaultSignals = [...]syscall.Signal{
	syscall.SIGQUIT, syscall.SIGABRT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPIPE,
	syscall.SIGALRM, syscall.SIGSTKFLT, syscall.SIGXCPU, syscall.SIGXFSZ, syscall.SIGVTALRM,
	syscall.SIGPROF, syscall.SIGIO, syscall.SIGPWR,
}

// DefaultSignals gives back the kernel's default action to the signals the
// Go runtime catches and then ignores or turns into a stack dump, so that
// a program that waits (fghack, tai64n, tai64nlocal, readproctitle) is
// killed by them as a C program is. It sets SIG_DFL with rt_sigaction
// itself: os/signal can only hand a signal back to the runtime's handler.
// An all-zero struct sigaction is SIG_DFL with no flags and an empty mask
// on every architecture.
func DefaultSignals() {
	var dfl [4]uint64
	for _, sig := range defaultSignals {
		unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0)
	}
}
