package supervisor

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"
)

// These tests start the real holder: this test binary re-executed as
// HolderApplet (main_test.go), as svscan starts the gotools binary.

// childHolder is a holder the test started, and its exits.
type childHolder struct {
	*holder
	exits chan Exit
}

// startTestHolder starts a holder for scanDir, killed at the end of the
// test.
func startTestHolder(t *testing.T, scanDir fileID) *childHolder {
	t.Helper()
	c := &childHolder{exits: make(chan Exit, 1)}
	h, err := startHolder(sharedReaper(), scanDir, c.exits)
	if err != nil {
		t.Fatal(err)
	}
	killAtEnd(t, h.pid)
	c.holder = h
	return c
}

// killAtEnd kills process pid at the end of the test and waits until it
// has exited. pid must be a live process: the pidfd names it, and never a
// later process with its pid (the test may have seen its exit, and the
// reaper reaped it, long before).
func killAtEnd(t *testing.T, pid int) {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		unix.Kill(pid, unix.SIGKILL) // not reaped yet: still its pid
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(p, int(holderTimeout.Milliseconds())); n != 1 {
			t.Errorf("process %d still alive after SIGKILL", pid)
		}
		unix.Close(fd)
	})
}

// exit waits for the holder's exit.
func (c *childHolder) exit(t *testing.T) Exit {
	t.Helper()
	ex := waitExit(t, c.exits)
	if ex.Pid != c.pid {
		t.Fatalf("exit of pid %d, want the holder's %d", ex.Pid, c.pid)
	}
	return ex
}

// testScanDir is the identity of a new directory, so each test has a
// holder name of its own.
func testScanDir(t *testing.T) fileID {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(t.TempDir(), &st); err != nil {
		t.Fatal(err)
	}
	return fileID{st.Dev, st.Ino}
}

// heldPipe is a pipe with text waiting in it, as a service left it.
type heldPipe struct {
	key  fileID
	r, w *os.File
	text string
}

func newLogPipes(t *testing.T, n int) []heldPipe {
	t.Helper()
	pipes := make([]heldPipe, n)
	for i := range pipes {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close(); w.Close() })
		text := fmt.Sprintf("line %d of service %d\n", i, 1000+i)
		if _, err := w.WriteString(text); err != nil {
			t.Fatal(err)
		}
		pipes[i] = heldPipe{key: fileID{7, uint64(1000 + i)}, r: r, w: w, text: text}
	}
	return pipes
}

// holdAll gives the holder every pipe's read end and closes the test's
// own, so that only the holder keeps them.
func holdAll(t *testing.T, h *holder, pipes []heldPipe) {
	t.Helper()
	for _, p := range pipes {
		if err := h.hold(p.key, p.r); err != nil {
			t.Fatal(err)
		}
		p.r.Close()
	}
}

// orphanedHolder is a holder whose svscan died (its socket closed
// without bye) while it held n pipes.
func orphanedHolder(t *testing.T, n int) (fileID, *childHolder, []heldPipe) {
	t.Helper()
	scanDir := testScanDir(t)
	c := startTestHolder(t, scanDir)
	pipes := newLogPipes(t, n)
	holdAll(t, c.holder, pipes)
	c.conn.Close()
	return scanDir, c, pipes
}

// checkTaken: got has exactly the pipes of want (same pipe: fstat's
// device and inode are the write end's), each with its text still in it.
func checkTaken(t *testing.T, want []heldPipe, got map[fileID]*os.File) {
	t.Helper()
	var wantKeys, gotKeys []string
	for _, p := range want {
		wantKeys = append(wantKeys, fmt.Sprint(p.key))
	}
	for key, f := range got {
		gotKeys = append(gotKeys, fmt.Sprint(key))
		t.Cleanup(func() { f.Close() })
	}
	if diff := cmp.Diff(wantKeys, gotKeys, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Fatalf("services taken over (-want +got):\n%s", diff)
	}
	lost := 0
	for _, p := range want {
		f := got[p.key]
		var ws, gs unix.Stat_t
		unix.Fstat(int(p.w.Fd()), &ws)
		unix.Fstat(int(f.Fd()), &gs)
		if ws.Dev != gs.Dev || ws.Ino != gs.Ino {
			t.Errorf("service %v: got pipe %d:%d, want %d:%d", p.key, gs.Dev, gs.Ino, ws.Dev, ws.Ino)
			continue
		}
		if got := pending(t, f); got != p.text {
			lost += len(p.text) - len(got)
			t.Errorf("service %v: pipe holds %q, want %q", p.key, got, p.text)
		}
	}
	if lost != 0 {
		t.Errorf("%d bytes lost", lost)
	}
}

