package integration

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// supervisors are the two implementations every differential test runs:
// each is started from its own bin directory and driven by Debian's svc,
// svok and svstat (so these tests are also the cross-compatibility tests
// "Debian's clients, gotools' supervise").
var supervisors = []struct{ name, bin string }{
	{"debian", debianBin},
	{"gotools", binDir},
}

// serviceTree makes PARENT/sv with the given files (name → content; names
// ending in "*" are made executable, without the star).
func serviceTree(t *testing.T, files map[string]string) (parent string) {
	t.Helper()
	parent = t.TempDir()
	sv := filepath.Join(parent, "sv")
	if err := os.Mkdir(sv, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		mode := fs.FileMode(0o644)
		if strings.HasSuffix(name, "*") {
			name, mode = strings.TrimSuffix(name, "*"), 0o755
		}
		if err := os.WriteFile(filepath.Join(sv, name), []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	return parent
}

// superviseSv starts bin's supervise on PARENT/sv in a PID namespace and
// waits until Debian's svok says it runs.
func superviseSv(t *testing.T, bin, parent string) *background {
	t.Helper()
	return awaitSvok(t, parent, cmd{Dir: parent, Bin: bin}.startIsolated(t, "supervise", "sv"))
}

// awaitSvok waits until b, a supervise of PARENT/sv, answers svok.
func awaitSvok(t *testing.T, parent string, b *background) *background {
	t.Helper()
	waitFor(t, patience, "svok sv", func() (bool, error) {
		r := debian(parent).run(t, "svok", "sv")
		if b.exited() {
			return false, fmt.Errorf("supervise exited: %s", b.Stderr.String())
		}
		return r.Code == 0, fmt.Errorf("svok: %v", r)
	})
	return b
}

// debian runs Debian's clients in dir.
func debian(dir string) cmd { return cmd{Dir: dir, Bin: debianBin} }

func (b *background) exited() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// svstat is Debian's svstat line for sv with the pid and seconds masked.
func svstat(t *testing.T, parent string) string {
	t.Helper()
	out := debian(parent).run(t, "svstat", "sv").Stdout
	return normaliseSvstat(out)
}

func waitSvstat(t *testing.T, parent, want string) {
	t.Helper()
	var got string
	waitFor(t, patience, "svstat "+strings.TrimSpace(want), func() (bool, error) {
		got = svstat(t, parent)
		return got == want, fmt.Errorf("svstat says %q", got)
	})
}

// statusTail is bytes 16–17 of sv/supervise/status (paused, want) and
// whether the pid field is set, after checking the file is 18 bytes.
func statusTail(t *testing.T, parent string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(parent, "sv/supervise/status"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 18 {
		t.Fatalf("status is %d bytes: % x", len(b), b)
	}
	pid := "pid"
	if bytes.Equal(b[12:16], []byte{0, 0, 0, 0}) {
		pid = "nopid"
	}
	return fmt.Sprintf("%s %02x %02x", pid, b[16], b[17])
}

// TestSuperviseControlLetters drives each supervise through every control
// letter of 0.76 with Debian's svc and compares svstat, the status bytes
// and the signals the run script received.
func TestSuperviseControlLetters(t *testing.T) {
	requireDebian(t, "supervise", "svc", "svstat", "svok")
	steps := []struct {
		svc, svstat, status string
		sigs                []string // expected lines of sigs after the step
	}{
		{"", "sv: up (pid N) N seconds\n", "pid 00 75", []string{"start"}},
		{"-h", "sv: up (pid N) N seconds\n", "pid 00 75", []string{"start", "HUP"}},
		{"-a", "sv: up (pid N) N seconds\n", "pid 00 75", []string{"start", "HUP", "ALRM"}},
		{"-i", "sv: up (pid N) N seconds\n", "pid 00 75", []string{"start", "HUP", "ALRM", "INT"}},
		{"-t", "sv: up (pid N) N seconds\n", "pid 00 75", []string{"start", "HUP", "ALRM", "INT", "TERM"}},
		{"-p", "sv: up (pid N) N seconds, paused\n", "pid 01 75", nil},
		{"-c", "sv: up (pid N) N seconds\n", "pid 00 75", []string{"start", "HUP", "ALRM", "INT", "TERM", "CONT"}},
		{"-d", "sv: up (pid N) N seconds, want down\n", "pid 00 64",
			[]string{"start", "HUP", "ALRM", "INT", "TERM", "CONT", "TERM", "CONT"}},
		{"-u", "sv: up (pid N) N seconds\n", "pid 00 75", nil},
		{"-o", "sv: up (pid N) N seconds\n", "pid 00 00", nil},
		{"-k", "sv: down N seconds, normally up\n", "nopid 00 00", nil},
		{"-p", "sv: down N seconds, normally up\n", "nopid 00 00", nil},
		{"-u", "sv: up (pid N) N seconds\n", "pid 00 75",
			[]string{"start", "HUP", "ALRM", "INT", "TERM", "CONT", "TERM", "CONT", "start"}},
		{"-x", "sv: up (pid N) N seconds\n", "pid 00 75", nil},
		{"-k", "sv: supervise not running\n", "nopid 00 75", nil},
	}
	for _, s := range supervisors {
		t.Run(s.name, func(t *testing.T) {
			parent := serviceTree(t, map[string]string{"run*": recorderRun})
			b := superviseSv(t, s.bin, parent)
			sigs := filepath.Join(parent, "sv/signals")
			for _, step := range steps {
				if step.svc != "" {
					if r := debian(parent).run(t, "svc", step.svc, "sv"); r.Code != 0 || r.Stderr != "" {
						t.Fatalf("svc %s: %v", step.svc, r)
					}
				}
				waitSvstat(t, parent, step.svstat)
				if step.sigs != nil {
					waitFor(t, patience, fmt.Sprintf("signals %q after svc %s", step.sigs, step.svc), func() (bool, error) {
						got := readLines(t, sigs)
						return cmp.Equal(got, step.sigs), fmt.Errorf("got %q", got)
					})
				}
				// svstat need not change (svc -o while up), so the status
				// bytes are waited for too: svc returns before supervise acts.
				waitFor(t, patience, fmt.Sprintf("status %q after svc %s", step.status, step.svc), func() (bool, error) {
					got := statusTail(t, parent)
					return got == step.status, fmt.Errorf("status %q", got)
				})
			}
			if code := b.wait(t); code != 0 || b.Stderr.String() != "" {
				t.Errorf("supervise exit %d, stderr %q; want 0 and nothing", code, b.Stderr.String())
			}
		})
	}
}

// superviseListing is ls -l of sv/supervise: name, type and mode.
func superviseListing(t *testing.T, parent string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(parent, "sv/supervise"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		size := ""
		if info.Mode().IsRegular() {
			size = fmt.Sprint(" ", info.Size())
		}
		out = append(out, fmt.Sprintf("%s %v%s", e.Name(), info.Mode(), size))
	}
	info, err := os.Stat(filepath.Join(parent, "sv/supervise"))
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, fmt.Sprint(". ", info.Mode()))
	sort.Strings(out)
	return out
}

// TestSuperviseFiles compares what both supervisors leave in supervise/
// (gotools adds xstatus) with the down file present.
func TestSuperviseFiles(t *testing.T) {
	requireDebian(t, "supervise", "svc", "svstat", "svok")
	want := []string{
		". drwx------",
		"control prw-------",
		"lock -rw------- 0",
		"ok prw-------",
		"status -rw-r--r-- 18",
	}
	for _, s := range supervisors {
		t.Run(s.name, func(t *testing.T) {
			parent := serviceTree(t, map[string]string{"run*": "#!/bin/sh\nexec sleep 100\n", "down": ""})
			b := superviseSv(t, s.bin, parent)
			waitSvstat(t, parent, "sv: down N seconds\n")
			if got := statusTail(t, parent); got != "nopid 00 64" {
				t.Errorf("status %q, want want-down", got)
			}
			got := superviseListing(t, parent)
			if s.name == "gotools" {
				want := append(append([]string(nil), want...), "xstatus -rw-r--r-- "+strconv.Itoa(sizeOf(t, parent, "sv/supervise/xstatus")))
				sort.Strings(want)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("supervise/ (-want +got)\n%s", diff)
				}
			} else if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("supervise/ (-want +got)\n%s", diff)
			}
			debian(parent).run(t, "svc", "-x", "sv")
			if code := b.wait(t); code != 0 {
				t.Errorf("supervise exit %d after svc -x", code)
			}
			if got := svstat(t, parent); got != "sv: supervise not running\n" {
				t.Errorf("after exit: %q", got)
			}
		})
	}
}

