package logger

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fixedClock returns 1999-08-24 04:04:05.787492 UTC, one microsecond later at
// each call, so stamps and archive names are known and distinct.
func fixedClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(1999, 8, 24, 4, 4, 5, 787492000, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := t
		t = t.Add(time.Microsecond)
		return now
	}
}

// harness runs Loggers on scripts whose paths are under one temp dir.
type harness struct {
	t      *testing.T
	root   string
	stderr bytes.Buffer
	stdout bytes.Buffer
	mu     sync.Mutex
	warns  []string
	tweak  func(*Config)
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, root: t.TempDir()}
}

func (h *harness) path(name string) string { return filepath.Join(h.root, name) }

// script turns "DIR:x" and "=FILE:x" placeholders into absolute paths.
func (h *harness) script(args ...string) Script {
	var abs []string
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "DIR:"):
			a = h.path(a[4:])
		case strings.HasPrefix(a, "=FILE:"):
			a = "=" + h.path(a[6:])
		}
		abs = append(abs, a)
	}
	return ParseScript(abs)
}

func (h *harness) config(s Script) Config {
	cfg := Config{
		Script: s, Stdout: &h.stdout, Stderr: &h.stderr, Now: fixedClock(), Pause: time.Millisecond,
		Warn: func(text string, err error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			if err != nil {
				text += ": " + err.Error()
			}
			h.warns = append(h.warns, text)
		},
	}
	if h.tweak != nil {
		h.tweak(&cfg)
	}
	return cfg
}

// open opens a Logger on args, closed when the test ends (after its Run).
func (h *harness) open(args ...string) *Logger {
	h.t.Helper()
	l, err := Open(h.config(h.script(args...)))
	if err != nil {
		h.t.Fatalf("Open: %v", err)
	}
	h.t.Cleanup(l.Close)
	return l
}

// run applies args to input from a regular file and returns after the
// logger's exit path.
func (h *harness) run(input string, args ...string) {
	h.t.Helper()
	h.open(args...).Run(h.input(input))
}

// input is a regular file holding input, open for reading until the test
// ends.
func (h *harness) input(input string) *os.File {
	h.t.Helper()
	in := h.path("input")
	if err := os.WriteFile(in, []byte(input), 0o644); err != nil {
		h.t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { f.Close() })
	return f
}

// listing is "NAME MODE SIZE" for each file of a log directory, with
// archive stamps replaced by @STAMP and sorted.
func (h *harness) listing(dir string) []string {
	h.t.Helper()
	entries, err := os.ReadDir(h.path(dir))
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			h.t.Fatal(err)
		}
		name := e.Name()
		if isArchive(name) {
			name = "@STAMP" + name[25:]
		}
		out = append(out, fmt.Sprintf("%s %o %d", name, info.Mode().Perm(), info.Size()))
	}
	sort.Strings(out)
	return out
}

func (h *harness) read(name string) string {
	h.t.Helper()
	b, err := os.ReadFile(h.path(name))
	if err != nil {
		h.t.Fatal(err)
	}
	return string(b)
}

// archives returns the contents of a directory's archives, oldest first.
func (h *harness) archives(dir string) []string {
	h.t.Helper()
	names, err := filepath.Glob(h.path(dir) + "/@*")
	if err != nil {
		h.t.Fatal(err)
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		out = append(out, h.read(strings.TrimPrefix(n, h.root+"/")))
	}
	return out
}

func numbered(n, width int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%0*d\n", width-1, i)
	}
	return b.String()
}

func TestSelectionIntoDirectories(t *testing.T) {
	h := newHarness(t)
	h.run("one\ntwo\nthree\npartial", "DIR:all", "-t*", "DIR:not-t", "-*", "+two", "DIR:two")
	want := map[string]string{"all": "one\ntwo\nthree\npartial\n", "not-t": "one\npartial\n", "two": "two\n"}
	for dir, content := range want {
		if got := h.read(dir + "/current"); got != content {
			t.Errorf("%s/current = %q, want %q", dir, got, content)
		}
		if diff := cmp.Diff([]string{fmt.Sprintf("current 744 %d", len(content)), "lock 600 0", "state 644 0"}, h.listing(dir)); diff != "" {
			t.Errorf("%s (-want +got)\n%s", dir, diff)
		}
	}
}

