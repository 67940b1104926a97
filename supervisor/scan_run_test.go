package supervisor

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeSystem is a scan directory and a process table for Scanner.Run in a
// synctest bubble. Each entry of dirs is a service directory with ./run;
// those in logged have a logger. Fake services end as real ones would:
// a main on Shutdown, a logger once its pipe's writer is closed (unless
// stubborn) or on Shutdown.
type fakeSystem struct {
	mu       sync.Mutex
	t0       time.Time
	dirs     []string
	logged   map[string]bool
	stubborn bool  // loggers do not end at end of input
	readErr  error // what reading the directory fails with
	left     int   // stragglers polls that still find someone
	calls    []string
	posts    map[memberKey]func(treeEvent)
	names    map[fileID]string
}

func newFakeSystem(dirs ...string) *fakeSystem {
	return &fakeSystem{
		t0: time.Now(), dirs: dirs, logged: map[string]bool{},
		posts: map[memberKey]func(treeEvent){}, names: map[fileID]string{},
	}
}

func (f *fakeSystem) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprint("+", time.Since(f.t0), " ", fmt.Sprintf(format, args...)))
}

func (f *fakeSystem) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeSystem) label(k memberKey) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k.log {
		return f.names[k.id] + "/log"
	}
	return f.names[k.id]
}

func (f *fakeSystem) readNames() ([]string, error) { return f.dirs, f.readErr }

func (f *fakeSystem) stat(name string) (fileID, bool, error) {
	for i, d := range f.dirs {
		if d == name {
			return idOf(uint64(i + 1)), true, nil
		}
	}
	return fileID{}, false, syscall.ENOENT
}

func (f *fakeSystem) open(name string, id fileID) error {
	f.mu.Lock()
	f.names[id] = name
	f.mu.Unlock()
	return nil
}

func (f *fakeSystem) hasRun(memberKey, bool) bool { return true }

func (f *fakeSystem) pair(id fileID, name string) (bool, error) { return f.logged[name], nil }

func (f *fakeSystem) closeWriter(id fileID) {
	f.record("close writer %s", f.label(memberKey{id, false}))
	if !f.stubborn {
		f.end(memberKey{id, true})
	}
}

func (f *fakeSystem) drop(id fileID)                         { f.record("drop %v", id) }
func (f *fakeSystem) events() <-chan []inotifyEvent          { return nil }
func (f *fakeSystem) watched(evs []inotifyEvent) []treeEvent { return nil }
func (f *fakeSystem) close()                                 {}

func (f *fakeSystem) start(k memberKey, name, label string, post func(treeEvent)) error {
	f.record("start %s", f.label(k))
	f.mu.Lock()
	f.posts[k] = post
	f.mu.Unlock()
	return nil
}

// end makes a member's ./run exit and its Service end. It posts from
// Run's own goroutine, which a post never blocks.
func (f *fakeSystem) end(k memberKey) {
	f.mu.Lock()
	post := f.posts[k]
	delete(f.posts, k)
	f.mu.Unlock()
	if post != nil {
		post(evRunExited{k, 100, syscall.WaitStatus(syscall.SIGTERM)})
		post(evServiceEnded{k, nil})
	}
}

func (f *fakeSystem) shutdown(k memberKey) {
	f.record("shutdown %s", f.label(k))
	f.end(k)
}

func (f *fakeSystem) leaveWhenDown(k memberKey) { f.record("leave when down %s", f.label(k)) }

func (f *fakeSystem) startCommand() (int, <-chan Exit, error) { return 0, nil, syscall.ENOENT }

func (f *fakeSystem) signalGroup(pgid int, sig syscall.Signal) {
	f.record("signal group %d %v", pgid, sig)
}

func (f *fakeSystem) sweep() { f.record("sweep") }

func (f *fakeSystem) stragglers() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.left--
	return f.left >= 0
}

func (f *fakeSystem) killAll() { f.record("kill all") }

// runFake runs a Scanner on f until it returns, stopping it with TERM
// once it has started everything.
func runFake(t *testing.T, f *fakeSystem, cfg ScanConfig) (Ending, error) {
	t.Helper()
	cfg.StopTimeout = DefaultStopTimeout
	var warnings []string
	cfg.Warn = func(err error) { warnings = append(warnings, err.Error()) }
	s := newScanner(cfg, f, f)
	type result struct {
		e   Ending
		err error
	}
	done := make(chan result, 1)
	go func() {
		e, err := s.Run()
		done <- result{e, err}
	}()
	synctest.Wait()
	s.Shutdown(syscall.SIGTERM)
	r := <-done
	if warnings != nil {
		t.Logf("warnings: %q", warnings)
	}
	return r.e, r.err
}

