package integration

// Faults of the supervisor itself (docs/design.md, "What survives which
// fault"): svscan killed with SIGKILL at any instant never leaves a
// service running twice or unsupervised, and loses no logged line;
// adoption takes only what was started for the very directory.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// numberedWriter is a ./run that writes "NAME PID K" lines, K = 1, 2, ...,
// one every 2 ms, and after each line the pipe took, K into
// COUNTS/NAME.PID: what the log must hold even if the writer is killed
// the next instant.
const numberedWriter = `#!/usr/bin/perl
$SIG{PIPE} = 'IGNORE';
open(my $c, '+>', "%[2]s/%[1]s.$$") or die "counts: $!";
my $n = 0;
while (1) {
	if (syswrite(STDOUT, "%[1]s $$ " . ($n + 1) . "\n")) {
		$n++;
		sysseek($c, 0, 0);
		syswrite($c, sprintf("%%012d\n", $n));
	}
	select(undef, undef, undef, 0.002);
}
`

// killTree is a logged service tree under a svscan that svscanLoopInit
// starts again each time it dies.
type killTree struct {
	*scanTree
	base, counts string
	names        []string
	kills        int
	hosted       bool // the loggers run inside svscan (else: no-hosting)
}

func startKillTree(t *testing.T, services int, hosted bool) *killTree {
	t.Helper()
	return newKillTree(t, services, hosted, svscanLoopInit)
}

// newKillTree is startKillTree with init as the namespace's init, a
// shell script that runs svscan "$@".
func newKillTree(t *testing.T, services int, hosted bool, init string) *killTree {
	t.Helper()
	requireRoot(t)
	base := t.TempDir()
	k := &killTree{base: base, counts: filepath.Join(base, "counts"), hosted: hosted}
	dir := filepath.Join(base, "s")
	must(t, os.Mkdir(k.counts, 0o755))
	for i := range services {
		name := fmt.Sprintf("w%d", i)
		k.names = append(k.names, name)
		// n1000: a hosted logger dies with each killed svscan, and each
		// start archives its current (.u); none may be deleted.
		writeService(t, dir, name, fmt.Sprintf(numberedWriter, name, k.counts), "#!/bin/sh\nexec multilog t s16777215 n1000 ./main\n")
		if !hosted {
			must(t, os.WriteFile(filepath.Join(dir, name, "log", "no-hosting"), nil, 0o644))
		}
	}
	c := cmd{Dir: base, MountProc: true}
	k.scanTree = &scanTree{c.startIsolated(t, "/bin/sh", "-c", init, "sh", "s"), dir, false}
	return k
}

// kill sends SIGKILL to the running svscan and waits for the next one.
// A svscan that has just ended by itself (a shutdown that was quicker
// than the kill) is not counted as killed.
func (k *killTree) kill(t *testing.T) {
	t.Helper()
	old := k.svscanPid(t)
	switch err := syscall.Kill(old, syscall.SIGKILL); err {
	case nil:
		k.kills++
	case syscall.ESRCH:
	default:
		t.Fatal(err)
	}
	waitFor(t, patience, "a new svscan", func() (bool, error) { return k.svscanPid(t) != old, nil })
}

// pause is a random wait of up to max: when the next kill hits.
func pause(max time.Duration) { time.Sleep(rand.N(max + 1)) }

// census is what runs in the tree, per service directory: the pids (in
// the namespace) of the processes whose working directory it is, by
// kind, and what svstat says of it.
type census struct {
	writers, loggers map[string][]int // by service name
	svstat           map[string]string
	holders          []int // descriptor holders (pids of hosted loggers)
	hosted           bool
}

