package supervisor

import (
	"fmt"
	"os"
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
	gone  bool // its exit has been received
}

// startTestHolder starts a holder for scanDir and kills it at the end of
// the test unless the test saw it exit.
func startTestHolder(t *testing.T, scanDir fileID) *childHolder {
	t.Helper()
	c := &childHolder{exits: make(chan Exit, 1)}
	h, err := startHolder(sharedReaper(), scanDir, c.exits)
	if err != nil {
		t.Fatal(err)
	}
	c.holder = h
	t.Cleanup(func() {
		if !c.gone {
			unix.Kill(h.pid, unix.SIGKILL)
			waitExit(t, c.exits)
		}
	})
	return c
}

// exit waits for the holder's exit.
func (c *childHolder) exit(t *testing.T) Exit {
	t.Helper()
	ex := waitExit(t, c.exits)
	c.gone = true
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

// TestHolderKeepsPipesAcrossSvscanDeaths: svscan holds pipes, dies (its
// socket closes without bye), the next svscan takes the same holder over
// with the same pipes and the bytes still in them; it drops one, dies in
// turn, and the third gets the rest; bye ends the holder.
func TestHolderKeepsPipesAcrossSvscanDeaths(t *testing.T) {
	scanDir := testScanDir(t)
	c := startTestHolder(t, scanDir)
	if c.start == 0 || c.start != procStartTime(c.pid) {
		t.Errorf("start time %d, want the holder's %d", c.start, procStartTime(c.pid))
	}
	pipes := newLogPipes(t, 3)
	holdAll(t, c.holder, pipes)
	c.conn.Close() // the first svscan dies

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
