package logger

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// startRun runs a Logger on a pipe and returns the pipe's write end, the
// logger and a channel closed when Run returns.
func (h *harness) startRun(args ...string) (*os.File, *os.File, *Logger, chan struct{}) {
	h.t.Helper()
	l, err := Open(h.config(h.script(args...)))
	if err != nil {
		h.t.Fatalf("Open: %v", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		h.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { l.Run(r); close(done) }()
	h.t.Cleanup(func() {
		w.Close()
		<-done
		l.Close()
		r.Close()
	})
	return r, w, l, done
}

// waitFile polls until the file has exactly want (the logger writes
// everything out before it waits for input).
func (h *harness) waitFile(name, want string) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := os.ReadFile(h.path(name))
		if err == nil && string(got) == want {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s = %q (%v), want %q", name, got, err, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTerminateFinishesTheLine(t *testing.T) {
	h := newHarness(t)
	r, w, l, done := h.startRun("DIR:d")
	w.WriteString("one\npartial") // one write, so one read takes both lines
	h.waitFile("d/current", "one\n")
	l.Terminate()
	w.WriteString(" end\nafter\n")
	<-done
	if got := h.read("d/current"); got != "one\npartial end\n" {
		t.Errorf("current = %q", got)
	}
	w.Close()
	rest := make([]byte, 100)
	n, _ := r.Read(rest)
	if got := string(rest[:n]); got != "after\n" {
		t.Errorf("left in the pipe: %q, want %q", got, "after\n")
	}
	if fi, err := os.Stat(h.path("d/current")); err != nil || fi.Mode().Perm() != 0o744 {
		t.Errorf("current after TERM: %v %v, want mode 744", fi.Mode(), err)
	}
}

func TestTerminateWhenIdleEndsAtOnce(t *testing.T) {
	h := newHarness(t)
	_, w, l, done := h.startRun("DIR:d")
	w.WriteString("one\n")
	h.waitFile("d/current", "one\n")
	l.Terminate()
	<-done
}

// TestRunWithoutInput: a nil input is empty, so Run ends at once and marks
// current complete.
func TestRunWithoutInput(t *testing.T) {
	h := newHarness(t)
	l, err := Open(h.config(h.script("DIR:d")))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	go func() { l.Run(nil); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		l.Terminate() // lets the test end if Run waits for input it cannot get
		<-done
		t.Fatal("Run(nil) waited for input")
	}
	if fi, err := os.Stat(h.path("d/current")); err != nil || fi.Mode().Perm() != 0o744 {
		t.Errorf("current: %v %v, want mode 744", fi, err)
	}
}

func TestRotateRotatesNonEmptyCurrents(t *testing.T) {
	h := newHarness(t)
	_, w, l, done := h.startRun("DIR:a", "-*", "DIR:b")
	w.WriteString("x\n")
	h.waitFile("a/current", "x\n")
	l.Rotate()
	h.waitFile("a/current", "")
	w.WriteString("y\n")
	h.waitFile("a/current", "y\n")
	w.Close()
	<-done
	if diff := h.archives("a"); len(diff) != 1 || diff[0] != "x\n" {
		t.Errorf("a's archives = %q", diff)
	}
	if got := h.archives("b"); len(got) != 0 {
		t.Errorf("b's archives = %q, want none (its current was empty)", got)
	}
}

// TestProcessorPausesBetweenTries runs the retry loop on synctest's clock:
// a failed processor costs one pause, a crashed one two (COMPAT §5.3).
func TestProcessorPausesBetweenTries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.tweak = func(c *Config) { c.Pause = DefaultPause; c.Now = time.Now }
		marker := h.path("marker")
		proc := "!if [ ! -e " + marker + " ]; then : >" + marker + "; exit 3; fi; " +
			"if [ ! -s " + marker + " ]; then echo x >" + marker + "; kill -9 $$; fi; cat"
		start := time.Now()
		h.run(numbered(60, 51), "s4096", proc, "DIR:d")
		if got := time.Since(start); got != 3*DefaultPause {
			t.Errorf("took %v, want %v", got, 3*DefaultPause)
		}
	})
}

// FuzzSelection checks that a directory gets exactly the lines its pattern
// leaves selected, whole, each with one newline, and nothing else.
func FuzzSelection(f *testing.F) {
	f.Add([]byte("one\ntwo\nthree"), "t*")
	f.Add(bytes.Repeat([]byte("abc\n"+strings.Repeat("z", 1200)+"\n"), 3), "*z")
	f.Add([]byte("\n\n*\n"), "**")
	f.Fuzz(func(t *testing.T, input []byte, pattern string) {
		if strings.ContainsRune(pattern, 0) {
			return // arguments cannot hold NUL
		}
		h := newHarness(t)
		h.run(string(input), "s16777215", "-"+pattern, "DIR:d")
		var want []byte
		if len(input) > 0 {
			lines := bytes.SplitAfter(input, []byte("\n"))
			for _, line := range lines {
				if len(line) == 0 {
					continue
				}
				line = bytes.TrimSuffix(line, []byte("\n"))
				if !Match(pattern, line[:min(Window, len(line))]) {
					want = append(append(want, line...), '\n')
				}
			}
		}
		if got := h.read("d/current"); got != string(want) {
			t.Fatalf("current = %q, want %q", got, want)
		}
	})
}
