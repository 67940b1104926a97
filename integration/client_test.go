package integration

// svc, svok and svstat (docs/svc.md, docs/svok.md, docs/svstat.md): differential tests against
// Debian's programs on crafted service directories, and both programs
// controlling real supervisors (see client_live_test.go).

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// encoreLetters is what gotools appends to svc's letter list (docs/differences.md).
const encoreLetters = ", q quit, 1 usr1, 2 usr2, w winch"

func requireClientDebian(t *testing.T) {
	t.Helper()
	requireDebian(t, "svc", "svok", "svstat")
}

// statusBytes is an 18-byte supervise/status record built by hand (not with
// the codec under test): stamp big-endian, pid little-endian, paused, want.
func statusBytes(stamp time.Time, pid uint32, paused, want byte) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(1<<62+10+stamp.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(stamp.Nanosecond()/1000*1000+500))
	b = binary.LittleEndian.AppendUint32(b, pid)
	return append(b, paused, want)
}

// mkfifo makes a FIFO; with reader it also opens the read end the way
// supervise does (non-blocking, kept open until the test ends).
func mkfifo(t *testing.T, path string, reader bool) *os.File {
	t.Helper()
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if !reader {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// drain returns what is waiting in a FIFO opened by mkfifo.
func drain(t *testing.T, f *os.File) string {
	t.Helper()
	var got []byte
	buf := make([]byte, 512)
	for {
		n, err := unix.Read(int(f.Fd()), buf)
		if n <= 0 || err != nil {
			return string(got)
		}
		got = append(got, buf[:n]...)
	}
}

// fakeService is a service directory that looks supervised: supervise/ with
// control and ok FIFOs held open for reading by the test and the given
// status bytes (no status file when nil).
func fakeService(t *testing.T, dir string, status []byte) (control *os.File) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Join(dir, "supervise"), 0o700))
	control = mkfifo(t, filepath.Join(dir, "supervise", "control"), true)
	mkfifo(t, filepath.Join(dir, "supervise", "ok"), true)
	if status != nil {
		must(t, os.WriteFile(filepath.Join(dir, "supervise", "status"), status, 0o644))
	}
	return control
}

// clientDirs builds the crafted directories of the differential tests in
// base and returns their names, in a fixed order (svstat's status buffer
// carries over from one directory to the next).
func clientDirs(t *testing.T, base string) []string {
	now := time.Now()
	ago := now.Add(-100 * time.Second)
	path := func(name string) string { return filepath.Join(base, name) }
	file := func(name string, b []byte) { must(t, os.WriteFile(path(name), b, 0o644)) }
	dir := func(name string) { must(t, os.MkdirAll(path(name), 0o755)) }
	fake := func(status []byte) func(string) {
		return func(name string) { fakeService(t, path(name), status) }
	}
	withDown := func(status []byte, down func(name string)) func(string) {
		return func(name string) { fakeService(t, path(name), status); down(name + "/down") }
	}
	crafted := []struct {
		name string
		make func(name string)
	}{
		{"file", func(n string) { file(n, nil) }},
		{"empty", dir},
		{"nosv-down", func(n string) { dir(n); file(n+"/down", nil) }},
		{"sv-is-file", func(n string) { dir(n); file(n+"/supervise", nil) }},
		{"no-reader", func(n string) { noReader(t, path(n)) }},
		{"all-zero", fake(make([]byte, 18))},
		{"short", fake(make([]byte, 17))},
		{"empty-status", fake([]byte{})},
		{"no-status", fake(nil)},
		{"encore-20", fake(append(statusBytes(ago, 4242, 0, 'u'), 0, 'u'))},
		{"up", fake(statusBytes(ago, 14003, 0, 'u'))},
		{"up-down-file", withDown(statusBytes(ago, 9, 0, 'u'), func(d string) { file(d, nil) })},
		{"paused", fake(statusBytes(ago, 9, 1, 'u'))},
		{"paused-ff", withDown(statusBytes(ago, 9, 0xff, 'd'), func(d string) { file(d, nil) })},
		{"paused-down", fake(statusBytes(ago, 0, 1, 'u'))},
		{"down-want-up", fake(statusBytes(ago, 0, 0, 'u'))},
		{"down-want-down", fake(statusBytes(ago, 0, 0, 'd'))},
		{"down-file", withDown(statusBytes(ago, 0, 0, 'd'), func(d string) { file(d, nil) })},
		{"up-want-down", fake(statusBytes(ago, 77, 0, 'd'))},
		{"status-is-dir", func(n string) { fake(nil)(n); dir(n + "/supervise/status") }},
		{"up-want-once", fake(statusBytes(ago, 77, 0, 0))},
		{"up-want-x", fake(statusBytes(ago, 77, 0, 'x'))},
		{"pid-max", fake(statusBytes(ago, 0xffffffff, 0, 'u'))},
		{"future", fake(statusBytes(now.Add(time.Hour), 5, 0, 'u'))},
		{"down-is-dir", withDown(statusBytes(ago, 3, 0, 'u'), dir)},
		{"down-loop", withDown(statusBytes(ago, 3, 0, 'u'), func(d string) { must(t, os.Symlink("down", path(d))) })},
		{"down-dangling", withDown(statusBytes(ago, 0, 0, 'u'), func(d string) { must(t, os.Symlink("nowhere", path(d))) })},
		{"ok-is-file", func(n string) {
			dir(n + "/supervise")
			file(n+"/supervise/ok", nil)
			file(n+"/supervise/status", statusBytes(ago, 0, 0, 'u'))
		}},
		{"short-then-unreadable", fake(statusBytes(ago, 0x01020304, 0, 'u')[:17])},
		{"unreadable-after-short", func(n string) { fake(nil)(n); dir(n + "/supervise/status") }},
	}
	var names []string
	for _, c := range crafted {
		c.make(c.name)
		names = append(names, c.name)
	}
	return append(names, "missing", "", "-", "up/", "./up", path("up"))
}

