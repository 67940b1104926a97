package supervisor

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// TestAdoptable: a record is taken over only for the directory and boot it
// was written for, while the process it names still has its start time.
func TestAdoptable(t *testing.T) {
	here := observed{dir: fileID{2049, 77}, boot: "boot-a", start: 5000}
	rec := Extended{State: "up", Pid: 42, PidStart: 5000, DirDev: 2049, DirIno: 77, BootID: "boot-a"}
	with := func(change func(x *Extended)) Extended { x := rec; change(&x); return x }
	for _, tc := range []struct {
		name string
		x    Extended
		now  observed
		want bool
	}{
		{"the same process, directory and boot", rec, here, true},
		{"finishing", with(func(x *Extended) { x.State = "finishing" }), here, true},
		{"renamed directory (same inode)", rec, here, true},
		{"down", with(func(x *Extended) { x.State, x.Pid, x.PidStart = "down", 0, 0 }), here, false},
		{"unknown state", with(func(x *Extended) { x.State = "starting" }), here, false},
		{"process gone", rec, observed{here.dir, here.boot, 0}, false},
		{"pid reused", rec, observed{here.dir, here.boot, 5001}, false},
		{"start time unknown when written", with(func(x *Extended) { x.PidStart = 0 }), observed{here.dir, here.boot, 0}, false},
		{"a copy of the directory (new inode)", rec, observed{fileID{2049, 78}, here.boot, 5000}, false},
		{"same inode on another device", rec, observed{fileID{2050, 77}, here.boot, 5000}, false},
		{"written during another boot", rec, observed{here.dir, "boot-b", 5000}, false},
		{"boot id unreadable now", rec, observed{here.dir, "", 5000}, false},
		{"older record without directory and boot", with(func(x *Extended) { x.DirDev, x.DirIno, x.BootID = 0, 0, "" }),
			observed{fileID{}, "", 5000}, false},
		{"no pid", with(func(x *Extended) { x.Pid = 0 }), here, false},
		{"negative pid", with(func(x *Extended) { x.Pid = -1 }), here, false},
		{"a hosted logger (pid: the holder, alive)", with(func(x *Extended) { x.Hosted = true }), here, false},
	} {
		if got := adoptable(tc.x, tc.now); got != tc.want {
			t.Errorf("%s: adoptable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRecordedProcess judges a real record against this process: the
// test's own pid with its start time is adoptable from the directory the
// record names, not from a copy, and not once the record names another
// boot.
func TestRecordedProcess(t *testing.T) {
	if procStartTime(os.Getpid()) == 0 || bootID() == "" {
		t.Skip("no /proc of this PID namespace")
	}
	dir, copied := t.TempDir(), t.TempDir()
	fd, cfd := openTestDir(t, dir), openTestDir(t, copied)
	id := dirID(fd)
	rec := Extended{State: "up", Want: "up", Pid: os.Getpid(), PidStart: procStartTime(os.Getpid()),
		ExitCode: -1, DirDev: id.dev, DirIno: id.ino, BootID: bootID()}
	write := func(d string, x Extended) {
		t.Helper()
		b, _ := x.MarshalText()
		if err := os.MkdirAll(filepath.Join(d, "supervise"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "supervise", XStatusFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(dir, rec)
	write(copied, rec)
	pid, x := recordedProcess(fd)
	if pid != os.Getpid() {
		t.Errorf("own directory: pid %d, want %d", pid, os.Getpid())
	}
	if diff := cmp.Diff(rec, x); diff != "" {
		t.Errorf("record (-want +got)\n%s", diff)
	}
	if pid, _ := recordedProcess(cfd); pid != 0 {
		t.Errorf("a copy: pid %d adopted, want none", pid)
	}
	other := rec
	other.BootID = "00000000-0000-0000-0000-000000000000"
	write(dir, other)
	if pid, _ := recordedProcess(fd); pid != 0 {
		t.Errorf("another boot: pid %d adopted, want none", pid)
	}
}

// TestAdoptedSpawner: the adopted process is signalled through its pidfd
// and its exit arrives as the reaper's would; every other pid, and every
// start, goes to the service's own spawner, and once the adopted one has
// exited its pid is no longer treated as adopted.
func TestAdoptedSpawner(t *testing.T) {
	reaped := make(chan Exit, 1)
	attr := &syscall.ProcAttr{Files: []uintptr{closedFd, closedFd, closedFd}}
	pid, err := sharedReaper().Start("/bin/sleep", []string{"sleep", "1000"}, attr, reaped)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Skipf("no pidfd: %v", err)
	}
	gone := false // reaped: its pid may be another process's now
	t.Cleanup(func() {
		if !gone {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	own := &fakeSpawner{t0: time.Now()}
	a := &adoptedSpawner{spawner: own, pid: pid, pidfd: os.NewFile(uintptr(fd), "pidfd")}
	exits, done := make(chan Exit, 1), make(chan struct{})
	defer close(done)
	go watchAdopted(a.pidfd, pid, exits, done)

	a.signal(pid+1, syscall.SIGCONT) // not the adopted one: the own spawner's
	a.signal(pid, syscall.SIGTERM)
	ex := waitExit(t, reaped)
	gone = true
	if ex.Status.Signal() != syscall.SIGTERM {
		t.Errorf("sleep ended with %#x, want killed by TERM", ex.Status)
	}
	if ex := waitExit(t, exits); ex.Pid != pid {
		t.Errorf("watcher reported pid %d, want %d", ex.Pid, pid)
	}
	a.runExited()
	a.signal(pid, syscall.SIGHUP) // exited: now a pid like any other
	if _, _, err := a.start(runProg); err != nil {
		t.Fatal(err)
	}
	starts, kills := own.record()
	if len(starts) != 1 || !strings.Contains(starts[0], runProg) {
		t.Errorf("own spawner's starts %q, want one ./run", starts)
	}
	if len(kills) != 2 || !strings.HasSuffix(kills[0], fmt.Sprint(pid+1, " continued")) || !strings.HasSuffix(kills[1], fmt.Sprint(pid, " hangup")) {
		t.Errorf("own spawner's signals %q, want CONT to %d and HUP to %d", kills, pid+1, pid)
	}
}
