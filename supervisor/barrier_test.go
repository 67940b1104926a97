package supervisor

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// heldShell starts sh -c script in dir behind the barrier.
func heldShell(t *testing.T, dir, script string, exits chan Exit) *heldChild {
	t.Helper()
	attr := &syscall.ProcAttr{Dir: dir, Env: []string{"PATH=/usr/bin:/bin"}, Files: []uintptr{closedFd, closedFd, 2}}
	h, err := startHeld(sharedReaper(), "/bin/sh", []string{"sh", "-c", script}, attr, nil, exits)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// waitBlocked waits until the held child sleeps in its read of the release
// pipe (still the barrier, by its argv).
func waitBlocked(t *testing.T, pid int) {
	t.Helper()
	for range 2000 {
		cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		stat, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && strings.HasPrefix(string(stat[i+2:]), "S") &&
			strings.HasPrefix(string(cmdline), BarrierApplet+"\x00") {
			if w, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/wchan"); strings.Contains(string(w), "pipe") {
				return
			}
		}
		unix.Nanosleep(&unix.Timespec{Nsec: 5e6}, nil)
	}
	t.Fatalf("child %d never blocked at the barrier", pid)
}

// TestBarrierRunsOnlyOnceReleased: the program runs only after the release,
// with the descriptors it was given (a closed stdin stays closed, the
// barrier's own pipes are gone), in the same process.
func TestBarrierRunsOnlyOnceReleased(t *testing.T) {
	dir := t.TempDir()
	exits := make(chan Exit, 1)
	h := heldShell(t, dir, `echo $$ > ran; ls /proc/$$/fd > fds`, exits)
	waitBlocked(t, h.pid)
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		t.Fatal("ran before the release")
	}
	if err := h.let(); err != nil {
		t.Fatalf("let: %v", err)
	}
	if ex := waitExit(t, exits); ex.Pid != h.pid || ex.Status != 0 {
		t.Errorf("exit %+v, want pid %d status 0", ex, h.pid)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "ran")); strings.TrimSpace(string(b)) != strconv.Itoa(h.pid) {
		t.Errorf("ran as %q, want the barrier's pid %d", b, h.pid)
	}
	// The shell's own: 0 stays closed, 1 is "> fds", 2 was given; the
	// barrier's pipes were 3 and 4 (the shell's own are 10 and up).
	b, _ := os.ReadFile(filepath.Join(dir, "fds"))
	fds := strings.Fields(string(b))
	for _, fd := range []string{"0", "3", "4"} {
		if slices.Contains(fds, fd) {
			t.Errorf("descriptor %s open in the program: %q", fd, fds)
		}
	}
}

// TestBarrierExecFailure: exec's errno comes back from let, and the child
// exits without running anything.
func TestBarrierExecFailure(t *testing.T) {
	exits := make(chan Exit, 1)
	attr := &syscall.ProcAttr{Dir: t.TempDir(), Files: []uintptr{closedFd, closedFd, closedFd}}
	h, err := startHeld(sharedReaper(), "./missing", []string{"./missing"}, attr, nil, exits)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.let(); err != syscall.ENOENT {
		t.Errorf("let: %v, want ENOENT", err)
	}
	if ex := waitExit(t, exits); ex.Status.ExitStatus() != notReleased {
		t.Errorf("exit %+v, want %d", ex, notReleased)
	}
}

// TestBarrierSupervisorGone: a barrier whose release pipe reaches end of
// file (its supervisor died) exits without running the program.
func TestBarrierSupervisorGone(t *testing.T) {
	dir := t.TempDir()
	exits := make(chan Exit, 1)
	h := heldShell(t, dir, `echo ran > ran`, exits)
	waitBlocked(t, h.pid)
	unix.Close(h.release)
	h.report.Close()
	<-h.token
	if ex := waitExit(t, exits); ex.Pid != h.pid || ex.Status.ExitStatus() != notReleased {
		t.Errorf("exit %+v, want pid %d status %d", ex, h.pid, notReleased)
	}
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		t.Error("the program ran without a release")
	}
}

// TestBarrierDiedBeforeRelease: a barrier killed before its release makes
// let fail (EPIPE, no SIGPIPE death of the supervisor); its exit is the
// reaper's as usual.
func TestBarrierDiedBeforeRelease(t *testing.T) {
	exits := make(chan Exit, 1)
	h := heldShell(t, t.TempDir(), `echo ran > ran`, exits)
	waitBlocked(t, h.pid)
	if err := syscall.Kill(h.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if ex := waitExit(t, exits); ex.Status.Signal() != syscall.SIGKILL {
		t.Errorf("exit %+v, want SIGKILL", ex)
	}
	if err := h.let(); err != syscall.EPIPE {
		t.Errorf("let: %v, want EPIPE", err)
	}
}