// noReader is a directory whose supervise died: FIFOs without a reader.
func noReader(t *testing.T, dir string) {
	must(t, os.MkdirAll(filepath.Join(dir, "supervise"), 0o700))
	mkfifo(t, filepath.Join(dir, "supervise", "control"), false)
	mkfifo(t, filepath.Join(dir, "supervise", "ok"), false)
	must(t, os.WriteFile(filepath.Join(dir, "supervise", "status"), statusBytes(time.Now(), 123, 0, 'u'), 0o644))
}

func TestClientDifferentialCraftedDirs(t *testing.T) {
	requireClientDebian(t)
	base := t.TempDir()
	names := clientDirs(t, base)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			differential(t, runs(t, cmd{Dir: base}, "svc", "-u", name))
			differential(t, runs(t, cmd{Dir: base}, "svok", name))
			differential(t, runs(t, cmd{Dir: base}, "svstat", name))
		})
	}
	// All at once: one line per directory in order, more than svstat's
	// 1 KiB buffer, and svc's warnings in order.
	all := append(append([]string{}, names...), names...)
	differential(t, runs(t, cmd{Dir: base}, append([]string{"svc", "-u"}, all...)...))
	if r := differential(t, runs(t, cmd{Dir: base}, append([]string{"svstat"}, all...)...)); len(r.Stdout) < 2048 {
		t.Errorf("svstat wrote only %d bytes; the test wants more than its 1 KiB buffer", len(r.Stdout))
	}
}

func TestClientDifferentialArguments(t *testing.T) {
	requireClientDebian(t)
	dir := t.TempDir()
	for _, argv := range [][]string{
		{"svc"}, {"svc", ""}, {"svc", "-Z", "x"}, {"svc", "-uZ", "x"}, {"svc", "-u", "-v"},
		{"svc", "--help", "missing"}, {"svc", "--"}, {"svc", "--up", "missing"}, {"svc", "-"},
		{"svc", "-h", "missing"}, {"svc", "-dx", "missing1", "missing2"}, {"svc", "missing", "-u"},
		{"svok"}, {"svok", ""}, {"svok", "-l"}, {"svok", "missing", "extra"}, {"svok", "--help", "extra"},
		{"svstat"}, {"svstat", ""}, {"svstat", "-l"}, {"svstat", "--help", "missing"},
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) { differential(t, runs(t, cmd{Dir: dir}, argv...)) })
	}
}

// TestSvcWritesLettersInFirstSeenOrder captures what svc writes into a
// control FIFO read by the test.
func TestSvcWritesLettersInFirstSeenOrder(t *testing.T) {
	requireClientDebian(t)
	base := t.TempDir()
	control := fakeService(t, filepath.Join(base, "cap"), statusBytes(time.Now(), 1, 0, 'u'))
	tests := []struct {
		args  []string
		bytes string
	}{
		{[]string{"-dxdtu", "-k", "--", "cap"}, "dxtuk"},
		{[]string{"-p", "-c", "cap"}, "pc"},
		{[]string{"cap"}, ""},
		{[]string{"-uuu", "cap", "missing", "cap"}, "uu"},
		{[]string{"-udopchaitkx", "cap"}, "udopchaitkx"},
		{[]string{"-xkt", "-ia", "-hc", "-pod", "-u", "cap"}, "xktiahcpodu"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			argv := append([]string{"svc"}, tc.args...)
			deb := cmd{Dir: base, Bin: debianBin}.run(t, argv...)
			debBytes := drain(t, control)
			got := cmd{Dir: base}.run(t, argv...)
			gotBytes := drain(t, control)
			if diff := cmp.Diff(deb, got); diff != "" {
				t.Errorf("output (-debian +gotools)\n%s", diff)
			}
			if debBytes != tc.bytes || gotBytes != tc.bytes {
				t.Errorf("wrote %q (Debian %q), want %q", gotBytes, debBytes, tc.bytes)
			}
		})
	}
}

