package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Tests of what gotools' supervise does beyond 0.76: ./finish,
// notification-fd readiness, supervise/xstatus and svwait.

func waitXstatus(t *testing.T, parent string, want map[string]string) map[string]string {
	t.Helper()
	var x map[string]string
	waitFor(t, patience, fmt.Sprint("xstatus ", want), func() (bool, error) {
		x = xstatus(t, filepath.Join(parent, "sv"))
		for k, v := range want {
			if x[k] != v {
				return false, fmt.Errorf("xstatus %v", x)
			}
		}
		return true, nil
	})
	return x
}

func TestFinishGetsExitCodeAndRunsBeforeRestart(t *testing.T) {
	requireDebian(t, "svc", "svok", "svstat")
	parent := serviceTree(t, map[string]string{
		"run*":    "#!/bin/sh\necho run >> log\nexit 3\n",
		"finish*": "#!/bin/sh\necho \"finish $1 $2\" >> log\ntest -e hold && exec sleep 100\nexit 0\n",
		"hold":    "",
	})
	superviseSvOwnProc(t, parent)
	x := waitXstatus(t, parent, map[string]string{"state": "finishing", "exitcode": "3", "exitsignal": "0"})
	if x["pid"] == "0" || x["pidstart"] == "0" {
		t.Errorf("finishing without finish's pid: %v", x)
	}
	// While ./finish runs, the 18-byte status shows the service down.
	if got := svstat(t, parent); got != "sv: down N seconds, normally up, want up\n" {
		t.Errorf("svstat while finishing: %q", got)
	}
	// The record comes before ./finish runs (the start barrier): wait
	// for its line, which must come before any second ./run.
	waitFor(t, patience, "./finish's line", func() (bool, error) {
		got := readLines(t, filepath.Join(parent, "sv/log"))
		if len(got) > 4 || len(got) == 4 && !cmp.Equal(got, []string{"run", "finish", "3", "0"}) {
			t.Fatalf("log %q: ./run restarted before ./finish ended", got)
		}
		return len(got) == 4, nil
	})
	// The 5 s time limit kills the lingering ./finish; then ./run restarts.
	start := time.Now()
	os.Remove(filepath.Join(parent, "sv/hold"))
	waitFor(t, patience, "second run", func() (bool, error) {
		return strings.Count(readFile(parent, "sv/log"), "run\n") >= 2, nil
	})
	if d := time.Since(start); d < 4*time.Second {
		t.Errorf("./finish killed after %v, before its 5 s limit", d)
	}
}

func readFile(parent, name string) string {
	b, _ := os.ReadFile(filepath.Join(parent, name))
	return string(b)
}

func TestFinishAfterSignalAndAtExit(t *testing.T) {
	requireDebian(t, "svc", "svok", "svstat")
	parent := serviceTree(t, map[string]string{
		"run*":    "#!/bin/sh\nexec sleep 100\n",
		"finish*": "#!/bin/sh\necho \"finish $1 $2\" >> log\n",
	})
	b := superviseSv(t, binDir, parent)
	waitSvstat(t, parent, "sv: up (pid N) N seconds\n")
	debian(parent).run(t, "svc", "-k", "sv")
	waitFor(t, patience, "finish after kill", func() (bool, error) { return readFile(parent, "sv/log") == "finish 256 9\n", nil })
	waitSvstat(t, parent, "sv: up (pid N) N seconds\n")
	debian(parent).run(t, "svc", "-dx", "sv")
	if code := b.wait(t); code != 0 {
		t.Errorf("supervise exit %d", code)
	}
	if got := readFile(parent, "sv/log"); got != "finish 256 9\nfinish 256 15\n" {
		t.Errorf("log %q: ./finish did not run at exit", got)
	}
}

func TestFinish125StopsRestarts(t *testing.T) {
	requireDebian(t, "svc", "svok", "svstat")
	parent := serviceTree(t, map[string]string{
		"run*":    "#!/bin/sh\necho run >> log\nexit 1\n",
		"finish*": "#!/bin/sh\nexit 125\n",
	})
	superviseSv(t, binDir, parent)
	waitSvstat(t, parent, "sv: down N seconds, normally up\n")
	waitXstatus(t, parent, map[string]string{"state": "down", "want": "down", "exitcode": "1"})
	if got := readFile(parent, "sv/log"); got != "run\n" {
		t.Errorf("log %q: restarted after finish exit 125", got)
	}
}