func sizeOf(t *testing.T, parent, name string) int {
	info, err := os.Stat(filepath.Join(parent, name))
	if err != nil {
		t.Fatal(err)
	}
	return int(info.Size())
}

// TestSuperviseStartupErrors compares messages and exit codes of start-up
// failures (the precedence in docs/supervise.md, Debian's symlink repair).
func TestSuperviseStartupErrors(t *testing.T) {
	requireDebian(t, "supervise")
	tests := []struct {
		name  string
		setup func(t *testing.T, parent string)
		args  []string
	}{
		{"no argument", nil, []string{}},
		{"two arguments", nil, []string{"sv", "x"}},
		{"missing directory", nil, []string{"nonexistent"}},
		{"a file", nil, []string{"sv/run"}},
		{"supervise is a file", func(t *testing.T, parent string) {
			os.WriteFile(filepath.Join(parent, "sv/supervise"), nil, 0o644)
		}, []string{"sv"}},
		{"dangling supervise symlink is repaired, then locked", func(t *testing.T, parent string) {
			os.Symlink("../elsewhere", filepath.Join(parent, "sv/supervise"))
			holdLock(t, filepath.Join(parent, "elsewhere/lock"))
		}, []string{"sv"}},
		{"supervise symlink target too long", func(t *testing.T, parent string) {
			os.Symlink(strings.Repeat("x", 300), filepath.Join(parent, "sv/supervise"))
		}, []string{"sv"}},
		{"down is a symlink loop", func(t *testing.T, parent string) {
			os.Remove(filepath.Join(parent, "sv/down"))
			os.Symlink("down", filepath.Join(parent, "sv/down"))
		}, []string{"sv"}},
		{"second supervise", func(t *testing.T, parent string) {
			os.Mkdir(filepath.Join(parent, "sv/supervise"), 0o700)
			holdLock(t, filepath.Join(parent, "sv/supervise/lock"))
		}, []string{"sv"}},
		{"control is a directory", func(t *testing.T, parent string) {
			os.MkdirAll(filepath.Join(parent, "sv/supervise/control"), 0o700)
		}, []string{"sv"}},
		{"ok is a dangling symlink", func(t *testing.T, parent string) {
			os.MkdirAll(filepath.Join(parent, "sv/supervise"), 0o700)
			os.Symlink("nowhere", filepath.Join(parent, "sv/supervise/ok"))
		}, []string{"sv"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var results []result
			for _, s := range supervisors {
				parent := serviceTree(t, map[string]string{"run*": "#!/bin/sh\nexec sleep 100\n", "down": ""})
				if tc.setup != nil {
					tc.setup(t, parent)
				}
				r := cmd{Dir: parent, Bin: s.bin}.run(t, append([]string{"supervise"}, tc.args...)...)
				r.Stderr = withoutHints(r.Stderr)
				results = append(results, r)
			}
			if diff := cmp.Diff(results[0], results[1]); diff != "" {
				t.Errorf("(-debian +gotools)\n%s", diff)
			}
			if results[1].Code != 100 && results[1].Code != 111 {
				t.Errorf("exit %d: %v", results[1].Code, results[1])
			}
		})
	}
}

