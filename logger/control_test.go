package logger

import (
	"io/fs"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"
)

// waitDone fails the test unless done is closed within the deadline.
func waitDone(t *testing.T, done chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("Run did not return %s", what)
	}
}

// waitFor polls until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// modeOf is the permission bits of a file under the harness's root.
func (h *harness) modeOf(name string) fs.FileMode {
	h.t.Helper()
	fi, err := os.Stat(h.path(name))
	if err != nil {
		h.t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestAbort: wherever Abort finds Run, it returns at once, as a killed
// multilog ends: the partial line is not ended, current is not marked
// complete, and the pipe keeps every byte not in the log.
func TestAbort(t *testing.T) {
	idle := func(h *harness, l *Logger, r, w *os.File) {
		h.waitFile("d/current", "one\n")
		waitInPipe(h.t, r, len("part"))
	}
	long := strings.Repeat("x", 1500)
	for _, tc := range []struct {
		name string
		full bool // current's writes fail (ENOSPC), and are retried every hour
		// reach brings Run where Abort is to find it, once "one\npart"
		// has been written to the pipe.
		reach func(h *harness, l *Logger, r, w *os.File)
		log   string // d/current after Run
		kept  int    // bytes left in the pipe
	}{
		{"before Run", false, func(*harness, *Logger, *os.File, *os.File) {}, "", len("one\npart")},
		{"waiting for input", false, idle, "one\n", len("part")},
		{"stopped", false, func(h *harness, l *Logger, r, w *os.File) {
			idle(h, l, r, w)
			l.Stop()
		}, "one\n", len("part")},
		{"finishing a line after Terminate", false, func(h *harness, l *Logger, r, w *os.File) {
			// A line longer than the window is written and consumed as it
			// comes: the pipe is empty, and the wait has no deadline.
			w.WriteString(long)
			h.waitFile("d/current", "one\npart"+long)
			waitInPipe(h.t, r, 0)
			l.Terminate()
			waitFinishing(h.t, l)
		}, "one\npart" + long, 0},
		{"pausing between retries of a write", true, func(h *harness, l *Logger, r, w *os.File) {
			waitFor(h.t, "the warning", func() bool {
				h.mu.Lock()
				defer h.mu.Unlock()
				return len(h.warns) > 0
			})
		}, "", len("one\npart")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.tweak = func(c *Config) { c.Pause = time.Hour }
			l := h.open("DIR:d")
			if tc.full {
				full, err := unix.Open("/dev/full", unix.O_WRONLY|unix.O_CLOEXEC, 0)
				if err != nil {
					t.Skipf("no /dev/full: %v", err)
				}
				err = unix.Dup3(full, l.dirs[0].current, unix.O_CLOEXEC)
				unix.Close(full)
				if err != nil {
					t.Fatal(err)
				}
			}
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer w.Close()
			w.WriteString("one\npart")
			done := make(chan struct{})
			if tc.name == "before Run" {
				l.Abort()
			}
			go func() { l.Run(r); close(done) }()
			tc.reach(h, l, r, w)
			l.Abort()
			waitDone(t, done, "after Abort")
			if got := h.read("d/current"); got != tc.log {
				t.Errorf("current = %q, want %q", got, tc.log)
			}
			if got := h.modeOf("d/current"); got != 0o644 {
				t.Errorf("current has mode %o, want 644: not complete", got)
			}
			if got := inPipe(t, r); got != tc.kept {
				t.Errorf("the pipe keeps %d bytes, want %d", got, tc.kept)
			}
		})
	}
}

// waitFinishing polls until l waits for the end of its last line.
func waitFinishing(t *testing.T, l *Logger) {
	t.Helper()
	waitFor(t, "the wait for the end of the line", func() bool { return l.ctl.finishing.Load() != nil })
}

// TestRotateWaitsForTheLineEnd: once Terminate has come, only the input
// ends the wait for the rest of the line; a Rotate is done after it.
func TestRotateWaitsForTheLineEnd(t *testing.T) {
	h := newHarness(t)
	_, w, l, done := h.startRun("DIR:d")
	w.WriteString("one\npartial")
	h.waitFile("d/current", "one\n")
	l.Terminate()
	waitFinishing(t, l)
	l.Rotate()
	w.WriteString(" end\n")
	waitDone(t, done, "at the end of the line")
	if diff := cmp.Diff([]string{"one\npartial end\n"}, h.archives("d")); diff != "" {
		t.Errorf("archives (-want +got)\n%s", diff)
	}
	if got := h.read("d/current"); got != "" {
		t.Errorf("current = %q, want it empty", got)
	}
}

// TestAbortLeavesAProcessorToFinish: Abort while a processor runs ends Run
// at once; the processor goes on, as it outlives a killed multilog, and is
// still waited for.
func TestAbortLeavesAProcessorToFinish(t *testing.T) {
	h := newHarness(t)
	gate, release := h.gate()
	started, reaped := make(chan struct{}, 1), make(chan syscall.WaitStatus, 1)
	h.tweak = func(c *Config) {
		c.StartProcessor = func(dir int, argv []string, files []*os.File) (func() (syscall.WaitStatus, error), error) {
			wait, err := startNoEnv(dir, argv, files)
			if err != nil {
				return nil, err
			}
			started <- struct{}{}
			return func() (syscall.WaitStatus, error) {
				ws, err := wait()
				reaped <- ws
				return ws, err
			}, nil
		}
	}
	_, w, l, done := h.startRun("s4096", "!read x <"+gate+"; cat", "DIR:d")
	t.Cleanup(release)               // a processor left waiting would outlive the test
	w.WriteString(numbered(300, 51)) // one read, past the first rotation
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("the processor did not start")
	}
	l.Abort()
	waitDone(t, done, "after Abort while a processor runs")
	select {
	case <-reaped:
		t.Fatal("the processor ended before Run returned: Run waited for it")
	default:
	}
	if got := h.modeOf("d/current"); got != 0o644 {
		t.Errorf("current has mode %o, want 644: not complete", got)
	}
	release()
	select {
	case ws := <-reaped:
		if !ws.Exited() || ws.ExitStatus() != 0 {
			t.Errorf("the processor ended with %v, want exit 0", ws)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the processor was not waited for after the Abort")
	}
}

// startNoEnv is a Config.StartProcessor: the default, without an
// environment.
func startNoEnv(dir int, argv []string, files []*os.File) (processorWait, error) {
	return startProcess(nil, dir, argv, files)
}

// stopState is what a stopped logger has done, and left undone.
type stopState struct {
	Current  string
	Mode     fs.FileMode
	Archives []string
	Unread   []string // fakePipe's chunks not yet read
}

// TestStopHoldsRequests runs on synctest's bubble, where a stopped Run is
// seen blocked: it reads nothing more and leaves Rotate and Terminate
// pending until Continue.
func TestStopHoldsRequests(t *testing.T) {
	for _, tc := range []struct {
		name           string
		request        func(*Logger)
		stopped, after stopState
	}{
		{"rotate", (*Logger).Rotate,
			stopState{"one\n", 0o644, nil, []string{"two\n"}},
			stopState{"two\n", 0o744, []string{"one\n"}, nil}},
		{"terminate", (*Logger).Terminate,
			stopState{"one\n", 0o644, nil, []string{"two\n"}},
			stopState{"one\n", 0o744, nil, []string{"two\n"}}},
		{"none", func(*Logger) {},
			stopState{"one\n", 0o644, nil, []string{"two\n"}},
			stopState{"one\ntwo\n", 0o744, nil, nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				l := h.open("DIR:d")
				f := &fakePipe{h: h, l: l, chunks: []string{"one\n", hookHere, "two\n"}, limit: readSize}
				f.hook = func() {
					l.Stop()
					tc.request(l)
				}
				done := make(chan struct{})
				go func() { l.run(f); close(done) }()
				state := func() stopState {
					return stopState{h.read("d/current"), h.modeOf("d/current"), h.archives("d"), f.chunks}
				}
				synctest.Wait()
				if diff := cmp.Diff(tc.stopped, state(), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("stopped (-want +got)\n%s", diff)
				}
				l.Continue()
				<-done
				if diff := cmp.Diff(tc.after, state(), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("continued (-want +got)\n%s", diff)
				}
			})
		})
	}
}