func TestFinishNotExecutableIsIgnored(t *testing.T) {
	requireDebian(t, "svc", "svok", "svstat")
	parent := serviceTree(t, map[string]string{
		"run*":   "#!/bin/sh\necho run >> log\nexec sleep 100\n",
		"finish": "#!/bin/sh\necho finish >> log\n",
	})
	b := superviseSv(t, binDir, parent)
	// The first ./run must have written its line before the kill, or the
	// log never holds two.
	waitFor(t, patience, "first run", func() (bool, error) { return readFile(parent, "sv/log") == "run\n", nil })
	debian(parent).run(t, "svc", "-k", "sv")
	waitFor(t, patience, "restart", func() (bool, error) { return readFile(parent, "sv/log") == "run\nrun\n", nil })
	if s := b.Stderr.String(); s != "" {
		t.Errorf("stderr %q", s)
	}
}

// readinessRun signals readiness on fd 5 once the file "go" exists.
const readinessRun = "#!/bin/sh\nwhile [ ! -e go ]; do sleep 0.05; done\necho >&5\nexec sleep 100\n"

func TestReadinessAndSvwait(t *testing.T) {
	requireDebian(t, "svc", "svok", "svstat")
	parent := serviceTree(t, map[string]string{"run*": readinessRun, "notification-fd": "5\n"})
	superviseSv(t, binDir, parent)
	waitSvstat(t, parent, "sv: up (pid N) N seconds\n")
	if r := (cmd{Dir: parent}).run(t, "svwait", "-u", "-t", "10000", "sv"); r.Code != 0 {
		t.Errorf("svwait -u on an up service: %v", r)
	}
	if x := xstatus(t, filepath.Join(parent, "sv")); x["ready"] != "0" {
		t.Errorf("ready before readiness: %v", x)
	}
	r := cmd{Dir: parent}.run(t, "svwait", "-U", "-t", "300", "sv")
	if want := (result{Code: 1, Stderr: "svwait: fatal: timed out waiting for sv\n"}); r != want {
		t.Errorf("svwait -U before readiness: %v\nwant %v", r, want)
	}
	waiter := cmd{Dir: parent}.startIsolated(t, "svwait", "-U", "sv")
	os.WriteFile(filepath.Join(parent, "sv/go"), nil, 0o644)
	if code := waiter.wait(t); code != 0 {
		t.Errorf("svwait -U: exit %d, %s", code, waiter.Stderr.String())
	}
	x := xstatus(t, filepath.Join(parent, "sv"))
	if x["ready"] != "1" || x["readysince"] < x["since"] {
		t.Errorf("xstatus after readiness: %v", x)
	}
	// A restart clears readiness; -d and -u follow svc.
	down := cmd{Dir: parent}.startIsolated(t, "svwait", "-d", "sv")
	debian(parent).run(t, "svc", "-d", "sv")
	if code := down.wait(t); code != 0 {
		t.Errorf("svwait -d: exit %d, %s", code, down.Stderr.String())
	}
	debian(parent).run(t, "svc", "-u", "sv")
	if r := (cmd{Dir: parent}).run(t, "svwait", "-t", "20000", "sv"); r.Code != 0 {
		t.Errorf("svwait (-u) after svc -u: %v", r)
	}
	if r := (cmd{Dir: parent}).run(t, "svwait", "-U", "-t", "20000", "sv"); r.Code != 0 {
		t.Errorf("svwait -U after restart: %v", r)
	}
}

func TestReadinessBadNotificationFd(t *testing.T) {
	requireDebian(t, "svc", "svok", "svstat")
	for _, content := range []string{"2\n", "junk\n"} {
		t.Run(strings.TrimSpace(content), func(t *testing.T) {
			parent := serviceTree(t, map[string]string{"run*": "#!/bin/sh\nexec sleep 100\n", "notification-fd": content})
			b := superviseSv(t, binDir, parent)
			waitSvstat(t, parent, "sv: up (pid N) N seconds\n")
			want := "supervise: warning: unable to use sv/notification-fd: not a descriptor number of 3 or more\n"
			if got := b.Stderr.String(); got != want {
				t.Errorf("stderr %q, want %q", got, want)
			}
		})
	}
}

