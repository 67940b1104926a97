package logger

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/sys/unix"
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
// a failed processor costs one pause, a crashed one two (docs/multilog.md).
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

// devFull is /dev/full open for writing (every write fails with ENOSPC),
// closed at the end of the test; the test is skipped without it.
func devFull(t *testing.T) int {
	t.Helper()
	full, err := unix.Open("/dev/full", unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	t.Cleanup(func() { unix.Close(full) })
	return full
}

// TestFailedWritesAreRetriedEveryPause makes writes to current fail with
// ENOSPC (its descriptor is pointed at /dev/full) until the third warning:
// the write is retried every pause, with 0.76's warning each time, and then
// every line is in current exactly once.
func TestFailedWritesAreRetriedEveryPause(t *testing.T) {
	full := devFull(t)
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		start := time.Now()
		var l *Logger
		saved := -1
		var at []time.Duration
		h.tweak = func(c *Config) {
			c.Pause = DefaultPause
			warn := c.Warn
			c.Warn = func(text string, err error) {
				warn(text, err)
				if !errors.Is(err, unix.ENOSPC) {
					t.Errorf("warning %q: %v, want ENOSPC", text, err)
				}
				if at = append(at, time.Since(start)); len(at) == 3 {
					unix.Dup3(saved, l.dirs[0].current, unix.O_CLOEXEC) // space is back
				}
			}
		}
		l, err := Open(h.config(h.script("DIR:d")))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if saved, err = unix.FcntlInt(uintptr(l.dirs[0].current), unix.F_DUPFD_CLOEXEC, 0); err != nil {
			t.Fatal(err)
		}
		defer unix.Close(saved)
		if err := unix.Dup3(full, l.dirs[0].current, unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		input := numbered(1000, 20)
		l.Run(h.input(input))
		if want := []time.Duration{0, DefaultPause, 2 * DefaultPause}; !slices.Equal(at, want) {
			t.Errorf("warnings at %v, want %v", at, want)
		}
		warning := "unable to write to " + h.path("d") + "/current, pausing: " + unix.ENOSPC.Error()
		if want := []string{warning, warning, warning}; !slices.Equal(h.warns, want) {
			t.Errorf("warnings %q, want %q", h.warns, want)
		}
		if got := h.read("d/current"); got != input {
			t.Errorf("current has %d bytes, want the %d input bytes once", len(got), len(input))
		}
	})
}

// FuzzSelection runs a script of + and - patterns with a directory half
// way and e, 1, = and a directory at the end, and checks every output
// against a model built from refMatch: each directory and stdout get exactly
// the lines selected there, whole, each with one newline; e gets their
// first 200 bytes; the = file the last one's 1001-byte record. So nothing is
// lost, duplicated or invented, and no panic.
func FuzzSelection(f *testing.F) {
	f.Add([]byte("one\ntwo\nthree"), "-t*")
	f.Add(bytes.Repeat([]byte("abc\n"+strings.Repeat("z", 1200)+"\n"), 3), "-*z")
	f.Add([]byte("\n\n*\n"), "-**\x00+")
	f.Add([]byte("one\ntwo\n"+strings.Repeat("y", 250)), "-*\x00+*o\x00-two\x00+t*")
	f.Fuzz(func(t *testing.T, input []byte, patterns string) {
		if strings.Count(patterns, "\x00") > 16 {
			return
		}
		var script []string
		for _, p := range strings.Split(patterns, "\x00") {
			if !strings.HasPrefix(p, "+") && !strings.HasPrefix(p, "-") {
				p = "-" + p
			}
			script = append(script, p)
		}
		half := len(script) / 2
		args := append(append(append([]string{"s16777215"}, script[:half]...), "DIR:a"), script[half:]...)
		args = append(args, "e", "1", "=FILE:st", "DIR:b")
		h := newHarness(t)
		h.run(string(input), args...)

		var a, b, e, st []byte
		for _, line := range bytes.SplitAfter(input, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			line = bytes.TrimSuffix(line, []byte("\n"))
			window := line[:min(Window, len(line))]
			selected := true
			for i, p := range script {
				if i == half && selected {
					a = append(append(a, line...), '\n')
				}
				if (p[0] == '+') != selected && refMatch(p[1:], string(window)) {
					selected = !selected
				}
			}
			if half == len(script) && selected {
				a = append(append(a, line...), '\n')
			}
			if !selected {
				continue
			}
			b = append(append(b, line...), '\n')
			if len(window) > 200 {
				e = append(append(e, window[:200]...), "...\n"...)
			} else {
				e = append(append(e, window...), '\n')
			}
			st = append(window[:len(window):len(window)], bytes.Repeat([]byte("\n"), Window+1-len(window))...)
		}
		for _, out := range []struct {
			name      string
			got, want string
		}{
			{"a/current", h.read("a/current"), string(a)},
			{"b/current", h.read("b/current"), string(b)},
			{"stdout", h.stdout.String(), string(b)},
			{"stderr", h.stderr.String(), string(e)},
			{"st", h.read("st"), string(st)},
		} {
			if out.got != out.want {
				t.Fatalf("script %q on %q: %s = %q, want %q", script, input, out.name, out.got, out.want)
			}
		}
	})
}

// FuzzRotation feeds lines of any length through a directory with a small
// size limit and enough archives to keep them all: the archives, oldest
// first, then current, must be the input exactly (with a newline ending a
// partial last line), and no file may exceed the limit.
func FuzzRotation(f *testing.F) {
	f.Add([]byte("0123456789\n"), uint16(0), uint8(200))
	f.Add([]byte(strings.Repeat("y", 3000)+"\nz\n"), uint16(1000), uint8(9))
	f.Add([]byte("x"), uint16(5), uint8(255))
	f.Fuzz(func(t *testing.T, seed []byte, extra uint16, repeat uint8) {
		if len(seed) == 0 || len(seed) > 5000 {
			return
		}
		size := MinSize + int(extra)
		input := bytes.Repeat(seed, int(repeat)+1)
		input = input[:min(len(input), 64<<10)] // each rotation costs an fsync
		h := newHarness(t)
		h.run(string(input), fmt.Sprintf("s%d", size), "n100000", "DIR:d")
		want := input
		if want[len(want)-1] != '\n' {
			want = append(want, '\n')
		}
		files := append(h.archives("d"), h.read("d/current"))
		if got := strings.Join(files, ""); got != string(want) {
			t.Fatalf("s%d: the files hold %d bytes, want the %d input bytes in order", size, len(got), len(want))
		}
		for i, content := range files {
			if len(content) > size {
				t.Fatalf("s%d: file %d has %d bytes", size, i, len(content))
			}
		}
	})
}