// stopWatch is a teeInput that reports when a wait first ends without
// input (Stop's wake), and counts the waits and reads after that and
// before the test says Continue is near.
type stopWatch struct {
	*teeInput
	woken      chan struct{} // closed then
	wasWoken   bool
	continuing atomic.Bool
	early      int // waits and reads while stopped
}

func (s *stopWatch) wait(finishing bool) bool {
	s.count()
	ok := s.teeInput.wait(finishing)
	if !ok && !s.wasWoken {
		s.wasWoken = true
		close(s.woken)
	}
	return ok
}

func (s *stopWatch) read(line bool) ([]byte, error) {
	s.count()
	return s.teeInput.read(line)
}

func (s *stopWatch) count() {
	if s.wasWoken && !s.continuing.Load() {
		s.early++
	}
}

// TestStopLeavesInputInThePipe: Stop ends a logger's wait for its pipe,
// and then it takes nothing out of it, so the pipe fills until its writer
// would block; once continued, the logger logs all of it.
func TestStopLeavesInputInThePipe(t *testing.T) {
	h := newHarness(t)
	l := h.open("DIR:d")
	tee, w := h.teePipe(l)
	in := &stopWatch{teeInput: tee, woken: make(chan struct{})}
	done := make(chan struct{})
	go func() { l.run(in); close(done) }()
	defer func() { in.continuing.Store(true); l.Continue(); w.Close(); <-done }()
	w.WriteString("one\n")
	h.waitFile("d/current", "one\n")
	l.Stop()
	select {
	case <-in.woken:
	case <-time.After(20 * time.Second):
		t.Fatal("Stop did not end the wait for input")
	}
	chunk := []byte(numbered(80, 51)) // under PIPE_BUF: written whole or not at all
	written := 0
	rc, err := w.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	rc.Control(func(fd uintptr) { // non-blocking, as os.Pipe leaves it
		for {
			n, err := unix.Write(int(fd), chunk)
			if err != nil {
				if err != unix.EAGAIN {
					t.Error(err)
				}
				return
			}
			written += n
		}
	})
	if got, _ := unix.IoctlGetInt(tee.fd, unix.TIOCINQ); got != written {
		t.Errorf("the pipe holds %d of the %d bytes written while stopped", got, written)
	}
	if got := h.read("d/current"); got != "one\n" {
		t.Errorf("stopped, current = %q, want %q", got, "one\n")
	}
	in.continuing.Store(true)
	l.Continue()
	w.Close()
	waitDone(t, done, "at end of input")
	if in.early > 0 {
		t.Errorf("the stopped logger waited for or read its input %d times", in.early)
	}
	if got, want := h.read("d/current"), "one\n"+strings.Repeat(string(chunk), written/len(chunk)); got != want {
		t.Errorf("current has %d bytes, want %d", len(got), len(want))
	}
}

