package privdrop

import (
	"slices"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// defaultSignals are the signals whose default action ends a C program but
// which a Go program without os/signal ignores (USR1, USR2, PIPE not on
// stdout or stderr, ALRM, XCPU, XFSZ, VTALRM, PROF, IO, PWR) or answers with
// a goroutine dump and exit 2 (QUIT, ABRT, STKFLT). HUP, INT and TERM
// already kill a Go program as they kill a C one; the synchronous signals
// (SEGV, BUS, FPE, ILL, TRAP, SYS) stay the runtime's. The real-time
// signals from firstFreeRealtime on are ignored too and are reset as well;
// 32 to 34 stay the runtime's (with 33 it runs a system call on every
// thread, as setuid needs), and a Go program dies of 32 and 34 anyway.
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
// on every architecture. The signals in keep stay the runtime's: multilog
// catches ALRM with os/signal, which cannot take a signal back from SIG_DFL.
func DefaultSignals(keep ...syscall.Signal) {
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