// TestSuperviseReadOnlyDirectory runs both supervisors where nothing can be
// created: a read-only bind mount in a private mount namespace.
func TestSuperviseReadOnlyDirectory(t *testing.T) {
	requireDebian(t, "supervise")
	requireRoot(t)
	for _, existing := range []bool{false, true} {
		t.Run(fmt.Sprint("supervise/ exists: ", existing), func(t *testing.T) {
			var results []result
			for _, s := range supervisors {
				parent := serviceTree(t, map[string]string{"run*": "#!/bin/sh\nexec sleep 100\n"})
				if existing {
					os.Mkdir(filepath.Join(parent, "sv/supervise"), 0o700)
				}
				script := "mount --bind sv sv && mount -o remount,bind,ro sv && exec supervise sv"
				r := cmd{Dir: parent, Bin: s.bin}.run(t, "/usr/bin/unshare", "-m", "/bin/sh", "-c", script)
				results = append(results, r)
			}
			if strings.Contains(results[0].Stderr, "mount") {
				t.Skipf("cannot make a read-only bind mount: %v", results[0])
			}
			if diff := cmp.Diff(results[0], results[1]); diff != "" {
				t.Errorf("(-debian +gotools)\n%s", diff)
			}
			if results[1].Code != 111 {
				t.Errorf("exit %d, want 111", results[1].Code)
			}
		})
	}
}

