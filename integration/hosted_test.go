package integration

// Hosted loggers (docs/design.md, "Hosted loggers"): a NAME/log/run that
// execs gotools' multilog under gotools' svscan hands the logger over to
// svscan. What it does must not differ from a multilog process: the same
// files, owners, messages and exit statuses, and svc acts on it as on a
// process.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// hostedScenario is one logger under gotools' svscan: a service writes
// input into its log pipe, then the logger (bin's multilog, run by
// logRun in the work directory) starts and logs it, and svscan is
// stopped with TERM, which ends the logger at the end of its input.
type hostedScenario struct {
	input string
	// logRun is the end of NAME/log/run, after a cd to the work
	// directory; "exec multilog ARGS" runs bin's multilog.
	logRun string
	setup  func(t *testing.T, dir string)
	// extra, if set, adds observations to the outcome.
	extra func(t *testing.T, dir string) string
}

// inputLimit is the most input a scenario writes: all of it must fit in
// the pipe before the logger starts, so that the logger reads it in the
// same pieces however the two runs are scheduled.
const inputLimit = 60 << 10

// underSvscan runs the scenario with bin's multilog. gotools' multilog
// must be hosted (its xstatus says so while it runs); Debian's is a
// process.
func (sc hostedScenario) underSvscan(t *testing.T, bin, dir string) mlOutcome {
	t.Helper()
	if len(sc.input) > inputLimit {
		t.Fatalf("input of %d bytes: at most %d fit in the pipe", len(sc.input), inputLimit)
	}
	if sc.setup != nil {
		sc.setup(t, dir)
	}
	base := t.TempDir()
	input, wrote, exits := filepath.Join(base, "input"), filepath.Join(base, "wrote"), filepath.Join(base, "exits")
	must(t, os.WriteFile(input, []byte(sc.input), 0o644))
	scan := filepath.Join(base, "s")
	sv := writeService(t, scan, "w", fmt.Sprintf("#!/bin/sh\ncat %s\n: >%s\nexec sleep 1000000\n", input, wrote),
		fmt.Sprintf("#!/bin/sh\ncd %s || exit 111\n%s\n", dir, sc.logRun))
	must(t, os.WriteFile(filepath.Join(sv, "log", "down"), nil, 0o644))
	must(t, os.WriteFile(filepath.Join(sv, "log", "finish"), []byte(fmt.Sprintf("#!/bin/sh\necho \"$1 $2\" >>%s\n", exits)), 0o755))
	b := (cmd{Dir: base, Bin: bin, MountProc: true}).startIsolated(t, filepath.Join(binDir, "svscan"), "s")
	waitFor(t, patience, "the service to write its input", func() (bool, error) {
		_, err := os.Stat(wrote)
		return err == nil, nil
	})
	(cmd{Dir: scan}).run(t, "svc", "-u", "w/log")
	waitFor(t, patience, "the logger to run", func() (bool, error) {
		x := readXStatus(t, filepath.Join(sv, "log"))
		if _, err := os.Stat(exits); err == nil {
			return true, nil // it has ended already (a fatal start)
		}
		if bin == binDir {
			return x["state"] == "up" && x["hosted"] == "1", fmt.Errorf("xstatus %v, stderr %q", x, b.Stderr.String())
		}
		return x["state"] == "up", fmt.Errorf("xstatus %v, stderr %q", x, b.Stderr.String())
	})
	if bin != binDir {
		if x := readXStatus(t, filepath.Join(sv, "log")); x["hosted"] == "1" {
			t.Errorf("Debian's multilog is hosted: %v", x)
		}
	}
	must(t, syscall.Kill(b.innerPid(t), syscall.SIGTERM))
	b.wait(t)
	ends := readLines(t, exits)
	code := -1
	if len(ends) > 0 {
		fmt.Sscan(ends[0], &code)
	}
	out := mlOutcome{Code: code, Stderr: normStamps(b.Stderr.String()), Files: snapshot(t, dir)}
	if sc.extra != nil {
		out.Extra = sc.extra(t, dir)
	}
	return out
}

// readXStatus is the key=value map of DIR/supervise/xstatus (empty if
// there is none).
func readXStatus(t *testing.T, dir string) map[string]string {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(dir, "supervise", "xstatus"))
	x := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			x[k] = v
		}
	}
	return x
}

// hostedRuns is the differential comparison of a scenario: Debian's
// multilog as a process against gotools' hosted, both under gotools'
// svscan.
func hostedRuns(sc hostedScenario) comparison[mlOutcome] {
	c := multilogRuns(sc.underSvscan)
	c.what = "multilog under svscan (Debian's a process, gotools' hosted)"
	c.needs = append(c.needs, "setuidgid")
	return c
}