func TestLongLinesAreWholeInDirectories(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("0123456789", 250)
	h.run(long+"\nshort\n"+long, "-"+long[:1000], "DIR:d")
	// The pattern sees only the first 1000 bytes: it deselects the long lines.
	if got := h.read("d/current"); got != "short\n" {
		t.Errorf("current = %q", got)
	}
	h = newHarness(t)
	h.run(long+"\nshort\n"+long, "DIR:d", "e", "1")
	want := long + "\nshort\n" + long + "\n"
	if got := h.read("d/current"); got != want {
		t.Errorf("current has %d bytes, want %d", len(got), len(want))
	}
	if got := h.stdout.String(); got != want {
		t.Errorf("stdout has %d bytes, want %d", len(got), len(want))
	}
	e := long[:200] + "...\nshort\n" + long[:200] + "...\n"
	if got := h.stderr.String(); got != e {
		t.Errorf("stderr = %q, want %q", got, e)
	}
}

func TestStamps(t *testing.T) {
	h := newHarness(t)
	h.run("one\n\n", "t", "DIR:d", "e")
	want := "@4000000037c219bf2ef02e94 one\n@4000000037c219bf2ef0327c \n"
	if got := h.read("d/current"); got != want {
		t.Errorf("current = %q, want %q", got, want)
	}
	if got := h.stderr.String(); got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

func TestStatusFileRecord(t *testing.T) {
	h := newHarness(t)
	if err := os.WriteFile(h.path("st"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.run("first\nsecond\n"+strings.Repeat("x", 1500)+"\n-no\n", "--*", "=FILE:st")
	want := strings.Repeat("x", 1000) + "\n"
	if got := h.read("st"); got != want {
		t.Errorf("st = %q..., %d bytes; want %d x and a newline", got[:10], len(got), 1000)
	}
	h.run("-no\n", "--*", "=FILE:st2")
	if got := h.read("st2"); got != "" {
		t.Errorf("st2 = %q, want it empty (created, never written)", got)
	}
	h.run("ab\n", "=FILE:st2")
	if got := h.read("st2"); got != "ab"+strings.Repeat("\n", 999) {
		t.Errorf("st2 = %q", got)
	}
}

// TestRotation checks 0.76's cut points (docs/multilog.md): with s4096, 51-byte
// lines fill archives of 2550 bytes, and n3 keeps two archives.
func TestRotation(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		args     []string
		archives []int // sizes, oldest first
		current  int
	}{
		{"s4096 n3", numbered(300, 51), []string{"s4096", "n3", "DIR:d"}, []int{2550, 2550}, 0},
		{"s4096 n10", numbered(300, 51), []string{"s4096", "DIR:d"}, []int{2550, 2550, 2550, 2550, 2550, 2550}, 0},
		{"s5000 lines of 100", numbered(200, 100), []string{"s5000", "n4", "DIR:d"}, []int{3100, 3100, 3100}, 1600},
		{"no newline near the limit", strings.Repeat("y", 9000) + "\n", []string{"s4096", "DIR:d"}, []int{4096, 4096}, 809},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.run(tc.input, tc.args...)
			var sizes []int
			all := ""
			for _, a := range h.archives("d") {
				sizes = append(sizes, len(a))
				all += a
			}
			cur := h.read("d/current")
			if diff := cmp.Diff(tc.archives, sizes); diff != "" || len(cur) != tc.current {
				t.Errorf("archive sizes (-want +got)\n%s\ncurrent %d bytes, want %d", diff, len(cur), tc.current)
			}
			if !strings.HasSuffix(tc.input, all+cur) {
				t.Errorf("archives and current are not the tail of the input")
			}
			for _, l := range h.listing("d") {
				if strings.HasPrefix(l, "@STAMP") && !strings.HasPrefix(l, "@STAMP.s 744 ") {
					t.Errorf("archive %s, want @STAMP.s with mode 744", l)
				}
			}
		})
	}
}