// pending reads what is waiting in the pipe f without waiting for more.
func pending(t *testing.T, f *os.File) string {
	t.Helper()
	fd := int(f.Fd())
	unix.SetNonblock(fd, true)
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if n <= 0 || err != nil {
			return string(out)
		}
		out = append(out, buf[:n]...)
	}
}

// takeOverOK takes over the holder of scanDir, which must be there.
func takeOverOK(t *testing.T, scanDir fileID) (*holder, map[fileID]*os.File, chan Exit) {
	t.Helper()
	exits := make(chan Exit, 1)
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	h, pipes, err := takeOver(scanDir, exits, done)
	if err != nil {
		t.Fatalf("take over: %v", err)
	}
	if h == nil {
		t.Fatalf("take over: no holder (pipes %v)", pipes)
	}
	t.Cleanup(func() { h.conn.Close() })
	return h, pipes, exits
}

// TestHolderKeepsPipesAcrossSvscanDeaths: svscan holds pipes and dies (its
// socket closes without bye), the next svscan takes the same holder over
// with the same pipes and the bytes still in them; it drops one, dies in
// turn, and the third gets the rest; bye ends the holder.
func TestHolderKeepsPipesAcrossSvscanDeaths(t *testing.T) {
	scanDir, c, pipes := orphanedHolder(t, 3)
	if c.start == 0 || c.start != procStartTime(c.pid) {
		t.Errorf("start time %d, want the holder's %d", c.start, procStartTime(c.pid))
	}

	h2, got, _ := takeOverOK(t, scanDir)
	if h2.pid != c.pid || h2.start != c.start {
		t.Errorf("took over pid %d (start %d), want the holder %d (start %d)", h2.pid, h2.start, c.pid, c.start)
	}
	checkTaken(t, pipes, got)

	rest := pipes[1:]
	for i := range rest { // the services write on (checkTaken read what was there)
		rest[i].w.WriteString("more\n")
		rest[i].text = "more\n"
	}
	if err := h2.drop(pipes[0].key); err != nil {
		t.Fatal(err)
	}
	h2.conn.Close() // the second svscan dies

	h3, got, _ := takeOverOK(t, scanDir)
	if h3.pid != c.pid {
		t.Errorf("took over pid %d, want %d", h3.pid, c.pid)
	}
	checkTaken(t, rest, got)

	h3.bye()
	if ex := c.exit(t); ex.Status != 0 {
		t.Errorf("holder exit status %v after bye, want 0", ex.Status)
	}
}

// TestHolderEnds: bye ends a holder at once, whatever it holds; so does
// the death of its svscan when it holds nothing. Then no holder is left
// for the next svscan.
func TestHolderEnds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pipes int
		end   func(h *holder)
	}{
		{"bye", 2, (*holder).bye},
		{"bye holding nothing", 0, (*holder).bye},
		{"svscan dies holding nothing", 0, func(h *holder) { h.conn.Close() }},
		{"svscan dies after dropping all", 1, func(h *holder) {
			h.drop(fileID{7, 1000})
			h.conn.Close()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scanDir := testScanDir(t)
			c := startTestHolder(t, scanDir)
			holdAll(t, c.holder, newLogPipes(t, tc.pipes))
			tc.end(c.holder)
			if ex := c.exit(t); ex.Status != 0 {
				t.Errorf("exit status %v, want 0", ex.Status)
			}
			h, pipes, err := takeOver(scanDir, make(chan Exit, 1), nil)
			if h != nil || pipes != nil || err != nil {
				t.Errorf("take over after the holder's exit: %v, %v, %v; want nothing", h, pipes, err)
			}
		})
	}
}

