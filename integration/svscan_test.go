package integration

// svscan and svscanboot (docs/svscan.md, docs/svscanboot.md, docs/differences.md)
// on real service trees, each in its own PID namespace: svscan is
// either the namespace's init (PID 1) or the child of a small init
// (svscanInit) that reaps nothing but svscan itself, so that a missing
// subreaper shows up as zombies.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// svscanInit is the init of a namespace whose svscan must not be PID 1:
// it runs its arguments as its only child, reports "svscan exit=N" on
// stderr (128+N for signal N) and stays, reaping nothing else. Orphans
// that reach it become zombies, which the tests look for.
const svscanInit = `
my $p = fork() // die "fork: $!";
if (!$p) { exec @ARGV or die "exec: $!" }
waitpid($p, 0);
printf STDERR "svscan exit=%d\n", ($? & 127) ? 128 + ($? & 127) : $? >> 8;
sleep 1 while 1;
`

// svscanLoopInit is the init of the adoption tests: it runs svscan again
// each time it exits until ./stop exists, reporting each exit, and (being a
// shell waiting for its child) reaps every orphan, as a real init does.
const svscanLoopInit = `while :; do svscan "$@"; echo "svscan exit=$?" >&2; [ -e stop ] && exec sleep 1000000; done`

// scanTree is an svscan running on dir in a PID namespace of its own.
type scanTree struct {
	*background
	dir    string // the scan directory
	asInit bool   // svscan is the namespace's PID 1
}

// startScan starts svscan on dir (relative to base) with args before it.
// With asInit it is the namespace's PID 1, else svscanInit's child.
func startScan(t *testing.T, c cmd, base, dir string, asInit bool, args ...string) *scanTree {
	t.Helper()
	c.Dir = base
	argv := append(append([]string{"svscan"}, args...), dir)
	var b *background
	if asInit {
		b = c.startIsolated(t, argv...)
	} else {
		b = c.startIsolated(t, append([]string{"/usr/bin/perl", "-e", svscanInit}, argv...)...)
	}
	return &scanTree{b, filepath.Join(base, dir), asInit}
}

// svscanPid is svscan's pid as seen from here (the test's namespace).
func (s *scanTree) svscanPid(t *testing.T) int {
	t.Helper()
	var pid int
	waitFor(t, patience, "svscan to run", func() (bool, error) {
		for _, p := range nsProcs(t, s.innerPid(t)) {
			if p.Name == "svscan" && p.State != "Z" {
				pid = p.Pid
				return true, nil
			}
		}
		return false, fmt.Errorf("no svscan in %v", nsProcs(t, s.innerPid(t)))
	})
	return pid
}

func (s *scanTree) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	must(t, syscall.Kill(s.svscanPid(t), sig))
}

// exitCode waits for svscan to exit and returns its status.
func (s *scanTree) exitCode(t *testing.T) int {
	t.Helper()
	if s.asInit {
		return s.wait(t)
	}
	re := regexp.MustCompile(`svscan exit=(\d+)`)
	var code int
	waitFor(t, patience, "svscan to exit", func() (bool, error) {
		m := re.FindStringSubmatch(s.Stderr.String())
		if m == nil {
			return false, nil
		}
		code, _ = strconv.Atoi(m[1])
		return true, nil
	})
	return code
}

// proc is a process as /proc/PID/status shows it from here.
type proc struct {
	Pid, PPid, NSpid int // NSpid: its pid inside its own namespace
	Name, State      string
}

func (p proc) String() string { return fmt.Sprintf("%s(%d %s)", p.Name, p.NSpid, p.State) }

// nsProcs lists the processes of the PID namespace whose init is init.
func nsProcs(t *testing.T, init int) []proc {
	t.Helper()
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", init))
	if err != nil {
		return nil
	}
	entries, _ := os.ReadDir("/proc")
	var procs []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid)); l != ns {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		p := proc{Pid: pid}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, ":")
			f := strings.Fields(v)
			if len(f) == 0 {
				continue
			}
			switch k {
			case "Name":
				p.Name = f[0]
			case "State":
				p.State = f[0]
			case "PPid":
				p.PPid, _ = strconv.Atoi(f[0])
			case "NSpid":
				p.NSpid, _ = strconv.Atoi(f[len(f)-1])
			}
		}
		procs = append(procs, p)
	}
	return procs
}

// zombies are the namespace's processes that exited and were not reaped.
func zombies(t *testing.T, init int) []proc {
	var z []proc
	for _, p := range nsProcs(t, init) {
		if p.State == "Z" {
			z = append(z, p)
		}
	}
	return z
}

// writeService makes dir/name with run (and log/run when logRun is not
// empty), scripts made executable.
func writeService(t *testing.T, dir, name, run, logRun string) string {
	t.Helper()
	sv := filepath.Join(dir, name)
	must(t, os.MkdirAll(sv, 0o755))
	if logRun != "" {
		must(t, os.MkdirAll(filepath.Join(sv, "log"), 0o755))
		must(t, os.WriteFile(filepath.Join(sv, "log", "run"), []byte(logRun), 0o755))
	}
	must(t, os.WriteFile(filepath.Join(sv, "run"), []byte(run), 0o755))
	return sv
}

// Run scripts used below. Each service records the pid of every start of
// its ./run in ./pids, so a duplicate start shows.
const (
	sleeperRun = "#!/bin/sh\necho $$ >> pids\nexec sleep 1000000\n"
	// multilogRun is Debian's multilog (gotools' is another issue's).
	multilogRun = "#!/bin/sh\nexec /usr/bin/multilog t ./main\n"
)

// svstatLine is gotools' svstat of one directory, relative to dir.
func svstatLine(t *testing.T, c cmd, dir, sv string) string {
	c.Dir = dir
	return strings.TrimSuffix(c.run(t, "svstat", sv).Stdout, "\n")
}

var svstatPid = regexp.MustCompile(`^[^:]*: up \(pid (\d+)\)`)