func TestRecovery(t *testing.T) {
	tests := []struct {
		name  string
		setup map[string]os.FileMode // files to create in d, with contents = name
		want  []string
	}{
		{"fresh", nil, []string{"current 744 3", "lock 600 0", "state 644 0"}},
		{"clean exit appends", map[string]os.FileMode{"current": 0o744}, []string{"current 744 10", "lock 600 0"}},
		{"current without permissions", map[string]os.FileMode{"current": 0}, []string{"@STAMP.u 0 7", "current 744 3", "lock 600 0", "state 644 0"}},
		{"crash", map[string]os.FileMode{"current": 0o644, "state": 0o644, "newstate": 0o644},
			[]string{"@STAMP.u 644 7", "current 744 3", "lock 600 0", "state 644 0"}},
		{"processed complete", map[string]os.FileMode{"current": 0o644, "previous": 0o744, "processed": 0o744},
			[]string{"@STAMP.s 744 9", "@STAMP.u 644 7", "current 744 3", "lock 600 0", "state 644 0"}},
		{"processed incomplete", map[string]os.FileMode{"previous": 0o744, "processed": 0o644},
			[]string{"@STAMP.u 744 8", "current 744 3", "lock 600 0", "state 644 0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if err := os.Mkdir(h.path("d"), 0o700); err != nil {
				t.Fatal(err)
			}
			for name, mode := range tc.setup {
				p := h.path("d/" + name)
				if err := os.WriteFile(p, []byte(name), mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, mode); err != nil {
					t.Fatal(err)
				}
			}
			h.run("ab\n", "DIR:d")
			if diff := cmp.Diff(tc.want, h.listing("d")); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestProcessor(t *testing.T) {
	h := newHarness(t)
	// The processor counts lines, and chains a run counter through state.
	proc := `!n=$(cat <&4); n=$((${n:-0}+1)); echo $n >&5; echo "run $n: $(wc -l) lines in $(basename "$PWD")"`
	h.run(numbered(300, 51), "s4096", "n10", proc, "DIR:d")
	var want []string
	for i := 1; i <= 6; i++ {
		want = append(want, fmt.Sprintf("run %d: 50 lines in d\n", i))
	}
	if diff := cmp.Diff(want, h.archives("d")); diff != "" {
		t.Errorf("archives (-want +got)\n%s", diff)
	}
	if got := h.read("d/state"); got != "6\n" {
		t.Errorf("state = %q", got)
	}
	if diff := cmp.Diff([]string{"@STAMP.s 744 21", "@STAMP.s 744 21", "@STAMP.s 744 21", "@STAMP.s 744 21", "@STAMP.s 744 21",
		"@STAMP.s 744 21", "current 744 0", "lock 600 0", "state 644 2"}, h.listing("d")); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestProcessorRetries(t *testing.T) {
	h := newHarness(t)
	marker := h.path("marker")
	// Fails, then is killed, then succeeds.
	proc := fmt.Sprintf(`!if [ ! -e %[1]s ]; then : >%[1]s; exit 3; fi; if [ ! -s %[1]s ]; then echo x >%[1]s; kill -9 $$; fi; cat`, marker)
	h.run(numbered(60, 51), "s4096", proc, "DIR:d")
	wantWarns := []string{
		"processor failed in " + h.path("d") + ", pausing",
		"processor crashed in " + h.path("d") + ", pausing: " + syscall.ENOENT.Error(),
		"processor failed in " + h.path("d") + ", pausing",
	}
	if diff := cmp.Diff(wantWarns, h.warns); diff != "" {
		t.Errorf("warnings (-want +got)\n%s", diff)
	}
	if got := h.archives("d"); len(got) != 1 || got[0] != numbered(50, 51) {
		t.Errorf("archives = %q", got)
	}
}

func TestStartupErrors(t *testing.T) {
	h := newHarness(t)
	if err := os.WriteFile(h.path("file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args  []string
		want  string
		errno syscall.Errno
	}{
		{[]string{"DIR:d", "DIR:d"}, "unable to lock directory " + h.path("d"), syscall.EAGAIN},
		{[]string{"DIR:file"}, "unable to open directory " + h.path("file"), syscall.ENOTDIR},
		{[]string{"DIR:x", "=FILE:no/st"}, "unable to create " + h.path("no/st"), syscall.ENOENT},
	}
	for _, tc := range tests {
		_, err := Open(h.config(h.script(tc.args...)))
		if !errors.Is(err, tc.errno) || !strings.HasPrefix(err.Error(), tc.want+": ") {
			t.Errorf("Open(%q) = %v, want %s: %v", tc.args, err, tc.want, tc.errno)
		}
	}
	// The = files are opened before any directory is touched.
	if _, err := os.Stat(h.path("x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("x was created before the = file failed: %v", err)
	}
}