// TestMultilogDiffHosted runs the differential multilog scenarios through
// a hosted logger: selection, = files, e, long lines, rotation,
// processors, a start that fails.
func TestMultilogDiffHosted(t *testing.T) {
	requireRoot(t)
	long := strings.Repeat("0123456789", 250)
	counter := `'!n=$(cat <&4); n=$((${n:-0}+1)); echo $n >&5; echo "run $n: $(wc -l) lines"; tr 0 o'`
	tests := []struct {
		name, input, args string
	}{
		{"selection and e", "one\ntwo\nthree\n", "e -t* ./not-t -* +*e ./e"},
		{"status file", "one\n" + long + "\n", "=st"},
		{"e truncation", long[:199] + "\n" + long[:201] + "\n", "t e"},
		{"partial last line", "one\ntwo", "e ./d"},
		{"long lines rotate", strings.Repeat(long[:2499]+"\n", 10), "s4096 n5 ./d"},
		{"s4096 n3", lines(300, 51), "s4096 n3 ./d"},
		{"stamped s6000", lines(600, 20), "t s6000 n30 ./d"},
		{"two dirs", lines(400, 30), "s4096 n3 ./a -*5 s8000 n4 ./b"},
		{"processor state chains", lines(300, 51), "s4096 n5 " + counter + " ./d"},
		{"processor stderr", lines(100, 51), "s4096 '!echo to stderr >&2; cat' ./d"},
		{"action 1", "one\ntwo\n", "1 ./d"},
		{"fatal start", "one\n", "./d/sub/deeper"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			differential(t, hostedRuns(hostedScenario{input: tc.input, logRun: "exec multilog " + tc.args}))
		})
	}
}

// TestHostedLoggerAccount: a logger that becomes another account
// (setuidgid) before it execs multilog creates its directory's files as
// that account, and its processor runs as that account, hosted or not.
func TestHostedLoggerAccount(t *testing.T) {
	requireRoot(t)
	differential(t, hostedRuns(hostedScenario{
		input:  lines(300, 51),
		logRun: `mkdir -p main; chown nobody main; exec setuidgid nobody multilog t s4096 n3 '!echo "processor $(id -u):$(id -g) $(id -G) umask $(umask)" >&2; cat' ./main`,
		setup: func(t *testing.T, dir string) {
			// nobody must reach the work directory.
			must(t, os.Chmod(dir, 0o755))
			must(t, os.Chmod(filepath.Dir(dir), 0o755))
		},
		extra: owners,
	}))
}

// owners lists the owner of every file under root.
func owners(t *testing.T, root string) string {
	t.Helper()
	var out []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && p != root {
			st := info.Sys().(*syscall.Stat_t)
			rel, _ := filepath.Rel(root, p)
			out = append(out, fmt.Sprintf("%s %d:%d", normStamps(rel), st.Uid, st.Gid))
		}
		return nil
	})
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// TestHostedLoggerOptOut: a no-hosting file in NAME/log keeps the logger a
// multilog process; without it there is no multilog process, and
// supervise/xstatus says hosted=1.
func TestHostedLoggerOptOut(t *testing.T) {
	requireRoot(t)
	base := t.TempDir()
	dir := filepath.Join(base, "s")
	writeService(t, dir, "hosted", "#!/bin/sh\necho hello\nexec sleep 1000000\n", "#!/bin/sh\nexec multilog t ./main\n")
	opted := writeService(t, dir, "process", "#!/bin/sh\necho hello\nexec sleep 1000000\n", "#!/bin/sh\nexec multilog t ./main\n")
	must(t, os.WriteFile(filepath.Join(opted, "log", "no-hosting"), nil, 0o644))
	s := startScan(t, cmd{MountProc: true}, base, "s", true)
	for _, name := range []string{"hosted", "process"} {
		waitLogged(t, filepath.Join(dir, name, "log", "main"), "hello")
	}
	multilogs := map[string]int{}
	for _, p := range nsProcs(t, s.innerPid(t)) {
		if p.Name == "multilog" && p.State != "Z" {
			cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", p.Pid))
			multilogs[filepath.Base(filepath.Dir(cwd))]++
		}
	}
	if multilogs["hosted"] != 0 || multilogs["process"] != 1 {
		t.Errorf("multilog processes by service: %v, want none for hosted and one for process", multilogs)
	}
	for name, want := range map[string]string{"hosted": "1", "process": "0"} {
		if x := readXStatus(t, filepath.Join(dir, name, "log")); x["hosted"] != want {
			t.Errorf("%s/log: xstatus hosted=%q, want %q", name, x["hosted"], want)
		}
	}
}