// TestSvcEncoreLetters (docs/differences.md): q 1 2 w are commands for gotools and
// illegal options for 0.76 (whose letter list lacks them).
func TestSvcEncoreLetters(t *testing.T) {
	base := t.TempDir()
	control := fakeService(t, filepath.Join(base, "cap"), statusBytes(time.Now(), 1, 0, 'u'))
	r := cmd{Dir: base}.run(t, "svc", "-q12w", "-1q", "cap")
	if r != (result{}) || drain(t, control) != "q12w" {
		t.Errorf("svc -q12w: %v", r)
	}
	r = cmd{Dir: base}.run(t, "svc", "-Z", "cap")
	want := "svc: illegal option -- Z\nsvc options: u up, d down, o once, x exit, p pause, c continue, " +
		"h hup, a alarm, i interrupt, t term, k kill" + encoreLetters + "\n"
	if r.Code != 100 || r.Stdout != "" || r.Stderr != want {
		t.Errorf("svc -Z: %v\nwant exit 100 and %q", r, want)
	}
	if drain(t, control) != "" {
		t.Errorf("svc -Z wrote commands")
	}
	if testing.Short() {
		return
	}
	requireClientDebian(t)
	deb := cmd{Dir: base, Bin: debianBin}.run(t, "svc", "-Z", "cap")
	if !strings.HasPrefix(want, strings.TrimSuffix(deb.Stderr, "\n")) {
		t.Errorf("the letter list is not 0.76's extended: 0.76 says %q", deb.Stderr)
	}
}

// publicDir is a scratch directory that nobody can enter (t.TempDir's
// parents are 0700).
func publicDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "gotools-client-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	must(t, os.Chmod(dir, 0o755))
	return dir
}

// TestClientDifferentialAsNobody: a supervise/ that belongs to root is
// closed to others, and the error texts depend on which step fails.
func TestClientDifferentialAsNobody(t *testing.T) {
	requireRoot(t)
	requireClientDebian(t)
	requireDebian(t, "setuidgid")
	base := publicDir(t)
	ago := time.Now().Add(-5 * time.Second)
	fakeService(t, filepath.Join(base, "sv"), statusBytes(ago, 10, 0, 'u'))
	must(t, os.Chmod(filepath.Join(base, "sv"), 0o755))
	must(t, os.Mkdir(filepath.Join(base, "private"), 0o700))
	// supervise/ open to all, but control and status are root's 0600.
	for _, name := range []string{"open", "open2"} {
		open := filepath.Join(base, name)
		fakeService(t, open, statusBytes(ago, 10, 0, 'u'))
		must(t, os.WriteFile(filepath.Join(open, "supervise", "status"), statusBytes(ago, 10, 0, 'u'), 0o600))
		for _, p := range []string{open, filepath.Join(open, "supervise")} {
			must(t, os.Chmod(p, 0o755))
		}
		must(t, os.Chmod(filepath.Join(open, "supervise", "ok"), 0o666))
	}
	// In open, down is a symlink into a directory nobody may search.
	must(t, os.Symlink(filepath.Join(base, "private", "down"), filepath.Join(base, "open", "down")))
	// A working directory nobody may read but may search.
	noread := filepath.Join(base, "noread")
	must(t, os.Mkdir(noread, 0o311))
	must(t, os.Chmod(noread, 0o311))

	asNobody := []string{"/usr/bin/setuidgid", "nobody"}
	for _, name := range []string{"sv", "private", "open", "open2", "missing"} {
		t.Run(name, func(t *testing.T) {
			differential(t, runs(t, cmd{Dir: base}, append(asNobody, "svc", "-u", name)...))
			differential(t, runs(t, cmd{Dir: base}, append(asNobody, "svok", name)...))
			differential(t, runs(t, cmd{Dir: base}, append(asNobody, "svstat", name)...))
		})
	}
	t.Run("unreadable working directory", func(t *testing.T) {
		for _, argv := range [][]string{{"svc", "-u", "../sv"}, {"svok", "../sv"}, {"svstat", "../sv"}, {"svstat"}, {"svc"}} {
			r := differential(t, runs(t, cmd{Dir: noread}, append(asNobody, argv...)...))
			if argv[0] != "svok" && r.Code != 111 {
				t.Errorf("%q: exit %d, want 111 (unable to open current directory)", argv, r.Code)
			}
		}
	})
}

// TestClientBrokenPipe: svc ignores SIGPIPE as 0.76 does, so a closed
// stderr does not stop it; svstat does not, and dies on a closed stdout.
func TestClientBrokenPipe(t *testing.T) {
	requireClientDebian(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		fd   int
		argv []string
		want int
	}{
		{2, []string{"svc", "-u", "missing1", "missing2"}, 0},
		{2, []string{"svc", "-Z"}, 100},
		{1, []string{"svstat", "missing"}, 128 + int(syscall.SIGPIPE)},
	} {
		t.Run(strings.Join(tc.argv, " "), func(t *testing.T) {
			got := differential(t, comparison[int]{what: fmt.Sprintf("%q", tc.argv), run: func(t *testing.T, bin string) int {
				x := exec.Command(filepath.Join(bin, tc.argv[0]), tc.argv[1:]...)
				x.Dir, x.Env = dir, hermeticEnv(t, bin, nil)
				return runIntoClosedPipe(t, x, tc.fd)
			}})
			if got != tc.want {
				t.Errorf("exit %d, want %d", got, tc.want)
			}
		})
	}
}