// TestSuperviseRunFailures: a run that is missing, not executable or has no
// #! makes each supervise print the same message about once a second; the
// retry must not spin.
func TestSuperviseRunFailures(t *testing.T) {
	requireDebian(t, "supervise", "svc", "svok", "svstat")
	tests := []struct {
		name  string
		files map[string]string
		msg   string
	}{
		{"missing", map[string]string{"down": ""}, "supervise: fatal: unable to start sv/run: file does not exist\n"},
		{"not executable", map[string]string{"run": "#!/bin/sh\n"}, "supervise: fatal: unable to start sv/run: access denied\n"},
		{"no #!", map[string]string{"run*": "echo hi\n"}, "supervise: fatal: unable to start sv/run: exec format error\n"},
		{"bad interpreter", map[string]string{"run*": "#!/nonexistent/sh\n"}, "supervise: fatal: unable to start sv/run: file does not exist\n"},
	}
	for _, tc := range tests {
		for _, s := range supervisors {
			t.Run(tc.name+"/"+s.name, func(t *testing.T) {
				parent := serviceTree(t, tc.files)
				os.Remove(filepath.Join(parent, "sv/down"))
				b := superviseSv(t, s.bin, parent)
				start := time.Now()
				waitFor(t, patience, "three failures", func() (bool, error) {
					return strings.Count(withoutHints(b.Stderr.String()), "\n") >= 3, fmt.Errorf("stderr %q", b.Stderr.String())
				})
				elapsed := time.Since(start)
				lines := strings.SplitAfter(withoutHints(b.Stderr.String()), "\n")
				if lines[0] != tc.msg {
					t.Errorf("message %q, want %q", lines[0], tc.msg)
				}
				if elapsed < 1500*time.Millisecond {
					t.Errorf("three failures within %v: not throttled to one a second", elapsed)
				}
				if ticks := cpuTicks(t, b.innerPid(t)); ticks > 50 {
					t.Errorf("supervise used %d clock ticks of CPU while failing", ticks)
				}
				if s.name != "gotools" {
					return // 0.76 shows its dead child up for the second it sleeps
				}
				// docs/differences.md: the status shows the service down, want up, and
				// (as 0.76's, which records its child's start and exit) it
				// is stamped anew at each attempt.
				waitFor(t, patience, "svstat down 0 or 1 seconds, want up", func() (bool, error) {
					got := debian(parent).run(t, "svstat", "sv").Stdout
					ok := got == "sv: down 0 seconds, normally up, want up\n" || got == "sv: down 1 seconds, normally up, want up\n"
					return ok, fmt.Errorf("svstat %q", got)
				})
			})
		}
	}
}

// cpuTicks is utime+stime of pid (clock ticks).
func cpuTicks(t *testing.T, pid int) int {
	t.Helper()
	f := procStat(pid)
	if f == nil {
		t.Fatalf("process %d is gone", pid)
	}
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return u + s
}

// statusPid is the pid field of sv/supervise/status.
func statusPid(t *testing.T, parent string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(parent, "sv/supervise/status"))
	if err != nil || len(b) < 18 {
		t.Fatalf("status: % x, %v", b, err)
	}
	return int(uint32(b[12]) | uint32(b[13])<<8 | uint32(b[14])<<16 | uint32(b[15])<<24)
}