// TestHandoverForgedRefused: only a logger's ./run that svscan runs may
// hand over. A multilog that is a main service's ./run, one that is not
// svscan's own child, and a request from outside the tree all log as
// processes (or are refused).
func TestHandoverForgedRefused(t *testing.T) {
	requireRoot(t)
	base := t.TempDir()
	dir := filepath.Join(base, "s")
	// Its input a FIFO opened for reading and writing: it never ends.
	writeService(t, dir, "main", "#!/bin/sh\nmkfifo in 2>/dev/null\nexec multilog t ./forged <>in\n", "")
	writeService(t, dir, "grandchild", "#!/bin/sh\necho hello\nexec sleep 1000000\n", "#!/bin/sh\nmultilog t ./main\n")
	s := startScan(t, cmd{MountProc: true}, base, "s", true)
	waitLogged(t, filepath.Join(dir, "grandchild", "log", "main"), "hello")
	waitFor(t, patience, "the main service's multilog to run", func() (bool, error) {
		_, err := os.Stat(filepath.Join(dir, "main", "forged", "current"))
		return err == nil, nil
	})
	count := 0
	for _, p := range nsProcs(t, s.innerPid(t)) {
		if p.Name == "multilog" && p.State != "Z" {
			count++
		}
	}
	if count != 2 {
		t.Errorf("%d multilog processes, want 2 (a main service's and a grandchild, neither hosted)", count)
	}
	for _, sv := range []string{"main", "grandchild/log"} {
		if x := readXStatus(t, filepath.Join(dir, sv)); x["hosted"] != "0" {
			t.Errorf("%s: xstatus hosted=%q, want 0", sv, x["hosted"])
		}
	}
	// A request from this test, outside svscan's namespace and no child
	// of it, with well-formed contents and descriptors.
	reply, err := forgeHandover(s.svscanPid(t))
	if err != nil || reply != "n" {
		t.Errorf("forged handover: reply %q, %v; want n", reply, err)
	}
}

// forgeHandover sends svscan a handover request as multilog does, with
// this process's descriptors, and returns the reply.
func forgeHandover(svscanPid int) (string, error) {
	fd := -1
	// The name is svscan's pid in its namespace, 1, in the first slot
	// free: several tests run such an svscan at once.
	for n := 0; n < 16 && fd < 0; n++ {
		name := "@gotools-svscan/1"
		if n > 0 {
			name += fmt.Sprintf("/%d", n)
		}
		s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return "", err
		}
		if unix.Connect(s, &unix.SockaddrUnix{Name: name}) == nil {
			if cred, err := unix.GetsockoptUcred(s, unix.SOL_SOCKET, unix.SO_PEERCRED); err == nil && int(cred.Pid) == svscanPid {
				fd = s
				break
			}
		}
		unix.Close(s)
	}
	if fd < 0 {
		return "", fmt.Errorf("no handover socket of svscan %d", svscanPid)
	}
	defer unix.Close(fd)
	msg := []byte("gotools-multilog-handover-1\x001\x00./forged\x00")
	if err := unix.Sendmsg(fd, msg, unix.UnixRights(0, 1, 2, 0), nil, 0); err != nil {
		return "", err
	}
	var b [1]byte
	n, err := unix.Read(fd, b[:])
	return string(b[:n]), err
}

// TestHostedLoggerSvcLetters sends a hosted logger, and a multilog
// process, the same svc letters, with gotools' svc and with Debian's, and
// compares what happened after each: svstat (pids and times normalised),
// what ./finish was told, whether current was rotated.
func TestHostedLoggerSvcLetters(t *testing.T) {
	requireRoot(t)
	requireDebian(t, "svstat")
	for _, svc := range []string{binDir, debianBin} {
		if svc == debianBin {
			requireDebian(t, "svc")
		}
		var transcripts [2][]string
		for i, hosted := range []bool{false, true} {
			t.Run(fmt.Sprintf("svc %s hosted %v", svc, hosted), func(t *testing.T) {
				transcripts[i] = svcLetters(t, svc, hosted)
			})
		}
		if d := cmpTranscripts(transcripts[0], transcripts[1]); d != "" {
			t.Errorf("svc from %s: process vs hosted (-process +hosted)\n%s", svc, d)
		}
	}
}