// TestHolderBusyWhileItsSvscanLives: a second svscan of the same directory
// takes nothing from a holder whose svscan is alive, and cannot start a
// holder of its own; the first svscan's holder goes on as before.
func TestHolderBusyWhileItsSvscanLives(t *testing.T) {
	scanDir := testScanDir(t)
	c := startTestHolder(t, scanDir)
	pipes := newLogPipes(t, 1)
	holdAll(t, c.holder, pipes)

	if h, got, err := takeOver(scanDir, make(chan Exit, 1), nil); !errors.Is(err, errHolderBusy) || h != nil || got != nil {
		t.Errorf("take over from a live svscan's holder: %v, %v, %v; want %v", h, got, err, errHolderBusy)
	}
	exits := make(chan Exit, 1)
	if h, err := startHolder(sharedReaper(), scanDir, exits); !errors.Is(err, unix.EADDRINUSE) {
		t.Errorf("second holder of one directory: %v, %v; want %v", h, err, unix.EADDRINUSE)
	}
	waitExit(t, exits) // it failed (or was killed): it is gone

	c.conn.Close()
	_, got, _ := takeOverOK(t, scanDir)
	checkTaken(t, pipes, got)
}

// TestHolderSurvivesATakerThatDies: a svscan that dies in the middle of a
// hand-over takes nothing away: the holder still has every pipe for the
// next one.
func TestHolderSurvivesATakerThatDies(t *testing.T) {
	scanDir, c, pipes := orphanedHolder(t, 3)

	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := connectHolder(s, scanDir); err != nil {
		t.Fatal(err)
	}
	m, fd, err := recvHolderMsg(s, 0)
	if err != nil || m.verb != verbHeld {
		t.Fatalf("first message of a hand-over: %+v, %v; want a held pipe", m, err)
	}
	unix.Close(fd)
	unix.Close(s) // the taker dies

	h, got, _ := takeOverOK(t, scanDir)
	if h.pid != c.pid {
		t.Errorf("took over pid %d, want %d", h.pid, c.pid)
	}
	checkTaken(t, pipes, got)
}

// TestHolderIgnoresSignals: svstat shows the holder's pid as the hosted
// loggers', so people will signal it; it must go on holding, most of all
// when its svscan has died. The
// signals that would end or stop it are ignored (SigIgn in /proc), and
// after a volley of them it still hands its pipes over.
func TestHolderIgnoresSignals(t *testing.T) {
	scanDir, c, pipes := orphanedHolder(t, 1)

	ignored := sigIgn(t, c.pid)
	signals := []unix.Signal{unix.SIGTERM, unix.SIGHUP, unix.SIGALRM, unix.SIGINT, unix.SIGQUIT,
		unix.SIGUSR1, unix.SIGUSR2, unix.SIGPIPE, unix.SIGTSTP, unix.SIGXCPU, unix.SIGVTALRM, unix.Signal(37)}
	for _, sig := range signals {
		if ignored&(1<<(sig-1)) == 0 {
			t.Errorf("%v not ignored (SigIgn %#x)", sig, ignored)
		}
	}
	// SEGV and ABRT keep the runtime's handler, which ignores them when
	// they come from kill.
	for _, sig := range append(signals, unix.SIGSEGV, unix.SIGABRT) {
		if err := unix.Kill(c.pid, sig); err != nil {
			t.Fatal(err)
		}
	}

	h, got, _ := takeOverOK(t, scanDir)
	if h.pid != c.pid {
		t.Errorf("took over pid %d, want %d", h.pid, c.pid)
	}
	checkTaken(t, pipes, got)
	select {
	case ex := <-c.exits:
		t.Errorf("holder exited after signals: %v", ex.Status)
	default:
	}
}

// sigIgn is the mask of signals process pid ignores (bit n-1 for signal
// n), from /proc.
func sigIgn(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no SigIgn in /proc/PID/status")
	return 0
}

// TestHolderHoldReplaces: a second hold of a service replaces the pipe
// kept for it (a logger's pipe made anew), and a drop of a service it
// does not hold changes nothing.
func TestHolderHoldReplaces(t *testing.T) {
	scanDir := testScanDir(t)
	c := startTestHolder(t, scanDir)
	first, second := newLogPipes(t, 1), newLogPipes(t, 1)
	holdAll(t, c.holder, first)
	holdAll(t, c.holder, second) // the same key, another pipe
	if err := c.drop(fileID{7, 9999}); err != nil {
		t.Fatal(err)
	}
	c.conn.Close()
	_, got, _ := takeOverOK(t, scanDir)
	checkTaken(t, second, got)
}

