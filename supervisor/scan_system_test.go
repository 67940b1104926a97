package supervisor

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// osTreeOn is the real system over a scan directory holding the given
// directories (and "NAME/log" ones), without inotify's reader running.
func osTreeOn(t *testing.T, dirs ...string) (*osTree, string) {
	t.Helper()
	dir := t.TempDir()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	o := newOSTree(ScanConfig{Dir: d, Warn: func(err error) { t.Log(err) }})
	t.Cleanup(o.close)
	return o, dir
}

func TestOSTreeOpensAndPairs(t *testing.T) {
	o, dir := osTreeOn(t, "a", "a/log", "b", "loop")
	if err := os.WriteFile(filepath.Join(dir, "b", "log"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("log", filepath.Join(dir, "loop", "log")); err != nil {
		t.Fatal(err)
	}
	idA, isDir, err := o.stat("a")
	if err != nil || !isDir {
		t.Fatalf("stat(a) = %v, %v", isDir, err)
	}
	idB, _, _ := o.stat("b")
	if err := o.open("missing", idA); !errors.Is(err, unix.ENOENT) {
		t.Errorf("open(missing) = %v, want ENOENT", err)
	}
	if err := o.open("b", idA); err != errReplaced {
		t.Errorf("open(b) as a's id = %v, want errReplaced", err)
	}
	for _, name := range []string{"a", "a", "b"} { // the second open of a holds nothing more
		id, _, _ := o.stat(name)
		if err := o.open(name, id); err != nil {
			t.Errorf("open(%s) = %v", name, err)
		}
	}
	if logged, err := o.pair(idA, "a"); !logged || err != nil {
		t.Errorf("pair(a) = %v, %v; want a logger", logged, err)
	}
	if logged, err := o.pair(idB, "b"); logged || err != nil {
		t.Errorf("pair(b) = %v, %v; want no logger (b/log is a file)", logged, err)
	}
	idLoop, _, _ := o.stat("loop")
	if err := o.open("loop", idLoop); err != nil {
		t.Fatal(err)
	}
	if logged, err := o.pair(idLoop, "loop"); logged || !errors.Is(err, unix.ELOOP) ||
		!strings.HasPrefix(err.Error(), "unable to stat loop/log: ") {
		t.Errorf("pair(loop) = %v, %v; want unable to stat loop/log: ELOOP", logged, err)
	}
	if logged, err := o.pair(fileID{}, "gone"); logged || err != nil {
		t.Errorf("pair(gone) = %v, %v", logged, err)
	}
	// What the main service writes, its logger reads; once svscan's writer
	// is closed (and the service's), the logger reads end of input.
	sl := o.slots[idA]
	w := sl.pipeW
	if _, err := w.Write([]byte("line\n")); err != nil {
		t.Fatal(err)
	}
	o.closeWriter(idA)
	o.closeWriter(idA)
	if b, err := io.ReadAll(sl.pipeR); string(b) != "line\n" || err != nil {
		t.Errorf("logger read %q, %v", b, err)
	}
	o.drop(idA)
	o.drop(idA)
	if o.slots[idA] != nil {
		t.Error("a is still held after drop")
	}
}

func TestOSTreeWatched(t *testing.T) {
	o, dir := osTreeOn(t, "a")
	id, _, _ := o.stat("a")
	if err := o.open("a", id); err != nil {
		t.Fatal(err)
	}
	waiting := memberKey{id, false}
	if o.hasRun(waiting, true) {
		t.Fatal("a has no ./run yet")
	}
	wd := o.slots[id].main.wd
	if o.watch != nil && wd == 0 {
		t.Fatal("a waits for its ./run without a watch")
	}
	got := o.watched([]inotifyEvent{
		{wd: o.dirWD, mask: unix.IN_CREATE, name: "a"},
		{wd: o.dirWD, mask: unix.IN_CREATE, name: "vanished"},
		{wd: wd, mask: unix.IN_CREATE, name: "other"},
		{wd: wd, mask: unix.IN_CREATE, name: "run"},
		{wd: wd + 100, mask: unix.IN_CREATE, name: "run"},
		{wd: -1, mask: unix.IN_Q_OVERFLOW},
		{wd: wd, mask: unix.IN_IGNORED},
	})
	want := []treeEvent{
		evEntry{name: "a", id: id, dir: true, eager: true},
		evEntry{name: "vanished", err: unix.ENOENT, eager: true},
		evRunAppeared{waiting},
		evTick{},
	}
	if diff := cmp.Diff(want, got, treeOpts, cmp.AllowUnexported(evEntry{}, evRunAppeared{})); diff != "" {
		t.Errorf("events (-want +got)\n%s", diff)
	}
	if len(o.waiting) != 0 || o.slots[id].main.wd != 0 {
		t.Errorf("a still waits after IN_IGNORED: %v, wd %d", o.waiting, o.slots[id].main.wd)
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "run"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if !o.hasRun(waiting, true) {
		t.Error("a's ./run is not found")
	}
}

func TestReopenPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	r2, w2, ok := reopenPipe(os.Getpid(), int(r.Fd()))
	if !ok {
		t.Fatal("reopenPipe of our own pipe failed")
	}
	defer r2.Close()
	defer w2.Close()
	// The same pipe: written through the new writer, read through the old reader.
	if _, err := w2.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := r.Read(b); err != nil || b[0] != 'x' {
		t.Errorf("read %q, %v", b, err)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, _, ok := reopenPipe(os.Getpid(), int(f.Fd())); ok {
		t.Error("reopenPipe took /dev/null for a pipe")
	}
	if _, _, ok := reopenPipe(os.Getpid(), 1<<20); ok {
		t.Error("reopenPipe took a closed descriptor for a pipe")
	}
}

func TestTreePhaseString(t *testing.T) {
	var got []string
	for p := treeRunning; p <= treeDone; p++ {
		got = append(got, p.String())
	}
	if diff := cmp.Diff([]string{"running", "draining", "sweeping", "done"}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestForegroundTerminal(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, file := range []*os.File{nil, f} {
		if _, ok := foregroundTerminal(file); ok {
			t.Errorf("foregroundTerminal(%v) = true, want false for no terminal", file)
		}
	}
}
