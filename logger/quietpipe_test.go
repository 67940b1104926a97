package logger

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestQuietPipeSurvivesClosedReader writes through QuietPipe to a pipe whose
// reader is gone with SIGPIPE at its default action, as in multilog: the
// write must fail with EPIPE, and the test process must live on, also once
// the thread's mask is restored (a SIGPIPE left pending would kill it
// then). The runtime's handler is put back afterwards.
func TestQuietPipeSurvivesClosedReader(t *testing.T) {
	var dfl, saved [4]uint64
	if _, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(syscall.SIGPIPE),
		uintptr(unsafe.Pointer(&dfl)), uintptr(unsafe.Pointer(&saved)), kernelSigsetSize, 0, 0); errno != 0 {
		t.Fatal(errno)
	}
	defer unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(syscall.SIGPIPE),
		uintptr(unsafe.Pointer(&saved)), 0, kernelSigsetSize, 0, 0)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r.Close()
	for i := range 3 {
		if n, err := (QuietPipe{w}).Write([]byte("line\n")); n != 0 || !errors.Is(err, syscall.EPIPE) {
			t.Errorf("write %d: %d bytes, error %v; want 0 bytes, EPIPE", i, n, err)
		}
	}
}