// svcLetters runs the letters through svc (from bin) on a logger and
// returns what was seen after each.
func svcLetters(t *testing.T, bin string, hosted bool) []string {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "s")
	exits := filepath.Join(base, "exits")
	sv := writeService(t, dir, "w", "#!/bin/sh\nwhile :; do echo line; sleep 0.01; done\n", "#!/bin/sh\nexec multilog t ./main\n")
	must(t, os.WriteFile(filepath.Join(sv, "log", "finish"), []byte(fmt.Sprintf("#!/bin/sh\necho \"$1 $2\" >>%s\n", exits)), 0o755))
	if !hosted {
		must(t, os.WriteFile(filepath.Join(sv, "log", "no-hosting"), nil, 0o644))
	}
	tree := startScan(t, cmd{MountProc: true}, base, "s", true)
	logDir := filepath.Join(sv, "log")
	// up waits for a logger that a signal reaches as multilog: hosted, or
	// a multilog process that catches TERM (before, the signal would hit
	// the shell of log/run, or multilog's start-up).
	up := func() {
		t.Helper()
		waitFor(t, patience, "the logger up, hosted or not as asked", func() (bool, error) {
			x := readXStatus(t, logDir)
			if x["state"] != "up" {
				return false, fmt.Errorf("xstatus %v", x)
			}
			if hosted {
				return x["hosted"] == "1", fmt.Errorf("xstatus %v", x)
			}
			for _, p := range nsProcs(t, tree.innerPid(t)) {
				if strconv.Itoa(p.NSpid) == x["pid"] && p.Name == "multilog" {
					b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid))
					return statusMask(string(b), "SigCgt")&(1<<(syscall.SIGTERM-1)) != 0, nil
				}
			}
			return false, fmt.Errorf("xstatus %v", x)
		})
	}
	up()
	// Logging: a multilog process has its signal handlers by then.
	waitFor(t, patience, "a line in current", func() (bool, error) {
		st, err := os.Stat(filepath.Join(logDir, "main", "current"))
		return err == nil && st.Size() > 0, nil
	})
	archives := func() int {
		m, _ := filepath.Glob(filepath.Join(logDir, "main", "@*.s"))
		return len(m)
	}
	var transcript []string
	for _, step := range []struct {
		letters string
		until   string // "rotated", "exit" (one more ./finish), "up", "down", "paused", "continued"
	}{
		{"-a", "rotated"},
		{"-p", "paused"},
		{"-c", "continued"},
		{"-t", "exit"},
		{"-k", "exit"},
		{"-h", "exit"},
		{"-i", "exit"},
		{"-d", "down"},
		{"-u", "up"},
		{"-d", "down"},
		{"-o", "up"},
		{"-t", "down"},
		{"-u", "up"},
		{"-x", "up"},
		{"-t", "exit"},
	} {
		finishes := func() string { b, _ := os.ReadFile(exits); return string(b) }
		rotated, exited := archives(), strings.Count(finishes(), "\n")
		(cmd{Dir: dir, Bin: bin}).run(t, "svc", step.letters, "w/log")
		waitFor(t, patience, fmt.Sprintf("svc %s: %s", step.letters, step.until), func() (bool, error) {
			line := svstatLine(t, cmd{}, dir, "w/log")
			switch step.until {
			case "rotated":
				return archives() > rotated, nil
			case "exit":
				return strings.Count(finishes(), "\n") > exited, nil
			case "paused":
				return strings.Contains(line, "paused"), nil
			case "continued":
				return strings.HasPrefix(line, "w/log: up") && !strings.Contains(line, "paused"), nil
			case "down":
				// ./finish runs while svstat says down: its line too.
				return strings.HasPrefix(line, "w/log: down") && strings.Count(finishes(), "\n") > exited, fmt.Errorf("svstat %q", line)
			}
			return strings.HasPrefix(line, "w/log: up"), fmt.Errorf("svstat %q", line)
		})
		if step.until == "exit" || step.until == "up" {
			up()
		}
		ends := strings.Split(strings.TrimSpace(finishes()), "\n")
		// Debian's svstat reads the same status as gotools'.
		debianSvstat := strings.TrimSuffix((cmd{Dir: dir, Bin: debianBin}).run(t, "svstat", "w/log").Stdout, "\n")
		transcript = append(transcript, fmt.Sprintf("svc %s: %s (Debian's svstat: %s); finish %q", step.letters,
			normaliseSvstat(svstatLine(t, cmd{}, dir, "w/log")), normaliseSvstat(debianSvstat), ends[len(ends)-1]))
	}
	return transcript
}

func cmpTranscripts(a, b []string) string {
	var d []string
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			d = append(d, "-"+x, "+"+y)
		}
	}
	return strings.Join(d, "\n")
}