// upPid is the pid svstat shows for sv, or 0 with svstat's line as error.
func upPid(t *testing.T, dir, sv string) (int, error) {
	line := svstatLine(t, cmd{}, dir, sv)
	m := svstatPid.FindStringSubmatch(line)
	if m == nil {
		return 0, fmt.Errorf("svstat: %q", line)
	}
	pid, _ := strconv.Atoi(m[1])
	return pid, nil
}

// waitUp waits until svstat shows sv up and returns its pid.
func waitUp(t *testing.T, dir, sv string) int {
	t.Helper()
	return waitNewPid(t, dir, sv, 0)
}

// waitNewPid waits until svstat shows sv up with a pid other than old.
func waitNewPid(t *testing.T, dir, sv string, old int) int {
	t.Helper()
	var pid int
	waitFor(t, patience, fmt.Sprintf("%s up, pid not %d", sv, old), func() (bool, error) {
		var err error
		pid, err = upPid(t, dir, sv)
		return pid != 0 && pid != old, err
	})
	return pid
}

// waitNewRun waits until sv is up with a ./run other than old, and
// returns which: "PID/RESTARTS" from supervise/xstatus. A hosted logger
// keeps the pid of the tree's descriptor holder across restarts
// (docs/design.md), so the restart count tells its runs apart.
func waitNewRun(t *testing.T, dir, sv, old string) string {
	t.Helper()
	var run string
	waitFor(t, patience, fmt.Sprintf("%s up, run not %q", sv, old), func() (bool, error) {
		b, err := os.ReadFile(filepath.Join(dir, sv, "supervise", "xstatus"))
		if err != nil {
			return false, err
		}
		x := map[string]string{}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, "=")
			x[k] = v
		}
		run = x["pid"] + "/" + x["restarts"]
		return x["state"] == "up" && run != old, fmt.Errorf("xstatus: %q", b)
	})
	return run
}

func waitLine(t *testing.T, dir, sv, want string) {
	t.Helper()
	waitFor(t, patience, fmt.Sprintf("svstat %s: %q", sv, want), func() (bool, error) {
		got := normaliseSvstat(svstatLine(t, cmd{}, dir, sv))
		return got == want, fmt.Errorf("svstat: %q", got)
	})
}

func readLines(t *testing.T, path string) []string {
	b, _ := os.ReadFile(path)
	return strings.Fields(string(b))
}

// logged is every complete line multilog wrote in logdir (current and
// archives), stamps removed, in order. What follows a file's last newline
// is not a line: a killed multilog leaves the start of the line it was
// writing there, and the next one writes the rest into its own file.
func logged(t *testing.T, logdir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(logdir, "@*"))
	sort.Strings(files)
	files = append(files, filepath.Join(logdir, "current"))
	var lines []string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		complete := strings.Split(string(b), "\n")
		for _, line := range complete[:len(complete)-1] {
			if _, rest, ok := strings.Cut(line, " "); ok && strings.HasPrefix(line, "@") {
				lines = append(lines, rest)
			}
		}
	}
	return lines
}

func waitLogged(t *testing.T, logdir, want string) {
	t.Helper()
	waitFor(t, patience, fmt.Sprintf("%q in %s", want, logdir), func() (bool, error) {
		return slices.Contains(logged(t, logdir), want), nil
	})
}

func TestSvscanArguments(t *testing.T) {
	t.Run("missing directory, as Debian", func(t *testing.T) {
		requireDebian(t, "svscan")
		differential(t, runs(t, cmd{Dir: t.TempDir()}, "svscan", "/nonexistent"))
	})
	for _, argv := range [][]string{
		{"svscan", "--bogus", "."},
		{"svscan", "-x"},
		{"svscan", "--stop-timeout=0", "."},
		{"svscan", "--stop-timeout=soon", "."},
		{"svscan", ".", "--"}, // a foreground command without the command
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) {
			want := result{Stderr: "svscan: usage: svscan [--stop-timeout=DURATION] [dir [-- program [arg ...]]]\n", Code: 100}
			if got := (cmd{}).run(t, argv...); got != want {
				t.Errorf("got %v\nwant %v", got, want)
			}
		})
	}
	t.Run("svscanboot", func(t *testing.T) {
		want := result{Stderr: "svscanboot: usage: svscanboot [dir]\n", Code: 100}
		if got := (cmd{}).run(t, "svscanboot", "a", "b"); got != want {
			t.Errorf("got %v\nwant %v", got, want)
		}
	})
}

