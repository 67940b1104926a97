package supervisor

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeSupervised makes DIR/supervise with a status of pid and an ok FIFO
// whose reader the test holds until it ends.
func fakeSupervised(t *testing.T, pid uint32) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "supervise"), 0o700); err != nil {
		t.Fatal(err)
	}
	putStatus(t, dir, pid, Extended{})
	ok := filepath.Join(dir, "supervise/ok")
	if err := unix.Mkfifo(ok, 0o600); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(ok, unix.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return dir
}

// putStatus replaces status and xstatus as supervise does.
func putStatus(t *testing.T, dir string, pid uint32, x Extended) {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	b, _ := Status{Pid: pid, Want: WantUp}.MarshalBinary()
	xb, _ := x.MarshalText()
	if err := writeStatusFile(fd, dir, "status", b); err != nil {
		t.Fatal(err)
	}
	if err := writeStatusFile(fd, dir, XStatusFile, xb); err != nil {
		t.Fatal(err)
	}
}

func awaitAsync(dirs []string, goal Goal, timeout time.Duration) <-chan error {
	c := make(chan error, 1)
	go func() { c <- Await(dirs, goal, timeout) }()
	return c
}

func TestAwaitReactsToStatusChanges(t *testing.T) {
	a, b := fakeSupervised(t, 0), fakeSupervised(t, 0)
	done := awaitAsync([]string{a, b}, GoalUp, 0)
	putStatus(t, a, 10, Extended{})
	select {
	case err := <-done:
		t.Fatalf("returned with one of two services up: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	putStatus(t, b, 11, Extended{})
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Await did not notice the change")
	}
}

func TestAwaitReady(t *testing.T) {
	a := fakeSupervised(t, 10)
	done := awaitAsync([]string{a}, GoalReady, 0)
	putStatus(t, a, 10, Extended{Pid: 9, Ready: true}) // an older ./run's readiness
	putStatus(t, a, 10, Extended{Pid: 10, Ready: false})
	select {
	case err := <-done:
		t.Fatalf("returned before readiness: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	putStatus(t, a, 10, Extended{Pid: 10, Ready: true})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestAwaitTimeout(t *testing.T) {
	a := fakeSupervised(t, 10)
	start := time.Now()
	err := Await([]string{a}, GoalDown, 100*time.Millisecond)
	var te *TimeoutError
	if !errors.As(err, &te) || te.Dir != a {
		t.Fatalf("got %v, want a timeout for %s", err, a)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("timed out after %v", d)
	}
	if err := Await([]string{a}, GoalUp, 100*time.Millisecond); err != nil {
		t.Errorf("already up: %v", err)
	}
}

func TestAwaitNoSupervisor(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "supervise"), 0o700)
	putStatus(t, dir, 0, Extended{})
	unix.Mkfifo(filepath.Join(dir, "supervise/ok"), 0o600)
	if err := Await([]string{dir}, GoalUp, 0); !errors.Is(err, ErrNotRunning) {
		t.Errorf("got %v, want supervise not running", err)
	}
	if err := Await([]string{dir}, GoalDown, 0); err != nil {
		t.Errorf("down without supervise: %v", err)
	}
}