// procStat is the fields of /proc/PID/stat after the command name (field 3
// first), or nil if the process is gone.
func procStat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
}

// TestSuperviseExtraLetters: q, 1, 2 and w written into the FIFO signal
// ./run under gotools (docs/differences.md) and are ignored by Debian's supervise.
func TestSuperviseExtraLetters(t *testing.T) {
	requireDebian(t, "supervise", "svc", "svok", "svstat")
	want := map[string][]string{
		"debian":  {"start", "HUP"},
		"gotools": {"start", "QUIT", "USR1", "USR2", "WINCH", "HUP"},
	}
	for _, s := range supervisors {
		t.Run(s.name, func(t *testing.T) {
			parent := serviceTree(t, map[string]string{"run*": recorderRun})
			superviseSv(t, s.bin, parent)
			sigs := filepath.Join(parent, "sv/signals")
			waitFor(t, patience, "start", func() (bool, error) { return len(readLines(t, sigs)) == 1, nil })
			for _, c := range "q12w" {
				// One letter at a time: a shell runs the traps of signals
				// that arrive together in its own order.
				n := len(readLines(t, sigs))
				writeControl(t, parent, string(c))
				if s.name == "gotools" {
					waitFor(t, patience, "signal for "+string(c), func() (bool, error) { return len(readLines(t, sigs)) > n, nil })
				}
			}
			debian(parent).run(t, "svc", "-h", "sv")
			waitFor(t, patience, "HUP", func() (bool, error) {
				got := readLines(t, sigs)
				return len(got) > 0 && got[len(got)-1] == "HUP", fmt.Errorf("got %q", got)
			})
			if diff := cmp.Diff(want[s.name], readLines(t, sigs)); diff != "" {
				t.Errorf("signals (-want +got)\n%s", diff)
			}
		})
	}
}

func writeControl(t *testing.T, parent, cmds string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(parent, "sv/supervise/control"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(cmds); err != nil {
		t.Fatal(err)
	}
}

// TestSuperviseJunkInControl: a megabyte of bytes that are no command is
// ignored, and an svc -d behind it acts at once.
func TestSuperviseJunkInControl(t *testing.T) {
	requireDebian(t, "svc", "svok", "svstat")
	parent := serviceTree(t, map[string]string{"run*": recorderRun})
	superviseSv(t, binDir, parent)
	waitFor(t, patience, "start", func() (bool, error) { return len(readLines(t, filepath.Join(parent, "sv/signals"))) == 1, nil })
	junk := make([]byte, 1<<20)
	const notCommands = "ZyYz\n\x00\xff*+=-!bBefgjlmnrsvUDOX"
	for i := range junk {
		junk[i] = notCommands[i%len(notCommands)]
	}
	writeControl(t, parent, string(junk))
	start := time.Now()
	debian(parent).run(t, "svc", "-d", "sv")
	waitSvstat(t, parent, "sv: up (pid N) N seconds, want down\n") // the recorder survives TERM
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("svc -d behind 1 MiB of junk took %v", d)
	}
	waitFor(t, patience, "TERM and CONT", func() (bool, error) {
		got := readLines(t, filepath.Join(parent, "sv/signals"))
		return cmp.Equal(got, []string{"start", "TERM", "CONT"}), fmt.Errorf("signals %q", got)
	})
}

// TestSuperviseTermStopsService: TERM to gotools' supervise is svc -dx
// (docs/differences.md): ./run gets TERM and CONT, supervise exits 0.
func TestSuperviseTermStopsService(t *testing.T) {
	requireDebian(t, "svok", "svstat")
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			parent := serviceTree(t, map[string]string{"run*": "#!/bin/sh\ntrap 'echo TERM >> signals; exit 0' TERM\necho start >> signals\nwhile :; do sleep 1 & wait $!; done\n"})
			b := superviseSv(t, binDir, parent)
			waitFor(t, patience, "start", func() (bool, error) { return len(readLines(t, filepath.Join(parent, "sv/signals"))) == 1, nil })
			b.signal(t, sig)
			if code := b.wait(t); code != 0 || b.Stderr.String() != "" {
				t.Errorf("supervise: exit %d, stderr %q", code, b.Stderr.String())
			}
			if got := readLines(t, filepath.Join(parent, "sv/signals")); !cmp.Equal(got, []string{"start", "TERM"}) {
				t.Errorf("signals %q", got)
			}
			if got := statusTail(t, parent); got != "nopid 00 64" {
				t.Errorf("final status %q, want down, want down", got)
			}
		})
	}
}

