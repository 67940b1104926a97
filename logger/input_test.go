package logger

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// terminateHere in fakePipe's chunks makes the next read call Terminate,
// hookHere its hook.
const (
	terminateHere = "\x00TERM"
	hookHere      = "\x00HOOK"
)

// fakePipe is an input that hands out chunks, as a pipe keeping what is not
// yet consumed would, and records what the log holds whenever consume
// drops bytes: that is when a kill would lose whatever is only in memory.
type fakePipe struct {
	h       *harness
	l       *Logger
	chunks  []string
	limit   int
	hook    func()
	fed     strings.Builder // everything handed out
	dropped int             // bytes consumed
	records []consumeRecord
}

// consumeRecord is the input consumed so far and the log at that moment.
type consumeRecord struct {
	Consumed int
	Dir      string // d's archives and current, oldest first
	Stdout   string
}

func (f *fakePipe) wait(bool) bool { return true }

func (f *fakePipe) read(line bool) ([]byte, error) {
	if len(f.chunks) == 0 {
		return nil, io.EOF
	}
	p := f.chunks[0]
	if p == terminateHere || p == hookHere {
		f.chunks = f.chunks[1:]
		if p == terminateHere {
			f.l.Terminate()
		} else {
			f.hook()
		}
		return nil, nil
	}
	if i := strings.IndexByte(p, '\n'); line && i >= 0 {
		p = p[:i+1]
	}
	if f.chunks[0] = f.chunks[0][len(p):]; f.chunks[0] == "" {
		f.chunks = f.chunks[1:]
	}
	f.fed.WriteString(p)
	return []byte(p), nil
}

func (f *fakePipe) consume(held int) {
	if n := f.fed.Len() - held; n > f.dropped {
		f.dropped = n
		f.records = append(f.records, consumeRecord{n, strings.Join(append(f.h.archives("d"), f.h.read("d/current")), ""), f.h.stdout.String()})
	}
}

func (f *fakePipe) holdLimit() int { return f.limit }
func (f *fakePipe) close()         {}

// runFake runs a logger with script args on a fakePipe.
func (h *harness) runFake(chunks []string, limit int, args ...string) *fakePipe {
	h.t.Helper()
	l, err := Open(h.config(h.script(args...)))
	if err != nil {
		h.t.Fatalf("Open: %v", err)
	}
	defer l.Close()
	f := &fakePipe{h: h, l: l, chunks: chunks, limit: limit}
	l.run(f)
	return f
}

// TestConsumeAfterWrite: input is consumed only as far as it is in the
// directory and on stdout; the start of an unfinished line stays in the
// pipe until the line is written.
func TestConsumeAfterWrite(t *testing.T) {
	x := strings.Repeat
	for _, tc := range []struct {
		name   string
		chunks []string
		limit  int // holdLimit; 0: 16 KiB
		args   []string
		want   []consumeRecord
	}{
		{"whole lines", []string{"a\nb\n", "c\n"}, 0, nil,
			[]consumeRecord{{4, "a\nb\n", ""}, {6, "a\nb\nc\n", ""}}},
		{"a line's start waits for its end", []string{"one\ntw", "o\nthr", "ee\n"}, 0, nil,
			[]consumeRecord{{4, "one\n", ""}, {8, "one\ntwo\n", ""}, {14, "one\ntwo\nthree\n", ""}}},
		{"a deselected line is consumed with the rest", []string{"a\nbx\nc\n"}, 0, []string{"-b*"},
			[]consumeRecord{{7, "a\nc\n", ""}}},
		{"a long line is consumed as it is written", []string{x("x", 600), x("x", 600), x("x", 300) + "\n"}, 0, nil,
			[]consumeRecord{{1200, x("x", 1200), ""}, {1501, x("x", 1500) + "\n", ""}}},
		{"stdout keeps a long line until its end", []string{x("x", 600), x("x", 600), x("x", 300) + "\n"}, 0, []string{"1"},
			[]consumeRecord{{1501, x("x", 1500) + "\n", x("x", 1500) + "\n"}}},
		{"unless that holds more than the limit", []string{x("x", 600), x("x", 600), x("x", 300) + "\n"}, 1100, []string{"1"},
			[]consumeRecord{{1200, x("x", 1200), x("x", 1200)}, {1501, x("x", 1500) + "\n", x("x", 1500) + "\n"}}},
		{"end of input ends and consumes a partial line", []string{"one\ntwo"}, 0, nil,
			[]consumeRecord{{4, "one\n", ""}, {7, "one\ntwo\n", ""}}},
		{"terminate consumes to the end of the line only", []string{"one\npar", terminateHere, "tial\nafter\n"}, 0, nil,
			[]consumeRecord{{4, "one\n", ""}, {12, "one\npartial\n", ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if tc.limit == 0 {
				tc.limit = readSize
			}
			f := h.runFake(tc.chunks, tc.limit, append(tc.args, "DIR:d")...)
			if diff := cmp.Diff(tc.want, f.records); diff != "" {
				t.Errorf("consumed (-want +got)\n%s", diff)
			}
		})
	}
}

// FuzzConsumeAfterWrite cuts numbered lines (some long) into chunks and
// runs them through rotations with a processor: whenever input is consumed,
// the consumed bytes are all in the log, so a kill then loses nothing.
func FuzzConsumeAfterWrite(f *testing.F) {
	f.Add([]byte{7, 200, 13, 255, 1})
	f.Add([]byte{255, 255, 255})
	f.Fuzz(func(t *testing.T, cuts []byte) {
		h := newHarness(t)
		input := numbered(300, 51) + strings.Repeat("y", 2500) + "\n" + numbered(50, 30)
		var chunks []string
		for i, rest := 0, input; rest != ""; i++ {
			n := 1
			if len(cuts) > 0 {
				n = int(cuts[i%len(cuts)])*20 + 1
			}
			n = min(n, len(rest))
			chunks, rest = append(chunks, rest[:n]), rest[n:]
		}
		fp := h.runFake(chunks, readSize, "s4096", "n100", "!cat", "DIR:d")
		for _, r := range fp.records {
			if !strings.HasPrefix(r.Dir, input[:r.Consumed]) {
				t.Fatalf("consumed %d bytes, but the log has only %q... of them", r.Consumed, commonPrefix(r.Dir, input[:r.Consumed]))
			}
		}
		if got := fp.records[len(fp.records)-1]; got.Consumed != len(input) || got.Dir != input {
			t.Errorf("at the end consumed %d of %d bytes, log of %d bytes", got.Consumed, len(input), len(got.Dir))
		}
	})
}

func commonPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[max(0, n-40):n]
}

