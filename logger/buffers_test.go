package logger

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// bufferWatch is a teeInput that looks, at each wait that may block,
// whether the logger holds buffers there: its directories' before the
// wait, the input's own after it (it is not taken back before a read).
type bufferWatch struct {
	*teeInput
	l                  *Logger
	blocking, held     int // waits that may block; buffers held at them
	reads, readWithBuf int // reads that brought bytes; with the input buffer in use
}

func (b *bufferWatch) wait(finishing bool) bool {
	blocking := !b.more
	if blocking {
		b.blocking++
		for _, d := range b.l.dirs {
			if d.out != nil || d.buf != nil {
				b.held++
			}
		}
		if b.l.stdout.buf != nil {
			b.held++
		}
	}
	ok := b.teeInput.wait(finishing)
	if blocking && b.buf != nil {
		b.held++
	}
	return ok
}

func (b *bufferWatch) read(line bool) ([]byte, error) {
	p, err := b.teeInput.read(line)
	if len(p) > 0 {
		b.reads++
		if b.buf != nil {
			b.readWithBuf++
		}
	}
	return p, err
}

// TestIdleLoggerHoldsNoBuffers: a logger waiting for input has given its
// read and output buffers back; it takes them for each read.
func TestIdleLoggerHoldsNoBuffers(t *testing.T) {
	h := newHarness(t)
	l := h.open("DIR:a", "-*", "+x*", "DIR:b", "1")
	tee, w := h.teePipe(l)
	in := &bufferWatch{teeInput: tee, l: l}
	done := make(chan struct{})
	go func() { l.run(in); l.release(); close(done) }()
	want := ""
	for _, line := range []string{"one\n", "x two\n", "three\n"} {
		w.WriteString(line)
		want += line
		h.waitFile("a/current", want)
	}
	w.Close()
	waitDone(t, done, "at end of input")
	if in.blocking < 3 || in.held > 0 {
		t.Errorf("buffers held at %d of %d waits for input, want none of at least 3", in.held, in.blocking)
	}
	if in.reads == 0 || in.readWithBuf != in.reads {
		t.Errorf("%d of %d reads had the input buffer", in.readWithBuf, in.reads)
	}
	for _, d := range l.dirs {
		if d.out != nil || d.buf != nil {
			t.Errorf("%s still holds its buffers after Run", d.path)
		}
	}
	if l.stdout.buf != nil {
		t.Error("stdout still holds its buffer after Run")
	}
}

// TestSteadyStreamDoesNotAllocate: a logger kept busy by a pipe allocates
// nothing per line, nor per write (each of which makes it wait for input).
func TestSteadyStreamDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
	line := strings.Repeat("x", 99) + "\n"
	for _, perWrite := range []int{1, 40} {
		h := newHarness(t)
		h.tweak = func(c *Config) { c.Stdout = io.Discard } // the harness's buffer grows
		r, w, _, _ := h.startRun("t", "s16777215", "DIR:d", "=FILE:st", "1")
		rc, err := r.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		chunk := []byte(strings.Repeat(line, perWrite))
		consumed := func() bool {
			n := -1
			rc.Control(func(fd uintptr) { n, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ) })
			return n == 0
		}
		allocs := testing.AllocsPerRun(100, func() {
			w.Write(chunk)
			deadline := time.Now().Add(20 * time.Second)
			for !consumed() && time.Now().Before(deadline) {
				time.Sleep(20 * time.Microsecond)
			}
		})
		if allocs > 0 {
			t.Errorf("%d lines a write: %v allocations a write, want none", perWrite, allocs)
		}
	}
}

// TestIdleLoggersHoldNoThreads runs a hundred loggers on pipes, idle after
// a line each: together they must not hold a thread each (a wait in
// ppoll(2) would), nor their buffers (the heap would grow by about 100
// KiB a logger).
func TestIdleLoggersHoldNoThreads(t *testing.T) {
	const n = 100
	h := newHarness(t)
	threads := func() int {
		b, err := os.ReadFile("/proc/self/status")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Threads:"); ok {
				n, _ := strconv.Atoi(strings.TrimSpace(v))
				return n
			}
		}
		t.Fatal("no Threads line in /proc/self/status")
		return 0
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before, heapBefore := threads(), heap()
	for i := range n {
		_, w, _, _ := h.startRun(fmt.Sprintf("DIR:d%d", i))
		w.WriteString("one\n")
	}
	for i := range n {
		h.waitFile(fmt.Sprintf("d%d/current", i), "one\n")
	}
	grown, perLogger := threads()-before, (heap()-heapBefore)/n
	t.Logf("%d idle loggers: %d threads more, %d heap bytes each", n, grown, perLogger)
	if grown >= n/4 {
		t.Errorf("%d idle loggers hold %d threads more, want few", n, grown)
	}
	if perLogger >= 32<<10 {
		t.Errorf("an idle logger holds %d bytes of heap, want less than 32 KiB", perLogger)
	}
}