// TestSvscanScansLikeDebian runs one tree (docs/svscan.md) under Debian's
// svscan and supervise and under gotools' svscan: dot entries skipped,
// symlinks followed, one service per inode, files ignored, a dangling
// symlink warned about, a ./run that cannot start reported, a logger
// paired; svstat, the supervise/ files, the processes and the messages
// must agree.
func TestSvscanScansLikeDebian(t *testing.T) {
	requireDebian(t, "svscan", "supervise", "svstat")
	type outcome struct {
		Svstat   []string
		Status   []string // superviseFiles of each
		Sleepers int
		Logged   string
		Messages []string
	}
	observe := func(t *testing.T, bin string) outcome {
		base := t.TempDir()
		dir := filepath.Join(base, "s")
		writeService(t, dir, "a", sleeperRun, "")
		writeService(t, dir, "b", sleeperRun, "")
		must(t, os.WriteFile(filepath.Join(dir, "b", "down"), nil, 0o644))
		writeService(t, dir, ".hidden", sleeperRun, "")
		writeService(t, dir, "c", "#!/bin/sh\necho hello from c\nexec sleep 1000000\n", "#!/bin/sh\nexec cat > got\n")
		writeService(t, dir, "bad", sleeperRun, "")
		must(t, os.Chmod(filepath.Join(dir, "bad", "run"), 0o644))
		writeService(t, base, "outside", sleeperRun, "")
		must(t, os.Symlink("a", filepath.Join(dir, "link")))
		must(t, os.Symlink("../outside", filepath.Join(dir, "ext")))
		must(t, os.Symlink("nowhere", filepath.Join(dir, "dangling")))
		must(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))

		tree := startScan(t, cmd{Bin: bin}, base, "s", true)
		for _, sv := range []string{"a", "c", "c/log", "ext"} {
			waitUp(t, dir, sv)
		}
		waitFor(t, patience, "c's output in c/log/got", func() (bool, error) {
			b, _ := os.ReadFile(filepath.Join(dir, "c", "log", "got"))
			return string(b) == "hello from c\n", nil
		})
		waitFor(t, patience, "the messages about bad and dangling", func() (bool, error) {
			s := tree.Stderr.String()
			return strings.Contains(s, "bad/run") && strings.Contains(s, "dangling"), nil
		})
		var o outcome
		for _, sv := range []string{"a", "b", ".hidden", "c", "c/log", "link", "ext", "file"} {
			o.Svstat = append(o.Svstat, normaliseSvstat(svstatLine(t, cmd{}, dir, sv)))
			o.Status = append(o.Status, superviseFiles(t, filepath.Join(dir, sv)))
		}
		for _, p := range nsProcs(t, tree.innerPid(t)) {
			if p.Name == "sleep" {
				o.Sleepers++
			}
		}
		b, _ := os.ReadFile(filepath.Join(dir, "c", "log", "got"))
		o.Logged = string(b)
		for _, line := range strings.Split(withoutHints(tree.Stderr.String()), "\n") {
			if line != "" && !slices.Contains(o.Messages, line) {
				o.Messages = append(o.Messages, line)
			}
		}
		sort.Strings(o.Messages)
		return o
	}
	deb := observe(t, debianBin)
	got := observe(t, binDir)
	if diff := cmp.Diff(deb, got); diff != "" {
		t.Errorf("Debian and gotools differ (-debian +gotools)\n%s", diff)
	}
	if deb.Sleepers != 3 {
		t.Errorf("%d services running, want 3 (a, c, ext)", deb.Sleepers)
	}
}

// superviseFiles describes sv/supervise as 0.76's tools read it: the
// files there with their modes (but gotools' xstatus, an addition), and
// what the 18-byte status says apart from its stamp: whether a pid is
// set, paused, want.
func superviseFiles(t *testing.T, sv string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(sv, "supervise"))
	if err != nil {
		return "no supervise/"
	}
	var files []string
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && e.Name() != "xstatus" {
			files = append(files, fmt.Sprintf("%s(%v)", e.Name(), fi.Mode()))
		}
	}
	status, _ := os.ReadFile(filepath.Join(sv, "supervise", "status"))
	desc := fmt.Sprintf("%q status of %d bytes", files, len(status))
	if len(status) == 18 {
		desc += fmt.Sprintf(": pid set %v, paused %d, want %q",
			!bytes.Equal(status[12:16], []byte{0, 0, 0, 0}), status[16], status[17])
	}
	return desc
}

// TestSvscanServicesObeyDebianClients: the supervise/ files under gotools'
// svscan work with Debian's svc and svstat (and gotools'), through every
// 0.76 letter; after x the service is unsupervised until the next scan,
// which supervises it again (docs/differences.md).
func TestSvscanServicesObeyDebianClients(t *testing.T) {
	requireClientDebian(t)
	const (
		up   = "sv: up (pid N) N seconds"
		down = "sv: down N seconds, normally up"
	)
	steps := []step{
		{nil, expect("start", "new", "new", 0, 'u', up, 0)},
		{[][]string{{"-h"}}, expect("HUP", "same", "same", 0, 'u', up, 0)},
		{[][]string{{"-p"}}, expect("", "same", "same", 1, 'u', up+", paused", 0)},
		{[][]string{{"-c"}}, expect("CONT", "same", "same", 0, 'u', up, 0)},
		{[][]string{{"-d"}}, expect("TERM CONT", "same", "same", 0, 'd', up+", want down", 0)},
		{[][]string{{"-k"}}, expect("", "0", "new", 0, 'd', down, 0)},
		{[][]string{{"-u"}}, expect("start", "new", "new", 0, 'u', up, 0)},
		{[][]string{{"-o"}}, expect("", "same", "same", 0, 0, up, 0)},
		{[][]string{{"-k"}}, expect("", "0", "new", 0, 0, down, 0)},
		{[][]string{{"-u"}}, expect("start", "new", "new", 0, 'u', up, 0)},
		{[][]string{{"-k"}}, expect("start", "new", "new", 0, 'u', up, 0)},
	}
	for clientName, clientBin := range clientsUnderTest {
		t.Run(clientName+" svc", func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			must(t, os.Mkdir(filepath.Join(base, "sv"), 0o755))
			must(t, os.WriteFile(filepath.Join(base, "sv", "run"), []byte(recorderRun), 0o755))
			tree := startScan(t, cmd{}, base, ".", true)
			w := &watcher{base: base}
			for i, s := range steps {
				for _, args := range s.svc {
					argv := append(append([]string{"svc"}, args...), "sv")
					if r := (cmd{Dir: base, Bin: clientBin}).run(t, argv...); r != (result{}) {
						t.Fatalf("step %d: %q: %v", i, argv, r)
					}
				}
				waitFor(t, patience, fmt.Sprintf("step %d (svc %q)", i, s.svc), func() (bool, error) {
					if diff := cmp.Diff(s.want, w.observe(t)); diff != "" {
						return false, fmt.Errorf("observed (-want +got)\n%s\nsvscan stderr: %q", diff, tree.Stderr.String())
					}
					return true, nil
				})
				w.next(t)
			}
			// The -k above was a restart by the same supervisor; after x
			// the next start is a new supervisor's (its restart count
			// starts again), made by the next scan.
			if x := xstatus(t, filepath.Join(base, "sv")); x["restarts"] != "1" {
				t.Errorf("xstatus after svc -k: %v, want restarts=1", x)
			}
			pid := waitUp(t, base, "sv")
			(cmd{Dir: base, Bin: clientBin}).run(t, "svc", "-x", "sv")
			(cmd{Dir: base, Bin: clientBin}).run(t, "svc", "-k", "sv")
			newPid := strconv.Itoa(waitNewPid(t, base, "sv", pid))
			waitFor(t, patience, "a new supervisor's xstatus", func() (bool, error) {
				x := xstatus(t, filepath.Join(base, "sv"))
				return x["pid"] == newPid && x["restarts"] == "0", fmt.Errorf("xstatus %v", x)
			})
			if s := tree.Stderr.String(); s != "" {
				t.Errorf("svscan stderr: %q", s)
			}
		})
	}
}