// TestStoppedLoggerDoesNotRetry runs on synctest's clock: a write that
// fails is retried after each pause, but not while the logger is stopped,
// however long; once continued, it retries at once.
func TestStoppedLoggerDoesNotRetry(t *testing.T) {
	full := devFull(t)
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		start := time.Now()
		var l *Logger
		var at []time.Duration
		h.tweak = func(c *Config) {
			c.Pause = DefaultPause
			c.Warn = func(string, error) {
				if at = append(at, time.Since(start)); len(at) == 1 {
					l.Stop()
				}
			}
		}
		l = h.open("DIR:d")
		saved, err := unix.FcntlInt(uintptr(l.dirs[0].current), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(saved)
		if err := unix.Dup3(full, l.dirs[0].current, unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { l.Run(h.input("one\n")); close(done) }()
		time.Sleep(time.Hour)
		synctest.Wait()
		if diff := cmp.Diff([]time.Duration{0}, at); diff != "" {
			t.Errorf("warnings while stopped (-want +got)\n%s", diff)
		}
		unix.Dup3(saved, l.dirs[0].current, unix.O_CLOEXEC) // space is back
		l.Continue()
		<-done
		if got := time.Since(start); got != time.Hour {
			t.Errorf("Run ended after %v, want at once after Continue, an hour in", got)
		}
		if got := h.read("d/current"); got != "one\n" {
			t.Errorf("current = %q, want %q", got, "one\n")
		}
	})
}