// TestSuperviseRunIgnoringTerm: svc -d leaves a ./run that ignores TERM
// running (as 0.76); TERM to supervise kills it at the stop deadline.
func TestSuperviseRunIgnoringTerm(t *testing.T) {
	requireDebian(t, "svc", "svok", "svstat")
	parent := serviceTree(t, map[string]string{"run*": "#!/bin/sh\ntrap '' TERM\necho > trapped\nwhile :; do sleep 1; done\n"})
	b := superviseSv(t, binDir, parent)
	waitFor(t, patience, "TERM ignored", func() (bool, error) { return readFile(parent, "sv/trapped") == "\n", nil })
	// The script can get here before gotools has written its pid.
	waitSvstat(t, parent, "sv: up (pid N) N seconds\n")
	pid := hostPid(t, b, statusPid(t, parent))
	debian(parent).run(t, "svc", "-d", "sv")
	waitSvstat(t, parent, "sv: up (pid N) N seconds, want down\n")
	if procStat(pid) == nil {
		t.Fatal("./run died of a TERM it ignores")
	}
	start := time.Now()
	b.signal(t, syscall.SIGTERM)
	if code := b.wait(t); code != 0 {
		t.Errorf("supervise exit %d", code)
	}
	if d := time.Since(start); d < 6*time.Second {
		t.Errorf("./run killed after %v, before the 7 s stop deadline", d)
	}
}

// TestSuperviseReapsOrphans: a ./run that forks children and exits leaves
// no zombie behind (supervise is PID 1 of its namespace here, so the
// orphans become its children). Debian's supervise leaves them as zombies
// in this position (observed), so this is not a differential test.
func TestSuperviseReapsOrphans(t *testing.T) {
	requireDebian(t, "svc", "svok", "svstat")
	for _, s := range supervisors[1:] {
		t.Run(s.name, func(t *testing.T) {
			parent := serviceTree(t, map[string]string{"run*": "#!/bin/sh\necho start >> signals\nsleep 0.2 &\nsleep 0.3 &\nexit 0\n"})
			b := superviseSv(t, s.bin, parent)
			waitFor(t, patience, "three starts", func() (bool, error) { return len(readLines(t, filepath.Join(parent, "sv/signals"))) >= 3, nil })
			debian(parent).run(t, "svc", "-d", "sv")
			waitSvstat(t, parent, "sv: down N seconds, normally up\n")
			init := b.innerPid(t)
			waitFor(t, patience, "no children left", func() (bool, error) {
				kids := childrenOf(init)
				return len(kids) == 0, fmt.Errorf("children %v", kids)
			})
		})
	}
}

// childrenOf lists pid's children with their state letter.
func childrenOf(pid int) []string {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var out []string
	for _, task := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		for _, kid := range strings.Fields(string(b)) {
			k, _ := strconv.Atoi(kid)
			if st := procStat(k); st != nil {
				out = append(out, kid+" "+st[0])
			}
		}
	}
	return out
}

