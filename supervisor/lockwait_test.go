package supervisor

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// lockedDir is a service directory (down, so nothing is started) whose
// supervise/lock the test holds through a descriptor of its own, as a
// dying supervisor's forked child would; unlock releases it.
func lockedDir(t *testing.T) (dir *os.File, unlock func()) {
	t.Helper()
	path := t.TempDir()
	for _, err := range []error{
		os.WriteFile(filepath.Join(path, "down"), nil, 0o644),
		os.Mkdir(filepath.Join(path, "supervise"), 0o700),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	lock, err := os.OpenFile(filepath.Join(path, "supervise", "lock"), os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lock.Close() })
	dir, err = OpenDir(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dir.Close() })
	return dir, func() { lock.Close() }
}

func TestLockTakenFailsWithoutWait(t *testing.T) {
	dir, _ := lockedDir(t)
	_, err := Open(Config{Name: "s", Dir: dir})
	if want := "unable to acquire s/supervise/lock: resource temporarily unavailable"; err == nil || err.Error() != want {
		t.Errorf("Open: %v, want %q", err, want)
	}
}

// TestLockWaitGivesUp: a lock that stays taken is tried for about a
// second, quietly, then Run returns the lock's error.
func TestLockWaitGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir, _ := lockedDir(t)
		var warned []error
		s, err := Open(Config{Name: "s", Dir: dir, WaitLock: true, Warn: func(err error) { warned = append(warned, err) }})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		start := time.Now()
		err = s.Run()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			t.Errorf("Run: %v, want the lock's error", err)
		}
		var total time.Duration
		for _, d := range lockRetries {
			total += d
		}
		if d := time.Since(start); d != total || total > 2*time.Second {
			t.Errorf("gave up after %v, want %v (under 2 s)", d, total)
		}
		if len(warned) != 0 {
			t.Errorf("warnings while waiting: %v", warned)
		}
	})
}

// TestLockWaitStopsOnShutdown: a shutdown while waiting ends Run at once,
// without an error.
func TestLockWaitStopsOnShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir, _ := lockedDir(t)
		s, err := Open(Config{Name: "s", Dir: dir, WaitLock: true})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		s.Shutdown()
		start := time.Now()
		if err := s.Run(); err != nil {
			t.Errorf("Run: %v, want nil", err)
		}
		if d := time.Since(start); d > lockRetries[0] {
			t.Errorf("Run took %v after Shutdown", d)
		}
	})
}

// TestLockWaitTakesOver: once the lock is free the service starts as
// after an Open that got it at once: status written, ok open.
func TestLockWaitTakesOver(t *testing.T) {
	dir, unlock := lockedDir(t)
	s, err := Open(Config{Name: "s", Dir: dir, WaitLock: true, Reaper: sharedReaper()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	status := filepath.Join(dir.Name(), "supervise", "status")
	if _, err := os.Stat(status); err == nil {
		t.Fatal("status written while the lock was taken")
	}
	done := make(chan error)
	go func() { done <- s.Run() }()
	unlock()
	deadline := time.Now().Add(10 * time.Second)
	for !running(dir) {
		if time.Now().After(deadline) {
			t.Fatal("supervise/ok not open 10 s after the lock was free")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if b, err := os.ReadFile(status); err != nil || len(b) != 18 {
		t.Errorf("status: %d bytes, %v", len(b), err)
	}
	s.Shutdown()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// running reports whether a supervisor has supervise/ok open for reading.
func running(dir *os.File) bool {
	f, err := os.OpenFile(filepath.Join(dir.Name(), "supervise", "ok"), os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}