// xstatus reads sv/supervise/xstatus into a map.
func xstatus(t *testing.T, sv string) map[string]string {
	x := map[string]string{}
	for _, line := range readLines(t, filepath.Join(sv, "supervise", "xstatus")) {
		k, v, _ := strings.Cut(line, "=")
		x[k] = v
	}
	return x
}

// TestSvscanPicksUpAtOnce: a directory renamed into the scan directory is
// up well before the 5-second rescan (three times, so that a rescan
// falling just right cannot pass the test), and a directory whose ./run
// (and log/run) appear after svscan has seen it starts when they do.
func TestSvscanPicksUpAtOnce(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "s")
	writeService(t, dir, "first", sleeperRun, "")
	tree := startScan(t, cmd{MountProc: true}, base, "s", false)
	waitUp(t, dir, "first")
	for i := range 3 {
		name := fmt.Sprintf("new%d", i)
		writeService(t, base, name, sleeperRun, "")
		start := time.Now()
		must(t, os.Rename(filepath.Join(base, name), filepath.Join(dir, name)))
		waitUp(t, dir, name)
		if d := time.Since(start); d > 2500*time.Millisecond {
			t.Errorf("%s picked up after %v, want it well before the 5 s rescan", name, d)
		}
	}

	late := filepath.Join(dir, "late")
	must(t, os.MkdirAll(filepath.Join(late, "log"), 0o755))
	waitFor(t, patience, "svscan to watch late/ for its ./run", func() (bool, error) {
		return watching(t, tree.svscanPid(t), late), nil
	})
	for _, f := range []struct{ path, text string }{
		{filepath.Join(late, "log", "run"), "#!/bin/sh\nexec cat > got\n"},
		{filepath.Join(late, "run"), "#!/bin/sh\necho late\nexec sleep 1000000\n"},
	} {
		must(t, os.WriteFile(f.path+".tmp", []byte(f.text), 0o755))
		must(t, os.Rename(f.path+".tmp", f.path))
	}
	start := time.Now()
	waitUp(t, dir, "late")
	waitUp(t, dir, "late/log")
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Errorf("late started after %v, want it well before the 5 s rescan", d)
	}
	waitFor(t, patience, "late's output in late/log/got", func() (bool, error) {
		b, _ := os.ReadFile(filepath.Join(late, "log", "got"))
		return string(b) == "late\n", nil
	})
}