func TestScannerRunsTheTree(t *testing.T) {
	for _, tc := range []struct {
		name string
		sys  func() *fakeSystem
		cfg  ScanConfig
		want []string
	}{
		{"loggers drain after their mains", func() *fakeSystem {
			f := newFakeSystem("a", "b")
			f.logged["a"] = true
			return f
		}, ScanConfig{}, []string{
			"+0s start a", "+0s start a/log", "+0s start b",
			"+0s shutdown a", "+0s leave when down a/log", "+0s shutdown b",
			"+0s signal group 100 terminated", "+0s signal group 100 continued", "+0s close writer a",
			"+0s signal group 100 terminated", "+0s signal group 100 continued",
		}},
		{"a logger that does not drain is shut down at the deadline", func() *fakeSystem {
			f := newFakeSystem("a")
			f.logged["a"], f.stubborn = true, true
			return f
		}, ScanConfig{}, []string{
			"+0s start a", "+0s start a/log",
			"+0s shutdown a", "+0s leave when down a/log",
			"+0s signal group 100 terminated", "+0s signal group 100 continued", "+0s close writer a",
			"+7s shutdown a/log",
		}},
		{"PID 1 sweeps until no one is left", func() *fakeSystem {
			f := newFakeSystem("a")
			f.left = 3
			return f
		}, ScanConfig{Init: true}, []string{
			"+0s start a", "+0s shutdown a",
			"+0s signal group 100 terminated", "+0s signal group 100 continued", "+0s sweep",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := tc.sys()
				ending, err := runFake(t, f, tc.cfg)
				if err != nil || ending != (Ending{}) {
					t.Errorf("Run() = %+v, %v; want a plain ending", ending, err)
				}
				if diff := cmp.Diff(tc.want, f.recorded()); diff != "" {
					t.Errorf("calls (-want +got)\n%s", diff)
				}
			})
		})
	}
}

// TestScannerUnreadableDirectory: each scan that cannot read the directory
// warns, and the tree goes on.
func TestScannerUnreadableDirectory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSystem("a")
		f.readErr = syscall.EACCES
		var warned []string
		s := newScanner(ScanConfig{StopTimeout: DefaultStopTimeout, Warn: func(err error) { warned = append(warned, err.Error()) }}, f, f)
		done := make(chan struct{})
		go func() {
			s.Run()
			close(done)
		}()
		time.Sleep(ScanInterval)
		synctest.Wait()
		s.Shutdown(syscall.SIGTERM)
		<-done
		want := []string{"unable to read directory: permission denied", "unable to read directory: permission denied"}
		if diff := cmp.Diff(want, warned); diff != "" {
			t.Errorf("warnings (-want +got)\n%s", diff)
		}
	})
}

// TestScannerSweepEndsAtDeadline: stragglers that never leave get
// SIGKILL at the stop deadline, and Run returns.
func TestScannerSweepEndsAtDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSystem()
		f.left = 1 << 30
		runFake(t, f, ScanConfig{Init: true})
		want := []string{"+0s sweep", "+7s kill all"}
		if diff := cmp.Diff(want, f.recorded()); diff != "" {
			t.Errorf("calls (-want +got)\n%s", diff)
		}
	})
}

// TestScannerEssentialStopsTheTree: a Service posts its exit and its stop
// for good; the tree stops with that status.
func TestScannerEssentialStopsTheTree(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSystem("e")
		s := newScanner(ScanConfig{StopTimeout: DefaultStopTimeout}, f, f)
		done := make(chan Ending, 1)
		go func() {
			e, _ := s.Run()
			done <- e
		}()
		synctest.Wait()
		post := f.posts[mainOf(1)]
		post(evRunExited{mainOf(1), 100, exitCode3})
		post(evStoppedForGood{mainOf(1), true})
		post(evServiceEnded{mainOf(1), nil})
		if got, want := <-done, (Ending{Essential: "e", Status: exitCode3}); got != want {
			t.Errorf("ending %+v, want %+v", got, want)
		}
	})
}

func TestScannerCommandNotFound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSystem("a")
		s := newScanner(ScanConfig{StopTimeout: DefaultStopTimeout, Command: &Command{}}, f, f)
		if _, err := s.Run(); err != syscall.ENOENT {
			t.Errorf("Run: %v, want ENOENT", err)
		}
	})
}

// TestInboxNeverBlocks: posts from many goroutines, with no one reading,
// all return; every event arrives once, each goroutine's in order.
func TestInboxNeverBlocks(t *testing.T) {
	b := newInbox()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				b.post(evRunExited{pid: g, status: syscall.WaitStatus(i)})
			}
		})
	}
	wg.Wait()
	<-b.ready
	next := make([]int, 8)
	for _, ev := range b.take() {
		e := ev.(evRunExited)
		if int(e.status) != next[e.pid] {
			t.Fatalf("goroutine %d: event %d, want %d", e.pid, e.status, next[e.pid])
		}
		next[e.pid]++
	}
	for g, n := range next {
		if n != 100 {
			t.Errorf("goroutine %d: %d events, want 100", g, n)
		}
	}
}

// TestScannerNoticesNewService: a service directory made after the start,
// and its ./run put in place later, are supervised at once (inotify).
func TestScannerNoticesNewService(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := NewScanner(ScanConfig{Dir: d, Env: []string{"PATH=/usr/bin:/bin"}, Reaper: sharedReaper(),
		Warn: func(err error) { t.Log(err) }})
	done := make(chan error, 1)
	go func() {
		_, err := s.Run()
		done <- err
	}()
	defer func() {
		s.Shutdown(syscall.SIGTERM)
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	flag := filepath.Join(dir, "a", "started")
	for _, step := range []func() error{
		func() error { return os.Mkdir(filepath.Join(dir, "gone"), 0o755) },
		func() error { return os.Mkdir(filepath.Join(dir, "a"), 0o755) },
		func() error { return os.Remove(filepath.Join(dir, "gone")) },
		func() error {
			return os.WriteFile(filepath.Join(dir, "a", ".run"), []byte("#!/bin/sh\ntouch started\nexec sleep 1000\n"), 0o755)
		},
		func() error { return os.Rename(filepath.Join(dir, "a", ".run"), filepath.Join(dir, "a", "run")) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, ScanInterval/2, "a/run started on inotify's news, before the periodic scan", func() (bool, error) {
		_, err := os.Stat(flag)
		return err == nil, err
	})
	s.Rescan() // forgets "gone"
}