func (k *killTree) census(t *testing.T) census {
	t.Helper()
	c := census{writers: map[string][]int{}, loggers: map[string][]int{}, svstat: map[string]string{}, hosted: k.hosted}
	for _, p := range nsProcs(t, k.innerPid(t)) {
		if p.State != "Z" && p.Name == "svscan-holder" {
			c.holders = append(c.holders, p.NSpid)
		}
		if p.State == "Z" || p.Name != "run" && p.Name != "multilog" {
			continue
		}
		cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", p.Pid))
		if err != nil {
			continue // gone meanwhile
		}
		rel, _ := filepath.Rel(k.dir, cwd)
		switch name, log := strings.CutSuffix(rel, "/log"); {
		case log && p.Name == "multilog":
			c.loggers[name] = append(c.loggers[name], p.NSpid)
		case !log && p.Name == "run":
			c.writers[name] = append(c.writers[name], p.NSpid)
		}
	}
	var dirs []string
	for _, name := range k.names {
		dirs = append(dirs, name, name+"/log")
	}
	for _, line := range strings.Split(strings.TrimSpace((cmd{Dir: k.dir}).run(t, append([]string{"svstat"}, dirs...)...).Stdout), "\n") {
		if name, rest, ok := strings.Cut(line, ": "); ok {
			c.svstat[name] = rest
		}
	}
	return c
}

// problems lists what is wrong with the census: each service and each
// logger must run exactly once, supervised (svstat shows the pid that
// really runs). A hosted logger is no process: no multilog may run for
// it, and svstat shows the pid of the tree's one descriptor holder.
// (A multilog that was starting when svscan was killed runs on as a
// process, and is adopted as such.)
func (c census) problems(names []string) []string {
	var bad []string
	if c.hosted && len(c.holders) != 1 {
		bad = append(bad, fmt.Sprintf("descriptor holders %v, want one", c.holders))
	}
	for _, name := range names {
		for _, m := range []struct {
			dir    string
			pids   []int
			hosted bool
		}{{name, c.writers[name], false}, {name + "/log", c.loggers[name], c.hosted}} {
			want := ""
			// A multilog process can be the logger in a hosted tree too:
			// one that ran before a kill, adopted by the next svscan.
			switch {
			case m.hosted && len(m.pids) == 0 && len(c.holders) == 1:
				want = fmt.Sprintf("up (pid %d) ", c.holders[0])
			case len(m.pids) == 1:
				want = fmt.Sprintf("up (pid %d) ", m.pids[0])
			}
			if want == "" || !strings.HasPrefix(c.svstat[m.dir], want) {
				bad = append(bad, fmt.Sprintf("%s: running %v, svstat %q", m.dir, m.pids, c.svstat[m.dir]))
			}
		}
	}
	return bad
}