// TestOpenHolder: svscan's one call at start and after its holder's
// death. The first starts a holder; after svscan's death the next takes
// the same holder over with its pipes; after the holder's death (its
// exit comes on exits) the next starts a new one, which holds nothing.
func TestOpenHolder(t *testing.T) {
	scanDir := testScanDir(t)
	h, got := startedBy(t, scanDir)
	if got != nil {
		t.Fatalf("first openHolder gave pipes %v", got)
	}
	pipes := newLogPipes(t, 2)
	holdAll(t, h, pipes)
	h.conn.Close() // svscan dies

	second := make(chan Exit, 1)
	done := make(chan struct{})
	defer close(done)
	h2, got, err := openHolder(sharedReaper(), scanDir, second, done)
	if err != nil || h2 == nil || h2.pid != h.pid {
		t.Fatalf("openHolder after svscan's death: %v, %v; want the holder %d", h2, err, h.pid)
	}
	checkTaken(t, pipes, got)

	unix.Kill(h.pid, unix.SIGKILL) // not reaped before second has its exit: still its pid
	if ex := waitExit(t, second); ex.Pid != h.pid {
		t.Errorf("exit of %d, want the taken-over holder's %d", ex.Pid, h.pid)
	}
	h2.conn.Close()

	third, got := startedBy(t, scanDir)
	if third.pid == h.pid || got != nil {
		t.Errorf("openHolder after the holder's death: holder %d with %v; want a new one, with nothing", third.pid, got)
	}
}

// startedBy calls openHolder where no holder is left: it must start one.
func startedBy(t *testing.T, scanDir fileID) (*holder, map[fileID]*os.File) {
	t.Helper()
	exits := make(chan Exit, 1)
	h, got, err := openHolder(sharedReaper(), scanDir, exits, nil)
	if h != nil {
		killAtEnd(t, h.pid)
	}
	if err != nil || h == nil {
		t.Fatalf("openHolder with no holder left: %v, %v; want a new holder", h, err)
	}
	return h, got
}

// TestOpenHolderAfterAHandOverCutShort: a holder that dies in the middle
// of a hand-over (here a fake one, which sends one pipe and closes) leaves
// its pipes to svscan alone: openHolder starts a new holder and gives it
// what came.
func TestOpenHolderAfterAHandOverCutShort(t *testing.T) {
	scanDir := testScanDir(t)
	l, err := listenHolder(scanDir)
	if err != nil {
		t.Fatal(err)
	}
	pipes := newLogPipes(t, 1)
	fake := make(chan error, 1)
	go func() {
		p := []unix.PollFd{{Fd: int32(l), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(p, int(holderTimeout.Milliseconds())); err != unix.EINTR {
				break
			}
		}
		c, _, err := unix.Accept4(l, unix.SOCK_CLOEXEC)
		unix.Close(l) // its name is free once it is gone
		if err == nil {
			err = sendHolderMsg(c, holderMsg{verb: verbHeld, key: pipes[0].key}, int(pipes[0].r.Fd()), 0)
			unix.Close(c)
		}
		fake <- err
	}()
	h, got := startedBy(t, scanDir)
	if err := <-fake; err != nil {
		t.Fatal(err)
	}
	checkTaken(t, pipes, got) // reads what is in the pipe
	pipes[0].w.WriteString("more\n")
	pipes[0].text = "more\n"
	pipes[0].r.Close()
	for _, f := range got {
		f.Close() // only the new holder keeps it
	}
	h.conn.Close()

	_, got, _ = takeOverOK(t, scanDir)
	checkTaken(t, pipes, got)
}

// TestHolderKeepsNoInheritedDescriptor: a descriptor svscan inherited
// without close-on-exec reaches its children, but the holder, which
// outlives svscan, must not keep it: here a pipe's write end, whose
// reader would never see end of file.
func TestHolderKeepsNoInheritedDescriptor(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var st unix.Stat_t
	unix.Fstat(int(w.Fd()), &st)
	leaked, _ := unix.Dup(int(w.Fd())) // without close-on-exec
	w.Close()
	c := startTestHolder(t, testScanDir(t))
	unix.Close(leaked)

	dir := "/proc/" + strconv.Itoa(c.pid) + "/fd/"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	pipe := "pipe:[" + strconv.FormatUint(st.Ino, 10) + "]"
	for _, e := range entries {
		if link, _ := os.Readlink(dir + e.Name()); link == pipe {
			t.Errorf("the holder keeps the inherited %s as descriptor %s", pipe, e.Name())
		}
	}
}