func TestSvwaitErrors(t *testing.T) {
	requireDebian(t, "supervise", "svc", "svok")
	parent := serviceTree(t, map[string]string{"run*": "#!/bin/sh\nexec sleep 100\n"})
	tests := []struct {
		args []string
		want result
	}{
		{nil, result{Code: 100, Stderr: "svwait: usage: svwait [-u | -U | -d] [-t MILLISECONDS] DIR...\n"}},
		{[]string{"-t", "x", "sv"}, result{Code: 100, Stderr: "svwait: usage: svwait [-u | -U | -d] [-t MILLISECONDS] DIR...\n"}},
		{[]string{"-Z", "sv"}, result{Code: 100, Stderr: "svwait: usage: svwait [-u | -U | -d] [-t MILLISECONDS] DIR...\n"}},
		{[]string{"nonexistent"}, result{Code: 111, Stderr: "svwait: fatal: unable to watch nonexistent/supervise: file does not exist\n"}},
		{[]string{"-h", "sv"}, result{Stdout: "usage: svwait [-u | -U | -d] [-t MILLISECONDS] DIR...\nsee: gotools help svwait (docs/svwait.md)\n"}},
	}
	for _, tc := range tests {
		if r := (cmd{Dir: parent}).run(t, append([]string{"svwait"}, tc.args...)...); r != tc.want {
			t.Errorf("svwait %q: %v\nwant %v", tc.args, r, tc.want)
		}
	}
	// A supervise that has gone: waiting would be for ever. Debian's
	// supervise leaves the same files, so svwait works with it too.
	b := superviseSv(t, debianBin, parent)
	if r := (cmd{Dir: parent}).run(t, "svwait", "-u", "sv"); r.Code != 0 {
		t.Errorf("svwait -u on Debian's supervise: %v", r)
	}
	debian(parent).run(t, "svc", "-dx", "sv")
	b.wait(t)
	want := result{Code: 111, Stderr: "svwait: fatal: unable to watch sv: supervise not running\n"}
	if r := (cmd{Dir: parent}).run(t, "svwait", "-u", "sv"); r != want {
		t.Errorf("svwait -u, supervise gone: %v\nwant %v", r, want)
	}
	if r := (cmd{Dir: parent}).run(t, "svwait", "-d", "sv"); r.Code != 0 {
		t.Errorf("svwait -d, supervise gone and service down: %v", r)
	}
}

// TestXStatusRecordsRestartsAndExit checks xstatus against /proc.
func TestXStatusRecordsRestartsAndExit(t *testing.T) {
	requireDebian(t, "svc", "svok", "svstat")
	parent := serviceTree(t, map[string]string{"run*": "#!/bin/sh\nexec sleep 100\n"})
	b := superviseSvOwnProc(t, parent)
	waitSvstat(t, parent, "sv: up (pid N) N seconds\n")
	debian(parent).run(t, "svc", "-t", "sv")
	x := waitXstatus(t, parent, map[string]string{"state": "up", "restarts": "1", "exitcode": "256", "exitsignal": "15"})
	inner := statusPid(t, parent)
	if x["pid"] != fmt.Sprint(inner) {
		t.Errorf("xstatus pid %s, status pid %d", x["pid"], inner)
	}
	if st := procStat(hostPid(t, b, inner)); st == nil || st[19] != x["pidstart"] {
		t.Errorf("pidstart %s, /proc says %v", x["pidstart"], st)
	}
	debian(parent).run(t, "svc", "-p", "sv")
	waitXstatus(t, parent, map[string]string{"paused": "1"})
	debian(parent).run(t, "svc", "-cx", "sv")
	waitXstatus(t, parent, map[string]string{"paused": "0", "exiting": "1", "want": "up"})
	b.signal(t, syscall.SIGTERM)
	b.wait(t)
	waitXstatus(t, parent, map[string]string{"state": "down", "want": "down", "pid": "0", "pidstart": "0"})
}

// superviseSvOwnProc is superviseSv for gotools with /proc mounted for its
// PID namespace, as in a container, so that it can read its children's
// start times (it records none when /proc shows another namespace).
func superviseSvOwnProc(t *testing.T, parent string) *background {
	t.Helper()
	return awaitSvok(t, parent, cmd{Dir: parent, MountProc: true}.startIsolated(t, "supervise", "sv"))
}