// settle waits until every service and logger runs once and supervised.
// A duplicate never goes away by itself, so one that is there stays until
// the deadline and fails the test, with how many ran at once.
func (k *killTree) settle(t *testing.T, after string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c := k.census(t)
		bad := c.problems(k.names)
		if len(bad) == 0 {
			return
		}
		if time.Now().After(deadline) {
			dups := 0
			for _, name := range k.names {
				dups += max(len(c.writers[name])-1, 0) + max(len(c.loggers[name])-1, 0)
			}
			t.Fatalf("after kill %d (%s): %d duplicate processes, not settled in 20 s:\n%s\nstderr: %s",
				k.kills, after, dups, strings.Join(bad, "\n"), tail(k.Stderr.String(), 2000))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// lines counts the numbered lines each writer's count file says the pipe
// took, against its service's log: lost (never logged) and logged more
// than once, and the first lost lines.
func (k *killTree) lines(t *testing.T) (written, lost, dup int, missing []string) {
	t.Helper()
	seen := map[string]int{}
	for _, name := range k.names {
		for _, line := range logged(t, filepath.Join(k.dir, name, "log", "main")) {
			seen[line]++
		}
	}
	files, _ := os.ReadDir(k.counts)
	for _, f := range files {
		name, pid, _ := strings.Cut(f.Name(), ".")
		b, _ := os.ReadFile(filepath.Join(k.counts, f.Name()))
		n, _ := strconv.Atoi(strings.TrimLeft(strings.TrimSpace(string(b)), "0"))
		written += n
		for i := 1; i <= n; i++ {
			switch c := seen[fmt.Sprintf("%s %s %d", name, pid, i)]; {
			case c == 0:
				lost++
				missing = append(missing, fmt.Sprintf("%s %s %d of %d", name, pid, i, n))
			case c > 1:
				dup++
			}
		}
	}
	return written, lost, dup, missing
}

// TestSvscanKill9AtAnyInstant kills svscan with SIGKILL 100 times at
// random moments: within 100 ms of its start (while it adopts), a few ms
// after svc -k (while it restarts a service behind the start barrier),
// and within 100 ms of its TERM (while it stops the tree), with four
// logged services (gotools' multilog) writing numbered lines. After each
// kill the next svscan must settle with exactly one ./run and one logger
// per service, each supervised; at the end, after a clean stop, every
// line the writers wrote is logged. With multilog processes each line is
// logged exactly once. Hosted loggers die with svscan and start again
// from what their pipe still holds: none may be lost, and the lines a
// killed logger had written but not yet consumed are logged twice (the
// test reports how many). Each with both cores idle and kept busy.
func TestSvscanKill9AtAnyInstant(t *testing.T) {
	for _, tc := range []struct{ hosted, loaded bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		t.Run(fmt.Sprintf("hosted %v loaded %v", tc.hosted, tc.loaded), func(t *testing.T) {
			if tc.loaded {
				loadCores(t)
			}
			k := startKillTree(t, 4, tc.hosted)
			k.settle(t, "start")
			start := time.Now()
			for round := 0; k.kills < 100; round++ {
				var what string
				switch round % 3 {
				case 0:
					what = "within 100 ms of svscan's start"
					k.kill(t)
					pause(100 * time.Millisecond)
				case 1:
					what = "during svc -k"
					victims := []string{k.names[rand.N(len(k.names))], k.names[rand.N(len(k.names))]}
					(cmd{Dir: k.dir}).run(t, append([]string{"svc", "-k"}, victims...)...)
					pause(20 * time.Millisecond)
				case 2:
					what = "during the shutdown"
					k.signal(t, syscall.SIGTERM)
					pause(100 * time.Millisecond)
				}
				k.kill(t)
				k.settle(t, what)
			}
			kills := k.kills
			// Earlier shutdowns may have ended before their kill: the
			// last exit is the one after this TERM.
			exits := strings.Count(k.Stderr.String(), "svscan exit=")
			must(t, os.WriteFile(filepath.Join(k.base, "stop"), nil, 0o644))
			k.signal(t, syscall.SIGTERM)
			waitFor(t, patience, "svscan to stop", func() (bool, error) {
				return strings.Count(k.Stderr.String(), "svscan exit=") > exits, nil
			})
			if last := k.Stderr.String()[strings.LastIndex(k.Stderr.String(), "svscan exit="):]; !strings.HasPrefix(last, "svscan exit=0") {
				t.Errorf("the last svscan ended with %q, want exit=0", last)
			}
			written, lost, dup, missing := k.lines(t)
			stderr := k.Stderr.String()
			t.Logf("%d kills in %v; %d lines written, %d lost, %d logged twice", kills, time.Since(start).Round(time.Millisecond), written, lost, dup)
			if lost > 0 || dup > 0 && !tc.hosted || written == 0 {
				t.Errorf("%d lines written, %d lost, %d logged twice; lost: %q", written, lost, dup, missing)
			}
			for _, bad := range []string{"unable to lock", "unable to acquire"} {
				if strings.Contains(stderr, bad) {
					t.Errorf("%q in the tree's stderr:\n%s", bad, tail(stderr, 2000))
				}
			}
		})
	}
}

// loadCores keeps every core busy with a shell loop until the test ends.
func loadCores(t *testing.T) {
	for range runtime.NumCPU() {
		busy := exec.Command("/bin/sh", "-c", "while :; do :; done")
		must(t, busy.Start())
		t.Cleanup(func() {
			busy.Process.Kill()
			busy.Wait()
		})
	}
}

// TestSvscanAdoptsOnlyItsOwn: a copy of a running service directory (cp
// -a, then renamed into the scan directory) has the original's xstatus,
// naming the original's ./run; it is not adopted: the copy starts its own
// ./run, as in 0.76, and svc -d on the copy leaves the original alone. A
// record forged to name an unrelated process (with its real start time),
// or left by an older gotools without the directory's identity, is not
// adopted either. A renamed directory (same inode) still is.
func TestSvscanAdoptsOnlyItsOwn(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "s")
	x := writeService(t, dir, "x", sleeperRun, "")
	c := cmd{Dir: base, MountProc: true}
	tree := &scanTree{c.startIsolated(t, "/bin/sh", "-c", svscanLoopInit, "sh", "s"), dir, false}
	xPid := waitUp(t, dir, "x")
	// The status names ./run before it runs: wait for its own record.
	waitFor(t, patience, "x's ./run", func() (bool, error) {
		return slices.Equal(readLines(t, filepath.Join(x, "pids")), []string{strconv.Itoa(xPid)}), nil
	})

	// cp -a while x runs, then mv into the scan directory.
	copied := filepath.Join(base, "y")
	if out, err := exec.Command("cp", "-a", x, copied).CombinedOutput(); err != nil {
		t.Fatalf("cp -a: %v %s", err, out)
	}
	must(t, os.Rename(copied, filepath.Join(dir, "y")))
	yPid := waitUp(t, dir, "y")
	if yPid == xPid {
		t.Fatalf("y adopted x's ./run (pid %d)", xPid)
	}
	waitFor(t, patience, "y's own ./run", func() (bool, error) {
		got := readLines(t, filepath.Join(dir, "y", "pids"))
		return slices.Equal(got, []string{strconv.Itoa(xPid), strconv.Itoa(yPid)}), fmt.Errorf("y/pids: %q, want x's pid then y's own start", got)
	})
	(cmd{Dir: dir}).run(t, "svc", "-d", "y")
	waitLine(t, dir, "y", "y: down N seconds, normally up")
	if pid, err := upPid(t, dir, "x"); pid != xPid {
		t.Errorf("x after svc -d y: pid %d (%v), want still %d", pid, err, xPid)
	}

	// Records copied into new directories, naming x's ./run with its true
	// start time: forged with x's directory and boot, and as an older
	// gotools wrote them (no directory, no boot).
	xs := xstatus(t, x)
	for _, f := range []struct {
		name string
		drop []string
	}{
		{"forged", nil},
		{"older", []string{"dirdev", "dirino", "bootid"}},
	} {
		sv := writeService(t, base, f.name, sleeperRun, "")
		must(t, os.Mkdir(filepath.Join(sv, "supervise"), 0o700))
		var text string
		for _, k := range []string{"state", "want", "pid", "pidstart", "since", "paused", "exiting", "ready",
			"readysince", "exitcode", "exitsignal", "restarts", "dirdev", "dirino", "bootid"} {
			if !slices.Contains(f.drop, k) {
				text += k + "=" + xs[k] + "\n"
			}
		}
		must(t, os.WriteFile(filepath.Join(sv, "supervise", "xstatus"), []byte(text), 0o644))
		must(t, os.Rename(sv, filepath.Join(dir, f.name)))
		if pid := waitUp(t, dir, f.name); pid == xPid {
			t.Errorf("%s record adopted: %s shows x's pid %d", f.name, f.name, pid)
		}
	}
	if pid, err := upPid(t, dir, "x"); pid != xPid {
		t.Errorf("x: pid %d (%v), want still %d", pid, err, xPid)
	}

	// Renamed, and svscan killed: the same directory, adopted.
	must(t, os.Rename(x, filepath.Join(dir, ".x")))
	old := tree.svscanPid(t)
	must(t, syscall.Kill(old, syscall.SIGKILL))
	waitFor(t, patience, "a new svscan", func() (bool, error) { return tree.svscanPid(t) != old, nil })
	must(t, os.Rename(filepath.Join(dir, ".x"), filepath.Join(dir, "renamed")))
	waitFor(t, patience, "x adopted as renamed", func() (bool, error) {
		pid, err := upPid(t, dir, "renamed")
		return pid == xPid, err
	})
	if got := readLines(t, filepath.Join(dir, "renamed", "pids")); len(got) != 1 {
		t.Errorf("x started %d times, want once: %q", len(got), got)
	}
}

// TestSvscanAdoptsFinish: svscan killed while a service's ./finish runs;
// the next svscan adopts the ./finish (xstatus keeps its pid) and starts
// ./run only once it has exited, as the dead svscan would have.
func TestSvscanAdoptsFinish(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "s")
	sv := writeService(t, dir, "x", "#!/bin/sh\necho run >> events\nexec sleep 1000000\n", "")
	must(t, os.WriteFile(filepath.Join(sv, "finish"),
		[]byte("#!/bin/sh\necho finish >> events\nwhile [ ! -e release ]; do sleep 0.01; done\necho finish-done >> events\n"), 0o755))
	c := cmd{Dir: base, MountProc: true}
	tree := &scanTree{c.startIsolated(t, "/bin/sh", "-c", svscanLoopInit, "sh", "s"), dir, false}
	waitUp(t, dir, "x")
	waitFor(t, patience, "./run", func() (bool, error) { return len(readLines(t, filepath.Join(sv, "events"))) == 1, nil })
	(cmd{Dir: dir}).run(t, "svc", "-k", "x")
	var finishPid string
	waitFor(t, patience, "./finish running", func() (bool, error) {
		x := xstatus(t, sv)
		finishPid = x["pid"]
		return x["state"] == "finishing" && slices.Contains(readLines(t, filepath.Join(sv, "events")), "finish"), fmt.Errorf("xstatus %v", x)
	})
	before := inode(filepath.Join(sv, "supervise", "status"))
	old := tree.svscanPid(t)
	must(t, syscall.Kill(old, syscall.SIGKILL))
	waitFor(t, patience, "the next svscan's first record", func() (bool, error) {
		return tree.svscanPid(t) != old && inode(filepath.Join(sv, "supervise", "status")) != before, nil
	})
	waitFor(t, patience, "x adopted while finishing", func() (bool, error) {
		x := xstatus(t, sv)
		if x["state"] == "up" {
			t.Fatalf("./run started while the old ./finish runs: %v", x)
		}
		return x["state"] == "finishing" && x["pid"] == finishPid, fmt.Errorf("xstatus %v", x)
	})
	must(t, os.WriteFile(filepath.Join(sv, "release"), nil, 0o644))
	waitFor(t, patience, "./run again", func() (bool, error) {
		return len(readLines(t, filepath.Join(sv, "events"))) == 4, nil
	})
	if got, want := readLines(t, filepath.Join(sv, "events")), []string{"run", "finish", "finish-done", "run"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

// TestSuperviseKill9AtAnyInstant: supervise killed with SIGKILL at random
// moments, half of them a few ms after svc -k (while it starts ./run
// again): the next supervise adopts the ./run that runs, so there is
// never a second one, and svstat shows the one that runs.
func TestSuperviseKill9AtAnyInstant(t *testing.T) {
	base := t.TempDir()
	sv := writeService(t, base, "sv", "#!/bin/sh\necho $$ >> pids\nexec sleep 1000000\n", "")
	const loop = `while :; do supervise sv; [ -e stop ] && exec sleep 1000000; done`
	b := (cmd{Dir: base, MountProc: true}).startIsolated(t, "/bin/sh", "-c", loop)
	supervisePid := func() int {
		t.Helper()
		var pid int
		waitFor(t, patience, "supervise", func() (bool, error) {
			for _, p := range nsProcs(t, b.innerPid(t)) {
				if p.Name == "supervise" && p.State != "Z" {
					pid = p.Pid
					return true, nil
				}
			}
			return false, nil
		})
		return pid
	}
	settle := func(kill int) {
		t.Helper()
		waitFor(t, patience, fmt.Sprintf("one ./run, supervised, after kill %d", kill), func() (bool, error) {
			var sleeps []int
			for _, p := range nsProcs(t, b.innerPid(t)) {
				if p.Name == "sleep" && p.State != "Z" {
					sleeps = append(sleeps, p.NSpid)
				}
			}
			pid, err := upPid(t, base, "sv")
			return len(sleeps) == 1 && pid == sleeps[0], fmt.Errorf("running %v, svstat pid %d (%v)", sleeps, pid, err)
		})
	}
	settle(0)
	for kill := 1; kill <= 30; kill++ {
		old := supervisePid()
		if kill%2 == 0 {
			(cmd{Dir: base}).run(t, "svc", "-k", "sv")
			pause(10 * time.Millisecond)
		}
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitFor(t, patience, "a new supervise", func() (bool, error) { return supervisePid() != old, nil })
		settle(kill)
	}
	starts := len(readLines(t, filepath.Join(sv, "pids")))
	t.Logf("30 kills of supervise: %d starts of ./run (15 svc -k)", starts)
}

// TestSvscanWaitsForABusyLock: a supervise/lock still taken when svscan
// starts (as by a child of a svscan killed a moment ago, between its fork
// and exec) is tried again soon and quietly: the service is up well
// before the next full scan (5 s), with no message.
func TestSvscanWaitsForABusyLock(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "s")
	sv := writeService(t, dir, "x", sleeperRun, "")
	must(t, os.Mkdir(filepath.Join(sv, "supervise"), 0o700))
	lock, err := os.OpenFile(filepath.Join(sv, "supervise", "lock"), os.O_WRONLY|os.O_CREATE, 0o600)
	must(t, err)
	defer lock.Close()
	must(t, syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	tree := startScan(t, cmd{}, base, "s", true)
	tree.svscanPid(t)
	// The lock stays taken for 300 ms of svscan's life (nothing on disk
	// shows its tries): well within its second of retries, and long after
	// its first scan on any but a very slow machine (there the test
	// passes without a retry).
	time.Sleep(300 * time.Millisecond)
	lock.Close()
	freed := time.Now()
	waitUp(t, dir, "x")
	if d := time.Since(freed); d > 3*time.Second {
		t.Errorf("x up %v after the lock was free, want well before the 5-second scan", d)
	}
	if s := tree.Stderr.String(); s != "" {
		t.Errorf("svscan stderr: %q", s)
	}
}

// gatedLoopInit starts svscan again after it died only once a file named
// go exists (and removes it): the test decides how long no svscan runs.
const gatedLoopInit = `while :; do svscan "$@"; echo "svscan exit=$?" >&2; [ -e stop ] && exec sleep 1000000; until [ -e go ]; do sleep 0.01; done; rm -f go; done`

// TestHostedLinesWhileNoSvscan kills the svscan of hosted loggers and
// keeps it dead while the services write on: the pipes keep a reader
// (the tree's descriptor holder), so the writes succeed and wait there,
// and the next svscan logs every line.
func TestHostedLinesWhileNoSvscan(t *testing.T) {
	k := newKillTree(t, 2, true, gatedLoopInit)
	k.settle(t, "start")
	written := func() int {
		n, _, _, _ := k.lines(t)
		return n
	}
	before := k.census(t)
	old := k.svscanPid(t)
	must(t, syscall.Kill(old, syscall.SIGKILL))
	k.kills++
	waitFor(t, patience, "svscan gone", func() (bool, error) {
		return syscall.Kill(old, 0) == syscall.ESRCH, nil
	})
	gap := written()
	waitFor(t, patience, "500 lines written while no svscan runs", func() (bool, error) {
		return written() >= gap+500, nil
	})
	during := k.census(t)
	if len(during.holders) != 1 {
		t.Errorf("descriptor holders while no svscan runs: %v, want one", during.holders)
	}
	for _, name := range k.names {
		if !slices.Equal(during.writers[name], before.writers[name]) {
			t.Errorf("%s: writers %v while no svscan runs, want %v still running", name, during.writers[name], before.writers[name])
		}
	}
	must(t, os.WriteFile(filepath.Join(k.base, "go"), nil, 0o644))
	k.settle(t, "the restart")
	must(t, os.WriteFile(filepath.Join(k.base, "stop"), nil, 0o644))
	k.signal(t, syscall.SIGTERM)
	waitFor(t, patience, "svscan to stop", func() (bool, error) {
		return strings.Count(k.Stderr.String(), "svscan exit=") >= 2, nil
	})
	total, lost, dup, missing := k.lines(t)
	t.Logf("%d lines written, %d while no svscan ran; %d lost, %d logged twice", total, total-gap, lost, dup)
	if lost > 0 || total-gap < 500 {
		t.Errorf("%d lines written (%d while no svscan ran), %d lost: %q", total, total-gap, lost, missing)
	}
}
