package integration

// Planted files in supervise/: a control that is not a FIFO, status.new and
// xstatus.new planted as symlinks (docs/service-directory.md).

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestControlNotAFifo: under one svscan, a service whose supervise/control
// is a symlink to /dev/zero and one whose control is a regular file cost
// the tree little CPU (0.76 spins at 100 % of a core on either), each gets
// one warning naming its directory, svc's first command and the bytes
// appended to the regular file are obeyed (as in 0.76), and a normal
// service of the same tree still obeys svc.
func TestControlNotAFifo(t *testing.T) {
	base := t.TempDir()
	for _, name := range []string{"zero", "file", "good"} {
		writeService(t, base, name, sleeperRun, "")
		must(t, os.Mkdir(filepath.Join(base, name, "supervise"), 0o700))
	}
	must(t, os.Symlink("/dev/zero", filepath.Join(base, "zero/supervise/control")))
	must(t, os.WriteFile(filepath.Join(base, "file/supervise/control"), nil, 0o600))
	tree := startScan(t, cmd{}, base, ".", true)
	for _, name := range []string{"zero", "file", "good"} {
		waitUp(t, base, name)
	}
	pid := tree.svscanPid(t)

	// The measurement window: CPU time used over a fixed stretch of wall
	// time, not a synchronisation.
	const window = 3 * time.Second
	before, start := cpuTicks(t, pid), time.Now()
	time.Sleep(window)
	used := float64(cpuTicks(t, pid)-before) / 100 / time.Since(start).Seconds()
	if used > 0.2 {
		t.Errorf("svscan used %.0f%% of a core over %v with a control on /dev/zero (want < 20%%)", used*100, window)
	}

	// svc writes at the start of the file: the first command gets through,
	// as with 0.76; later ones only when appended.
	if r := (cmd{Dir: base}).run(t, "svc", "-d", "file"); r.Code != 0 {
		t.Fatalf("svc -d file: %v", r)
	}
	waitLine(t, base, "file", "file: down N seconds, normally up")
	appendTo(t, filepath.Join(base, "file/supervise/control"), "u")
	waitUp(t, base, "file")
	if r := (cmd{Dir: base}).run(t, "svc", "-d", "good"); r.Code != 0 {
		t.Fatalf("svc -d good: %v", r)
	}
	waitLine(t, base, "good", "good: down N seconds, normally up")

	stderr := tree.Stderr.String()
	for _, name := range []string{"zero", "file"} {
		want := "supervise: warning: " + name + "/supervise/control is not a FIFO: reading it once a second\n"
		if n := strings.Count(stderr, want); n != 1 {
			t.Errorf("warning %q printed %d times, want once; stderr:\n%s", want, n, stderr)
		}
	}
	if strings.Contains(stderr, "good/") {
		t.Errorf("a warning about the normal service:\n%s", stderr)
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(fmt.Errorf("appending to %s: %w", path, err))
	}
}

// TestStatusNewPlantedAsSymlink: supervise/status.new and xstatus.new
// planted as symlinks to files outside are replaced, not written through
// (0.76 overwrites the target), and status and xstatus are still written.
func TestStatusNewPlantedAsSymlink(t *testing.T) {
	requireDebian(t, "svok", "svstat")
	parent := serviceTree(t, map[string]string{"run*": sleeperRun})
	must(t, os.Mkdir(filepath.Join(parent, "sv/supervise"), 0o700))
	outside := t.TempDir()
	const content = "precious\n"
	for _, name := range []string{"status", "xstatus"} {
		target := filepath.Join(outside, name)
		must(t, os.WriteFile(target, []byte(content), 0o644))
		must(t, os.Symlink(target, filepath.Join(parent, "sv/supervise", name+".new")))
	}
	b := superviseSv(t, binDir, parent)
	waitSvstat(t, parent, "sv: up (pid N) N seconds\n")
	pid := statusPid(t, parent)
	waitFor(t, patience, "xstatus with the pid", func() (bool, error) {
		x := xstatus(t, filepath.Join(parent, "sv"))
		return x["pid"] == fmt.Sprint(pid), fmt.Errorf("xstatus %v", x)
	})
	for _, name := range []string{"status", "xstatus"} {
		if got, _ := os.ReadFile(filepath.Join(outside, name)); string(got) != content {
			t.Errorf("%s.new's target was overwritten: %q", name, got)
		}
		if fi, err := os.Lstat(filepath.Join(parent, "sv/supervise", name)); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("supervise/%s: %v, %v", name, fi, err)
		}
	}
	if s := b.Stderr.String(); s != "" {
		t.Errorf("supervise stderr: %q", s)
	}
}