// watching reports whether process pid has an inotify watch on dir
// (/proc/PID/fdinfo lists each watch's inode in hex).
func watching(t *testing.T, pid int, dir string) bool {
	var st syscall.Stat_t
	if syscall.Stat(dir, &st) != nil {
		return false
	}
	want := fmt.Sprintf(" ino:%x ", st.Ino)
	infos, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fdinfo/*", pid))
	for _, f := range infos {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(want)) {
			return true
		}
	}
	return false
}

// TestSvscanRescansOnHUP: a symlink whose target appears later is found
// only by a full scan; HUP makes one at once (three times over).
func TestSvscanRescansOnHUP(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "s")
	writeService(t, dir, "first", sleeperRun, "")
	tree := startScan(t, cmd{}, base, "s", true)
	waitUp(t, dir, "first")
	for i := range 3 {
		name := fmt.Sprintf("probe%d", i)
		must(t, os.Symlink("../"+name, filepath.Join(dir, name)))
		writeService(t, base, name, sleeperRun, "")
		start := time.Now()
		tree.signal(t, syscall.SIGHUP)
		waitUp(t, dir, name)
		if d := time.Since(start); d > 2500*time.Millisecond {
			t.Errorf("%s picked up %v after HUP, want it well before the 5 s rescan", name, d)
		}
	}
}

// TestSvscanRemovingServices: the usual removal (mv x .x; svc -dx .x
// .x/log) stops both and nothing restarts them; a directory moved out
// stays supervised, and once stopped and moved back is supervised again;
// a log that is a plain file is not paired (docs/differences.md).
func TestSvscanRemovingServices(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "s")
	writeService(t, dir, "x", sleeperRun, "#!/bin/sh\necho $$ >> pids\nexec cat > got\n")
	writeService(t, dir, "y", sleeperRun, "")
	writeService(t, dir, "z", sleeperRun, "")
	must(t, os.WriteFile(filepath.Join(dir, "z", "log"), nil, 0o644))
	tree := startScan(t, cmd{}, base, "s", true)
	waitUp(t, dir, "x")
	waitUp(t, dir, "x/log")
	yPid := waitUp(t, dir, "y")
	waitUp(t, dir, "z")
	// Up is counted from the fork: the scripts may not have run yet.
	waitFor(t, patience, "x/run and x/log/run to record their pids", func() (bool, error) {
		return len(readLines(t, filepath.Join(dir, "x", "pids"))) == 1 &&
			len(readLines(t, filepath.Join(dir, "x", "log", "pids"))) == 1, nil
	})

	must(t, os.Rename(filepath.Join(dir, "x"), filepath.Join(dir, ".x")))
	(cmd{Dir: dir}).run(t, "svc", "-dx", ".x", ".x/log")
	waitLine(t, dir, ".x", ".x: supervise not running")
	waitLine(t, dir, ".x/log", ".x/log: supervise not running")

	must(t, os.Rename(filepath.Join(dir, "y"), filepath.Join(base, "y")))
	// A full scan that must have happened after both moves: it finds a
	// symlink's late target, which inotify cannot see.
	must(t, os.Symlink("../probe", filepath.Join(dir, "probe")))
	writeService(t, base, "probe", sleeperRun, "")
	tree.signal(t, syscall.SIGHUP)
	waitUp(t, dir, "probe")
	if got := svstatLine(t, cmd{}, dir, ".x"); got != ".x: supervise not running" {
		t.Errorf("after a rescan: %q, want .x left alone", got)
	}
	if got := readLines(t, filepath.Join(dir, ".x", "pids")); len(got) != 1 {
		t.Errorf(".x/run started %d times, want 1", len(got))
	}
	if got := readLines(t, filepath.Join(dir, ".x", "log", "pids")); len(got) != 1 {
		t.Errorf(".x/log/run started %d times, want 1", len(got))
	}
	if pid := waitUp(t, base, "y"); pid != yPid {
		t.Errorf("y moved out: pid %d, want still %d", pid, yPid)
	}
	(cmd{Dir: base}).run(t, "svc", "-dx", "y")
	waitLine(t, base, "y", "y: supervise not running")
	must(t, os.Rename(filepath.Join(base, "y"), filepath.Join(dir, "y")))
	if pid := waitUp(t, dir, "y"); pid == yPid {
		t.Errorf("y moved back: pid %d, want a new start", pid)
	}

	if got := svstatLine(t, cmd{}, dir, "z/log"); got != "z/log: unable to chdir: not a directory" {
		t.Errorf("svstat z/log: %q", got)
	}
	if s := tree.Stderr.String(); strings.Contains(s, "log") {
		t.Errorf("svscan complained about a log: %q", s)
	}
}

// TestSvscanLogKeepsEveryLine: a service writes numbered lines as fast as
// its pipe takes them while its logger is restarted 20 times and the
// service 5 times; every number each writer reports having written is in
// the log exactly once. Then the same with svc -k on the logger: Debian's
// multilog loses what it had read and not yet written (reported, and
// bounded by one read per kill); gotools' consumes its pipe only once the
// bytes are written, so it loses nothing but may log the last piece written
// before a kill twice (duplicates are reported).
// Both with Debian's multilog and with gotools'.
func TestSvscanLogKeepsEveryLine(t *testing.T) {
	requireDebian(t, "multilog")
	// The writer counts the lines write(2) accepted; TERM makes it
	// record "PID COUNT" in ../written (in the scan directory) and exit.
	// Once its handler is set it adds its pid to ../started: TERM before
	// that would kill it uncounted.
	const writer = `#!/usr/bin/perl
my $n = 0;
$SIG{TERM} = sub { open(my $o, ">>", "../written"); print $o "$$ $n\n"; close $o; exit 0 };
open(my $s, ">>", "../started"); print $s "$$\n"; close $s;
while (1) { syswrite(STDOUT, "$$ " . ($n + 1) . "\n") and $n++ }
`
	for _, tc := range []struct {
		name      string
		multilog  string
		lossLimit int // lines 20 restarts may lose
		logSignal string
	}{
		{"Debian TERM", "/usr/bin/multilog", 0, "-t"},
		// One 1 KiB read per kill, of lines at least 4 bytes long.
		{"Debian KILL", "/usr/bin/multilog", 20 * 1024 / 4, "-k"},
		{"gotools process TERM", "multilog", 0, "-t"},
		{"gotools process KILL", "multilog", 0, "-k"},
		{"gotools hosted TERM", "multilog", 0, "-t"},
		{"gotools hosted KILL", "multilog", 0, "-k"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			dir := filepath.Join(base, "s")
			sv := writeService(t, dir, "w", writer, "#!/bin/sh\nexec "+tc.multilog+" t s16777215 n100 ./main\n")
			if !strings.Contains(tc.name, "hosted") {
				must(t, os.WriteFile(filepath.Join(sv, "log", "no-hosting"), nil, 0o644))
			}
			startScan(t, cmd{}, base, "s", true)
			// waitWriter waits until svstat shows a writer other than old
			// and that writer has its TERM handler.
			waitWriter := func(old int) int {
				t.Helper()
				pid := waitNewPid(t, dir, "w", old)
				waitFor(t, patience, fmt.Sprintf("writer %d's TERM handler", pid), func() (bool, error) {
					return slices.Contains(readLines(t, filepath.Join(dir, "started")), strconv.Itoa(pid)), nil
				})
				return pid
			}
			pid := waitWriter(0)
			logRun := waitNewRun(t, dir, "w/log", "")
			current := filepath.Join(sv, "log", "main", "current")
			for i := range 20 {
				before := inode(current)
				(cmd{Dir: dir}).run(t, "svc", tc.logSignal, "w/log")
				logRun = waitNewRun(t, dir, "w/log", logRun)
				if tc.logSignal == "-k" {
					// Each kill is to hit a multilog that is logging,
					// not one still recovering its directory: kill again
					// only once it has a new current and logs into it.
					waitFor(t, patience, "a new current with lines", func() (bool, error) {
						st, err := os.Stat(current)
						return err == nil && st.Sys().(*syscall.Stat_t).Ino != before && st.Size() > 0, err
					})
				}
				if i%4 == 3 {
					(cmd{Dir: dir}).run(t, "svc", "-t", "w")
					pid = waitWriter(pid)
				}
			}
			// The last writer, started after the last logger restart,
			// must have written before it stops: its last line is then
			// the last one in the pipe, and not lost.
			waitLogged(t, filepath.Join(sv, "log", "main"), fmt.Sprintf("%d 1", pid))
			(cmd{Dir: dir}).run(t, "svc", "-d", "w")
			waitLine(t, dir, "w", "w: down N seconds, normally up")
			written := readLines(t, filepath.Join(dir, "written"))
			if len(written) != 12 {
				t.Fatalf("written: %q, want 6 writers' counts", written)
			}
			// Let the logger read to the end of the pipe: the last line.
			last := written[len(written)-2] + " " + written[len(written)-1]
			waitLogged(t, filepath.Join(sv, "log", "main"), last)
			seen := map[string]int{}
			for _, line := range logged(t, filepath.Join(sv, "log", "main")) {
				seen[line]++
			}
			lost, twice, total := 0, 0, 0
			for i := 0; i < len(written); i += 2 {
				n, _ := strconv.Atoi(written[i+1])
				total += n
				for k := 1; k <= n; k++ {
					switch c := seen[fmt.Sprintf("%s %d", written[i], k)]; {
					case c == 0:
						lost++
					case c > 1:
						twice++
					}
				}
			}
			t.Logf("%s: %d lines written by 6 writers, %d lost and %d logged more than once across 20 logger restarts (svc %s)", tc.name, total, lost, twice, tc.logSignal)
			if lost > tc.lossLimit {
				t.Errorf("%d of %d lines lost (at most %d may be)", lost, total, tc.lossLimit)
			}
			if twice > 0 && tc.logSignal != "-k" {
				t.Errorf("%d of %d lines logged more than once", twice, total)
			}
		})
	}
}

// TestSvscanShutdown: TERM, INT or QUIT (as PID 1, and as a child) stops
// the main services and what they left in their process group, lets each
// logger read to the end (the line the service writes on its way out is
// logged), exits 0 well before a long stop timeout, and leaves no process
// and no zombie behind. A ./run that ignores TERM is killed at the stop
// timeout (a short --stop-timeout, and the default 7 s), not before, and
// svscan still exits 0.
func TestSvscanShutdown(t *testing.T) {
	requireDebian(t, "multilog")
	// talker leaves its sleep behind, holding the log pipe, when TERM
	// ends it: svscan must stop that leftover for the logger to finish.
	const byeRun = "#!/bin/sh\ntrap 'echo bye; exit 0' TERM\necho hi\nwhile :; do sleep 100 & wait $!; done\n"
	const stubbornRun = "#!/bin/sh\ntrap '' TERM\necho hi\nexec sleep 1000000\n"
	for _, tc := range []struct {
		name     string
		asInit   bool
		stubborn bool
		sig      syscall.Signal // what stops svscan
		timeout  time.Duration  // --stop-timeout; 0: the default, 7 s
	}{
		{"PID 1", true, false, syscall.SIGTERM, time.Minute},
		{"child", false, false, syscall.SIGTERM, time.Minute},
		{"PID 1 ignoring TERM", true, true, syscall.SIGTERM, time.Second},
		{"child ignoring TERM", false, true, syscall.SIGTERM, time.Second},
		{"PID 1 ignoring TERM, default timeout", true, true, syscall.SIGTERM, 0},
		{"PID 1 INT", true, false, syscall.SIGINT, time.Minute},
		{"child QUIT", false, false, syscall.SIGQUIT, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			dir := filepath.Join(base, "s")
			writeService(t, dir, "plain", sleeperRun, "")
			writeService(t, dir, "talker", byeRun, multilogRun)
			if tc.stubborn {
				writeService(t, dir, "stubborn", stubbornRun, multilogRun)
			}
			var args []string
			timeout := 7 * time.Second
			if tc.timeout != 0 {
				timeout = tc.timeout
				args = []string{"--stop-timeout=" + timeout.String()}
			}
			tree := startScan(t, cmd{}, base, "s", tc.asInit, args...)
			waitLogged(t, filepath.Join(dir, "talker", "log", "main"), "hi")
			if tc.stubborn {
				waitLogged(t, filepath.Join(dir, "stubborn", "log", "main"), "hi")
			}
			start := time.Now()
			tree.signal(t, tc.sig)
			if code := tree.exitCode(t); code != 0 {
				t.Errorf("svscan exited %d, want 0\nstderr: %s", code, tree.Stderr.String())
			}
			switch d := time.Since(start); {
			case !tc.stubborn && d > 20*time.Second:
				t.Errorf("svscan took %v to stop, want far less than its %v stop timeout", d, timeout)
			case tc.stubborn && d < timeout:
				t.Errorf("svscan stopped in %v, before its %v stop timeout killed the stubborn service", d, timeout)
			}
			if got := logged(t, filepath.Join(dir, "talker", "log", "main")); !slices.Equal(got, []string{"hi", "bye"}) {
				t.Errorf("talker's log: %q, want hi and bye", got)
			}
			if !tc.asInit {
				left := nsProcs(t, tree.innerPid(t))
				if len(left) != 1 || left[0].Name != "perl" {
					t.Errorf("left after svscan: %v, want only the namespace's init", left)
				}
			}
		})
	}
}

// TestSvscanReapsOrphans: a ./run that double-forks leaves children that
// are reparented to svscan (PID 1, or a subreaper under an init that
// reaps nothing) and reaped when they exit: no zombie stays.
func TestSvscanReapsOrphans(t *testing.T) {
	const forker = "#!/bin/sh\nfor i in 1 2 3; do (sleep 0.2 &); done\necho forked >> forks\nexec sleep 1000000\n"
	for _, asInit := range []bool{true, false} {
		t.Run(fmt.Sprintf("PID 1 %v", asInit), func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			dir := filepath.Join(base, "s")
			writeService(t, dir, "f", forker, "")
			tree := startScan(t, cmd{}, base, "s", asInit)
			waitFor(t, patience, "the forks", func() (bool, error) {
				return len(readLines(t, filepath.Join(dir, "f", "forks"))) == 1, nil
			})
			(cmd{Dir: dir}).run(t, "svc", "-k", "f") // once more, from a restarted ./run
			waitFor(t, patience, "the second forks", func() (bool, error) {
				return len(readLines(t, filepath.Join(dir, "f", "forks"))) == 2, nil
			})
			waitFor(t, patience, "the orphans to be gone", func() (bool, error) {
				sleepers, z := 0, zombies(t, tree.innerPid(t))
				for _, p := range nsProcs(t, tree.innerPid(t)) {
					if p.Name == "sleep" {
						sleepers++
					}
				}
				return sleepers == 1 && len(z) == 0, fmt.Errorf("%d sleep processes, zombies %v", sleepers, z)
			})
		})
	}
}

// TestSvscanAdoptsAfterKill9: svscan killed with SIGKILL leaves its
// services running; the next svscan on the directory adopts each (same
// pids in svstat, no second start), still controls them (signals, a
// restart when one exits), and a logged service's output still reaches
// its logger, also after the logger is restarted.
func TestSvscanAdoptsAfterKill9(t *testing.T) {
	requireDebian(t, "multilog")
	// ping writes a numbered line for each HUP.
	const ping = `#!/usr/bin/perl
$| = 1;
my $n = 0;
$SIG{HUP} = sub { $n++; print "ping $$ $n\n" };
open(my $p, ">>", "pids"); print $p "$$\n"; close $p;
sleep 1 while 1;
`
	base := t.TempDir()
	dir := filepath.Join(base, "s")
	writeService(t, dir, "a", sleeperRun, "")
	writeService(t, dir, "b", ping, "#!/bin/sh\necho $$ >> pids\nexec /usr/bin/multilog t ./main\n")
	c := cmd{Dir: base, MountProc: true}
	tree := &scanTree{c.startIsolated(t, "/bin/sh", "-c", svscanLoopInit, "sh", "s"), dir, false}
	logdir := filepath.Join(dir, "b", "log", "main")
	pings := func(pid, n int) {
		t.Helper()
		waitFor(t, patience, "b's HUP handler", func() (bool, error) {
			return slices.Contains(readLines(t, filepath.Join(dir, "b", "pids")), strconv.Itoa(pid)), nil
		})
		(cmd{Dir: dir}).run(t, "svc", "-h", "b")
		waitLogged(t, logdir, fmt.Sprintf("ping %d %d", pid, n))
	}
	aPid, bPid, logPid := waitUp(t, dir, "a"), waitUp(t, dir, "b"), waitUp(t, dir, "b/log")
	// b's own pid: svstat shows the namespace's pids, as ./run sees them.
	pings(bPid, 1)

	old := tree.svscanPid(t)
	must(t, syscall.Kill(old, syscall.SIGKILL))
	waitFor(t, patience, "a new svscan", func() (bool, error) { return tree.svscanPid(t) != old, nil })
	for sv, pid := range map[string]int{"a": aPid, "b": bPid, "b/log": logPid} {
		waitFor(t, patience, sv+" adopted", func() (bool, error) {
			got := svstatLine(t, cmd{}, dir, sv)
			return strings.HasPrefix(got, fmt.Sprintf("%s: up (pid %d) ", sv, pid)), fmt.Errorf("svstat: %q", got)
		})
	}
	for _, sv := range []string{"a", "b", "b/log"} {
		if got := readLines(t, filepath.Join(dir, sv, "pids")); len(got) != 1 {
			t.Errorf("%s started %d times, want once", sv, len(got))
		}
	}
	// The processes themselves: one of each (a's sleep, b's perl, which
	// the kernel names after its script, and b's multilog).
	count := map[string]int{}
	for _, p := range nsProcs(t, tree.innerPid(t)) {
		if p.State != "Z" {
			count[p.Name]++
		}
	}
	for _, name := range []string{"svscan", "sleep", "run", "multilog"} {
		if count[name] != 1 {
			t.Errorf("%d processes named %s after the new svscan adopted, want 1: %v", count[name], name, nsProcs(t, tree.innerPid(t)))
		}
	}
	pings(bPid, 2) // through the pipe the old svscan made

	(cmd{Dir: dir}).run(t, "svc", "-t", "b/log")
	waitNewPid(t, dir, "b/log", logPid)
	pings(bPid, 3) // the new logger reads the same pipe again

	(cmd{Dir: dir}).run(t, "svc", "-k", "b")
	pings(waitNewPid(t, dir, "b", bPid), 1)

	(cmd{Dir: dir}).run(t, "svc", "-d", "a")
	waitLine(t, dir, "a", "a: down N seconds, normally up")
	if got := zombies(t, tree.innerPid(t)); len(got) != 0 {
		t.Errorf("zombies: %v", got)
	}
	must(t, os.WriteFile(filepath.Join(base, "stop"), nil, 0o644))
	tree.signal(t, syscall.SIGTERM)
	waitFor(t, patience, "svscan to exit 0", func() (bool, error) {
		return strings.Contains(tree.Stderr.String(), "svscan exit=0"), fmt.Errorf("stderr: %q", tree.Stderr.String())
	})
}

// TestSvscanboot: svscanboot stops what a previous supervisor left running
// (Debian's supervise here, with svc -dx), then runs svscan on the
// directory with an environment of only PATH, its errors going to
// readproctitle's title.
func TestSvscanboot(t *testing.T) {
	requireDebian(t, "supervise")
	base := t.TempDir()
	dir := filepath.Join(base, "service")
	writeService(t, dir, "a", "#!/bin/sh\nenv > env.out\necho $$ >> pids\nexec sleep 1000000\n", "")
	writeService(t, dir, "bad", sleeperRun, "")
	must(t, os.Chmod(filepath.Join(dir, "bad", "run"), 0o644))

	old := cmd{Dir: dir, Bin: debianBin}.startIsolated(t, "supervise", "a")
	waitUp(t, dir, "a")
	tree := &scanTree{cmd{Dir: base, MountProc: true}.startIsolated(t, "svscanboot", dir), dir, true}
	if code := old.wait(t); code != 0 {
		t.Errorf("Debian's supervise exited %d after svscanboot's svc -dx, want 0", code)
	}
	waitFor(t, patience, "a started by svscan", func() (bool, error) {
		return len(readLines(t, filepath.Join(dir, "a", "pids"))) == 2, nil
	})
	waitUp(t, dir, "a")
	if got := readLines(t, filepath.Join(dir, "a", "env.out")); !slices.Equal(got, []string{
		"PATH=/command:/usr/local/bin:/usr/local/sbin:/bin:/sbin:/usr/bin:/usr/sbin:/usr/X11R6/bin",
		"PWD=" + filepath.Join(dir, "a"),
	}) {
		t.Errorf("a's environment: %q, want only PATH (and the PWD its shell adds)", got)
	}
	if !gotoolsHas(t, "readproctitle") {
		t.Skip("gotools has no readproctitle applet yet")
	}
	waitFor(t, patience, "bad's error in readproctitle's title", func() (bool, error) {
		for _, p := range nsProcs(t, tree.innerPid(t)) {
			// Found by its argv, not its name: svscanboot starts it from
			// its own executable, so the kernel names it after that file.
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.Pid))
			title := string(b)
			if !strings.HasPrefix(title, "readproctitle\x00") {
				continue
			}
			if !strings.HasPrefix(title, "readproctitle\x00service\x00errors:\x00...") || len(title) != len("readproctitle service errors: ")+401 {
				return false, fmt.Errorf("title %q", title)
			}
			return strings.Contains(title, "unable to start bad/run: access denied"), fmt.Errorf("title %q", title)
		}
		return false, fmt.Errorf("no readproctitle in %v", nsProcs(t, tree.innerPid(t)))
	})
}

// TestSvscanManyServices: 5,000 services (beyond 0.76's 1,000) all come
// up, and TERM stops them all; svscan exits 0. Each service holds four
// descriptors in svscan, so where the hard RLIMIT_NOFILE is lower than
// 20,200 (and cannot be raised) the test runs as many as fit.
func TestSvscanManyServices(t *testing.T) {
	if testing.Short() {
		t.Skip("thousands of processes")
	}
	var lim syscall.Rlimit
	must(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	n := min(5000, (int(lim.Max)-200)/4)
	if n < 5000 {
		t.Logf("the descriptor limit (%d) allows %d services, not 5,000", lim.Max, n)
	}
	base := t.TempDir()
	dir := filepath.Join(base, "s")
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("s%04d", i)
		writeService(t, dir, names[i], "#!/bin/sh\nexec sleep 1000000\n", "")
	}
	tree := startScan(t, cmd{}, base, "s", true)
	// Starting thousands of processes on a busy 2-core machine takes a
	// while.
	waitFor(t, 5*time.Minute, fmt.Sprintf("%d services up", n), func() (bool, error) {
		out := (cmd{Dir: dir}).run(t, append([]string{"svstat"}, names...)...).Stdout
		up := strings.Count(out, ": up (pid ")
		return up == n, fmt.Errorf("%d of %d up; svscan stderr starts %.500q", up, n, tree.Stderr.String())
	})
	if s := tree.Stderr.String(); s != "" {
		t.Errorf("svscan stderr: %.500q", s)
	}
	tree.signal(t, syscall.SIGTERM)
	if code := tree.exitCode(t); code != 0 {
		t.Errorf("svscan exited %d, want 0", code)
	}
}

// TestSvscanDemo runs make demo's script as a newcomer would (but with
// the binary under test): both example services and their loggers come
// up, their lines reach the log directories and the terminal (multilog's
// 1), and INT (Ctrl-C) stops everything: svscan exits 0 and leaves no
// process behind.
func TestSvscanDemo(t *testing.T) {
	tmp := t.TempDir()
	c := cmd{Dir: tmp, Env: []string{"TMPDIR=" + tmp, "GOTOOLS=" + gotoolsBin}}
	demo, err := filepath.Abs(filepath.Join("..", "examples", "demo.sh"))
	must(t, err)
	tree := &scanTree{c.startIsolated(t, "/usr/bin/perl", "-e", svscanInit, "sh", demo), filepath.Join(tmp, "gotools-demo", "service"), false}
	waitFor(t, patience, "the demo's service directory", func() (bool, error) {
		_, err := os.Stat(filepath.Join(tree.dir, "greeter", "log", "run"))
		return err == nil, err
	})
	for _, sv := range []string{"clock", "clock/log", "greeter", "greeter/log"} {
		waitUp(t, tree.dir, sv)
	}
	waitLogged(t, filepath.Join(tree.dir, "clock", "log", "main"), "clock: starting")
	waitFor(t, patience, "the greeter's line", func() (bool, error) {
		lines := logged(t, filepath.Join(tree.dir, "greeter", "log", "main"))
		return slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "greeter: hello from gotools (pid ") }), fmt.Errorf("logged %q", lines)
	})
	tree.signal(t, syscall.SIGINT)
	if code := tree.exitCode(t); code != 0 {
		t.Errorf("svscan exited %d, want 0; stderr %q", code, tree.Stderr.String())
	}
	if left := nsProcs(t, tree.innerPid(t)); len(left) != 1 || left[0].Name != "perl" {
		t.Errorf("left after Ctrl-C: %v, want only the namespace's init", left)
	}
	if s := tree.Stderr.String(); s != "svscan exit=0\n" {
		t.Errorf("stderr %q", s)
	}
	tree.kill() // the namespace's init; then its output can be read
	// The clock's first line, in local time (tai64nlocal), not as a stamp.
	localLine := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} clock: starting$`)
	if out := tree.Stdout.String(); !strings.Contains(out, "svscan is supervising") || !localLine.MatchString(out) {
		t.Errorf("the terminal got %q, want the demo's instructions and the clock's first line in local time", out)
	}
}

// inode is path's inode number, 0 if it cannot be had.
func inode(path string) uint64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Sys().(*syscall.Stat_t).Ino
}