// TestInputKinds: only a pipe is read with tee, and only one of four
// buffers or more; anything else is read.
func TestInputKinds(t *testing.T) {
	dir := t.TempDir()
	file, err := os.Create(filepath.Join(dir, "file"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	sock, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sock[0])
	defer unix.Close(sock[1])
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	small, sw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	defer sw.Close()
	if _, err := unix.FcntlInt(small.Fd(), unix.F_SETPIPE_SZ, 8192); err != nil {
		t.Fatal(err)
	}
	c, err := newControl()
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	got := map[string]string{}
	for name, fd := range map[string]int{"file": int(file.Fd()), "pipe": int(r.Fd()), "socket": sock[0], "/dev/null": int(null.Fd()), "8 KiB pipe": int(small.Fd())} {
		in := newInput(fd, c)
		switch in.(type) {
		case *teeInput:
			got[name] = "tee"
		case *readInput:
			got[name] = "read"
		}
		in.close()
	}
	want := map[string]string{"file": "read", "pipe": "tee", "socket": "read", "/dev/null": "read", "8 KiB pipe": "read"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// inPipe is how many bytes the pipe holds (TIOCINQ is FIONREAD).
func inPipe(t *testing.T, r *os.File) int {
	t.Helper()
	n, err := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitInPipe polls until the pipe holds want bytes.
func waitInPipe(t *testing.T, r *os.File, want int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for inPipe(t, r) != want {
		if time.Now().After(deadline) {
			t.Fatalf("the pipe holds %d bytes, want %d", inPipe(t, r), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPipeKeepsTheStartOfALine: on a real pipe, a line's start is left in
// the pipe until its end comes and the line is written.
func TestPipeKeepsTheStartOfALine(t *testing.T) {
	h := newHarness(t)
	r, w, _, done := h.startRun("DIR:d")
	w.WriteString("one\npart")
	h.waitFile("d/current", "one\n")
	waitInPipe(t, r, len("part"))
	w.WriteString("ial\n")
	h.waitFile("d/current", "one\npartial\n")
	waitInPipe(t, r, 0)
	w.Close()
	<-done
}

// gate makes a FIFO a processor can wait on ("read x <GATE"), open at
// both ends until the test ends, so that a read of it finds what release
// writes whenever it opens it. release lets the next hundred reads pass; a
// test registers it as a cleanup too (after the one that waits for Run),
// so that no processor outlives it.
func (h *harness) gate() (string, func()) {
	h.t.Helper()
	gate := h.path("gate")
	if err := unix.Mkfifo(gate, 0o600); err != nil {
		h.t.Fatal(err)
	}
	g, err := os.OpenFile(gate, os.O_RDWR, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { g.Close() })
	release := func() { g.WriteString(strings.Repeat("go\n", 100)) }
	return gate, release
}

// TestPipeKeepsWhatARunningProcessorHolds: while a processor runs, every
// byte written to the pipe is either in the log directory or still in the
// pipe, never only in the logger's memory.
func TestPipeKeepsWhatARunningProcessorHolds(t *testing.T) {
	h := newHarness(t)
	gate, release := h.gate()
	started := h.path("started")
	r, w, _, done := h.startRun("s4096", "!: >"+started+"; read x <"+gate+"; cat", "DIR:d")
	t.Cleanup(release)         // before startRun's cleanup waits for Run
	input := numbered(300, 51) // 15300 bytes: one read, past the first rotation
	w.WriteString(input)
	deadline := time.Now().Add(20 * time.Second)
	for _, err := os.Stat(started); err != nil; _, err = os.Stat(started) {
		if time.Now().After(deadline) {
			t.Fatal("the processor did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	logged := 0
	for _, name := range []string{"d/previous", "d/current"} {
		logged += len(h.read(name))
	}
	if kept := inPipe(t, r); logged+kept < len(input) {
		t.Errorf("%d bytes logged and %d in the pipe: %d of %d only in memory", logged, kept, len(input)-logged-kept, len(input))
	}
	release()
	w.Close()
	<-done
	got := strings.Join(append(h.archives("d"), h.read("d/current")), "")
	if got != input {
		t.Errorf("log has %d bytes, want the %d input bytes once", len(got), len(input))
	}
}

// teePipe returns a teeInput for l on a new pipe and the pipe's write
// end, all closed when the test ends; it skips the test where a pipe
// cannot be teed.
func (h *harness) teePipe(l *Logger) (*teeInput, *os.File) {
	h.t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { r.Close(); w.Close() })
	tee := newTeeInput(int(r.Fd()), l.ctl)
	if tee == nil {
		h.t.Skip("cannot tee a pipe here")
	}
	h.t.Cleanup(tee.close)
	return tee, w
}

// waitSignal is a teeInput that reports, once, when Run is about to wait
// while it keeps bytes in the pipe.
type waitSignal struct {
	*teeInput
	waiting chan struct{}
}

func (w *waitSignal) wait(finishing bool) bool {
	if w.waiting != nil && !w.more && w.unread > 0 {
		close(w.waiting)
		w.waiting = nil
	}
	return w.teeInput.wait(finishing)
}

// TestPipeWriterBlockedOnAFullPipe: a line's start waits in the pipe when a
// write larger than the pipe comes; its writer fills the pipe and sleeps
// without waking the logger (the pipe was not empty), and the logger must
// still notice the full pipe, log everything and end.
func TestPipeWriterBlockedOnAFullPipe(t *testing.T) {
	h := newHarness(t)
	l, err := Open(h.config(h.script("DIR:d")))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tee := newTeeInput(int(r.Fd()), l.ctl)
	if tee == nil {
		t.Skip("cannot tee a pipe here")
	}
	defer tee.close()
	in := &waitSignal{tee, make(chan struct{})}
	waiting := in.waiting
	done := make(chan struct{})
	go func() { l.run(in); close(done) }()
	w.WriteString("partial")
	<-waiting
	rest := " line\n" + numbered(5000, 51) // 255 KB in one write: more than the pipe holds
	// Blocking, as most writers' pipes are: the write sleeps when the pipe is full.
	wfd := int(w.Fd())
	go func() { unix.Write(wfd, []byte(rest)); w.Close() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		io.Copy(io.Discard, r) // lets the writer and then Run end
		<-done
		t.Fatal("the logger did not see the writer blocked on the full pipe")
	}
	if got, want := strings.Join(append(h.archives("d"), h.read("d/current")), ""), "partial"+rest; got != want {
		t.Errorf("the log has %d bytes, want the %d input bytes", len(got), len(want))
	}
}

// TestPipeKeptBytesGiveWay: a writer in packet mode (O_DIRECT) uses one
// pipe buffer per write, so a line written a byte at a time fills the
// pipe with the line's start, which the logger keeps; once nothing new has
// come for a while the logger consumes it, and the writer goes on.
func TestPipeKeptBytesGiveWay(t *testing.T) {
	h := newHarness(t)
	l, err := Open(h.config(h.script("DIR:d")))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_DIRECT|unix.O_CLOEXEC); err != nil {
		t.Skipf("no packet-mode pipes: %v", err)
	}
	r := os.NewFile(uintptr(p[0]), "r")
	defer r.Close()
	line := strings.Repeat("x", 40) + "\n" // more bytes than the pipe has buffers
	go func() {
		for i := range len(line) {
			unix.Write(p[1], []byte{line[i]})
		}
		unix.Close(p[1])
	}()
	done := make(chan struct{})
	go func() { l.Run(r); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		io.Copy(io.Discard, r) // lets the writer and then Run end
		<-done
		t.Fatal("the writer stayed stuck on the pipe its line's start filled")
	}
	if got := h.read("d/current"); got != line {
		t.Errorf("current = %q, want %q", got, line)
	}
}