// TestSuperviseRenamedDirectory: the directory renamed under a running
// supervise (mv sv .sv) keeps working: restarts happen in the new place.
func TestSuperviseRenamedDirectory(t *testing.T) {
	requireDebian(t, "supervise", "svc", "svok", "svstat")
	for _, s := range supervisors {
		t.Run(s.name, func(t *testing.T) {
			parent := serviceTree(t, map[string]string{"run*": recorderRun})
			superviseSv(t, s.bin, parent)
			waitFor(t, patience, "start", func() (bool, error) { return len(readLines(t, filepath.Join(parent, "sv/signals"))) == 1, nil })
			if err := os.Rename(filepath.Join(parent, "sv"), filepath.Join(parent, ".sv")); err != nil {
				t.Fatal(err)
			}
			debian(parent).run(t, "svc", "-k", ".sv")
			waitFor(t, patience, "restart in .sv", func() (bool, error) {
				got := readLines(t, filepath.Join(parent, ".sv/signals"))
				return cmp.Equal(got, []string{"start", "start"}), fmt.Errorf("sigs %q", got)
			})
			// gotools writes the new pid once exec has succeeded, which
			// can be after the script wrote its line.
			waitFor(t, patience, "svstat .sv up", func() (bool, error) {
				r := debian(parent).run(t, "svstat", ".sv")
				return strings.HasPrefix(r.Stdout, ".sv: up (pid "), fmt.Errorf("svstat .sv: %v", r)
			})
		})
	}
}

// TestSuperviseSession: ./run is a session leader unless no-setsid exists
// (docs/differences.md).
func TestSuperviseSession(t *testing.T) {
	requireDebian(t, "svok", "svstat")
	for _, noSetsid := range []bool{false, true} {
		t.Run(fmt.Sprint("no-setsid ", noSetsid), func(t *testing.T) {
			files := map[string]string{"run*": "#!/bin/sh\nexec sleep 100\n"}
			if noSetsid {
				files["no-setsid"] = ""
			}
			parent := serviceTree(t, files)
			b := superviseSv(t, binDir, parent)
			waitSvstat(t, parent, "sv: up (pid N) N seconds\n")
			inner := statusPid(t, parent)
			pid := hostPid(t, b, inner)
			st := procStat(pid)
			sup := procStat(b.innerPid(t))
			if st == nil || sup == nil {
				t.Fatal("process gone")
			}
			// Fields 5 and 6: process group and session.
			if leader := st[3] == strconv.Itoa(pid); leader == noSetsid {
				t.Logf("./run is %d in the namespace", inner)
				t.Errorf("./run %d has session %s (supervise's: %s)", pid, st[3], sup[3])
			}
		})
	}
}

// hostPid finds the pid, as this test sees it, of the child of b's
// supervise that has pid inner in b's namespace.
func hostPid(t *testing.T, b *background, inner int) int {
	t.Helper()
	sup := b.innerPid(t)
	for _, kid := range childrenOf(sup) {
		pid, _ := strconv.Atoi(strings.Fields(kid)[0])
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "NSpid:" && f[len(f)-1] == strconv.Itoa(inner) {
				return pid
			}
		}
	}
	t.Fatalf("no child of supervise has pid %d in its namespace", inner)
	return 0
}

// TestSuperviseInheritedIgnores: 0.76's ./run inherits the signals ignored
// when supervise started; gotools' keeps only HUP ignored, because the Go
// runtime handles every other signal from its start (README, Differences).
func TestSuperviseInheritedIgnores(t *testing.T) {
	requireDebian(t, "supervise", "svok", "svstat")
	const hup, pipe = 1 << (syscall.SIGHUP - 1), 1 << (syscall.SIGPIPE - 1)
	want := map[string]uint64{"debian": hup | pipe, "gotools": hup}
	for _, s := range supervisors {
		t.Run(s.name, func(t *testing.T) {
			parent := serviceTree(t, map[string]string{"run*": "#!/bin/sh\nsed -n 's/^SigIgn:\\t//p' /proc/self/status > ignored\nexec sleep 100\n"})
			b := cmd{Dir: parent, Bin: s.bin}.startIsolated(t, "/bin/sh", "-c", "trap '' HUP PIPE; exec supervise sv")
			awaitSvok(t, parent, b)
			var mask uint64
			waitFor(t, patience, "./run's SigIgn", func() (bool, error) {
				_, err := fmt.Sscanf(readFile(parent, "sv/ignored"), "%x", &mask)
				return err == nil, err
			})
			if got := mask & (hup | pipe); got != want[s.name] {
				t.Errorf("./run ignores %#x of HUP|PIPE (SigIgn %#x), want %#x", got, mask, want[s.name])
			}
		})
	}
}
